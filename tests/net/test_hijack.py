"""A member city that publishes a validly signed, append-only log holding records of other
cities' codes (issue 10, item 1), and a peer that serves a bad bundle after a good
checkpoint (item 8).

City A (130100) is hostile; B (130200) is the replica under test and also issues its own
codes; C (130400) is honest. A's and C's logs are served as static tlog-tiles files by
real `python -m http.server` processes; B syncs them with the real SyncEngine. B's store
runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from app.core.code_map import CodeMap
from app.core.records import make_map_entry
from app.ledger import rules
from app.ledger import verifier as V
from app.ledger.audit import audit_log
from app.ledger.map_state import map_updates
from app.ledger.node import Node
from app.ledger.proof_bundle import decode_proof_bundle
from app.ledger.trust import installed_trust
from app.net import events as ev
from app.net.demo_network import DEMO_OFFICIAL, create_network, free_port, issue_demo_codes
from app.net.ledger_view import LedgerView
from app.net.service import TrustCache
from app.net.static import export_static, write_static_log
from app.net.sync import SyncEngine
from tests.net.conftest import PASS, REPO

A, B, C = "130100", "130200", "130400"


@pytest.fixture(params=["sqlite", "postgres"])
def net(request, tmp_path):
    """Three cities with 3 codes each; B's store on SQLite or PostgreSQL."""
    ports = {A: free_port(), C: free_port()}
    db_urls = {B: request.getfixturevalue("pg_url")} if request.param == "postgres" else {}
    network = create_network(
        tmp_path / "net",
        [A, B, C],
        passphrase=PASS,
        endpoints={k: [f"http://127.0.0.1:{p}/"] for k, p in ports.items()},
        db_urls=db_urls,
    )
    codes = {k: issue_demo_codes(tmp_path / "net" / k, 3, passphrase=PASS) for k in (A, B, C)}
    return {"root": tmp_path, "net": network, "ports": ports, "codes": codes}


def _entries(data_dir, passphrase: str = PASS) -> tuple[Node, list[bytes]]:
    node = Node.open(data_dir)
    node.unlock(passphrase)
    return node, node.store.entries(node.origin, 0, node.size())


def _index_of(entries: list[bytes], code: str) -> int:
    return next(i for i, e in enumerate(entries) if json.loads(e).get("code") == code)


def _engine(node: Node) -> tuple[SyncEngine, list]:
    engine = SyncEngine(
        LedgerView(node.store, node.origin, node.data_dir),
        TrustCache(node.data_dir),
        use_mirrors=False,
    )
    seen: list = []
    engine.bus.subscribe(seen.append)
    return engine, seen


def _cli(data_dir, *argv) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data", str(data_dir), *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def publish_hijack(root, codes, passphrase: str = PASS) -> dict:
    """Export C's honest log to root/c_log, and write root/a_log: A's honest log, then an
    update renaming B's code, a revoke of C's code, a transfer of A's own code whose prev
    is an index of C's log, and a valid issue (all validly signed by A)."""
    b_code, c_code, a_code = codes[B][0], codes[C][0], codes[A][0]
    b_node, b_entries = _entries(root / "net" / B, passphrase)
    b_node.close()
    c_node, c_entries = _entries(root / "net" / C, passphrase)
    export_static(c_node.store, c_node.origin, root / "c_log")
    c_origin = c_node.origin
    c_node.close()
    a, honest = _entries(root / "net" / A, passphrase)
    hijack = [
        a.make_entry(
            DEMO_OFFICIAL,
            passphrase,
            {
                "type": "update",
                "code": b_code,
                "prev": _index_of(b_entries, b_code),
                "asset": {"name": "A's name for it"},
            },
        ),
        a.make_entry(
            DEMO_OFFICIAL,
            passphrase,
            {"type": "revoke", "code": c_code, "prev": _index_of(c_entries, c_code), "reason": "x"},
        ),
        a.make_entry(
            DEMO_OFFICIAL,
            passphrase,
            {
                "type": "transfer",
                "code": a_code,
                "prev": _index_of(c_entries, codes[C][1]),
                "owner": "A",
            },
        ),
    ]
    late = a.issue_record(
        "WAT", "issued after the hijack", {"type": "Point", "coordinates": [114.5, 38.0]}
    )
    valid_after = a.make_entry(DEMO_OFFICIAL, passphrase, late)
    # A ends its log as its sequencer would, with a code-map entry; its root leaves the
    # hijack out, as every replica's fold does once the evidence is resolved
    logged = [*honest, *hijack, valid_after]
    kept = [(i, e) for i, e in enumerate(logged) if not (len(honest) <= i < len(honest) + 3)]
    root_hash = CodeMap(dict(map_updates(kept))).root()
    logged.append(make_map_entry(root_hash, len(logged)))
    write_static_log(root / "a_log", a.origin, logged, a.log_signer())
    out = {
        "hijack": hijack,
        "late_code": late["code"],
        "first_bad": len(honest),
        "a_origin": a.origin,
        "c_origin": c_origin,
    }
    a.close()
    return out


