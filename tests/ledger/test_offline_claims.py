"""Offline verification never claims what it cannot know (issue 10, item 4): the two
crafted bundles of the security review, and what a replica adds."""

from __future__ import annotations

import dataclasses

import pytest

from app.cli.ledger_verify import verdict_line
from app.core import merkle, note
from app.core.checkpoint import Checkpoint
from app.ledger import proof_bundle as B
from app.ledger import verifier as V
from app.ledger.verdict import VERIFIED_OFFLINE, verdict_of
from tests.ledger.verifier_kit import POINT, build_net, cosign_latest


@pytest.fixture()
def net(tmp_path):
    node, trust, witnesses, codes = build_net(tmp_path / "node")
    yield node, trust, witnesses, codes
    node.close()


def no_claim_of_non_revocation(result: V.VerifyResult) -> None:
    for c in result.checks:
        assert "not revoked up to" not in c.reason, c


def revoked_codes_issue_bundle(node, witnesses) -> tuple[B.ProofBundle, str, int]:
    """A code issued then revoked, co-signed; the bundle of its issue record under the
    checkpoint that already holds the revoke (the code and the issue's index too)."""
    code = node.issue("zhang", "official-pass", "HEA", "heat main", POINT).code
    issued_at = node.code_state(code).latest_index
    node.revoke("zhang", "official-pass", code, "demolished")
    cosign_latest(node, *(w.signer for w in witnesses))
    cp = node.latest_checkpoint()
    bundle = B.ProofBundle(
        entry=node.store.entry(node.origin, issued_at),
        index=issued_at,
        proof=tuple(
            B.stored_inclusion_proof(node.store, node.origin, issued_at, cp.size, cp.root_hash)
        ),
        checkpoint=cp.with_cosignatures(),
        official=B.official_proof(
            node.store, node.origin, "zhang", cp.size, cp.root_hash, issued_at
        ),
    )
    return bundle, code, issued_at


def test_issue_record_of_a_revoked_code_is_not_plainly_verified_offline(net):
    node, trust, witnesses, _ = net
    bundle, code, issued_at = revoked_codes_issue_bundle(node, witnesses)
    crafted = bundle.encode()
    # The issue record, under a checkpoint that already holds the revoke.
    cp = node.latest_checkpoint()
    assert cp.size > node.code_state(code).latest_index > issued_at

    offline = V.verify_proof_bundle(crafted, trust)
    assert offline.outcome == V.VERIFIED_OFFLINE and offline.outcome != V.VERIFIED
    nr = offline.check(V.NOT_REVOKED)
    assert nr.status == V.UNKNOWN and "unknown offline" in nr.template
    assert nr.params == {"size": cp.size} and "unknown offline" in nr.reason
    no_claim_of_non_revocation(offline)
    doc = offline.to_dict()
    assert doc["outcome"] == "verified-offline" and V.NOT_REVOKED in doc["unknown"]
    verdict = verdict_of(offline)  # what the app's verify dialog and inspector show
    assert verdict.state == VERIFIED_OFFLINE and verdict.as_of == cp.size
    line = verdict_line(offline)
    assert "VERIFIED OFFLINE" in line and f"checkpoint {cp.size}" in line
    assert not line.startswith("[bold green]VERIFIED")

    # Against a replica of the city's log, the revoke is seen: it fails.
    online = V.verify_proof_bundle(crafted, trust, replica=node)
    assert online.outcome == V.NOT_VERIFIED
    assert online.check(V.NOT_REVOKED).status == V.FAIL


