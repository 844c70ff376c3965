"""The verifiable code index wired in (issue 12): every checkpoint ends with the code-map
entry the sequencer appends, its root is the map recomputed from the log (also after a
restart), and a proof bundle carries it, so offline a record is either *current as of
checkpoint N* or fails as superseded — a revoked code's issue record included."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from app.core.code_map import CodeMap
from app.core.errors import EntryError
from app.core.records import make_map_entry, parse_entry
from app.ledger import verifier as V
from app.ledger.audit import audit_log
from app.ledger.map_state import is_map_entry, map_updates
from app.ledger.node import Node
from app.ledger.proof_bundle import (
    ProofBundle,
    decode_proof_bundle,
    export_proof_bundle,
    map_part,
    official_proof,
    stored_inclusion_proof,
)
from app.ledger.verdict import VERIFIED, verdict_of

from .verifier_kit import POINT, build_net, cosign_latest


def _root_after(entries: list[bytes]) -> bytes:
    return CodeMap(dict(map_updates(enumerate(entries)))).root()


def test_the_map_entry_is_a_strict_record():
    entry = make_map_entry(bytes(range(32)), 7)
    assert parse_entry(entry) == {
        "type": "code-map",
        "root": base64.b64encode(bytes(range(32))).decode(),
        "size": 7,
    }
    for bad in (
        b'{"root":"AAAA","size":7,"type":"code-map"}',  # not 32 bytes
        entry.replace(b'"size":7', b'"size":-1'),
        entry.replace(b'"size":7', b'"size":true'),
        entry.replace(b"}", b',"official":"x"}'),
    ):
        with pytest.raises(EntryError):
            parse_entry(bad)


def test_every_checkpoint_ends_with_the_map_of_the_entries_before_it(tmp_path):
    node = Node.create(tmp_path / "n", "130100", "Shijiazhuang", "石家庄", "pw", batch_delay=0.005)
    try:
        node.add_official("o", "op")
        codes = [node.issue("o", "op", "WAT", f"m{i}", POINT).code for i in range(3)]
        node.revoke("o", "op", codes[1], "demolished")
    finally:
        node.close()
    # a restart rebuilds the map from the log and carries it on
    node = Node.open(tmp_path / "n")
    try:
        node.unlock("pw")
        node.update("o", "op", codes[0], name="renamed")
        entries = node.store.entries(node.origin, 0, node.size())
        sizes = [cp.size for cp in node.store.checkpoints(node.origin) if cp.size]
        assert len(sizes) == 6
        for size in sizes:
            last = json.loads(entries[size - 1])
            assert last["type"] == "code-map" and last["size"] == size - 1
            assert base64.b64decode(last["root"]) == _root_after(entries[: size - 1])
        assert audit_log(node.store, node.origin).ok
    finally:
        node.close()


@pytest.fixture
def net(tmp_path):
    node, trust, witnesses, codes = build_net(tmp_path / "city", n_codes=3)
    yield node, trust, witnesses, codes
    node.close()


def test_a_live_code_is_verified_current_as_of_its_checkpoint(net):
    node, trust, _, codes = net
    bundle = export_proof_bundle(node, codes[0], trust.quorum)
    assert bundle.code_map is not None
    assert decode_proof_bundle(bundle.encode()) == bundle
    result = V.verify_proof_bundle(bundle.encode(), trust)
    assert result.outcome == V.VERIFIED, result.to_dict()
    size = result.checkpoint_size
    assert result.current_as_of is not None and result.current_as_of[0] == size
    assert result.check(V.OFFICIAL_ACTIVE).status == V.PASS  # the signer is in the map too
    check = result.check(V.NOT_REVOKED)
    assert check.reason.startswith(f"current as of checkpoint {size} (")
    verdict = verdict_of(result)
    assert (verdict.state, verdict.as_of) == (VERIFIED, size) and verdict.time.endswith("UTC")
    assert result.to_dict()["current_as_of"]["size"] == size


def _issue_bundle_after(node, code: str) -> ProofBundle:
    """The issue record of `code` bundled under the node's latest checkpoint."""
    state = node.code_state(code)
    cp = node.latest_checkpoint()
    return ProofBundle(
        entry=node.store.entry(node.origin, state.first_index),
        index=state.first_index,
        proof=tuple(
            stored_inclusion_proof(
                node.store, node.origin, state.first_index, cp.size, cp.root_hash
            )
        ),
        checkpoint=cp.with_cosignatures(),
        official=official_proof(
            node.store, node.origin, "zhang", cp.size, cp.root_hash, state.first_index
        ),
        code_map=map_part(node.store, node.origin, cp, code, "zhang"),
    )


