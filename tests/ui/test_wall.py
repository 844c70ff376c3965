"""Wall mode: read-only, rotating views with a countdown and keys, type sizes from the
screen, a health strip, alerts worst first, a critical takeover until acknowledged, and
flat memory over thousands of rotations."""

from __future__ import annotations

import re
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel, QWidget

from app.net.events import EventBus
from app.ui import alerts
from app.ui.wall import MAX_ALERT_ROWS, WallWindow
from app.ui.wall_data import MIN_TEXT_PX, type_sizes
from tests.ui.conftest import CITY


def _wall(qtbot, backend, node_dir, bus=None, size=(1920, 1080)):
    wall = WallWindow(backend, node_dir, bus=bus, rotate_s=3600, demo_assets_per_city=200)
    qtbot.addWidget(wall)
    wall.resize(*size)
    wall.show()
    qtbot.waitUntil(lambda: wall.snapshot is not None, timeout=60000)
    return wall


def _texts(wall) -> list[QLabel]:
    return [w for w in wall.findChildren(QLabel) if w.isVisible() and w.text().strip()]


def test_type_sizes_scale_with_the_screen():
    hd, uhd = type_sizes(1920, 1080), type_sizes(3840, 2160)
    assert min(hd.values()) >= MIN_TEXT_PX == 24
    assert all(uhd[role] == 2 * hd[role] for role in hd)
    assert min(type_sizes(1280, 720).values()) >= MIN_TEXT_PX  # never below, even small


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_no_text_on_the_wall_is_small(qtbot, backend, node_dir, size):
    wall = _wall(qtbot, backend, node_dir, size=size)
    assert (wall.width(), wall.height()) == size  # it fits the screen it is made for
    floor = MIN_TEXT_PX * size[1] // 1080
    small = [(w.text(), QFontInfo(w.font()).pixelSize()) for w in _texts(wall)]
    small = [(t, px) for t, px in small if px < floor]
    assert not small, small


def test_wall_rotates_with_a_countdown_and_keys(qtbot, backend, node_dir):
    wall = _wall(qtbot, backend, node_dir)
    assert wall._views == [None, CITY]
    assert wall.caption.text() == "Network overview"
    assert wall.countdown.text().startswith("Next: Shijiazhuang in ")
    wall.map.zoom_to_bbox((100.0, 20.0, 101.0, 21.0))  # somewhere else entirely
    qtbot.keyClick(wall, Qt.Key.Key_Right)
    assert wall.caption.text() == "Shijiazhuang"
    x0, y0, x1, y1 = wall.map.view_bbox()
    assert x0 < 114.51 < x1 and y0 < 38.04 < y1  # the city seat is in view
    qtbot.keyClick(wall, Qt.Key.Key_Left)
    assert wall.caption.text() == "Network overview"
    qtbot.keyClick(wall, Qt.Key.Key_Space)
    assert wall.paused and wall.countdown.text().startswith("Paused")
    wall._next_rotation = 0  # the rotation is due, but paused
    wall._tick()
    assert wall.caption.text() == "Network overview"
    qtbot.keyClick(wall, Qt.Key.Key_Space)
    assert not wall.paused
    wall._next_rotation = 0
    wall._tick()
    assert wall.caption.text() == "Shijiazhuang"
    assert wall.map.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # read-only
    qtbot.keyClick(wall, Qt.Key.Key_Escape)
    assert not wall.isVisible()


def test_wall_counters_follow_the_node(qtbot, backend, node_dir):
    wall = _wall(qtbot, backend, node_dir)
    # the log: the official and the seed code, each batch with its code-map entry
    assert wall.c_codes.value.text() == "1" and wall.c_log.value.text() == "4"
    seed = node_dir.joinpath("seed_code").read_text()
    assert seed in wall.recent_rows[0].full_text and "Seed pump" in wall.recent_rows[0].full_text
    assert wall.spotlight.text() == f"{seed} · Seed pump"  # the full text, never cut


def test_a_long_name_is_cut_in_the_list_and_whole_on_rotation(qtbot, backend, node_dir):
    wall = _wall(qtbot, backend, node_dir)
    long_name = "Zhongshan Road district heating main, section between " * 3
    snap = wall.snapshot
    snap.recent = [("130100-HEA-0000000A-X", long_name, "", "")]
    wall._snapshot(snap)
    row = wall.recent_rows[0]
    assert row.full_text.endswith(long_name) and row.shown_text().endswith("…")
    wall.rotate()
    assert long_name in wall.spotlight.text()


