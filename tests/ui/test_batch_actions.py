"""Actions on many selected assets: a box selection of 1,000 assets issued in the
background with progress, cancel and a truthful summary, on a real node."""

from __future__ import annotations

from threading import Event

from app.ledger.db import sqlite_url
from app.ledger.issuance import HAS_CODE, IssueRefusal
from app.ledger.map_state import is_map_entry
from app.ledger.node import DB_FILE
from app.ledger.store import Store
from tests.ui.conftest import NODE_PASS, OFFICIAL, OFFICIAL_PASS, wait_idle

N_ASSETS = 1000


class CancelDuringChunk(Event):
    """The user's Cancel press reaches the worker while chunk ``n - 1`` is being
    sequenced (the batch asks before every chunk), however fast this machine is."""

    def __init__(self, n: int):
        super().__init__()
        self.n, self.asked, self.pressed = n, 0, False

    def set(self) -> None:
        self.pressed = True

    def is_set(self) -> bool:
        self.asked += 1
        if self.pressed and self.asked >= self.n:
            super().set()
        return super().is_set()


def records_logged(node_dir, size: int) -> int:
    """The log's records among its first `size` entries (not the batches' code-map
    entries), read from the node's database beside the app."""
    store = Store(sqlite_url(node_dir / DB_FILE))
    try:
        origin = next(i.origin for i in store.logs() if i.kind == "own")
        return sum(not is_map_entry(e) for e in store.entries(origin, 0, size))
    finally:
        store.close()


def box_select_all(w, qtbot) -> list[int]:
    x0, y0, x1, y1 = w.ws.table.x.min(), w.ws.table.y.min(), w.ws.table.x.max(), w.ws.table.y.max()
    with qtbot.waitSignal(w.selectionShown):
        w.map._box_select((x0 - 0.01, y0 - 0.01, x1 + 0.01, y1 + 0.01), False)  # a Shift-drag
    return list(w.selection)


def start_batch(w, qtbot, node_passphrase: str):
    w.issue_code()  # Ctrl+I
    return start_batch_dialog(w.batch_dialog, qtbot, node_passphrase)


def start_batch_dialog(dialog, qtbot, node_passphrase: str):
    qtbot.waitUntil(lambda: dialog.official_combo.count() > 0, timeout=30000)
    dialog.official_combo.setCurrentText(OFFICIAL)
    dialog.passphrase.setText(OFFICIAL_PASS)
    dialog.node_passphrase.setText(node_passphrase)
    return dialog


def test_box_selected_thousand_assets_are_issued_with_progress(make_window, node_dir, qtbot):
    w = make_window(node_dir, per_city=N_ASSETS)
    rows = box_select_all(w, qtbot)
    seed_row = w.ws.table.row_of_code(node_dir.joinpath("seed_code").read_text())
    assert len(rows) == N_ASSETS + 1 and seed_row in rows  # the seed asset has its code
    dialog = start_batch(w, qtbot, NODE_PASS)
    assert dialog.rows == rows  # every selected asset, not the first one only
    seen = []
    w.backend.progress.connect(lambda _label, done, total: seen.append((done, total)))
    with qtbot.waitSignal(dialog.batchDone, timeout=120000) as done:
        dialog.start_button.click()
    outcome = done.args[0]
    assert len(outcome.issued) == N_ASSETS and not outcome.pending and not outcome.cancelled
    assert [(r, type(why)) for r, why in outcome.refused] == [(seed_row, IssueRefusal)]
    assert outcome.refused[0][1].kind == HAS_CODE
    assert seen[-1] == (N_ASSETS + 1, N_ASSETS + 1) and len(seen) > 2  # it moved, chunk by chunk
    assert dialog.progress.value() == N_ASSETS + 1
    table = w.ws.table
    for o in outcome.issued:
        assert table.codes[o.row] == o.code and table.status_of(o.row) == "issued"
    assert "1,000 issued" in dialog.summary.text() or "1000 issued" in dialog.summary.text()
    assert dialog.refusals.count() == 1 and "already has the code" in dialog.refusals.item(0).text()
    wait_idle(qtbot, w.backend)
    # official + seed + the batch, in the log
    assert records_logged(node_dir, w.net.log_size) == 2 + N_ASSETS


