"""Ingest benchmark: issue N codes through the real sequencer (SQLite, PostgreSQL).

Each run creates a fresh city node, registers an official and issues N codes with
Node.issue_many (the official signs every entry; the sequencer parses, verifies the
signature, checks the official, duplicates and prev, hashes tiles, updates the codes
index and commits batches with a signed checkpoint). The floor is the bare Ed25519 cost
per code measured in the same run: one signature plus one verification of an entry-sized
message with PyNaCl, single-threaded.

    .venv/bin/python bench/ingest.py [--n 100000] [--runs 3] [--no-postgres]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nacl.signing import SigningKey  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from app.ledger.audit import audit_log  # noqa: E402
from app.ledger.db import sqlite_url  # noqa: E402
from app.ledger.node import Node  # noqa: E402


def items(n: int, seed: int) -> list[dict]:
    return [{"asset_class": "WAT", "name": f"water main {seed}-{i}",
             "geometry": {"type": "Point", "coordinates": [114.4 + (i % 1000) * 1e-4,
                                                           38.0 + (i // 1000) * 1e-4]},
             "attributes": {"diameter_mm": 100 + i % 400, "material": "ductile iron"}}
            for i in range(n)]


def floor_rate(n: int, sample_entry: bytes) -> tuple[float, float]:
    """(codes/s, CPU µs/code) if the only cost were one Ed25519 sign + verify per code."""
    sk = SigningKey.generate()
    vk = sk.verify_key
    msgs = [sample_entry + b"%d" % i for i in range(n)]
    t, cpu = time.perf_counter(), time.process_time()
    for m in msgs:
        sig = sk.sign(m).signature
        vk.verify(m, sig)
    return n / (time.perf_counter() - t), (time.process_time() - cpu) / n * 1e6


def ingest_rate(db_url: str, n: int, seed: int, workdir: Path) -> tuple[float, float, bool]:
    """(codes/s, CPU µs of this process per code, audit ok)."""
    node = Node.create(Path(tempfile.mkdtemp(dir=workdir)), "130100", "Shijiazhuang", "石家庄",
                       "bench-pw", db_url=db_url)
    node.add_official("bench", "bench-pw")
    todo = items(n, seed)
    t, cpu = time.perf_counter(), time.process_time()
    receipts = node.issue_many("bench", "bench-pw", todo)
    rate = n / (time.perf_counter() - t)
    cpu_us = (time.process_time() - cpu) / n * 1e6
    ok = (not any(isinstance(r, Exception) for r in receipts) and node.size() == n + 1
          and audit_log(node.store, node.origin, check_index=False).ok)
    node.close()
    return rate, cpu_us, ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    console = Console()
    work = Path(tempfile.mkdtemp(prefix="cityledger-bench-"))
    sample = json.dumps(items(1, 0)[0]).encode() * 2  # about the size of a signed entry
    results: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    load_before = os.getloadavg()[0]
    floors: list[float] = []
    floor_cpus: list[float] = []
    all_ok = True
    with contextlib.ExitStack() as stack:
        backends: list[tuple[str, object]] = [("SQLite (WAL, synchronous=FULL)", None)]
        if not args.no_postgres:
            from tests.pgserver import running_server
            srv = stack.enter_context(running_server())
            backends.append(("PostgreSQL (fsync=on)", srv))
        for run in range(args.runs):
            rate, cpu_us = floor_rate(min(args.n, 20_000), sample)
            floors.append(rate)
            floor_cpus.append(cpu_us)
            for label, srv in backends:
                url = (sqlite_url(work / f"s{run}.sqlite3") if srv is None
                       else srv.create_database())
                rate, cpu_us, ok = ingest_rate(url, args.n, run, work)
                all_ok &= ok
                results.setdefault(label, []).append(rate)
                cpus.setdefault(label, []).append(cpu_us)
                console.print(f"run {run + 1}: {label}: {rate:,.0f} codes/s, "
                              f"{cpu_us:.0f} µs CPU/code"
                              f"{'' if ok else '  (AUDIT FAILED)'}")
    shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(floors)
    table = Table(title=f"Ingest: {args.n:,} codes through the sequencer, median of "
                        f"{args.runs} run(s)")
    table.add_column("path")
    table.add_column("codes/s", justify="right")
    table.add_column("vs Ed25519 sign+verify floor", justify="right")
    table.add_column("CPU µs/code (all threads)", justify="right")
    table.add_row("floor: Ed25519 sign + verify, 1 thread", f"{floor:,.0f}", "1.00×",
                  f"{statistics.median(floor_cpus):.0f}")
    for label, rates in results.items():
        med = statistics.median(rates)
        table.add_row(label, f"{med:,.0f}", f"{med / floor:.2f}×",
                      f"{statistics.median(cpus[label]):.0f}")
    console.print(table)
    console.print(f"load average (1 min) before/after: {load_before:.1f} / "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs — other work on the "
                  "machine lowers both rows; the ratio is the comparable figure")
    console.print("target: ≥ 10,000 codes/s on SQLite" + ("" if all_ok else
                                                         "  — SOME RUNS FAILED THE AUDIT"))
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
