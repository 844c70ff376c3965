"""Every record of a code proven on its own, for the inspector's timeline (issue 12)."""

from __future__ import annotations

from app.ledger.record_proofs import prove_chain
from app.ledger.verifier import NOT_REVOKED, WITNESS_QUORUM
from tests.ledger.verifier_kit import POINT, build_net, cosign_latest

MOVED = {"type": "Point", "coordinates": [114.5149, 38.0437]}


def test_each_record_of_a_revoked_code_is_proven_under_its_checkpoint(tmp_path):
    node, trust, witnesses, codes = build_net(tmp_path / "n", n_codes=1, quorum=2)
    try:
        node.unlock("node-pass")
        code = codes[0]
        node.update("zhang", "official-pass", code, geometry=MOVED)
        node.inspect("zhang", "official-pass", code, 3, "ok")
        node.revoke("zhang", "official-pass", code, "demolished")
        cosign_latest(node, *(w.signer for w in witnesses))
        chain = node.chain(code)
        proofs = prove_chain(node.store, chain, trust)
        assert [(p.origin, p.index) for p in proofs] == [(o, i) for o, i, _r in chain]
        assert [r["type"] for _o, _i, r in chain] == ["issue", "update", "inspect", "revoke"]
        # the revoke record itself is proven; "not revoked" is the code's state, not its
        assert all(p.ok for p in proofs), [p.result.failed for p in proofs if p.result]
        assert all(p.result.check(NOT_REVOKED) is None for p in proofs if p.result)

        # a record after the last cosigned checkpoint waits for the witnesses
        node.issue("zhang", "official-pass", "WAT", "late", POINT)
        late = node.chain(node.store.list_codes(limit=1)[0].code)
        (proof,) = prove_chain(node.store, late, trust)
        assert not proof.ok
        assert proof.result.check(WITNESS_QUORUM).status == "fail"
    finally:
        node.close()


def test_a_record_without_a_covering_checkpoint_says_why(tmp_path):
    node, trust, _w, codes = build_net(tmp_path / "n", n_codes=1, quorum=0)
    try:
        chain = node.chain(codes[0])
        origin, index, record = chain[0]
        (proof,) = prove_chain(node.store, [(origin, index + 50, record)], trust)
        assert proof.result is None and not proof.ok
        assert proof.error
    finally:
        node.close()
