"""The life of a code after its issue (issue 12): update, inspect, transfer, revoke in one
log, and a transfer between two member cities' logs, judged by the same rules at the
sequencer, the replica fold and the audit."""

from __future__ import annotations

import pytest

from app.core import note
from app.core.checkpoint import Checkpoint
from app.ledger import life, rules
from app.ledger.audit import audit_log
from app.ledger.db import sqlite_url
from app.ledger.node import Node, NodeError
from app.ledger.sequencer import SubmissionRefused
from app.ledger.store import Store
from app.ledger.tilelog import TileLog

from .conftest import point


def test_a_code_from_issue_to_revoke(node: Node) -> None:
    """On SQLite and PostgreSQL (the node fixture)."""
    code = node.issue("alice", "alice-pw", "WAT", "hydrant", point(0)).code
    node.update("alice", "alice-pw", code, name="hydrant 7", geometry=point(1))
    node.update("alice", "alice-pw", code, service="out-of-service")
    node.inspect("alice", "alice-pw", code, 4, "cracked cap", ["ab" * 32])
    node.transfer("alice", "alice-pw", code, "Water Co")
    state = node.code_state(code)
    assert state is not None
    assert (state.name, state.service, state.grade, state.owner, state.status) == (
        "hydrant 7",
        "out-of-service",
        4,
        "Water Co",
        "issued",
    )
    assert state.geometry == point(1) and state.inspected is not None
    receipt = node.revoke("alice", "alice-pw", code, "demolished")
    assert [r["type"] for _, r in node.history(code)] == [
        "issue",
        "update",
        "update",
        "inspect",
        "transfer",
        "revoke",
    ]
    # nothing follows a revoke
    with pytest.raises(SubmissionRefused) as refused:
        node.update("alice", "alice-pw", code, name="again")
    assert refused.value.rule == rules.CODE_NOT_REVOKED
    # a batch run again records nothing twice: the log is its journal
    again = node.change_many(
        "alice", "alice-pw", [life.Change(life.REVOKE, code, {"reason": "demolished"})]
    )
    assert again == [life.Done(code, receipt.index)]
    assert node.size() == receipt.index + 2  # the revoke and its batch's code-map entry
    report = audit_log(node.store, node.origin)
    assert report.ok, report.problems


def test_a_batch_reports_each_change(node: Node) -> None:
    codes = [node.issue("alice", "alice-pw", "WAT", f"main {i}", point(i)).code for i in range(3)]
    node.revoke("alice", "alice-pw", codes[2], "issued by mistake")
    changes = [life.Change(life.INSPECT, c, life.inspection_members(2, "ok")) for c in codes]
    first = node.change_many("alice", "alice-pw", changes)
    assert [type(o).__name__ for o in first] == ["Receipt", "Receipt", "SubmissionRefused"]
    second = node.change_many("alice", "alice-pw", changes)
    assert [type(o).__name__ for o in second] == ["Done", "Done", "SubmissionRefused"]


# ---------------------------------------------------------------- between two cities
def _replicate(store: Store, node: Node, witnesses: tuple = ()) -> None:
    """Store `node`'s whole log as a replica in `store`, as sync does (verified data),
    its checkpoint cosigned by `witnesses` (verifier_kit.Witness)."""
    if store.log_info(node.origin) is None:
        store.ensure_replica(node.origin, node.city_code, node.log_vkey, node.witness_vkey)
    old = store.log_info(node.origin)
    assert old is not None
    entries = node.store.entries(node.origin, 0, node.size())
    tl = TileLog.empty()
    tiles, bundles = tl.append(entries)
    signed = note.sign_note(
        Checkpoint(node.origin, tl.size, tl.root()).to_text(), node.log_signer()
    )
    store.append_replica(
        node.origin,
        old.size,
        tl.size,
        tl.root(),
        signed,
        {n: b for n, b in bundles.items()},
        tiles,
        entries=entries[old.size :] if old.size else entries,
    )
    if witnesses:
        _, sigs = note.split_note(note.add_signatures(signed, *(w.signer for w in witnesses)))
        for w in witnesses:
            line = next(x for x in sigs if x.name == w.signer.name).line()
            store.add_cosignature(node.origin, tl.size, w.signer.name, line, None)


