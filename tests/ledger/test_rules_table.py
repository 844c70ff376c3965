"""ONE table of entry-rule cases, run through each of the four callers of app/ledger/rules.py
(the sequencer, the replica fold, `log verify`'s audit and the verifier), so they cannot
drift apart again.

Every case is a record at index 16 of city 130100's log, after this real history, each
record its own batch, so each is followed by the batch's code-map entry (odd indices):
  0 official-add alice   2 official-add bob   4 issue X   6 issue Y   8 revoke Y
  10 official-revoke bob 12 issue T           14 transfer-out T to 130200
A replica's copy ends with the code-map entry an honest sequencer would append after the
case (index 17), unless the case is itself a code-map entry.
`callers` names who can judge the case: the replica fold and the audit do not check
entry signatures (a signature can only be wrong if the city's own sequencer accepted it;
the verifier checks it whenever the code is verified), a replica does not know the city's
admin key, and a single record's offline proof cannot show the state of its code before
it (duplicates, prev chain, revoked: the verifiable code index of issue 12 closes that).
The store-backed callers run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from app.core import note
from app.core.checkpoint import Checkpoint
from app.core.code_map import CodeMap
from app.core.codes import make_code
from app.core.records import make_map_entry, sign_entry
from app.ledger import rules
from app.ledger import verifier as V
from app.ledger.audit import audit_log
from app.ledger.keys import signing_key
from app.ledger.map_state import is_map_entry, map_updates
from app.ledger.node import Node
from app.ledger.proof_bundle import ProofBundle, official_proof, stored_inclusion_proof
from app.ledger.sequencer import Receipt, Sequencer, SubmissionRefused
from app.ledger.store import Store
from app.ledger.tilelog import TileLog

from .conftest import CITY, point
from .verifier_kit import OTHER_CITIES, make_trust, other_city

SEQUENCER, FOLD, AUDIT, VERIFIER = "sequencer", "replica fold", "audit", "verifier"
ALL = frozenset({SEQUENCER, FOLD, AUDIT, VERIFIER})
STATE = frozenset({SEQUENCER, FOLD, AUDIT})  # rules on the state before the record
CASE_INDEX = 16


@dataclass(frozen=True)
class Case:
    name: str
    rule: str | None  # None: the record is valid
    callers: frozenset[str] = field(default=ALL)


CASES = (
    Case("issue of a new code", None),
    Case("update of the code's latest record", None),
    Case("malformed record", rules.RECORD_SYNTAX),
    Case("issue of another city's code", rules.CODE_CITY),
    Case("update of another city's code", rules.CODE_CITY),
    Case("signed by a revoked official", rules.SIGNER_ACTIVE),
    Case("signed by an unregistered official", rules.SIGNER_ACTIVE),
    Case("signature by another key", rules.ENTRY_SIGNATURE, frozenset({SEQUENCER, VERIFIER})),
    Case("duplicate issue", rules.CODE_NEW, STATE),
    Case("update of an unknown code", rules.CODE_KNOWN, STATE),
    Case("update of a revoked code", rules.CODE_NOT_REVOKED, STATE),
    Case("prev pointing at another code's record", rules.PREV_CHAIN, STATE),
    Case("official-add of a registered official", rules.OFFICIAL_NEW, STATE),
    Case("official-add with an unusable key", rules.OFFICIAL_KEY, STATE),
    Case("official-revoke of an unknown official", rules.OFFICIAL_KNOWN, STATE),
    Case("official-add signed by an official", rules.ADMIN_SIGNED, frozenset({SEQUENCER})),
    Case("inspect of the code's latest record", None),
    Case("transfer-out to another city", None),
    Case("update of a code transferred out", rules.CODE_NOT_TRANSFERRED, STATE),
    Case("transfer-out to its own city", rules.TRANSFER_TARGET, STATE),
    Case("transfer-in naming its own log", rules.TRANSFER_SOURCE, STATE),
    # pending is no breach: the fold and the audit hold the log back without evidence
    # (tests/ledger/test_code_life.py); the sequencer refuses it
    Case("transfer-in from a log not held here", rules.TRANSFER_PENDING, frozenset({SEQUENCER})),
    # the code-map entry: made by the sequencer, judged in a log by size and root
    Case("code-map entry with the right root", None, frozenset({FOLD, AUDIT})),
    Case("code-map entry with a wrong root", rules.MAP_ROOT, frozenset({FOLD, AUDIT})),
    Case("code-map entry with a wrong size", rules.MAP_SIZE, frozenset({FOLD, AUDIT})),
    Case("code-map entry submitted", rules.MAP_SUBMITTED, frozenset({SEQUENCER})),
    # judged against the sequencer's clock at submission; a log's later readers cannot
    Case("issue signed a day ahead of the clock", rules.ENTRY_TIME, frozenset({SEQUENCER})),
)

# The verifier's check that reports each rule it judges.
VERIFIER_CHECK = {
    rules.RECORD_SYNTAX: V.RECORD,
    rules.CODE_CITY: V.CHECKPOINT_SIGNATURE,
    rules.SIGNER_ACTIVE: V.OFFICIAL_ACTIVE,
    rules.ENTRY_SIGNATURE: V.ENTRY_SIGNATURE,
}


@dataclass
class History:
    node: Node
    base: list[bytes]  # entries 0..15
    cases: dict[str, bytes]  # case name -> entry at index 16
    codes: dict[str, str]  # X, Y, Z, W (W is never issued), B (another city's)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    node = Node.create(
        tmp_path_factory.mktemp("rules") / "node",
        CITY,
        "Shijiazhuang",
        "石家庄",
        "node-pw",
        batch_delay=0.005,
    )
    node.add_official("alice", "alice-pw")
    node.add_official("bob", "bob-pw")
    x = node.issue("alice", "alice-pw", "WAT", "main x", point(1)).code
    y = node.issue("alice", "alice-pw", "WAT", "main y", point(2)).code
    node.revoke("alice", "alice-pw", y, "demolished")
    node.revoke_official("bob")
    t = node.issue("alice", "alice-pw", "WAT", "main t", point(4)).code
    node.transfer_out("alice", "alice-pw", t, "130200")
    base = node.store.entries(node.origin, 0, CASE_INDEX)
    z, w = str(make_code(CITY, "GAS")), str(make_code(CITY, "GAS"))
    b = str(make_code("130200", "WAT"))
    asset = {"class": "GAS", "name": "main z", "geometry": point(3), "attributes": {}}

    def issue(code: str, official: str = "alice", pw: str = "alice-pw") -> bytes:
        rec = {"type": "issue", "code": code, "prev": None, "asset": {**asset}}
        rec["asset"]["class"] = code.split("-")[1]
        return node.make_entry(official, pw, rec)

    def update(code: str, prev: int) -> bytes:
        rec = {"type": "update", "code": code, "prev": prev, "asset": {"name": "renamed"}}
        return node.make_entry("alice", "alice-pw", rec)

    def record(rtype: str, code: str, prev: int, **members: object) -> bytes:
        rec = {"type": rtype, "code": code, "prev": prev, **members}
        return node.make_entry("alice", "alice-pw", rec)

    def transfer_in(origin: str, prev: int) -> bytes:
        whole = {**asset, "class": "WAT"}
        return record("transfer-in", b, prev, asset=whole, **{"from": origin})

    admin = signing_key(node._city_key("admin"))
    alice = node._official_key("alice", "alice-pw")
    bob = node._official_key("bob", "bob-pw")
    vkey = node.officials()[0]["vkey"]
    now = "2026-12-02T10:00:00Z"
    forged = {"type": "issue", "code": z, "prev": None, "asset": asset, "time": now}
    cases = {
        "issue of a new code": issue(z),
        "update of the code's latest record": update(x, 4),
        "malformed record": b'{"type":"issue"}',
        "issue of another city's code": issue(b),
        "update of another city's code": update(b, 2),
        "signed by a revoked official": issue(z, "bob", "bob-pw"),
        "issue signed a day ahead of the clock": sign_entry(
            {**forged, "time": _rfc3339(time.time() + 86400), "official": "alice"}, alice
        ),
        "signed by an unregistered official": sign_entry({**forged, "official": "mallory"}, bob),
        "signature by another key": sign_entry({**forged, "official": "alice"}, bob),
        "duplicate issue": issue(x),
        "update of an unknown code": update(w, 4),
        "update of a revoked code": update(y, 8),
        "prev pointing at another code's record": update(x, 6),
        "official-add of a registered official": sign_entry(
            {
                "type": "official-add",
                "subject": {"name": "alice", "key": vkey},
                "prev": None,
                "time": now,
                "official": node.admin_name,
            },
            admin,
        ),
        "official-add with an unusable key": sign_entry(
            {
                "type": "official-add",
                "subject": {"name": "erin", "key": "erin+00000000+AAAA"},
                "prev": None,
                "time": now,
                "official": node.admin_name,
            },
            admin,
        ),
        "official-revoke of an unknown official": sign_entry(
            {
                "type": "official-revoke",
                "subject": {"name": "carol"},
                "reason": "left",
                "prev": 2,
                "time": now,
                "official": node.admin_name,
            },
            admin,
        ),
        "official-add signed by an official": sign_entry(
            {
                "type": "official-add",
                "subject": {"name": "dave", "key": vkey.replace("alice", "dave", 1)},
                "prev": None,
                "time": now,
                "official": "alice",
            },
            alice,
        ),
    }
    cases.update(
        {
            "inspect of the code's latest record": record(
                "inspect", x, 4, inspection={"grade": 2, "note": "valve turns"}
            ),
            "transfer-out to another city": record("transfer-out", x, 4, to="130200"),
            "update of a code transferred out": update(t, 14),
            "transfer-out to its own city": record("transfer-out", x, 4, to=CITY),
            "transfer-in naming its own log": transfer_in(node.origin, 14),
            "transfer-in from a log not held here": transfer_in("cityledger.example/130200", 5),
        }
    )
    right = _map_after(base)
    cases.update(
        {
            "code-map entry with the right root": make_map_entry(right, CASE_INDEX),
            "code-map entry with a wrong root": make_map_entry(bytes(32), CASE_INDEX),
            "code-map entry with a wrong size": make_map_entry(right, CASE_INDEX - 1),
            "code-map entry submitted": make_map_entry(right, CASE_INDEX),
        }
    )
    yield History(node, base, cases, {"X": x, "Y": y, "Z": z, "W": w, "B": b, "T": t})
    node.close()


def _rfc3339(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _map_after(entries: list[bytes]) -> bytes:
    """The root an honest sequencer commits after `entries`."""
    return CodeMap(dict(map_updates(enumerate(entries)))).root()


def _params(caller: str) -> list:
    return [pytest.param(c, id=c.name) for c in CASES if caller in c.callers]


# ---------------------------------------------------------------- the sequencer
@pytest.mark.parametrize("case", _params(SEQUENCER))
def test_sequencer(case: Case, history: History, db_url: str) -> None:
    """The base history replayed through a fresh sequencer, then the case's entry."""
    node = history.node
    store = Store(db_url)
    store.create_log(node.origin, "own", CITY, node.log_vkey, node.witness_vkey, node.admin_vkey)
    signer = node.log_signer()
    seq = Sequencer(
        store,
        node.origin,
        CITY,
        node.admin_vkey,
        lambda size, root: note.sign_note(Checkpoint(node.origin, size, root).to_text(), signer),
        batch_delay=0.001,
    )
    try:
        # one record a batch, as the history was made: each gets its own code-map entry
        replay = [seq.submit(e).result(60) for e in history.base if not is_map_entry(e)]
        assert [r.index for r in replay] == list(range(0, CASE_INDEX, 2))
        assert store.entries(node.origin, 0, CASE_INDEX) == history.base
        (outcome,) = seq.submit(history.cases[case.name]).wait(60)
    finally:
        seq.stop()
        store.close()
    if case.rule is None:
        assert isinstance(outcome, Receipt) and outcome.index == CASE_INDEX
    else:
        assert isinstance(outcome, SubmissionRefused), outcome
        assert outcome.rule == case.rule, str(outcome)


