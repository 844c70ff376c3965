"""Each row of the inspector's timeline shows its own record's proof (issue 12)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.conftest import NODE_PASS, OFFICIAL, OFFICIAL_PASS


def _states(history) -> list:
    return [
        history.topLevelItem(i).data(1, Qt.ItemDataRole.UserRole)
        for i in range(history.topLevelItemCount())
    ]


def test_every_record_of_the_timeline_is_verified_in_the_background(make_window, node_dir, qtbot):
    from app.ledger.node import Node

    seed = node_dir.joinpath("seed_code").read_text()
    with Node.open(node_dir) as node:
        node.unlock(NODE_PASS)
        node.inspect(OFFICIAL, OFFICIAL_PASS, seed, 3, "fine")
        node.revoke(OFFICIAL, OFFICIAL_PASS, seed, "issued by mistake")
    w = make_window(node_dir, per_city=10)
    row = w.ws.table.row_of_code(seed)
    with qtbot.waitSignal(w.detailsShown, timeout=30000):
        w.map.set_selection([row], emit=True)
    history = w.inspector.history
    assert history.topLevelItemCount() == 3
    qtbot.waitUntil(lambda: None not in _states(history), timeout=30000)
    assert _states(history) == ["pass", "pass", "pass"]
    assert [history.topLevelItem(i).text(1) for i in range(3)] == ["✔", "✔", "✔"]
    tip = history.topLevelItem(2).toolTip(1)
    assert tip.startswith("Record 6 of ") and "Verified" in tip  # 1, 3, 5: code maps
    # while the code as a whole fails: it is revoked, and the inspector says so
    assert any("Not revoked" in title for title in w.inspector.verification.failed_checks())
    (why,) = [r for t, _s, r in w.inspector.verification.rows if t == "Not revoked"]
    assert why.startswith("revoked at index 6 of ") and why.endswith(": issued by mistake")
    assert f"by {OFFICIAL} at 20" in why  # what happened, by whom, when and why