def _crafted_log_with_issue_after_revocation(node, witnesses):
    """A city that signs an issue by 'zhang' after revoking zhang: the entry is appended to
    its own log by a sequencer that does not apply the rules, and co-signed by 2 witnesses
    (witnesses check consistency, not content)."""
    rec = node.issue_record("WAT", "late main", POINT)
    late_entry = node.make_entry("zhang", "official-pass", rec)  # signed while still active
    node.revoke_official("zhang", "left the office")
    revoked_at = next(o for o in node.officials() if o["name"] == "zhang")["revoked_index"]
    size = node.size()
    entries = [node.store.entry(node.origin, i) for i in range(size)] + [late_entry]
    hashes = merkle.leaf_hashes(entries)
    cp = Checkpoint(node.origin, len(entries), merkle.root_of(hashes))
    signed = note.sign_note(cp.to_text(), node.log_signer())
    cosigned = note.add_signatures(signed, *(w.signer for w in witnesses))
    added_at = next(o for o in node.officials() if o["name"] == "zhang")["added_index"]

    def part(i: int) -> B.OfficialProof:
        return B.OfficialProof(i, entries[i], tuple(merkle.inclusion_proof(i, hashes)))

    bundle = B.ProofBundle(
        entry=late_entry,
        index=size,
        proof=tuple(merkle.inclusion_proof(size, hashes)),
        checkpoint=cosigned,
        official=part(added_at),
    )
    return bundle, part(revoked_at), size


def test_issue_signed_after_revocation_never_passes_official_active_offline(net):
    node, trust, witnesses, _ = net
    bundle, revoke, index = _crafted_log_with_issue_after_revocation(node, witnesses)
    assert revoke.index < index

    # The bundle omits the revocation: offline cannot know it, and says so.
    silent = V.verify_proof_bundle(bundle.encode(), trust)
    assert silent.check(V.WITNESS_QUORUM).status == V.PASS  # 2 cosignatures
    oa = silent.check(V.OFFICIAL_ACTIVE)
    assert oa.status == V.UNKNOWN and "unknown offline" in oa.template
    assert f"before index {index} is unknown offline" in oa.reason
    assert silent.outcome == V.VERIFIED_OFFLINE
    assert V.OFFICIAL_ACTIVE in silent.to_dict()["unknown"]

    # The bundle carries the revocation (as export_bundle does): it fails offline.
    told = dataclasses.replace(bundle, official_revoke=revoke)
    assert B.decode_proof_bundle(told.encode()) == told
    failed = V.verify_proof_bundle(told.encode(), trust)
    oa = failed.check(V.OFFICIAL_ACTIVE)
    assert oa.status == V.FAIL and "before this record" in oa.template
    assert oa.params == {
        "official": "zhang",
        "added": bundle.official.index,
        "revoked": revoke.index,
        "index": index,
    }
    assert failed.outcome == V.NOT_VERIFIED and not failed.ok

    # A revocation part that is not included under the checkpoint proves nothing: refused.
    bad_proof = dataclasses.replace(revoke, proof=tuple(b"\x00" * 32 for _ in revoke.proof))
    forged = V.verify_proof_bundle(
        dataclasses.replace(bundle, official_revoke=bad_proof).encode(), trust
    )
    assert forged.outcome == V.NOT_VERIFIED
    assert "not included" in forged.check(V.OFFICIAL_ACTIVE).reason


def test_export_carries_the_officials_revocation(net):
    node, trust, witnesses, codes = net
    node.revoke_official("zhang", "retired")
    cosign_latest(node, *(w.signer for w in witnesses))
    b = B.export_proof_bundle(node, codes[0], quorum=trust.quorum)
    revoked_at = next(o for o in node.officials() if o["name"] == "zhang")["revoked_index"]
    assert b.official_revoke is not None and b.official_revoke.index == revoked_at
    assert B.decode_proof_bundle(b.encode()) == b
    # Without the code map, a revoke after signing leaves the gap before it unknown...
    plain = dataclasses.replace(b, code_map=None)
    r = V.verify_proof_bundle(plain.encode(), trust)
    oa = r.check(V.OFFICIAL_ACTIVE)
    assert oa.status == V.UNKNOWN and f"revoke at index {revoked_at} comes after" in oa.reason
    assert r.outcome == V.VERIFIED_OFFLINE
    # ... the co-signed code map (issue 12) names the official's latest record: the revoke
    # after the record, so they were active when they signed it
    mapped = V.verify_proof_bundle(b.encode(), trust)
    assert mapped.check(V.OFFICIAL_ACTIVE).status == V.PASS and mapped.outcome == V.VERIFIED
    # With the replica, the official is known active at the record's index.
    assert V.verify_proof_bundle(b.encode(), trust, replica=node).check(
        V.OFFICIAL_ACTIVE
    ).status == (V.PASS)
