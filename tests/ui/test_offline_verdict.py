"""The app never shows an offline bundle result as a plain "Verified" (issue 10, item 4):
it names the checkpoint the code map proves it current at (issue 12)."""

from __future__ import annotations

from app.ledger import verifier as V
from app.ledger.proof_bundle import export_proof_bundle
from app.ui.verification_view import VerificationView
from tests.ledger.verifier_kit import build_net


def test_offline_result_is_shown_as_of_its_checkpoint(qtbot, tmp_path):
    node, trust, _, codes = build_net(tmp_path / "node")
    try:
        data = export_proof_bundle(node, codes[0], quorum=trust.quorum).encode()
        offline = V.verify_proof_bundle(data, trust)
        online = V.verify_proof_bundle(data, trust, replica=node)
    finally:
        node.close()
    # the bundle carries the code map: offline it is current as of its checkpoint, and
    # says so; only a replica's copy makes it a plain "Verified"
    assert offline.outcome == V.VERIFIED and online.outcome == V.VERIFIED
    view = VerificationView()
    qtbot.addWidget(view)
    view.show_result(offline)
    text = view.verdict.text()
    assert f"current as of checkpoint {offline.checkpoint_size}" in text, text
    statuses = {title.lower(): status for title, status, _ in view.rows}
    assert statuses["not revoked"] == "pass" and statuses["official active"] == "pass"
    view.show_result(online)
    assert view.verdict.text() == "Verified"
