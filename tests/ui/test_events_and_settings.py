"""Sync events from another thread reach the UI thread; settings persist across windows."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from app.net.events import EventBus
from app.ui.events_bridge import EventBridge


def test_events_published_on_a_thread_arrive_on_the_ui_thread(qtbot, qapp):
    bus = EventBus()
    bus.emit("health", "old/130200", origin="old/130200", state="ok")  # replayed on attach
    bridge = EventBridge()
    seen = []
    bridge.eventReceived.connect(lambda ev: seen.append((ev.kind, QThread.currentThread())))
    bridge.attach(bus)
    assert seen and seen[0][0] == "health"
    worker = threading.Thread(target=lambda: bus.emit("alert", "x", message="fork"))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert seen[1] == ("alert", qapp.thread())
    bridge.detach()
    bus.emit("alert", "x", message="after detach")
    qapp.processEvents()
    assert len(seen) == 2


def test_status_bar_shows_peers_and_offline_banner(make_window, node_dir, qtbot):
    w = make_window(node_dir, per_city=50)
    bus = w.bus

    def publish(origin, state, lag=0):
        threading.Thread(
            target=lambda: bus.emit("health", origin, origin=origin, state=state, lag=lag)
        ).start()

    publish("cityledger.example/130200", "ok")
    publish("cityledger.example/130400", "ok", lag=40)
    qtbot.waitUntil(lambda: "1 in sync · 1 lagging · 0 down" in w.status.peers_label.text())
    assert w.status.banner.text() == "Online"
    publish("cityledger.example/130200", "failing")
    publish("cityledger.example/130400", "failing")
    qtbot.waitUntil(lambda: w.status.banner.text().startswith("OFFLINE since"))
    assert "0 in sync · 0 lagging · 2 down" in w.status.peers_label.text()


def test_layout_view_and_data_folder_persist(make_window, node_dir, settings, qtbot):
    w = make_window(node_dir, per_city=50)
    w.table_dock.hide()
    w.map.zoom_to_bbox((114.40, 37.95, 114.60, 38.10), pad=0)
    view = w.map.view_bbox()
    w.close()
    assert settings.value("data_dir") == str(node_dir)

    again = make_window(node_dir, per_city=50)
    assert not again.table_dock.isVisible()
    restored = again.map.view_bbox()
    # Same centre and width; the height follows the map's aspect in the new layout.
    centre = lambda b: ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)  # noqa: E731
    assert all(abs(a - b) < 0.01 for a, b in zip(centre(restored), centre(view)))
    assert abs((restored[2] - restored[0]) - (view[2] - view[0])) < 0.05


def test_open_another_data_folder_closes_the_first_node(make_window, node_dir, tmp_path, qtbot):
    from app.ledger.node import Node

    other = tmp_path / "other"
    Node.create(other, "130600", "Baoding", "保定市", "pw").close()
    w = make_window(node_dir, per_city=50)
    assert w.ws.city_code == "130100"
    w.open_data_folder(other)
    qtbot.waitUntil(lambda: w.ws is not None and w.ws.city_code == "130600", timeout=60000)
    assert w.inspector.code is None
    assert w.layers.cities.item(0).text() == "Baoding"
    # the first node is closed: another process may now open and write it
    node = Node.open(node_dir)
    node.close()


def test_a_served_node_reads_down_after_three_unanswered_polls_not_one(node_dir):
    """The window watches a `node serve` process through /info: one lost answer from a
    busy node is not "own node down" (the peers' rule: 3 calls in a row, or 15 s)."""
    from app.ledger.node import Node
    from app.net.demo_network import free_port
    from app.net.health import OWN_DOWN
    from app.ui import background
    from app.ui.worker import WorkerContext

    node = Node.open(node_dir)
    try:
        url = f"http://127.0.0.1:{free_port()}/"  # nothing listens: refused at once
        ctx = WorkerContext(node=node, extra={"served_url": url})
        bus = EventBus()
        states = []
        bus.subscribe(lambda e: states.append(e.data["status"]["state"]))
        background.poll_server(ctx, bus)
        background.poll_server(ctx, bus)
        assert states == []
        background.poll_server(ctx, bus)
        assert states == [OWN_DOWN]
    finally:
        node.close()
