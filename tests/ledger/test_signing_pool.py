"""The signing pool: Ed25519 work of large batches in worker processes, with the same
verdicts as in-process, an in-process fallback, and clean shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from app.core.records import parse_entry, sign_entry
from app.ledger.node import Node
from app.ledger.sequencer import Receipt, SubmissionRefused
from app.ledger.signing_pool import SigningPool
from app.ledger.signing_worker import sign_chunk, verify_chunk

from .conftest import CITY, point

ROOT = Path(__file__).resolve().parents[2]
KEY = SigningKey(bytes(range(32)))
OTHER = SigningKey(bytes(32))


def items_for(messages):
    return [(bytes(KEY.verify_key), m, KEY.sign(m).signature) for m in messages]


def test_verify_chunk_flags_each_bad_signature():
    good = items_for([b"a", b"b", b"c"])
    key, msg, sig = good[0]
    bad = [
        (key, b"tampered", sig),  # other message
        (bytes(OTHER.verify_key), msg, sig),  # other key
        (key, msg, sig[:63]),  # short signature
        (key[:31], msg, sig),  # short key
        (key, msg, bytes(64)),
    ]  # zero signature
    assert verify_chunk(good + bad) == b"\x01\x01\x01\x00\x00\x00\x00\x00"


def test_pool_verdicts_and_signatures_match_in_process():
    msgs = [b"message %d" % i for i in range(23)]
    items = items_for(msgs)
    items[5] = (items[5][0], b"forged", items[5][2])
    pool = SigningPool(workers=2, threshold=4, chunk=4)
    try:
        futures = pool.verify(items)
        assert futures is not None and pool.started
        bits = b"".join(f.result(timeout=60) for f in futures)
        assert bits == verify_chunk(items) and bits.count(0) == 1 and bits[5] == 0
        sigs = pool.sign(bytes(range(32)), msgs)
        assert sigs == [KEY.sign(m).signature for m in msgs] == sign_chunk(bytes(range(32)), msgs)
    finally:
        pool.close()
    assert not pool.started and not pool.worth_it(10_000)
    assert pool.verify(items) is None  # closed: the caller works in-process


def _node(tmp_path, db_url, threshold=8):
    n = Node.create(
        tmp_path / "node",
        CITY,
        "Shijiazhuang",
        "石家庄",
        "node-pw",
        db_url=db_url,
        batch_delay=0.005,
        batch_size=16,
    )
    n.signing_pool.threshold, n.signing_pool.chunk = threshold, 5
    n.add_official("alice", "alice-pw")
    n.add_official("bob", "bob-pw")
    return n


def _entries(n: Node, count: int, forged: set[int]) -> list[bytes]:
    """`count` issue entries signed by alice; those in `forged` are signed by bob's key
    while naming alice, or have a signature that is not base64 of 64 bytes."""
    alice = n._official_key("alice", "alice-pw")
    bob = n._official_key("bob", "bob-pw")
    out = []
    for i in range(count):
        rec = {
            **n.issue_record("WAT", f"main {i}", point(i)),
            "official": "alice",
            "time": "2026-11-25T08:00:00Z",
        }
        out.append(sign_entry(rec, bob if i in forged else alice))
    return out


@pytest.mark.parametrize("threshold", [8, 10_000], ids=["pool", "in-process"])
def test_forged_entries_are_refused_alike_with_and_without_pool(tmp_path, db_url, threshold):
    n = _node(tmp_path, db_url, threshold)
    try:
        entries = _entries(n, 40, forged={3, 17, 39})
        results = n.submit_many(entries)
        assert n.signing_pool.started == (threshold == 8)
        for i, r in enumerate(results):
            if i in (3, 17, 39):
                assert isinstance(r, SubmissionRefused)
                assert str(r) == "entry signature does not verify with 'alice''s key"
            else:
                assert isinstance(r, Receipt) and r.code == parse_entry(entries[i])["code"]
        # a duplicate is still refused through the pool, and the valid ones counted once
        again = n.submit_many(entries[:10])
        assert all(isinstance(r, SubmissionRefused) for r in again)
        assert "already exists" in str(again[0]) and "signature" in str(again[3])
        # two officials, 37 issues in three batches of at most 16: each with its code map
        assert n.size() == 2 * 2 + 37 + 3
    finally:
        n.close()
    assert not n.signing_pool.started


def test_revoked_official_is_refused_through_the_pool(tmp_path, db_url):
    n = _node(tmp_path, db_url)
    try:
        entries = _entries(n, 12, forged=set())
        n.revoke_official("alice")
        results = n.submit_many(entries)
        assert all(isinstance(r, SubmissionRefused) and "was revoked" in str(r) for r in results)
        ok = n.issue_many(
            "bob",
            "bob-pw",
            [{"asset_class": "WAT", "name": f"m{i}", "geometry": point(i)} for i in range(12)],
        )
        assert all(isinstance(r, Receipt) for r in ok) and n.signing_pool.started
    finally:
        n.close()


def test_a_dead_worker_falls_back_to_in_process_checks(tmp_path, db_url):
    n = _node(tmp_path, db_url)
    try:
        assert all(isinstance(r, Receipt) for r in n.submit_many(_entries(n, 10, set())))
        for pid in n.signing_pool.worker_pids():
            os.kill(pid, signal.SIGKILL)
        entries = _entries(n, 20, forged={19})
        results = n.submit_many(entries)
        refused = [i for i, r in enumerate(results) if isinstance(r, SubmissionRefused)]
        assert refused == [19] and "does not verify" in str(results[19])
        assert not n.signing_pool.worth_it(10_000)  # in-process from now on
    finally:
        n.close()


SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from app.ledger.node import Node
    n = Node.create({data!r}, "130100", "S", "S", "pw", batch_delay=0.005)
    n.signing_pool.threshold = 4
    n.add_official("alice", "pw")
    r = n.issue_many("alice", "pw", [{{"asset_class": "WAT", "name": f"m{{i}}",
                     "geometry": {{"type": "Point", "coordinates": [114.5, 38.0]}}}}
                    for i in range(50)])
    assert n.signing_pool.started and len(r) == 50, r
    if {close}:
        n.close()
    print("done", n.size())
""")


