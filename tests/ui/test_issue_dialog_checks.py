"""The issue dialog runs the same asset checks as the CLI and /submit, and records an
official's boundary override in the signed record."""

from __future__ import annotations

from tests.ui.conftest import NODE_PASS, OFFICIAL, OFFICIAL_PASS, wait_idle

PARIS = {"type": "Point", "coordinates": [2.3522, 48.8566]}


def test_an_asset_outside_the_city_needs_the_officials_reason(make_window, node_dir, qtbot):
    from app.ledger.node import Node

    w = make_window(node_dir)
    w.select_rows([6], "test")
    w.issue_code()
    dialog = w.issue_dialog
    dialog.asset = {**dialog.asset, "geometry": PARIS}  # as if the asset lay in Paris
    qtbot.waitUntil(lambda: dialog.official_combo.count() == 1, timeout=30000)
    dialog.official_combo.setCurrentText(OFFICIAL)
    dialog.passphrase.setText(OFFICIAL_PASS)
    dialog.node_passphrase.setText(NODE_PASS)
    dialog.issue_button.click()
    qtbot.waitUntil(lambda: dialog.issue_button.isEnabled(), timeout=60000)
    assert dialog.outcome is None and dialog.pages.currentIndex() == 0
    assert "outside the boundary of city 130100" in dialog.error.text()
    assert "km away" in dialog.error.text()

    dialog.boundary_override.setText("pumping station leased abroad")
    dialog.issue_button.click()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=60000)
    code = dialog.outcome.code
    dialog.close()
    w.close()
    wait_idle(qtbot, w.backend)
    w.backend.stop()
    with Node.open(node_dir) as node:
        record = node.history(code)[0][1]
    attributes = record["asset"]["attributes"]
    assert attributes["boundary_override"] == "pumping station leased abroad"
    assert record["asset"]["geometry"]["coordinates"] == PARIS["coordinates"]