@pytest.fixture(params=["sqlite", "postgres"])
def new_db(request, tmp_path):
    """A maker of fresh empty databases: all SQLite, or all on the session's PostgreSQL."""

    def make(name: str) -> str:
        if request.param == "sqlite":
            return sqlite_url(tmp_path / f"{name}.sqlite3")
        return request.getfixturevalue("pg_server").create_database()

    return make


@pytest.fixture
def cities(new_db, tmp_path):
    """Two member cities' nodes, each with its own database."""
    made = []
    for city, name in (("130100", "Shijiazhuang"), ("130200", "Tangshan")):
        n = Node.create(
            tmp_path / city, city, name, name, "node-pw", db_url=new_db(city), batch_delay=0.005
        )
        n.add_official("alice", "alice-pw")
        made.append(n)
    yield made
    for n in made:
        n.close()


def test_a_code_moves_to_another_city_with_its_history(cities, new_db) -> None:
    a, b = cities
    code = a.issue("alice", "alice-pw", "WAT", "border main", point(0)).code
    a.update("alice", "alice-pw", code, attributes={"diameter_mm": 300})
    out = a.transfer_out("alice", "alice-pw", code, b.city_code)
    with pytest.raises(SubmissionRefused) as refused:
        a.update("alice", "alice-pw", code, name="too late")
    assert refused.value.rule == rules.CODE_NOT_TRANSFERRED
    # B does not hold A's log yet: nothing to take over
    with pytest.raises(NodeError, match="no such code"):
        b.transfer_in("alice", "alice-pw", code)
    _replicate(b.store, a)
    moved = b.transfer_in("alice", "alice-pw", code)
    state = b.code_state(code)
    assert state is not None and (state.origin, state.status, state.first_index) == (
        b.origin,
        "issued",
        moved.index,
    )
    assert state.attributes == {"diameter_mm": 300}
    # the chain goes on in B's log, then back through A's transfer-out
    assert [(o, r["type"]) for o, _, r in b.chain(code)] == [
        (a.origin, "issue"),
        (a.origin, "update"),
        (a.origin, "transfer-out"),
        (b.origin, "transfer-in"),
    ]
    assert b.chain(code)[2][1] == out.index
    b.update("alice", "alice-pw", code, service="decommissioned")  # B's code now
    # taken over once only
    with pytest.raises(NodeError):
        b.transfer_in("alice", "alice-pw", code)
    for origin in (a.origin, b.origin):
        report = audit_log(b.store, origin)
        assert report.ok, (origin, report.problems)

    # a third city that syncs B before A holds B's transfer-in back, with no evidence,
    # and folds it once A's transfer-out is there
    third = Store(new_db("third"))
    try:
        _replicate(third, b)
        info = third.log_info(b.origin)
        assert info is not None and info.indexed_size == moved.index
        assert third.evidence(b.origin) == []
        assert third.code_state(code) is None
        _replicate(third, a)
        info = third.log_info(b.origin)
        assert info is not None and info.indexed_size == b.size()
        held = third.code_state(code)
        assert held is not None and (held.origin, held.service) == (b.origin, "decommissioned")
        assert audit_log(third, a.origin).ok and audit_log(third, b.origin).ok
    finally:
        third.close()


