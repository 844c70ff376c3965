"""Peer health is measured and shown the same everywhere: a member city's node killed ->
the status bar, the layers panel and the wall say it is down within 10 s, with a red
alert; when it is started again all of it clears."""

from __future__ import annotations

import pytest

from app.ui.network_state import RED


@pytest.mark.slow
@pytest.mark.multinode
def test_a_killed_peer_shows_down_with_an_alert_and_clears_on_restart(
    make_window, backend, tmp_path, qtbot
):
    from app.net.demo_network import create_network
    from app.ui.wall import WallWindow

    net = create_network(tmp_path / "net", cities=("130100", "130200", "130400"), quorum=1)
    own, peer = net.node("130100"), net.node("130200")
    try:
        for node in net.nodes:  # inside the try: a node that does not start stops the rest
            # Default intervals: a quiet city is polled up to 60 s apart, but its node gets
            # a liveness probe every few seconds, so a killed one reads down within 10 s.
            node.start()
        w = make_window(own.data_dir, per_city=50)
        wall = WallWindow(backend, own.data_dir, rotate_s=3600, demo_assets_per_city=50)
        qtbot.addWidget(wall)
        wall.resize(1920, 1080)
        wall.show()
        qtbot.waitUntil(lambda: "2 in sync" in w.status.peers_label.text(), timeout=60000)
        qtbot.waitUntil(lambda: wall.net.counts()["ok"] == 2, timeout=30000)
        tangshan = next(r for r in wall.city_rows if r.name.full_text == "Tangshan")

        # Quiet long enough that the full polls have backed off past the 10 s asked for.
        qtbot.wait(25000)
        peer.kill()  # SIGKILL: no goodbye, the port just refuses
        qtbot.waitUntil(lambda: "1 down" in w.status.peers_label.text(), timeout=10000)
        qtbot.waitUntil(lambda: tangshan.light == RED, timeout=10000)
        assert "down" in tangshan.pill.text() and tangshan.reason.full_text
        qtbot.waitUntil(
            lambda: any("Tangshan is down" in r.text() for r in wall.alert_rows), timeout=10000
        )
        row = next(r for r in wall.alert_rows if "Tangshan is down" in r.text())
        assert "#f85149" in row.styleSheet()  # red
        item = next(
            w.layers.cities.item(i)
            for i in range(w.layers.cities.count())
            if w.layers.cities.item(i).data(0x0100) == "130200"
        )
        assert item.toolTip().startswith("down")

        peer.start()
        qtbot.waitUntil(lambda: "2 in sync" in w.status.peers_label.text(), timeout=90000)
        qtbot.waitUntil(lambda: tangshan.light != RED, timeout=30000)
        qtbot.waitUntil(
            lambda: not any("Tangshan" in r.text() for r in wall.alert_rows), timeout=30000
        )
    finally:
        net.stop()
