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


def test_a_script_selecting_through_the_model_drives_the_window(make_window, node_dir, qtbot):
    """The selection a script sets on the Qt-free model is what the map, the table and the
    inspector show; may_issue on the same row is what the Issue action decides."""
    from app.ledger.issuance import OTHER_CITY, may_issue

    w = make_window(node_dir)
    shown = []
    w.selectionShown.connect(shown.append)
    w.selection_model.select([5])
    assert shown == [[5]] and w.map.selection() == [5] and w.selection == [5]
    assert w.inspector.code == w.ws.table.record(5)["code"]
    elsewhere = {**w.ws.table.record(7), "city": "130200"}  # a Tangshan asset
    refusal = may_issue(w.ws.city_code, elsewhere)
    assert refusal is not None and refusal.kind == OTHER_CITY
    assert may_issue(w.ws.city_code, w.ws.table.record(7)) is None
    w.selection_model.clear()
    assert w.map.selection() == [] and shown[-1] == []
