"""Sync against peers that are plain static HTTP servers, honest or faulty.

City A (130100) and C (130400) publish their logs as static tlog-tiles files served by
`python -m http.server` (real processes); node B (130200) replicates them with the real
SyncEngine. Each fault must be refused with a specific error and leave B's store as it
was; a fork must become evidence and freeze the city.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.ledger.node import Node
from app.net import events as ev
from app.net import verify
from app.net.demo_network import create_network, free_port, issue_demo_codes
from app.net.ledger_view import LedgerView
from app.net.service import TrustCache
from app.net.static import export_static, write_static_log
from app.net.sync import SyncEngine
from tests.net.conftest import PASS, REPO

A, B, C = "130100", "130200", "130400"


SIZES: dict[str, int] = {}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Three city folders, A's log exported at sizes SIZES["old"] and ["new"], C's at ["c"] (each
    batch of issues ends with its code-map entry, so the sizes are read back)."""
    root = tmp_path_factory.mktemp("faults")
    ports = {A: free_port(), C: free_port()}
    net = create_network(
        root / "net",
        [A, B, C],
        passphrase=PASS,
        endpoints={k: [f"http://127.0.0.1:{p}/"] for k, p in ports.items()},
    )
    issue_demo_codes(root / "net" / A, 100, passphrase=PASS)
    node = Node.open(root / "net" / A)
    try:
        export_static(node.store, node.origin, root / "a_old")
        SIZES["old"] = node.size()
    finally:
        node.close()
    issue_demo_codes(root / "net" / A, 200, passphrase=PASS, seed=1)
    issue_demo_codes(root / "net" / C, 50, passphrase=PASS)
    node = Node.open(root / "net" / A)
    try:
        export_static(node.store, node.origin, root / "a_new")
        SIZES["new"] = node.size()
        entries = node.store.entries(node.origin, 0, SIZES["new"])
        node.unlock(PASS)
        signer = node.log_signer()
        # A validly signed fork: same origin and key, entry 5 replaced, longer log.
        forked = entries[:5] + [entries[5] + b" "] + entries[6:] + entries[:9]
        write_static_log(root / "a_fork", node.origin, forked, signer)
        codes = [json.loads(e).get("code") for e in entries if b'"issue"' in e]
    finally:
        node.close()
    c_node = Node.open(root / "net" / C)
    try:
        export_static(c_node.store, c_node.origin, root / "c_log")
        SIZES["c"] = c_node.size()
    finally:
        c_node.close()
    return {
        "root": root,
        "net": net,
        "ports": ports,
        "a_origin": net.node(A).origin,
        "c_origin": net.node(C).origin,
        "a_codes": codes,
    }


@pytest.fixture()
def b_node(base, tmp_path):
    """A fresh copy of node B (nothing replicated yet) and its sync engine."""
    shutil.copytree(base["net"].node(B).data_dir, tmp_path / "b")
    node = Node.open(tmp_path / "b")
    engine = SyncEngine(
        LedgerView(node.store, node.origin, node.data_dir),
        TrustCache(node.data_dir),
        use_mirrors=False,
    )
    seen: list = []
    engine.bus.subscribe(seen.append)
    engine.events = seen
    yield node, engine
    engine.stop()
    node.close()


def _copy(base, name, tmp_path) -> Path:
    dst = tmp_path / ("peer-" + name)
    shutil.copytree(base["root"] / name, dst, dirs_exist_ok=True)
    return dst


def _flip_bit(path: Path, offset: int, mask: int) -> None:
    """Corrupt one bit of a file a peer serves."""
    data = bytearray(path.read_bytes())
    data[offset] ^= mask
    path.write_bytes(bytes(data))


def _held(node, origin) -> int:
    info = node.store.log_info(origin)
    return info.size if info else 0


def _sync_a(engine, base):
    return engine.run_once(origins=[base["a_origin"]])[base["a_origin"]]


