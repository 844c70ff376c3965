"""Wall mode: read-only, rotating views, live counters, bounded lists under a flood."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from app.net.events import EventBus
from app.ui.wall import MAX_ALERT_ROWS, WallWindow
from tests.ui.conftest import CITY


def _wall(qtbot, backend, node_dir, bus=None):
    wall = WallWindow(backend, node_dir, bus=bus, rotate_s=3600, demo_assets_per_city=200)
    qtbot.addWidget(wall)
    wall.resize(1920, 1080)
    wall.show()
    qtbot.waitUntil(lambda: wall.snapshot is not None, timeout=60000)
    return wall


def test_wall_rotates_between_overview_and_cities(qtbot, backend, node_dir):
    wall = _wall(qtbot, backend, node_dir)
    assert wall._views == [None, CITY]
    assert wall.caption.text() == "Network overview"
    wall.map.zoom_to_bbox((100.0, 20.0, 101.0, 21.0))  # somewhere else entirely
    wall.rotate()
    assert "石家庄市" in wall.caption.text()
    x0, y0, x1, y1 = wall.map.view_bbox()
    assert x0 < 114.51 < x1 and y0 < 38.04 < y1  # the city seat is in view
    wall.rotate()
    assert wall.caption.text() == "Network overview"
    assert wall.map.testAttribute(Qt.WA_TransparentForMouseEvents)  # read-only


def test_wall_counters_follow_the_node(qtbot, backend, node_dir):
    wall = _wall(qtbot, backend, node_dir)
    assert wall.c_codes.value.text() == "1" and wall.c_log.value.text() == "2"
    seed = node_dir.joinpath("seed_code").read_text()
    assert wall.recent.topLevelItem(0).text(0) == seed


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
        lambda: "fork evidence #2999" in wall.alerts.topLevelItem(0).text(0), timeout=30000
    )
    assert wall.alerts.topLevelItemCount() <= MAX_ALERT_ROWS
    assert len(wall.net.alerts) <= 200 and len(wall.net.peers) == 7
    assert wall.banner.text().startswith("OFFLINE since")
    # refreshes never queue up behind a slow node: at most one snapshot in flight
    for _ in range(50):
        wall.refresh()
    assert backend.pending() <= 1


def test_wall_refresh_cycles_do_not_grow(qtbot, backend, node_dir):
    """Days of refreshes in fast-forward: widget and Python object counts stay flat."""
    import gc

    from PySide6.QtWidgets import QWidget

    wall = _wall(qtbot, backend, node_dir)
    snap = wall.snapshot

    def counts():
        gc.collect()
        return len(wall.findChildren(QWidget)), len(gc.get_objects())

    for _ in range(50):
        wall._snapshot(snap)
        wall.rotate()
    widgets, objects = counts()
    for _ in range(500):
        wall._snapshot(snap)
        wall.rotate()
        wall._tick()
    widgets_after, objects_after = counts()
    assert widgets_after == widgets
    assert objects_after - objects < 2000, (objects, objects_after)


def test_wall_alerts_on_codes_that_fail_verification(qtbot, backend, tmp_path):
    """Quorum 1 in a one-city network: no witness can co-sign, so the newest code is
    not verified, and the wall says so."""
    from app.ledger.node import Node
    from tests.ui.conftest import NODE_PASS, OFFICIAL, OFFICIAL_PASS, install_single_city_trust

    data = tmp_path / "strict"
    node = Node.create(data, CITY, "Shijiazhuang", "石家庄市", NODE_PASS)
    try:
        node.add_official(OFFICIAL, OFFICIAL_PASS)
        code = node.issue(
            OFFICIAL,
            OFFICIAL_PASS,
            "GAS",
            "Regulator",
            {"type": "Point", "coordinates": [114.5, 38.0]},
        ).code
        install_single_city_trust(data, node, quorum=1)
    finally:
        node.close()
    wall = _wall(qtbot, backend, data)
    first = wall.alerts.topLevelItem(0).text(0)
    assert code in first and "witness cosignatures" in first
