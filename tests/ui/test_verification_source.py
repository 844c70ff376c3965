"""The verify dialog and the inspector say how a code was verified (issue 11): from the
local replica of a followed city, or on demand from a member's node."""

from __future__ import annotations

from app.ledger.verifier import VerifyResult
from app.ui.verification_view import VerificationView


def test_the_view_says_where_the_proof_came_from(qtbot):
    view = VerificationView()
    qtbot.addWidget(view)
    view.show_result(VerifyResult(code=None), source=("replica", None))
    assert view.source.text() == "Verified from the local replica"
    view.show_result(VerifyResult(code=None), source=("on-demand", "http://127.0.0.1:8101/"))
    assert view.source.text() == "Verified on demand from http://127.0.0.1:8101/"
    view.show_result(VerifyResult(code=None))  # a bundle: no source line
    assert view.source.text() == ""
    view.show_result(VerifyResult(code=None), source=("replica", None))
    view.clear("Checking…")
    assert view.source.text() == ""
