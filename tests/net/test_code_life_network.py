"""The life of a code across real `node serve` processes on 127.0.0.1 (issue 12): a revoke
at city A is seen at B after sync, and a bundle of the revoked code's issue record made
after it fails offline (the co-signed code map), a code transferred from A to B verifies
at a third city through both logs, and a forged transfer-in is refused."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from app.ledger import life
from app.ledger import verifier as V
from app.ledger.node import Node
from app.ledger.proof_bundle import (
    ProofBundle,
    choose_checkpoint,
    export_proof_bundle,
    map_part,
    official_proof,
    stored_inclusion_proof,
)
from app.ledger.trust import open_trust
from app.net.demo_network import DEMO_OFFICIAL, DEMO_PASSPHRASE, start_demo_network
from tests.net.conftest import REPO
from tests.net.test_multinode import wait_until

pytestmark = [pytest.mark.multinode, pytest.mark.slow]

A, B, C = "130100", "130200", "130400"


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    net = start_demo_network(
        tmp_path_factory.mktemp("life3"), cities=[A, B, C], seed_codes=4, sync_interval=0.3
    )
    yield net
    net.stop()


def _held_codes(net, city: str) -> list[str]:
    node = Node.open(net.node(city).data_dir)
    try:
        held = node.list_codes(origin=node.origin, status="issued", limit=100)
        return sorted(c.code for c in held)
    finally:
        node.close()


def _codes(net, city: str) -> list[str]:
    """The city's codes still held by its log and in service (not revoked nor moved); on a
    loaded machine the demo's seed codes may still be on their way into the index."""
    return wait_until(lambda: _held_codes(net, city), 60, f"{city}'s seed codes in its index")


def _submit(net, city: str, change: life.Change) -> httpx.Response:
    """Sign a change as the city's official on a 'workstation' and POST it to its node."""
    node = Node.open(net.node(city).data_dir)
    try:
        record = node.change_record(change)
        assert isinstance(record, dict), record
        entry = node.make_entry(DEMO_OFFICIAL, DEMO_PASSPHRASE, record)
    finally:
        node.close()
    return httpx.post(net.node(city).url + "submit", content=entry, timeout=30)


def _state(net, city: str, code: str):
    node = Node.open(net.node(city).data_dir)
    try:
        return node.code_state(code)
    finally:
        node.close()


def _verify(net, city: str, code: str) -> V.VerifyResult:
    node = Node.open(net.node(city).data_dir)
    try:
        return V.verify_code(node, code, open_trust(net.trust_note))
    finally:
        node.close()


def test_a_revoke_at_a_is_seen_at_b(network):
    code = _codes(network, A)[0]
    resp = _submit(network, A, life.Change(life.REVOKE, code, {"reason": "demolished"}))
    assert resp.status_code == 200, resp.text
    wait_until(
        lambda: (s := _state(network, B, code)) is not None and s.status == "revoked",
        60,
        "B to fold A's revoke",
    )
    result = _verify(network, B, code)
    check = result.check(V.NOT_REVOKED)
    assert not result.ok and check is not None and check.status == V.FAIL
    assert (check.params["official"], check.params["why"]) == (DEMO_OFFICIAL, "demolished")


def _cosigned(net, city: str, origin_city: str, index: int):
    """B's checkpoint of `origin_city`'s log covering `index`, once it has its quorum."""
    trust = open_trust(net.trust_note)

    def ready():
        node = Node.open(net.node(city).data_dir)
        try:
            info = node.store.log_info(net.node(origin_city).origin)
            if info is None or info.size <= index:
                return False
            cp = choose_checkpoint(node.store, info.origin, index, trust.quorum)
            return cp if len(cp.cosignatures) >= trust.quorum else False
        finally:
            node.close()

    return wait_until(ready, 90, f"{city} to hold a co-signed checkpoint past {index}")