def test_health_strip_alerts_and_recovery(qtbot, backend, node_dir):
    """A member city reported down: its strip row turns red with the reason, a red
    alert names it; when it answers again both clear."""
    bus = EventBus()
    wall = _wall(qtbot, backend, node_dir, bus)
    origin = "cityledger.example/130200"
    reason = "its node does not answer (3 failed calls): ConnectError"
    bus.emit(
        "health", origin, origin=origin, city="130200", status={"state": "down", "reason": reason}
    )
    qtbot.waitUntil(lambda: wall.alerts and wall.alerts[0].severity == alerts.ERROR, timeout=10000)
    first = wall.alert_rows[0]
    assert "130200 is down" in first.text() and reason in first.text()
    assert "#f85149" in first.styleSheet()  # red
    assert wall.banner.text() == "OFFLINE since " + wall.banner.text().split("since ")[1]
    bus.emit("health", origin, origin=origin, city="130200", status={"state": "ok", "reason": ""})
    qtbot.waitUntil(lambda: wall.alert_rows[0].text() == "No alerts", timeout=10000)
    assert wall.banner.text() == "Online"


def test_alerts_are_ordered_worst_first():
    from app.net.events import Event
    from app.ui.network_state import NetworkState

    net = NetworkState(own_origin="x/130100")
    for origin, state in (("x/130200", "lagging"), ("x/130400", "down"), ("x/130600", "frozen")):
        net.apply(
            Event("health", origin, {"origin": origin, "status": {"state": state, "reason": state}})
        )
    got = alerts.current_alerts(net, [("130100-WAT-00000000-0", "Inclusion")])
    assert [a.severity for a in got] == [
        alerts.CRITICAL,
        alerts.ERROR,
        alerts.ERROR,
        alerts.WARNING,
    ]
    assert got[0].key == "frozen:x/130600"


def test_a_critical_alert_takes_over_until_acknowledged_at_a_workstation(qtbot, backend, node_dir):
    bus = EventBus()
    wall = _wall(qtbot, backend, node_dir, bus)
    origin = "cityledger.example/130200"
    bus.emit(
        "health",
        origin,
        origin=origin,
        city="130200",
        status={"state": "frozen", "reason": "two checkpoints of size 9 with different roots"},
    )
    qtbot.waitUntil(lambda: wall.takeover.isVisible(), timeout=10000)
    assert wall.takeover.geometry() == wall.rect()
    assert "different roots" in wall.takeover.text.text()
    # a workstation on the same data folder acknowledges it
    alerts.acknowledge(node_dir, [f"frozen:{origin}"])
    wall.refresh()
    qtbot.waitUntil(lambda: not wall.takeover.isVisible(), timeout=20000)
    assert wall.alerts[0].severity == alerts.CRITICAL  # still listed, no longer full-screen


def test_wall_stays_bounded_under_an_event_flood(qtbot, backend, node_dir):
    bus = EventBus(history=50)
    wall = _wall(qtbot, backend, node_dir, bus)

    def flood():
        for i in range(3000):
            bus.emit(
                "alert", "cityledger.example/130200", level="error", message=f"fork evidence #{i}"
            )
            bus.emit(
                "health",
                f"cityledger.example/13{i % 7:04d}",
                origin=f"cityledger.example/13{i % 7:04d}",
                state="failing",
            )

    thread = threading.Thread(target=flood)
    thread.start()
    thread.join()
    qtbot.waitUntil(
        lambda: any("fork evidence #2999" in r.text() for r in wall.alert_rows), timeout=30000
    )
    assert len(wall.alert_rows) == MAX_ALERT_ROWS
    assert len(wall.net.alerts) <= 200 and len(wall.net.peers) == 7
    assert wall.banner.text().startswith("OFFLINE since")
    # refreshes never queue up behind a slow node: at most one snapshot in flight
    for _ in range(50):
        wall.refresh()
    assert backend.pending() <= 1


@pytest.mark.slow
def test_soak_ten_thousand_rotations_and_updates_stay_flat(qtbot, backend, node_dir):
    """Days of rotations, snapshots and health changes in fast-forward: Qt object counts
    do not grow at all and Python memory stays within a small bound."""
    import gc
    import tracemalloc

    from PySide6.QtCore import QObject

    bus = EventBus(history=50)
    wall = _wall(qtbot, backend, node_dir, bus)
    snap = wall.snapshot
    origin = "cityledger.example/130200"
    states = ("ok", "down", "lagging", "frozen")

    def cycle(i):
        wall.rotate()
        wall._snapshot(snap)
        status = {"state": states[i % 4], "reason": f"reason {i % 4}"}
        wall._on_event(bus.emit("health", origin, origin=origin, status=status))
        wall._tick()

    def counts():
        gc.collect()
        return len(wall.findChildren(QObject)), tracemalloc.get_traced_memory()[0]

    for i in range(200):
        cycle(i)
    tracemalloc.start()
    try:
        objects, memory = counts()
        for i in range(10_000):
            cycle(i)
            if i % 500 == 0:
                qtbot.wait(1)  # let deferred deletes and repaints run
        objects_after, memory_after = counts()
    finally:
        tracemalloc.stop()
    assert objects_after == objects
    assert memory_after - memory < 512 * 1024, (memory, memory_after)
    assert len(wall.findChildren(QWidget)) < 200


