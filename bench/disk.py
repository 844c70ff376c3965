"""Disk a node needs: bytes per replicated entry of a followed city, and bytes per
checkpoint kept of a city it does not follow (issue 11: follow some, verify all).

    .venv/bin/python bench/disk.py [--entries 1000000] [--checkpoints 2000]

Followed: a fresh node replicates an N-entry log over loopback with the real SyncEngine
(the log, server and node of bench/sync.py), codes index included; the SQLite files of the
node folder are measured before and after (WAL folded in first). Unfollowed: the same kind
of fresh node stores K checkpoints of another city, each with 8 cosignature lines, as sync
keeps them for a city it does not follow (`Store.insert_checkpoint`, `add_cosignature`).
"""

from __future__ import annotations

import argparse
import base64
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sync as sync_bench  # noqa: E402  (bench/sync.py: log, server, fresh node)

COSIGNERS = 8  # the witness cap: a checkpoint carries at most this many cosignatures


def folder_bytes(data_dir: Path) -> int:
    """Bytes of the node's SQLite files, with the WAL folded into the database first."""
    for db in data_dir.glob("*.sqlite3"):
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in data_dir.glob("*.sqlite3*"))


def followed(entries: int, tmp: Path) -> tuple[int, int]:
    """(bytes before, bytes after) replicating `entries` entries with their codes index."""
    directory, vkey = sync_bench.build_log(entries)
    proc, url = sync_bench.start_server(directory)
    try:
        node = sync_bench.fresh_node(tmp / "followed", url, vkey)
        before = folder_bytes(node.data_dir)
        try:
            _, _, held = sync_bench.replicate(node)
        finally:
            node.close()
        assert held == entries, held
        return before, folder_bytes(tmp / "followed")
    finally:
        proc.terminate()
        proc.wait()


def unfollowed(checkpoints: int, tmp: Path) -> tuple[int, int]:
    """(bytes before, bytes after) keeping `checkpoints` cosigned checkpoints of a city."""
    from app.core.note import Signer, generate_key, sign_note

    origin = "cityledger.example/139700"
    skey, vkey = generate_key(origin)
    node = sync_bench.fresh_node(tmp / "unfollowed", "http://127.0.0.1:9/", vkey)
    store = node.store
    store.ensure_replica(origin, "139700", vkey, vkey)
    before = folder_bytes(node.data_dir)
    signer = Signer.from_key(skey)
    wsigners = [Signer.from_key(generate_key(f"witness-{i}")[0]) for i in range(COSIGNERS)]
    for k in range(1, checkpoints + 1):
        size = k * 1000
        root = (k % 251).to_bytes(1, "big") * 32
        body = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        note = sign_note(body, signer)
        with store.write() as conn:
            store.insert_checkpoint(conn, origin, size, root, note)
        for w in wsigners:
            line = sign_note(body, w)[len(body) + 1 :].decode()
            store.add_cosignature(origin, size, w.name, line, None)
    node.close()
    return before, folder_bytes(tmp / "unfollowed")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--checkpoints", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        f0, f1 = followed(args.entries, Path(tmp))
        u0, u1 = unfollowed(args.checkpoints, Path(tmp))
    per_entry = (f1 - f0) / args.entries
    per_checkpoint = (u1 - u0) / args.checkpoints
    print(f"{'case':52} {'count':>10} {'bytes':>14} {'bytes each':>11}")
    print(
        f"{'followed city: entries replicated + indexed':52} {args.entries:>10} {f1 - f0:>14,} {per_entry:>11,.0f}"
    )
    print(
        f"{'unfollowed city: checkpoints kept, 8 cosignatures':52} {args.checkpoints:>10} "
        f"{u1 - u0:>14,} {per_checkpoint:>11,.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