def test_a_city_cannot_rewrite_other_cities_codes(net, static_server):
    root, codes = net["root"], net["codes"]
    b_code, c_code, a_code = codes[B][0], codes[C][0], codes[A][0]
    published = publish_hijack(root, codes)
    hijack, late_code = published["hijack"], published["late_code"]
    first_bad, a_origin = published["first_bad"], published["a_origin"]
    static_server(root / "a_log", port=net["ports"][A])
    static_server(root / "c_log", port=net["ports"][C])

    node = Node.open(root / "net" / B)
    engine, events = _engine(node)
    try:
        before_b = node.code_state(b_code)
        health = engine.run_once()
        c_health = health[published["c_origin"]]
        assert c_health.state == "ok", c_health.error
        h = health[a_origin]

        # B's and C's codes are as their own cities logged them.
        assert node.code_state(b_code) == before_b and before_b.origin == node.origin
        c_state = node.code_state(c_code)
        assert c_state.status == "issued" and c_state.origin == published["c_origin"]
        assert node.code_state(a_code).owner is None  # the transfer was not folded
        assert node.code_state(late_code) is None  # held back
        assert all(node.code_state(c) is not None for c in codes[A])  # the honest part is in

        # The Merkle data is kept as published; the index stops before the bad entry.
        info = node.store.log_info(a_origin)
        assert info.size == first_bad + 5 and info.indexed_size == first_bad

        # Evidence: the signed checkpoint and a tlog-proof of the entry any third party
        # can check with the trust file: included in A's signed log, and not A's code.
        (row,) = node.store.evidence(a_origin)
        assert (row["kind"], row["rule"], row["entry_index"]) == (
            "misbehaviour",
            rules.CODE_CITY,
            first_bad,
        )
        assert b_code in row["detail"] and row["resolved_at"] is None
        bundle = decode_proof_bundle(bytes(row["note_b"]))
        assert bundle.entry == hijack[0] and bytes(row["note_a"]) == bundle.checkpoint
        trust = installed_trust(node.data_dir)
        third_party = V.verify_proof_bundle(bytes(row["note_b"]), trust)
        assert third_party.check(V.INCLUSION).status == V.PASS
        city_check = third_party.check(V.CHECKPOINT_SIGNATURE)
        assert city_check.status == V.FAIL and "only a city's own log" in city_check.reason

        # An alert for the UI and the wall; the city shows frozen.
        alerts = [e for e in events if e.kind == ev.ALERT and e.data.get("level") == "critical"]
        assert [(e.origin, e.data["evidence_id"], e.data["rule"]) for e in alerts] == [
            (a_origin, row["id"], rules.CODE_CITY)
        ]
        assert h.state == "frozen" and f"#{row['id']}" in h.error

        # A second pass changes nothing and does not alert again.
        engine.run_once(origins=[a_origin])
        assert len(node.store.evidence(a_origin)) == 1
        assert len([e for e in events if e.kind == ev.ALERT]) == len(alerts)
    finally:
        engine.stop()
        node.close()

    # `evidence list --json` shows it; `inspect` of the touched codes works.
    listed = json.loads(_cli(root / "net" / B, "evidence", "list", "--json").stdout)
    assert [(d["kind"], d["rule"], d["entry_index"]) for d in listed] == [
        ("misbehaviour", rules.CODE_CITY, first_bad)
    ]
    for code, origin in ((c_code, published["c_origin"]), (b_code, None)):
        shown = _cli(root / "net" / B, "inspect", code, "--json")
        doc = json.loads(shown.stdout)
        assert doc["code"] == code and doc["status"] == "issued", shown.stderr
        assert all(r["record"]["code"] == code for r in doc["history"])
        assert origin is None or doc["origin"] == origin

    # Resolving is the operator's decision, one entry at a time: each further bad entry
    # becomes its own evidence; none is ever folded; then A's valid records follow.
    # (evidence resolved, then the next evidence: its rule and entry)
    steps = [(1, rules.CODE_CITY, first_bad + 1), (2, rules.PREV_CHAIN, first_bad + 2)]
    for resolved, rule, index in steps:
        done = _cli(root / "net" / B, "evidence", "resolve", resolved, "--note", "seen; A warned")
        assert done.returncode == 0, done.stderr
        node = Node.open(root / "net" / B)
        engine, events = _engine(node)
        try:
            engine.run_once(origins=[a_origin])
            rows = node.store.evidence(a_origin)
            assert node.code_state(c_code).status == "issued"
            assert node.code_state(b_code) == before_b
        finally:
            engine.stop()
            node.close()
        assert (rows[-1]["id"], rows[-1]["rule"], rows[-1]["entry_index"]) == (
            resolved + 1,
            rule,
            index,
        )
    assert _cli(root / "net" / B, "evidence", "resolve", 3, "--note", "ok").returncode == 0
    node = Node.open(root / "net" / B)
    engine, _ = _engine(node)
    try:
        assert engine.run_once(origins=[a_origin])[a_origin].state == "ok"
        assert node.code_state(late_code).origin == a_origin  # held-back records follow
        assert node.code_state(a_code).owner is None
        info = node.store.log_info(a_origin)
        assert info.indexed_size == info.size == first_bad + 5
        assert audit_log(node.store, a_origin).ok  # resolved evidence stays out of the index
    finally:
        engine.stop()
        node.close()


