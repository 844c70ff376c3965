"""The main window on a real node: open, link selections, search, issue, verify."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel

from tests.ui.conftest import CITY, NODE_PASS, OFFICIAL, OFFICIAL_PASS, wait_idle


def test_window_opens_on_the_node(make_window, node_dir):
    w = make_window(node_dir)
    assert w.ws.origin.endswith(CITY)
    seed = node_dir.joinpath("seed_code").read_text()
    # 400 demo assets plus the seed code, which matches no demo asset: its own row.
    assert w.table.model.rowCount() == 401
    assert w.ws.table.row_of_code(seed) == 400
    assert w.layers.cities.count() == 1 and w.layers.cities.item(0).text() == "Shijiazhuang"
    qtbot_wait = w.status.log_label.text
    assert "4 entries" in qtbot_wait()  # official-add + the seed issue, each with its code map
    for dock in (w.layers_dock, w.inspector_dock, w.table_dock):
        assert dock.isVisible()


def test_map_selection_drives_inspector_and_table_and_back(make_window, node_dir, qtbot):
    w = make_window(node_dir)
    table = w.ws.table
    with qtbot.waitSignal(w.selectionShown):
        w.map.set_selection([5], emit=True)  # what a click on the map does
    assert w.inspector.title.text() == table.name(5)
    selected = w.table.view.selectionModel().selectedRows()
    assert [w.table.model.table_row(i.row()) for i in selected] == [5]

    # table -> map
    model = w.table.model
    view_row = int(np.flatnonzero(model.rows == 17)[0])
    with qtbot.waitSignal(w.selectionShown):
        w.table.view.selectionModel().select(
            model.index(view_row, 0), QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows
        )
    assert w.map.selection() == [17]
    assert w.inspector.title.text() == table.name(17)


def test_selecting_a_coded_asset_shows_history_and_verification(make_window, node_dir, qtbot):
    w = make_window(node_dir)
    seed = node_dir.joinpath("seed_code").read_text()
    row = w.ws.table.row_of_code(seed)
    with qtbot.waitSignal(w.detailsShown, timeout=30000):
        w.map.set_selection([row], emit=True)
    assert w.inspector.code == seed
    assert w.inspector.history.topLevelItemCount() == 1
    assert w.inspector.history.topLevelItem(0).text(2) == "issue"
    names = [title.lower() for title, _status, _why in w.inspector.verification.rows]
    assert "entry signature" in names and "inclusion" in names
    assert w.inspector.verification.failed_checks() == []
    # showing a second result leaves no label of the first one on screen
    from PySide6.QtWidgets import QLabel

    view = w.inspector.verification
    view.show_result(view.result)
    assert len(view.checks.findChildren(QLabel)) == 3 * len(view.rows)  # old ones are gone
    qtbot.wait(50)
    shown = [lab for lab in view.checks.findChildren(QLabel) if lab.isVisible()]
    assert len(shown) == 3 * len(view.rows)


def test_search_jumps_to_name_code_and_city(make_window, node_dir, qtbot):
    w = make_window(node_dir)
    table = w.ws.table
    name = table.name(42)
    with qtbot.waitSignal(w.searchDone) as sig:
        w.search(name)
    assert sig.args[0].kind == "name" and 42 in w.selection
    x0, y0, x1, y1 = w.map.view_bbox()
    assert x0 <= table.x[42] <= x1 and y0 <= table.y[42] <= y1

    seed = node_dir.joinpath("seed_code").read_text()
    sloppy = seed.replace("-", " ").lower()  # forgiving input
    with qtbot.waitSignal(w.searchDone) as sig:
        w.search(sloppy)
    assert sig.args[0].kind == "code" and sig.args[0].code == seed
    assert w.selection == [table.row_of_code(seed)]

    w.map.zoom_to_bbox((114.50, 38.00, 114.52, 38.02))
    with qtbot.waitSignal(w.searchDone) as sig:
        w.search("石家庄")
    assert sig.args[0].kind == "city" and sig.args[0].city == CITY
    x0, y0, x1, y1 = w.map.view_bbox()
    assert x1 - x0 > 1.0  # zoomed out to the whole city


def _issue_via_dialog(w, qtbot, row, node_passphrase, official=OFFICIAL, passphrase=OFFICIAL_PASS):
    w.select_rows([row], "test")
    w.issue_code()
    dialog = w.issue_dialog
    qtbot.waitUntil(lambda: dialog.official_combo.count() == 1, timeout=30000)
    dialog.official_combo.setCurrentText(official)
    dialog.passphrase.setText(passphrase)
    dialog.node_passphrase.setText(node_passphrase)
    dialog.issue_button.click()
    qtbot.waitUntil(
        lambda: dialog.outcome is not None or dialog.issue_button.isEnabled(), timeout=60000
    )
    assert dialog.outcome is not None, dialog.error.text()
    return dialog, dialog.outcome


def test_issue_dialog_sequences_a_real_code(make_window, node_dir, qtbot):
    from app.core.codes import parse_code
    from app.ledger.node import Node

    w = make_window(node_dir)
    row = 3
    dialog, outcome = _issue_via_dialog(w, qtbot, row, NODE_PASS)
    assert not outcome.pending and outcome.index is not None
    assert str(parse_code(outcome.code)) == outcome.code and outcome.code.startswith(CITY)
    assert dialog.pages.currentIndex() == 1 and dialog.code_label.text() == outcome.code
    assert "CONFIRMED" in dialog.state_label.text()
    assert not dialog.qr.pixmap().isNull()
    assert w.ws.table.codes[row] == outcome.code and w.ws.table.status_of(row) == "issued"
    dialog.close()
    w.close()
    wait_idle(qtbot, w.backend)
    w.backend.stop()
    node = Node.open(node_dir)
    try:
        state = node.code_state(outcome.code)
        assert state is not None and state.attributes["asset_id"] == w.ws.table.asset_id(row)
    finally:
        node.close()


def test_issue_with_locked_city_keys_goes_to_the_outbox_as_pending(make_window, node_dir, qtbot):
    w = make_window(node_dir)
    dialog, outcome = _issue_via_dialog(w, qtbot, 9, "")
    assert outcome.pending and outcome.index is None
    assert "PENDING" in dialog.state_label.text()
    assert w.ws.table.status_of(9) == "pending"
    # once the city keys are unlocked, the outbox is delivered and the code confirmed
    w.backend.call(lambda ctx: ctx.node.unlock(NODE_PASS))
    w.poll_node()
    qtbot.waitUntil(lambda: w.ws.table.status_of(9) == "issued", timeout=30000)
    assert w.ws.table.codes[9] == outcome.code


def test_wrong_official_passphrase_is_refused_clearly(make_window, node_dir, qtbot):
    w = make_window(node_dir)
    w.select_rows([4], "test")
    w.issue_code()
    dialog = w.issue_dialog
    qtbot.waitUntil(lambda: dialog.official_combo.count() == 1, timeout=30000)
    dialog.passphrase.setText("not-the-passphrase")
    dialog.node_passphrase.setText(NODE_PASS)
    dialog.issue_button.click()
    qtbot.waitUntil(lambda: dialog.issue_button.isEnabled(), timeout=60000)
    assert "passphrase" in dialog.error.text().lower()
    assert dialog.pages.currentIndex() == 0 and w.ws.table.codes[4] is None


@pytest.mark.slow
def test_issue_goes_to_the_node_server_when_one_owns_the_log(make_window, node_dir, qtbot):
    """A `node serve` process sequences this log: the app submits like a remote
    workstation, and queues in the outbox (pending) while the server is down."""
    from app.net.demo_network import NodeProcess, free_port

    server = NodeProcess(CITY, node_dir, free_port(), passphrase=NODE_PASS).start()
    try:
        w = make_window(node_dir)
        qtbot.waitUntil(lambda: w.network.mode == "served", timeout=30000)
        dialog, outcome = _issue_via_dialog(w, qtbot, 6, "")
        # 0 official, 2 seed code, each batch's code-map entry after it
        assert not outcome.pending and outcome.index == 4
        assert not dialog.node_passphrase.isVisible()  # the server holds the city keys
        qtbot.waitUntil(lambda: "6 entries" in w.status.log_label.text(), timeout=30000)

        server.stop()
        dialog.close()
        dialog, outcome = _issue_via_dialog(w, qtbot, 7, "")
        assert outcome.pending and w.ws.table.status_of(7) == "pending"
        server.start()
        qtbot.waitUntil(lambda: w.ws.table.status_of(7) == "issued", timeout=60000)
    finally:
        server.stop()


@pytest.mark.slow
def test_background_sync_brings_another_citys_codes_onto_the_map(make_window, tmp_path, qtbot):
    """The app's own node (no server) syncs a peer city in the background: peer health
    reaches the status bar and the peer's codes become rows of the table and map."""
    from app.net.demo_network import create_network, issue_demo_codes

    net = create_network(tmp_path / "net", cities=("130100", "130200"), quorum=1)
    peer = net.node("130200")
    codes = issue_demo_codes(peer.data_dir, 5)
    peer.start()
    try:
        w = make_window(net.node("130100").data_dir, per_city=50)
        qtbot.waitUntil(lambda: w.network.mode == "sync", timeout=30000)
        # Its only possible witness is this app's own node, which serves nothing here: the
        # status bar must say so (stale, 0 of 1 cosignatures) rather than "in sync".
        qtbot.waitUntil(
            lambda: "0 of 1 cosignatures" in w.status.peers_label.toolTip(), timeout=60000
        )
        assert "1 lagging" in w.status.peers_label.text()
        assert w.status.peers_label.toolTip().startswith("130200: quorum not met")
        qtbot.waitUntil(
            lambda: all(w.ws.table.row_of_code(c) is not None for c in codes), timeout=60000
        )
        row = w.ws.table.row_of_code(codes[0])
        assert w.ws.table.city(row) == "130200" and w.ws.table.status_of(row) == "issued"
        qtbot.waitUntil(lambda: w.table.model.rowCount() == len(w.ws.table), timeout=30000)
    finally:
        peer.stop()