def test_wall_refuses_a_missing_or_empty_data_folder(tmp_path, capsys):
    from app.cli.main import main

    for folder in (tmp_path / "nowhere", tmp_path):
        code = main(["--data", str(folder), "wall", "--screenshot", str(tmp_path / "x.png")])
        err = capsys.readouterr().err
        assert code == 2, err
        assert "cannot show the wall" in err and str(folder) in err
        assert not (tmp_path / "x.png").exists()


def test_map_labels_and_legend_use_the_wall_type_sizes(qtbot, backend, node_dir):
    wall = _wall(qtbot, backend, node_dir)
    assert wall.map._labels, "the wall's map has city labels"
    for label in wall.map._labels:
        assert QFontInfo(label.textItem.font()).pixelSize() >= MIN_TEXT_PX
    assert QFontInfo(wall.map.overlay._font()).pixelSize() >= MIN_TEXT_PX
    wall.resize(3840, 2160)
    qtbot.waitUntil(lambda: wall.type_px["small"] == 2 * MIN_TEXT_PX, timeout=10000)
    assert QFontInfo(wall.map._labels[0].textItem.font()).pixelSize() >= 2 * MIN_TEXT_PX


@pytest.mark.parametrize(("language", "name"), [("en", "Shijiazhuang"), ("zh_CN", "石家庄市")])
def test_map_city_labels_are_in_the_ui_language(qtbot, qapp, backend, node_dir, language, name):
    """One name per city on the map, the UI language's (from the boundary data)."""
    from app.ui import i18n

    try:
        i18n.install(qapp, language)
        wall = _wall(qtbot, backend, node_dir)
        texts = [label.textItem.toPlainText() for label in wall.map._labels]
        assert name in texts
        other = re.compile(r"[\u4e00-\u9fff]" if language == "en" else r"[A-Za-z]")
        assert not any(other.search(t) for t in texts), texts
    finally:
        i18n.install(qapp, "en")


def test_a_down_peer_reason_is_in_the_ui_language(qtbot, qapp, backend, node_dir):
    """The health model gives its reason as a template: the wall's alert and the status
    bar's tooltip show it in Chinese — the exception's family by its Chinese phrase, the
    raw text only as the tooltip's second line — while the English sentence (the CLI's)
    is kept, with "1 failed call" in the singular."""
    from app.net.events import Event
    from app.net.health import PeerHealth, assess
    from app.ui import i18n
    from app.ui.network_state import NetworkState
    from app.ui.status_bar import StatusBar

    origin = "cityledger.example/130200"
    peer = PeerHealth(origin, "130200")
    raw = "ConnectError: [Errno 111] Connection refused"
    peer.city_failed(raw)
    one = assess(peer, now=peer.city_failing_since + 20).as_dict()
    assert one["reason"] == f"its node does not answer (1 failed call): {raw}"
    for _ in range(2):
        peer.city_failed(raw)
    status = assess(peer).as_dict()
    assert status["reason"] == f"its node does not answer (3 failed calls): {raw}"
    bus = EventBus()
    try:
        i18n.install(qapp, "en")
        singular = i18n.reason_text(one["template"], one["params"])
        assert singular == "its node does not answer (1 failed call): connection refused"
        i18n.install(qapp, "zh_CN")
        wall = _wall(qtbot, backend, node_dir, bus)
        bus.emit("health", origin, origin=origin, city="130200", status=status)
        qtbot.waitUntil(lambda: bool(wall.alerts), timeout=10000)
        chinese = "其节点无应答（连续 3 次调用失败）：连接被拒绝"
        assert chinese in wall.alert_rows[0].text() and "Connect" not in wall.alert_rows[0].text()
        net = NetworkState(own_origin="cityledger.example/130100")
        net.apply(Event("health", origin, {"origin": origin, "city": "130200", "status": status}))
        bar = StatusBar()
        bar.show_network(net)
        assert bar.peers_label.toolTip() == f"130200: 离线 — {chinese}\n    {raw}"
    finally:
        i18n.install(qapp, "en")