# ---------------------------------------------------------------- item 8: half-stored sync
@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """City A's log exported after 100 and 1,100 codes (five entry bundles), and node B."""
    root = tmp_path_factory.mktemp("grown")
    port = free_port()
    network = create_network(
        root / "net", [A, B], passphrase=PASS, endpoints={A: [f"http://127.0.0.1:{port}/"]}
    )
    issue_demo_codes(root / "net" / A, 100, passphrase=PASS)
    a = Node.open(root / "net" / A)
    old = export_static(a.store, a.origin, root / "a_old")
    a.close()
    issue_demo_codes(root / "net" / A, 1000, passphrase=PASS, seed=1)
    a = Node.open(root / "net" / A)
    new = export_static(a.store, a.origin, root / "a_new")
    origin = a.origin
    a.close()
    # each batch ends with its code-map entry: the sizes are read, not assumed
    assert old > 100 and new > old + 1000
    out = {"root": root, "net": network, "port": port, "origin": origin}
    return {**out, "old": old, "new": new}


def _fresh_b(grown, tmp_path):
    shutil.copytree(grown["root"] / "net" / B, tmp_path / "b")
    return tmp_path / "b"


def _log_verify_all(data_dir) -> list[dict]:
    done = _cli(data_dir, "log", "verify", "--all", "--json")
    doc = json.loads(done.stdout)
    assert done.returncode == 0 and doc["ok"] and all(d["ok"] for d in doc["logs"]), doc
    return doc["logs"]


def test_a_bad_bundle_after_a_good_checkpoint_stores_no_checkpoint_ahead(
    grown, static_server, tmp_path, monkeypatch
):
    monkeypatch.setattr("app.net.sync.CHUNK_BUNDLES", 1)
    b_dir, origin = _fresh_b(grown, tmp_path), grown["origin"]
    server = static_server(grown["root"] / "a_old", port=grown["port"])
    node = Node.open(b_dir)
    engine, _ = _engine(node)
    try:
        assert engine.run_once(origins=[origin])[origin].state == "ok"
        server.stop()
        peer = tmp_path / "bad-peer"
        shutil.copytree(grown["root"] / "a_new", peer)
        bundle = peer / "tile" / "entries" / "002"
        bundle.write_bytes(bundle.read_bytes()[:-40])  # bundles 0-1 good, 2 truncated
        server = static_server(peer, port=grown["port"])
        h = engine.run_once(origins=[origin])[origin]
        assert h.state == "failing" and "entry bundle 2" in h.error
        info = node.store.log_info(origin)
        assert info.size == 512  # the verified chunks are kept
        # not the newer checkpoint; the index believes only what a checkpoint covers
        assert node.store.latest_checkpoint(origin).size == grown["old"]
        assert info.indexed_size == grown["old"]
    finally:
        engine.stop()
        node.close()
    _log_verify_all(b_dir)
    server.stop()
    static_server(grown["root"] / "a_new", port=grown["port"])
    node = Node.open(b_dir)
    engine, _ = _engine(node)
    try:
        assert engine.run_once(origins=[origin])[origin].state == "ok"
        info = node.store.log_info(origin)
        assert info.size == info.indexed_size == grown["new"]
        assert node.store.latest_checkpoint(origin).size == grown["new"]
    finally:
        engine.stop()
        node.close()
    _log_verify_all(b_dir)


def test_sigkill_during_a_slow_catch_up_leaves_the_last_verified_state(
    grown, static_server, tmp_path
):
    """`cityledger sync` SIGKILLed later and later during a slow catch-up until a run
    finishes: after every kill the replica passes `log verify --all` and no checkpoint
    covers entries that are not held; the run that finishes holds the whole log."""
    b_dir, origin = _fresh_b(grown, tmp_path), grown["origin"]
    static_server(grown["root"] / "a_new", port=grown["port"], slow=0.2)
    kills, delay = 0, 1.0
    while True:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--data", str(b_dir), "sync"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            finished = proc.wait(delay) == 0
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
            finished, kills = False, kills + 1
        node = Node.open(b_dir)
        try:
            info = node.store.log_info(origin)
            latest = node.store.latest_checkpoint(origin)
            held = info.size if info else 0
            assert latest is None or latest.size <= held
        finally:
            node.close()
        _log_verify_all(b_dir)
        if finished:
            break
        delay += 0.5
        assert delay < 60, "sync never finished"
    assert kills >= 2 and held == latest.size == grown["new"]