def test_cancel_leaves_a_truthful_summary(make_window, node_dir, qtbot):
    w = make_window(node_dir, per_city=N_ASSETS)
    rows = box_select_all(w, qtbot)
    dialog = start_batch(w, qtbot, NODE_PASS)
    dialog.cancel_event = CancelDuringChunk(n=3)  # pressed during the 2nd chunk
    with qtbot.waitSignal(dialog.batchDone, timeout=120000) as done:
        dialog.start_button.click()
        dialog.cancel_button.click()  # the real button: it disables itself and says so
        assert not dialog.cancel_button.isEnabled()
    outcome = done.args[0]
    assert outcome.cancelled
    issued_rows = {o.row for o in outcome.issued}
    # chunks already handed to the sequencer are done; nothing after them was started
    assert 0 < len(issued_rows) < N_ASSETS
    assert outcome.not_started == len(rows) - len(issued_rows) - len(outcome.refused)
    assert outcome.not_started > 0
    table = w.ws.table
    coded = {r for r in rows if table.codes[r] is not None} - {outcome.refused[0][0]}
    assert coded == issued_rows  # the map shows exactly what was issued
    assert "not started (cancelled)" in dialog.summary.text()
    assert dialog.close_button.isVisible()
    wait_idle(qtbot, w.backend)
    # the log agrees with the summary
    assert records_logged(node_dir, w.net.log_size) == 2 + len(issued_rows)


def test_locked_city_keys_leave_the_batch_pending_not_confirmed(make_window, node_dir, qtbot):
    w = make_window(node_dir, per_city=40)
    rows = box_select_all(w, qtbot)
    dialog = start_batch(w, qtbot, "")  # no city node passphrase: nothing is sequenced here
    with qtbot.waitSignal(dialog.batchDone, timeout=60000) as done:
        dialog.start_button.click()
    outcome = done.args[0]
    assert not outcome.issued and len(outcome.pending) == len(rows) - 1
    for o in outcome.pending:
        assert w.ws.table.status_of(o.row) == "pending"  # not shown as issued
    assert "0 issued" in dialog.summary.text() and "pending in the outbox" in dialog.summary.text()


def test_wrong_passphrase_stops_the_batch_before_anything_is_signed(make_window, node_dir, qtbot):
    w = make_window(node_dir, per_city=40)
    box_select_all(w, qtbot)
    dialog = start_batch(w, qtbot, NODE_PASS)
    dialog.passphrase.setText("not-the-passphrase")
    dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert dialog.outcome is None and dialog.pages.currentIndex() == 0
    assert "Nothing signed" in dialog.error.text()
    wait_idle(qtbot, w.backend)
    assert w.net.log_size == 4  # the official and the seed code, with their code maps


def test_right_click_menu_offers_the_actions_on_the_selection(make_window, node_dir, qtbot):
    w = make_window(node_dir)
    box_select_all(w, qtbot)
    menu = w.selection_menu()
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == f"{len(w.selection)} selected assets"
    assert w.act_issue in menu.actions() and w.act_export in menu.actions()


def test_revoke_and_inspect_the_selection_record_signed_changes(make_window, node_dir, qtbot):
    from app.ledger import life

    w = make_window(node_dir, per_city=40)
    rows = box_select_all(w, qtbot)
    seed = node_dir.joinpath("seed_code").read_text()
    seed_row = w.ws.table.row_of_code(seed)
    uncoded = [r for r in rows if r != seed_row]
    with qtbot.waitSignal(w.selectionShown):
        w.select_rows(uncoded[:5] + [seed_row], "table")

    w.run_batch(life.INSPECT)  # Ctrl+Shift+I
    dialog = start_batch_dialog(w.batch_dialog, qtbot, NODE_PASS)
    dialog.grade.setValue(4)
    dialog.note.setText("rust on the cap")
    with qtbot.waitSignal(dialog.batchDone, timeout=60000) as done:
        dialog.start_button.click()
    outcome = done.args[0]
    assert [o.row for o in outcome.issued] == [seed_row]  # the only asset with a code
    assert len(outcome.refused) == 5
    assert all("no code yet" in dialog.refusals.item(i).text() for i in range(5))
    dialog.accept()

    w.run_batch(life.REVOKE)
    dialog = start_batch_dialog(w.batch_dialog, qtbot, NODE_PASS)
    dialog.start_button.click()
    assert "Say what the record is to say" in dialog.error.text()  # a revoke needs a reason
    dialog.reason.setText("demolished")
    with qtbot.waitSignal(dialog.batchDone, timeout=60000) as done:
        dialog.start_button.click()
    assert [o.row for o in done.args[0].issued] == [seed_row]
    assert w.ws.table.status_of(seed_row) == "revoked"
    wait_idle(qtbot, w.backend)
    history = w.backend.ctx.node.history(seed)
    assert [rec["type"] for _i, rec in history] == ["issue", "inspect", "revoke"]
    assert history[1][1]["inspection"]["grade"] == 4
    assert history[2][1]["reason"] == "demolished"