def test_static_peer_replicates_and_codes_are_indexed(base, b_node, static_server, tmp_path):
    node, engine = b_node
    static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "ok", h.error
    assert (
        _held(node, base["a_origin"]) == SIZES["new"]
        and h.verified_size == SIZES["new"]
        and h.lag == 0
    )
    for code in base["a_codes"][:20]:
        assert node.store.code_state(code) is not None
    # B now serves A's replica under /logs/<origin>/ exactly as A published it.
    view = LedgerView(node.store, node.origin)
    src = view.sources()[base["a_origin"]]
    assert src.bundle(0, None) == (base["root"] / "a_new/tile/entries/000").read_bytes()
    w = SIZES["new"] - 256
    assert src.tile(0, 1, w) == (base["root"] / f"a_new/tile/0/001.p/{w}").read_bytes()
    assert any(e.kind == ev.NEW_CODES for e in engine.events)


def test_flipped_bit_in_tile_is_refused(base, b_node, static_server, tmp_path):
    node, engine = b_node
    peer = _copy(base, "a_new", tmp_path)
    _flip_bit(peer / "tile/1/000.p/1", 7, 0x10)
    static_server(peer, port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "failing"
    assert "do not match the checkpoint" in h.error
    assert _held(node, base["a_origin"]) == 0
    assert node.store.code_state(base["a_codes"][0]) is None
    assert not node.store.evidence()


def test_truncated_bundle_is_refused(base, b_node, static_server, tmp_path):
    node, engine = b_node
    peer = _copy(base, "a_new", tmp_path)
    bundle = peer / f"tile/entries/001.p/{SIZES['new'] - 256}"
    bundle.write_bytes(bundle.read_bytes()[:-40])
    static_server(peer, port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "failing"
    assert "entry bundle 1" in h.error
    # Bundle 0 verified and committed before bundle 1 failed? Not in one chunk: nothing.
    assert _held(node, base["a_origin"]) in (0, 256)
    assert node.store.code_state(base["a_codes"][-1]) is None
    assert not node.store.evidence()


def test_bad_checkpoint_signature_is_refused(base, b_node, static_server, tmp_path):
    node, engine = b_node
    peer = _copy(base, "a_new", tmp_path)
    cp = peer / "checkpoint"
    text = cp.read_text()
    sig_start = text.rindex(" ") + 10
    flipped = "A" if text[sig_start] != "A" else "B"
    cp.write_text(text[:sig_start] + flipped + text[sig_start + 1 :])
    static_server(peer, port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "failing"
    assert "checkpoint refused" in h.error and "signature" in h.error
    assert node.store.latest_checkpoint(base["a_origin"]) is None
    assert _held(node, base["a_origin"]) == 0


def test_rolled_back_checkpoint_is_refused(base, b_node, static_server, tmp_path):
    node, engine = b_node
    server = static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A])
    assert _sync_a(engine, base).state == "ok"
    server.stop()
    static_server(_copy(base, "a_old", tmp_path), port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "failing"
    assert "rolled-back checkpoint" in h.error and str(SIZES["old"]) in h.error
    assert node.store.latest_checkpoint(base["a_origin"]).size == SIZES["new"]
    assert _held(node, base["a_origin"]) == SIZES["new"]
    assert not node.store.evidence()  # an old but consistent view is stale, not a fork


def test_forked_checkpoint_becomes_evidence_and_freezes_the_city(
    base, b_node, static_server, tmp_path
):
    node, engine = b_node
    server = static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A])
    assert _sync_a(engine, base).state == "ok"
    good_root = node.store.latest_checkpoint(base["a_origin"]).root_hash
    server.stop()
    server = static_server(_copy(base, "a_fork", tmp_path), port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "frozen" and "FORK" in h.error
    evidence = node.store.evidence(base["a_origin"])
    assert len(evidence) == 1 and evidence[0]["kind"] == "fork"
    assert (
        f"\n{SIZES['new']}\n".encode() in evidence[0]["note_a"]
        and f"\n{SIZES['new'] + 9}\n".encode() in evidence[0]["note_b"]
    )
    alerts = [e for e in engine.events if e.kind == ev.ALERT and e.data.get("level") == "critical"]
    assert alerts and alerts[0].data["evidence_id"] == evidence[0]["id"]
    # Nothing of the fork was stored.
    latest = node.store.latest_checkpoint(base["a_origin"])
    assert latest.size == SIZES["new"] and latest.root_hash == good_root
    assert _held(node, base["a_origin"]) == SIZES["new"]
    # Frozen: even the honest peer is not followed until an operator resolves it.
    server.stop()
    server = static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A])
    assert _sync_a(engine, base).state == "frozen"

    cli = [sys.executable, "-m", "app.net", "--data", str(node.data_dir), "evidence"]
    out = subprocess.run(
        cli + ["list", "--json"], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    listed = json.loads(out)
    assert (
        listed[0]["kind"] == "fork"
        and listed[0]["resolved_at"] is None
        and listed[0]["resolution"] is None
    )
    exported = subprocess.run(
        cli + ["export", str(listed[0]["id"])], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    doc = json.loads(exported)
    assert doc["note_a"].startswith(base["a_origin"] + f"\n{SIZES['new']}\n")
    assert doc["note_b"].startswith(base["a_origin"] + f"\n{SIZES['new'] + 9}\n")
    missing = subprocess.run(
        cli + ["resolve", str(listed[0]["id"] + 1), "--note", "x"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and f"no evidence #{listed[0]['id'] + 1}" in missing.stderr
    subprocess.run(
        cli + ["resolve", str(listed[0]["id"]), "--note", "checked with the city"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assert _sync_a(engine, base).state == "ok"
    # The decision lives in the store (no side file) and is shown by `evidence list`.
    assert not (node.data_dir / "evidence-resolved.json").exists()
    (row,) = node.store.evidence(base["a_origin"])
    assert row["resolution"] == "checked with the city" and row["resolved_at"] > 0
    text = subprocess.run(
        cli + ["list"], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout
    assert f"#{row['id']} resolved " in text and "(checked with the city)" in text
    again = subprocess.run(
        cli + ["resolve", str(row["id"]), "--note", "twice"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert again.returncode != 0 and "already resolved" in again.stderr
    assert node.store.evidence()[0]["resolution"] == "checked with the city"


def test_decisions_in_an_old_resolved_file_are_imported_once(b_node):
    """A data folder from before the store kept decisions: evidence-resolved.json is
    read into the store on open, then renamed so it is never imported again."""
    node, _ = b_node
    first = node.store.add_evidence("x/1", "fork", b"a", b"b", "two roots at 5")
    second = node.store.add_evidence("x/1", "fork", b"c", b"d", "two roots at 9")
    other = node.store.add_evidence("y/2", "fork", b"e", b"f", "two roots at 3")
    old = node.data_dir / "evidence-resolved.json"
    old.write_text(
        json.dumps(
            {
                str(first): {"time": 1700000000.5, "note": "city rebuilt"},
                str(other): {},
                "999": {"time": 1.0, "note": "gone"},
            }
        ),
        "utf-8",
    )
    view = LedgerView(node.store, node.origin, node.data_dir)
    assert not old.exists() and (node.data_dir / "evidence-resolved.json.imported").exists()
    rows = {r["id"]: r for r in node.store.evidence()}
    assert (rows[first]["resolved_at"], rows[first]["resolution"]) == (1700000000.5, "city rebuilt")
    assert rows[other]["resolved_at"] is not None and "imported" in rows[other]["resolution"]
    assert rows[second]["resolved_at"] is None and len(rows) == 3
    assert [e["id"] for e in view.fork_evidence("x/1")] == [second]
    assert view.fork_evidence("y/2") == []
    # Opening again imports nothing more; an unreadable old file is left where it is.
    old.write_text("{not json", "utf-8")
    LedgerView(node.store, node.origin, node.data_dir)
    assert old.exists() and node.store.evidence("x/1")[1]["resolved_at"] is None


def test_same_size_fork_is_evidence(base, b_node, static_server, tmp_path):
    node, engine = b_node
    server = static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A])
    assert _sync_a(engine, base).state == "ok"
    server.stop()
    a = Node.open(base["net"].node(A).data_dir)
    try:
        a.unlock(PASS)
        entries = a.store.entries(a.origin, 0, SIZES["new"])
        peer = tmp_path / "same-size-fork"
        last = SIZES["new"] - 1
        forked = entries[:last] + [entries[last] + b" "]
        write_static_log(peer, a.origin, forked, a.log_signer())
    finally:
        a.close()
    static_server(peer, port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "frozen"
    assert "same" in node.store.evidence()[0]["detail"] or f"size {SIZES['new']}" in h.error


def test_peer_killed_mid_sync_resumes_after_restart(
    base, b_node, static_server, tmp_path, monkeypatch
):
    node, engine = b_node
    monkeypatch.setattr("app.net.sync.CHUNK_BUNDLES", 1)
    peer_dir = _copy(base, "a_new", tmp_path)
    server = static_server(peer_dir, port=base["ports"][A])

    real_check = verify.check_bundles

    def check_then_kill(*args):
        level0 = real_check(*args)
        server.stop()  # SIGKILL the peer process once the first chunk has been verified
        return level0

    monkeypatch.setattr(verify, "check_bundles", check_then_kill)
    h = _sync_a(engine, base)
    monkeypatch.setattr(verify, "check_bundles", real_check)
    assert h.state == "failing"
    assert _held(node, base["a_origin"]) == 256  # the verified first chunk is kept
    static_server(peer_dir, port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "ok", h.error
    assert _held(node, base["a_origin"]) == SIZES["new"]
    progress = [e.data["fetched"] for e in engine.events if e.kind == ev.PROGRESS]
    assert progress == [256, SIZES["new"]]  # resumed from 256, did not start over


def test_slow_peer_does_not_stall_the_others(base, b_node, static_server, tmp_path):
    node, engine = b_node
    static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A], slow=1.5)
    static_server(_copy(base, "c_log", tmp_path), port=base["ports"][C])
    finished = {}

    def on_event(e):
        if e.kind == ev.HEALTH and e.data["state"] == "ok":
            finished.setdefault(e.origin, time.monotonic())

    engine.bus.subscribe(on_event)
    t = threading.Thread(target=engine.run_once)
    t.start()
    t.join(60)
    assert set(finished) == {base["a_origin"], base["c_origin"]}
    assert finished[base["c_origin"]] < finished[base["a_origin"]]
    assert (
        _held(node, base["c_origin"]) == SIZES["c"]
        and _held(node, base["a_origin"]) == SIZES["new"]
    )


def test_split_view_seen_through_another_member_is_evidence(base, b_node, static_server, tmp_path):
    """A shows B the honest log while member C mirrors a different tree of A's log."""
    node, engine = b_node
    engine.use_mirrors = True
    static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A])
    c_dir = _copy(base, "c_log", tmp_path)
    a = Node.open(base["net"].node(A).data_dir)
    try:
        a.unlock(PASS)
        entries = a.store.entries(a.origin, 0, SIZES["new"])
        split = tmp_path / "split"
        note = write_static_log(split, a.origin, entries[:300] + [b"{}"], a.log_signer())
    finally:
        a.close()
    mirror = c_dir / "logs" / base["a_origin"]
    mirror.mkdir(parents=True)
    (mirror / "checkpoint").write_bytes(note)
    static_server(c_dir, port=base["ports"][C])
    h = _sync_a(engine, base)
    assert h.state == "frozen", h.error
    evidence = node.store.evidence(base["a_origin"])
    assert len(evidence) == 1 and "mirror" in evidence[0]["detail"]
    assert (
        _held(node, base["a_origin"]) == SIZES["new"]
    )  # the honest data stays; the city is frozen


def test_partial_tiles_replaced_by_full_ones_are_read_from_the_full_tile(
    base, b_node, static_server, tmp_path
):
    """tlog-tiles lets a log delete a partial tile once the full one exists."""
    node, engine = b_node
    peer = _copy(base, "a_new", tmp_path)  # holds full tile 0 and bundle 0 (size SIZES['new'])
    shutil.copy(base["root"] / "a_old" / "checkpoint", peer / "checkpoint")  # size SIZES['old']
    assert not (peer / f"tile/entries/000.p/{SIZES['old']}").exists()
    static_server(peer, port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "ok", h.error
    assert _held(node, base["a_origin"]) == SIZES["old"]
    assert node.store.latest_checkpoint(base["a_origin"]).size == SIZES["old"]


def test_bulk_catch_up_indexes_codes_after_storing(
    base, b_node, static_server, tmp_path, monkeypatch
):
    node, engine = b_node
    monkeypatch.setattr("app.net.sync.BULK_ENTRIES", 100)
    monkeypatch.setattr("app.net.sync.CHUNK_BUNDLES", 1)
    static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "ok", h.error
    info = node.store.log_info(base["a_origin"])
    assert info.size == SIZES["new"] and info.indexed_size == SIZES["new"]
    assert all(node.store.code_state(c) is not None for c in base["a_codes"])
    kinds = [
        (e.kind, e.data.get("fetched") or e.data.get("count"))
        for e in engine.events
        if e.kind in (ev.PROGRESS, ev.NEW_CODES)
    ]
    assert kinds == [(ev.PROGRESS, 256), (ev.PROGRESS, SIZES["new"]), (ev.NEW_CODES, SIZES["new"])]


def test_two_sync_engines_on_one_store_both_finish(
    base, b_node, static_server, tmp_path, monkeypatch
):
    """E.g. `cityledger sync` while `node serve` syncs the same data folder."""
    node, engine = b_node
    monkeypatch.setattr("app.net.sync.CHUNK_BUNDLES", 1)
    static_server(_copy(base, "a_new", tmp_path), port=base["ports"][A])
    other_node = Node.open(node.data_dir)
    other = SyncEngine(
        LedgerView(other_node.store, other_node.origin, other_node.data_dir),
        TrustCache(other_node.data_dir),
        use_mirrors=False,
    )
    results = {}
    try:
        threads = [
            threading.Thread(target=lambda k=k, e=e: results.__setitem__(k, _sync_a(e, base)))
            for k, e in (("one", engine), ("two", other))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        other.stop()
        other_node.close()
    assert {k: h.state for k, h in results.items()} == {"one": "ok", "two": "ok"}
    info = node.store.log_info(base["a_origin"])
    assert info.size == SIZES["new"] and info.indexed_size == SIZES["new"]


def test_flipped_bit_in_a_tile_used_for_the_consistency_check_is_refused(
    base, b_node, static_server, tmp_path
):
    node, engine = b_node
    server = static_server(_copy(base, "a_old", tmp_path), port=base["ports"][A])
    assert _sync_a(engine, base).state == "ok"
    server.stop()
    peer = _copy(base, "a_new", tmp_path)
    _flip_bit(peer / "tile/0/000", 100, 0x01)
    static_server(peer, port=base["ports"][A])
    h = _sync_a(engine, base)
    assert h.state == "failing" and "consistency check" in h.error
    assert node.store.latest_checkpoint(base["a_origin"]).size == SIZES["old"]
    assert _held(node, base["a_origin"]) == SIZES["old"]
    assert not node.store.evidence()  # bad data from a peer is not evidence against the city