# ---------------------------------------------------------------- the replica fold and the audit
def _replica(url: str, history: History, case: Case) -> tuple[Store, bytes, bytes]:
    """A replica of the city's log holding the base history and the case's entry, stored
    and folded as sync does it; returns it, the checkpoint note and the tree root."""
    node = history.node
    store = Store(url)
    store.ensure_replica(node.origin, CITY, node.log_vkey, node.witness_vkey)
    entries = [*history.base, history.cases[case.name]]
    if not is_map_entry(entries[-1]):
        entries.append(make_map_entry(_map_after(entries), len(entries)))
    tl = TileLog.empty()
    tiles, bundles = tl.append(entries)
    text = Checkpoint(node.origin, tl.size, tl.root()).to_text()
    signed = note.sign_note(text, node.log_signer())
    store.append_replica(
        node.origin, 0, tl.size, tl.root(), signed, bundles, tiles, entries=entries
    )
    return store, signed, tl.root()


def _base_codes(history: History) -> dict[str, tuple[str, str, int]]:
    x, y, t = history.codes["X"], history.codes["Y"], history.codes["T"]
    return {
        x: ("main x", "issued", 4),
        y: ("main y", "revoked", 8),
        t: ("main t", "transferred", 14),
    }


@pytest.mark.parametrize("case", _params(FOLD))
def test_replica_fold(case: Case, history: History, db_url: str) -> None:
    store, _, _ = _replica(db_url, history, case)
    try:
        origin = history.node.origin
        info = store.log_info(origin)
        assert info is not None and info.size == CASE_INDEX + 1 + (
            not case.name.startswith("code-map")
        )
        evidence = store.evidence(origin)
        codes = {
            c.code: (c.name, c.status, c.latest_index) for c in store.list_codes(origin=origin)
        }
        if case.rule is None:
            assert info.indexed_size == info.size and evidence == []
            if not case.name.startswith("code-map"):
                assert codes != _base_codes(history)  # the record was folded
        else:
            assert info.indexed_size == CASE_INDEX  # never folded
            (row,) = evidence
            assert (row["kind"], row["rule"], row["entry_index"]) == (
                "misbehaviour",
                case.rule,
                CASE_INDEX,
            )
            assert codes == _base_codes(history)
            assert store.code_state(history.codes["B"]) is None
    finally:
        store.close()