def test_timeline_shows_what_changed_and_ghosts_the_earlier_geometry(make_window, node_dir, qtbot):
    from app.ledger.node import Node

    seed = node_dir.joinpath("seed_code").read_text()
    with Node.open(node_dir) as node:
        node.unlock(NODE_PASS)
        moved = {"type": "Point", "coordinates": [114.51, 38.0409]}  # ~100 m north
        node.update(OFFICIAL, OFFICIAL_PASS, seed, geometry=moved, attributes={"note": "moved"})
        node.inspect(OFFICIAL, OFFICIAL_PASS, seed, 2, "fresh paint")
    w = make_window(node_dir, per_city=20)
    row = w.ws.table.row_of_code(seed)
    with qtbot.waitSignal(w.detailsShown, timeout=30000):
        w.map.set_selection([row], emit=True)
    history = w.inspector.history
    assert [history.topLevelItem(i).text(2) for i in range(3)] == ["issue", "update", "inspect"]
    update = history.topLevelItem(1).text(5)
    assert "moved 99.9 m" in update and "note: seed → moved" in update
    assert history.topLevelItem(2).text(5) == "condition grade 2: fresh paint"
    assert w.inspector.condition.text().startswith("Condition grade 2, last inspected 20")
    assert w.map.ghost() == []
    history.setCurrentItem(history.topLevelItem(0))  # the issue record: where it was
    (ghost,) = w.map.ghost()
    xs, ys = ghost.getData()
    assert (float(xs[0]), float(ys[0])) == (114.51, 38.04)
    history.setCurrentItem(history.topLevelItem(2))  # the current geometry: no ghost
    assert w.map.ghost() == []


def test_a_point_dragged_to_a_new_place_becomes_a_signed_update(make_window, node_dir, qtbot):
    seed = node_dir.joinpath("seed_code").read_text()
    w = make_window(node_dir, per_city=20)
    row = w.ws.table.row_of_code(seed)
    with qtbot.waitSignal(w.detailsShown, timeout=30000):
        w.map.set_selection([row], emit=True)
    x, y = float(w.ws.table.x[row]), float(w.ws.table.y[row])
    assert w.map.draggable_at(x, y) == row  # a drag starting on it moves it
    assert w.map.draggable_at(x + 0.05, y) is None  # elsewhere it pans
    w.map._drag_point(row, x, y + 0.0005, finished=False)  # the mouse moves
    with qtbot.waitSignal(w.map.pointMoved):
        w.map._drag_point(row, x, y + 0.0009, finished=True)  # ~100 m north: dropped
    dialog = w.batch_dialog
    assert "by 99.9 m" in dialog.what_label.text()
    # not confirmed yet: the asset is drawn where the log has it, the new place beside
    assert (float(w.ws.table.x[row]), float(w.ws.table.y[row])) == (x, y)
    assert w.map.proposed() == (x, y + 0.0009)
    start_batch_dialog(dialog, qtbot, NODE_PASS)
    with qtbot.waitSignal(dialog.batchDone, timeout=60000) as done:
        dialog.start_button.click()
    assert [o.row for o in done.args[0].issued] == [row]
    assert (float(w.ws.table.x[row]), float(w.ws.table.y[row])) == (x, y + 0.0009)
    assert w.map.proposed() is None and w.map.table is w.ws.table
    wait_idle(qtbot, w.backend)
    history = w.backend.ctx.node.history(seed)
    assert [rec["type"] for _i, rec in history] == ["issue", "update"]
    assert history[1][1]["asset"]["geometry"]["coordinates"] == [x, y + 0.0009]


def test_selecting_by_the_life_of_the_codes(make_window, node_dir, qtbot):
    from app.gis import code_query
    from app.gis.code_query import CodeQuery

    w = make_window(node_dir, per_city=20)
    seed_row = w.ws.table.row_of_code(node_dir.joinpath("seed_code").read_text())
    w.select_rows([seed_row], "app")
    w.run_batch("update")  # Ctrl+U
    dialog = start_batch_dialog(w.batch_dialog, qtbot, NODE_PASS)
    dialog.service.setCurrentIndex(dialog.service.findData("out-of-service"))
    with qtbot.waitSignal(dialog.batchDone, timeout=60000):
        dialog.start_button.click()
    dialog.accept()
    w.select_rows([], "app")
    with qtbot.waitSignal(w.selectionShown, timeout=30000):
        w.select_in_state(CodeQuery(code_query.OUT_OF_SERVICE), "Out of service")
    assert w.selection == [seed_row]
    with qtbot.waitSignal(w.selectionShown, timeout=30000):
        w.select_in_state(CodeQuery(code_query.POOR_CONDITION, 4))
    assert w.selection == []  # never inspected
