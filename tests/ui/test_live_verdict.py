"""Verification is a live state: an issued code shows "awaiting witnesses" in amber and
turns green by itself when the cosignature arrives; a code in the outbox is pending."""

from __future__ import annotations

import pytest

from app.ledger.verdict import AWAITING, PENDING, VERIFIED
from app.ui.theme import VERDICT_COLORS


def _issue(w, qtbot, row):
    from app.net.demo_network import DEMO_OFFICIAL, DEMO_PASSPHRASE
    from tests.ui.test_main_window import _issue_via_dialog

    dialog, outcome = _issue_via_dialog(w, qtbot, row, "", DEMO_OFFICIAL, DEMO_PASSPHRASE)
    dialog.close()
    return outcome


def _verdict(w):
    return w.inspector.verification.verdict_state


@pytest.mark.slow
@pytest.mark.multinode
def test_an_issued_code_goes_amber_then_green_without_a_click(make_window, tmp_path, qtbot):
    from app.net.demo_network import create_network, issue_demo_codes

    net = create_network(tmp_path / "net", cities=("130100", "130200"), quorum=1)
    own, witness = net.node("130100"), net.node("130200")
    issue_demo_codes(own.data_dir, 0)  # registers the demo official
    own.start()
    try:
        w = make_window(own.data_dir, per_city=50)
        qtbot.waitUntil(lambda: w.network.mode == "served", timeout=30000)
        outcome = _issue(w, qtbot, 5)
        assert not outcome.pending and w.inspector.code == outcome.code
        # the witness city is down: no cosignature yet, which is a wait, not a failure
        qtbot.waitUntil(lambda: _verdict(w) is not None, timeout=30000)
        assert _verdict(w).state == AWAITING, w.inspector.verification.verdict.text()
        assert w.inspector.verification.verdict.text() == "Awaiting witnesses (0 of 1)"
        assert VERDICT_COLORS[AWAITING] in w.inspector.verification.verdict.styleSheet()
        witness.start()
        # nobody clicks: the cosignature's checkpoint event re-verifies the code
        qtbot.waitUntil(lambda: _verdict(w).state == VERIFIED, timeout=90000)
        assert w.inspector.code == outcome.code
        assert w.inspector.verification.verdict.text() == "Verified"
        assert VERDICT_COLORS[VERIFIED] in w.inspector.verification.verdict.styleSheet()
    finally:
        net.stop()


@pytest.mark.slow
@pytest.mark.multinode
def test_a_code_waiting_in_the_outbox_shows_pending_not_failed(make_window, tmp_path, qtbot):
    from app.net.demo_network import create_network, issue_demo_codes

    net = create_network(tmp_path / "net", cities=("130100", "130200"), quorum=1)
    own = net.node("130100")
    issue_demo_codes(own.data_dir, 0)
    own.start()
    try:
        w = make_window(own.data_dir, per_city=50)
        qtbot.waitUntil(lambda: w.network.mode == "served", timeout=30000)
        own.stop()  # the city's own node is down: the signed entry waits in the outbox
        outcome = _issue(w, qtbot, 7)
        assert outcome.pending
        qtbot.waitUntil(lambda: _verdict(w) is not None, timeout=30000)
        assert _verdict(w).state == PENDING
        assert "Pending" in w.inspector.verification.verdict.text()
        assert "NOT verified" not in w.inspector.verification.verdict.text()
        assert w.inspector.verification.rows == []  # no red checks for a code not yet logged
    finally:
        net.stop()