@pytest.mark.parametrize("close", [True, False], ids=["closed", "left-open"])
def test_process_with_a_started_pool_exits(tmp_path, close):
    script = SCRIPT.format(root=str(ROOT), data=str(tmp_path / "node"), close=close)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["done", "53"]  # official, 50 codes, two code-map entries


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False


def test_workers_exit_when_the_node_process_is_killed(tmp_path):
    """An unguarded script (no __main__ check) is not re-run in the workers, and a
    SIGKILLed parent leaves no worker behind."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from app.ledger.signing_pool import SigningPool
        pool = SigningPool(workers=2, threshold=1, chunk=2)
        print(b"".join(f.result() for f in pool.verify([(bytes(32), b"m", bytes(64))] * 4)))
        print("pids", *pool.worker_pids(), flush=True)
        time.sleep(120)
    """)
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == repr(bytes(4))
        pids = [int(p) for p in proc.stdout.readline().split()[1:]]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def test_pool_signed_entries_are_what_sign_entry_makes(tmp_path, db_url):
    n = _node(tmp_path, db_url)
    try:
        todo = [
            {
                "asset_class": "WAT",
                "name": f"main {i}",
                "geometry": point(i),
                "attributes": {"sig": ',"time":"x"', "n": i},
            }
            for i in range(40)
        ]
        receipts = n.issue_many("alice", "alice-pw", todo)
        assert n.signing_pool.started and all(isinstance(r, Receipt) for r in receipts)
        key = n._official_key("alice", "alice-pw")
        for r in receipts:
            entry = n.store.entry(n.origin, r.index)
            rec = parse_entry(entry)  # canonical form and structure
            unsigned = {k: v for k, v in rec.items() if k != "sig"}
            assert sign_entry(unsigned, key) == entry
    finally:
        n.close()
