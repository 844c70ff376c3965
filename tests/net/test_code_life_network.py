"""The life of a code across real `node serve` processes on 127.0.0.1 (issue 12): a revoke
at city A is seen at B after sync, a code transferred from A to B verifies at a third
city through both logs, and a forged transfer-in is refused."""

from __future__ import annotations

import httpx
import pytest

from app.ledger import life
from app.ledger import verifier as V
from app.ledger.node import Node
from app.ledger.trust import open_trust
from app.net.demo_network import DEMO_OFFICIAL, DEMO_PASSPHRASE, start_demo_network
from tests.net.test_multinode import wait_until

pytestmark = [pytest.mark.multinode, pytest.mark.slow]

A, B, C = "130100", "130200", "130400"


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    net = start_demo_network(
        tmp_path_factory.mktemp("life3"), cities=[A, B, C], seed_codes=3, sync_interval=0.3
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