def test_a_bundle_made_after_a_revoke_fails_offline(network):
    """The issue record of a revoked code, bundled under a checkpoint that holds the
    revoke, used to verify offline; the co-signed code map now says it is superseded.
    A live code's bundle is VERIFIED, current as of its checkpoint; and every log the
    witnessing node B holds passes `log verify --all` (issue 10)."""
    live, code = _codes(network, A)[-2:]
    resp = _submit(network, A, life.Change(life.REVOKE, code, {"reason": "demolished"}))
    assert resp.status_code == 200, resp.text
    revoke_index = resp.json()["index"]
    wait_until(
        lambda: (s := _state(network, B, code)) is not None and s.latest_index == revoke_index,
        60,
        "B to fold A's revoke",
    )
    cp = _cosigned(network, B, A, revoke_index)
    trust = open_trust(network.trust_note)
    node = Node.open(network.node(B).data_dir)
    try:
        state = node.code_state(code)
        assert state is not None and state.latest_index == revoke_index
        issue = ProofBundle(
            entry=node.store.entry(state.origin, state.first_index),
            index=state.first_index,
            proof=tuple(
                stored_inclusion_proof(
                    node.store, state.origin, state.first_index, cp.size, cp.root_hash
                )
            ),
            checkpoint=cp.with_cosignatures(),
            official=official_proof(
                node.store, state.origin, DEMO_OFFICIAL, cp.size, cp.root_hash, state.first_index
            ),
            code_map=map_part(node.store, state.origin, cp, code, DEMO_OFFICIAL),
        )
        latest = export_proof_bundle(node, code, trust.quorum)
        current = export_proof_bundle(node, live, trust.quorum)
    finally:
        node.close()
    result = V.verify_proof_bundle(issue.encode(), trust)
    check = result.check(V.NOT_REVOKED)
    assert result.outcome == V.NOT_VERIFIED and check is not None and check.status == V.FAIL
    assert check.params["latest"] == revoke_index and "superseded" in check.reason
    assert all(c.status == V.PASS for c in result.checks if c.name != V.NOT_REVOKED)
    revoked = V.verify_proof_bundle(latest.encode(), trust)
    assert not revoked.ok and revoked.check(V.NOT_REVOKED).status == V.FAIL
    fine = V.verify_proof_bundle(current.encode(), trust)
    assert fine.outcome == V.VERIFIED, fine.to_dict()
    assert fine.current_as_of is not None and fine.current_as_of[0] == fine.checkpoint_size
    assert fine.check(V.OFFICIAL_ACTIVE).status == V.PASS  # the signer's map entry too
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data", str(network.node(B).data_dir)]
        + ["log", "verify", "--all", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    doc = json.loads(done.stdout)
    assert done.returncode == 0 and doc["ok"], doc
    assert {d["origin"] for d in doc["logs"]} >= {network.node(c).origin for c in (A, B, C)}


def test_a_code_moved_from_a_to_b_verifies_at_c_through_both_logs(network):
    code = _codes(network, A)[0]
    resp = _submit(network, A, life.Change(life.TRANSFER_OUT, code, {"to": B}))
    assert resp.status_code == 200, resp.text
    out_index = resp.json()["index"]
    wait_until(
        lambda: (s := _state(network, B, code)) is not None and s.status == "transferred",
        60,
        "B to hold A's transfer-out",
    )
    resp = _submit(network, B, life.Change(life.TRANSFER_IN, code))
    assert resp.status_code == 200, resp.text

    def verified_at_c():
        s = _state(network, C, code)
        if s is None or not s.origin.endswith(B):
            return False
        result = _verify(network, C, code)
        return result if result.ok else False

    result = wait_until(verified_at_c, 90, "C to verify the moved code through both logs")
    transfer = result.check(V.TRANSFER)
    assert transfer is not None and transfer.status == V.PASS
    assert transfer.params["origin"].endswith(A) and transfer.params["into"].endswith(B)
    # A takes no more records of it (whether A's node has folded B's transfer-in yet or not)
    node = Node.open(network.node(A).data_dir)
    try:
        late = {"type": "revoke", "code": code, "prev": out_index, "reason": "late"}
        entry = node.make_entry(DEMO_OFFICIAL, DEMO_PASSPHRASE, late)
    finally:
        node.close()
    again = httpx.post(network.node(A).url + "submit", content=entry, timeout=30)
    assert again.status_code == 422, again.text
    assert "no further records" in again.text or "unknown code" in again.text, again.text


def test_a_forged_transfer_in_is_refused(network):
    code = _codes(network, A)[0]
    wait_until(lambda: _state(network, B, code) is not None, 60, "B to hold A's code")
    node = Node.open(network.node(B).data_dir)
    try:
        state = node.code_state(code)
        assert state is not None and state.status == "issued"
        record = life.record_for(state, life.Change(life.TRANSFER_IN, code), node.origin)
        entry = node.make_entry(DEMO_OFFICIAL, DEMO_PASSPHRASE, record)
    finally:
        node.close()
    resp = httpx.post(network.node(B).url + "submit", content=entry, timeout=30)
    assert resp.status_code == 422 and "transfer-in without its transfer-out" in resp.text
    held = _state(network, B, code)
    assert held is not None and held.origin.endswith(A)