def test_a_revoked_codes_issue_record_fails_offline(net):
    node, trust, witnesses, codes = net
    revoke = node.revoke("zhang", "official-pass", codes[1], "demolished")
    cosign_latest(node, *(w.signer for w in witnesses))
    result = V.verify_proof_bundle(_issue_bundle_after(node, codes[1]).encode(), trust)
    check = result.check(V.NOT_REVOKED)
    assert result.outcome == V.NOT_VERIFIED and check.status == V.FAIL
    assert check.params["latest"] == revoke.index
    assert check.reason.startswith(f"superseded by the record at index {revoke.index}")
    # the code's latest record, the revoke itself, fails as a revoke
    latest = V.verify_proof_bundle(export_proof_bundle(node, codes[1]).encode(), trust)
    assert (
        latest.check(V.NOT_REVOKED).status == V.FAIL
        and "revoke" in latest.check(V.NOT_REVOKED).reason
    )
    # a code updated later: its old record is superseded, its update current
    node.update("zhang", "official-pass", codes[2], name="renamed")
    cosign_latest(node, *(w.signer for w in witnesses))
    old = V.verify_proof_bundle(_issue_bundle_after(node, codes[2]).encode(), trust)
    assert old.check(V.NOT_REVOKED).status == V.FAIL
    new = V.verify_proof_bundle(export_proof_bundle(node, codes[2]).encode(), trust)
    assert new.outcome == V.VERIFIED, new.to_dict()


def test_a_signer_revoked_after_the_record_is_still_active_at_it(net):
    node, trust, witnesses, codes = net
    node.revoke_official("zhang")
    cosign_latest(node, *(w.signer for w in witnesses))
    result = V.verify_proof_bundle(export_proof_bundle(node, codes[0]).encode(), trust)
    check = result.check(V.OFFICIAL_ACTIVE)
    assert result.outcome == V.VERIFIED and check.status == V.PASS, result.to_dict()


def test_a_tampered_map_part_proves_nothing(net):
    node, trust, _, codes = net
    bundle = export_proof_bundle(node, codes[0], trust.quorum)
    part = bundle.code_map
    assert part is not None
    other = export_proof_bundle(node, codes[1], trust.quorum).code_map
    assert other is not None
    flipped = bytearray(part.code_proof)
    flipped[-1] ^= 1  # the value the proof claims
    for forged in (
        dataclasses.replace(part, code_proof=other.code_proof),  # another code's proof
        dataclasses.replace(part, code_proof=bytes(flipped)),
        dataclasses.replace(part, entry=make_map_entry(bytes(32), part.index)),
        dataclasses.replace(part, index=part.index - 1),
    ):
        result = V.verify_proof_bundle(dataclasses.replace(bundle, code_map=forged).encode(), trust)
        assert not result.ok and result.check(V.NOT_REVOKED).status == V.FAIL, forged
    # without a map part a bundle is what it was: verified offline, later state unknown
    plain = V.verify_proof_bundle(dataclasses.replace(bundle, code_map=None).encode(), trust)
    assert plain.outcome == V.VERIFIED_OFFLINE
    assert is_map_entry(part.entry)