def test_a_transfer_in_without_its_transfer_out_is_refused(cities, new_db) -> None:
    a, b = cities
    code = a.issue("alice", "alice-pw", "WAT", "not moving", point(0)).code
    issued = a.code_state(code)
    assert issued is not None
    asset = {"class": "WAT", "name": "not moving", "geometry": point(0), "attributes": {}}
    forged = {
        "type": "transfer-in",
        "code": code,
        "prev": issued.latest_index,  # A's issue record, no transfer-out
        "from": a.origin,
        "asset": asset,
    }
    entry = b.make_entry("alice", "alice-pw", forged)
    # B's sequencer: A's log not held → pending (refused); held → forged (refused)
    with pytest.raises(SubmissionRefused) as pending:
        b.submit(entry)
    assert pending.value.rule == rules.TRANSFER_PENDING
    _replicate(b.store, a)
    with pytest.raises(SubmissionRefused) as forged_refusal:
        b.submit(entry)
    assert forged_refusal.value.rule == rules.TRANSFER_SOURCE
    # a city B whose own log holds it anyway: a replica holding A makes it evidence
    entries = [*b.store.entries(b.origin, 0, b.size()), entry]
    tl = TileLog.empty()
    tiles, bundles = tl.append(entries)
    signed = note.sign_note(Checkpoint(b.origin, tl.size, tl.root()).to_text(), b.log_signer())
    third = Store(new_db("third"))
    try:
        _replicate(third, a)
        third.ensure_replica(b.origin, b.city_code, b.log_vkey, b.witness_vkey)
        third.append_replica(
            b.origin, 0, tl.size, tl.root(), signed, bundles, tiles, entries=entries
        )
        (row,) = third.evidence(b.origin)
        assert (row["rule"], row["entry_index"]) == (rules.TRANSFER_SOURCE, len(entries) - 1)
        held = third.code_state(code)
        assert held is not None and held.origin == a.origin
    finally:
        third.close()


def test_verify_tells_what_happened_and_follows_a_transfer_through_both_logs(
    cities, new_db
) -> None:
    """A third city holding both logs (cosigned by two witnesses) verifies a code that
    moved from A to B, and says when, by whom and why a code was revoked."""
    from app.ledger import verifier as V

    from .verifier_kit import make_trust, node_city, other_city

    a, b = cities
    witnesses = (
        other_city("130600", "Baoding", "保定", 115.46, 38.87),
        other_city("130400", "Handan", "邯郸", 114.54, 36.63),
    )
    trust = make_trust(a, witnesses)[0].with_city(node_city(b))
    moving = a.issue("alice", "alice-pw", "WAT", "border main", point(0)).code
    gone = a.issue("alice", "alice-pw", "WAT", "old pump", point(1)).code
    a.revoke("alice", "alice-pw", gone, "demolished in 2026")
    a.transfer_out("alice", "alice-pw", moving, b.city_code)
    _replicate(b.store, a)
    b.transfer_in("alice", "alice-pw", moving)
    third = Store(new_db("third"))
    try:
        _replicate(third, a, witnesses)
        _replicate(third, b, witnesses)
        result = V.verify_code(third, moving, trust)
        assert result.ok, [c.to_dict() for c in result.checks]
        transfer = result.check(V.TRANSFER)
        assert transfer is not None and transfer.status == V.PASS
        assert transfer.params["origin"] == a.origin and transfer.params["into"] == b.origin
        # a bundle of the transfer-in: offline the transfer-out cannot be seen (not
        # verified, and it says why); with the third city's replica it verifies
        from app.ledger.proof_bundle import export_proof_bundle

        bundle = export_proof_bundle(third, moving, quorum=trust.quorum).encode()
        offline = V.verify_proof_bundle(bundle, trust)
        unknown = offline.check(V.TRANSFER)
        assert not offline.ok and unknown is not None and unknown.status == V.UNKNOWN
        with_replica = V.verify_proof_bundle(bundle, trust, replica=third)
        assert with_replica.ok, [c.to_dict() for c in with_replica.checks]
        revoked = V.verify_code(third, gone, trust)
        check = revoked.check(V.NOT_REVOKED)
        assert not revoked.ok and check is not None and check.status == V.FAIL
        assert (check.params["official"], check.params["why"]) == ("alice", "demolished in 2026")
        # holding B's log but not A's: the transfer cannot be shown, so not verified
        fourth = Store(new_db("fourth"))
        try:
            _replicate(fourth, b, witnesses)
            assert fourth.code_state(moving) is None  # held back: pending, not blind
        finally:
            fourth.close()
    finally:
        third.close()
    # A's own view: transferred, by whom, to which city
    at_a = V.verify_code(a, moving, trust)
    check = at_a.check(V.NOT_REVOKED)
    assert check is not None and check.status == V.FAIL and check.params["city"] == b.city_code