@pytest.mark.parametrize("case", _params(AUDIT))
def test_audit(case: Case, history: History, db_url: str) -> None:
    store, _, _ = _replica(db_url, history, case)
    try:
        report = audit_log(store, history.node.origin)
    finally:
        store.close()
    if case.rule is None:
        assert report.ok, report.problems
    else:
        assert any(
            p.startswith(f"entry {CASE_INDEX} breaks rule {case.rule}:") for p in report.problems
        ), report.problems


# ---------------------------------------------------------------- the verifier
@pytest.mark.parametrize("case", _params(VERIFIER))
def test_verifier(case: Case, history: History, tmp_path) -> None:
    """The case's entry as a proof bundle under a checkpoint co-signed by two witnesses,
    verified with the trust file and the replica (which knows the officials' revocations)."""
    store, signed, root = _replica(f"sqlite:///{tmp_path / 'replica.sqlite3'}", history, case)
    try:
        node, size = history.node, CASE_INDEX + 2
        witnesses = [other_city(*c) for c in OTHER_CITIES]
        trust, _ = make_trust(node, witnesses)
        cosigned = note.add_signatures(signed, *[w.signer for w in witnesses])
        entry = history.cases[case.name]
        name = rules.parse(entry)
        official = None
        if isinstance(name, dict):
            official = official_proof(store, node.origin, name["official"], size, root, CASE_INDEX)
        bundle = ProofBundle(
            entry=entry,
            index=CASE_INDEX,
            proof=tuple(stored_inclusion_proof(store, node.origin, CASE_INDEX, size, root)),
            checkpoint=cosigned,
            official=official,
        )
        result = V.verify_proof_bundle(bundle.encode(), trust, replica=store)
    finally:
        store.close()
    if case.rule is None and case.name == "transfer-out to another city":
        # a valid record that ends the code's life in this log: every rule-backed check
        # passes, and `not revoked` says where the code went
        judged = set(VERIFIER_CHECK.values())
        assert all(c.status == V.PASS for c in result.checks if c.name in judged)
        gone = result.check(V.NOT_REVOKED)
        assert gone is not None and gone.status == V.FAIL and "transferred" in gone.reason
    elif case.rule is None:
        assert result.ok, [c.to_dict() for c in result.checks]
    else:
        check = result.check(VERIFIER_CHECK[case.rule])
        assert not result.ok and check is not None and check.status != V.PASS, result.to_dict()


def test_every_rule_has_a_case() -> None:
    """A rule added to rules.py without a case here fails this test."""
    named = {v for k, v in vars(rules).items() if k.isupper() and isinstance(v, str)}
    assert named == {c.rule for c in CASES if c.rule}
