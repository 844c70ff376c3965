"""Ingest benchmark: issue N codes through the real sequencer (SQLite, PostgreSQL).

Each run creates a fresh city node, registers an official and issues N codes with
Node.issue_many (the official signs every entry; the sequencer parses, verifies the
signature, checks the official, duplicates and prev, hashes tiles, updates the codes
index and commits batches with a signed checkpoint). Batches this large have their
Ed25519 signing and verifying done in the node's signing-pool worker processes; the CPU
column counts those workers too. --no-pool keeps everything in-process. The floor is the
bare Ed25519 cost per code measured in the same run: one signature plus one verification
of an entry-sized message with PyNaCl, single-threaded.

    .venv/bin/python bench/ingest.py [--n 100000] [--runs 3] [--no-postgres] [--no-pool]

With --index N it measures instead how fast a replica's codes index is built (what a
fresh node does after sync has stored another city's N entries): N really signed entries
(issues of points, lines and polygons plus ~5 % updates, transfers and revokes of earlier
codes, so a code's records span chunks) are stored as a replica's bundles and tiles, and
Store.index_replica folds them. The floor is the database's own cost for the result:
inserting the same final codes rows into an empty codes table with the same SQL.

    .venv/bin/python bench/ingest.py --index 1000000 [--runs 3]
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nacl.signing import SigningKey  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from app.ledger.audit import audit_log  # noqa: E402
from app.ledger.db import sqlite_url  # noqa: E402
from app.ledger.node import Node  # noqa: E402


def items(n: int, seed: int) -> list[dict]:
    return [
        {
            "asset_class": "WAT",
            "name": f"water main {seed}-{i}",
            "geometry": {
                "type": "Point",
                "coordinates": [114.4 + (i % 1000) * 1e-4, 38.0 + (i // 1000) * 1e-4],
            },
            "attributes": {"diameter_mm": 100 + i % 400, "material": "ductile iron"},
        }
        for i in range(n)
    ]


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


def ingest_rate(
    db_url: str, n: int, seed: int, workdir: Path, pool: bool = True, server: Any = None
) -> tuple[float, float, float, float, bool]:
    """(codes/s, CPU µs per code of this process, of the signing pool's workers, of the
    PostgreSQL server (`server`, a tests.pgserver.PgServer; 0 for SQLite, whose work is
    the process's own), audit ok)."""
    node = Node.create(
        Path(tempfile.mkdtemp(dir=workdir)),
        "130100",
        "Shijiazhuang",
        "石家庄",
        "bench-pw",
        db_url=db_url,
    )
    if not pool:
        node.signing_pool.threshold = sys.maxsize
    node.add_official("bench", "bench-pw")
    todo = items(n, seed)
    server_cpu = server.cpu_seconds() if server else 0.0
    t, cpu = time.perf_counter(), time.process_time()
    receipts = node.issue_many("bench", "bench-pw", todo)
    rate = n / (time.perf_counter() - t)
    cpu_us = (time.process_time() - cpu) / n * 1e6
    worker_us = node.signing_pool.worker_cpu_seconds() / n * 1e6  # includes their start
    # read while the node's connections are open: an ended backend no longer counts
    server_us = (server.cpu_seconds() - server_cpu) / n * 1e6 if server else 0.0
    ok = (
        not any(isinstance(r, Exception) for r in receipts)
        and len({r.index for r in receipts}) == n  # and a code-map entry per batch
        and audit_log(node.store, node.origin, check_index=False).ok
    )
    node.close()
    return rate, cpu_us, worker_us, server_us, ok


REPLICA = "cityledger.example/139900"
GEOMETRIES = [
    lambda i: {
        "type": "Point",
        "coordinates": [114.4 + (i % 1000) * 1e-4, 38.0 + (i // 1000) * 1e-5],
    },
    lambda i: {
        "type": "LineString",
        "coordinates": [[114.4, 38.0 + i * 1e-7], [114.41, 38.01], [114.42 + i * 1e-7, 38.0]],
    },
    lambda i: {
        "type": "Polygon",
        "coordinates": [[[114.0, 38.0], [114.1, 38.0 + i * 1e-7], [114.1, 38.1], [114.0, 38.0]]],
    },
]


def replica_entries(n: int) -> list[bytes]:
    """n signed entries of city 139900: issues, then and again records of earlier codes."""
    import random

    from app.core.codes import make_code
    from app.core.note import generate_key
    from app.core.records import bound_geometry, sign_entry

    rnd = random.Random(5)
    key = SigningKey(bytes(32))
    time_ = "2026-11-25T08:00:00Z"
    admin = {
        "type": "official-add",
        "prev": None,
        "time": time_,
        "official": "admin",
        # the replica fold checks the official's key is usable (not the signatures)
        "subject": {"name": "o1", "key": generate_key("o1")[1]},
    }
    out, recent, latest = [sign_entry(admin, key)], [], {}
    while len(out) < n:
        i = len(out)
        if recent and rnd.random() < 0.05:
            code = recent[rnd.randrange(len(recent))]
            kind = rnd.choice(("update", "transfer", "revoke"))
            rec = {
                "type": kind,
                "code": code,
                "prev": latest[code],
                "time": time_,
                "official": "o1",
            }
            if kind == "update":
                rec["asset"] = {
                    "name": f"renamed {i}",
                    "geometry": bound_geometry(GEOMETRIES[i % 3](i)),
                }
            elif kind == "transfer":
                rec["owner"] = f"department {i % 17}"
            else:
                rec["reason"] = "replaced"
                recent.remove(code)
        else:
            code = str(make_code("139900", "WAT", i))
            rec = {
                "type": "issue",
                "code": code,
                "prev": None,
                "time": time_,
                "official": "o1",
                "asset": {
                    "class": "WAT",
                    "name": f"water main {i}",
                    "geometry": bound_geometry(GEOMETRIES[i % 3](i)),
                    "attributes": {"diameter_mm": 100 + i % 400, "material": "铸铁"},
                },
            }
            recent.append(code)
            if len(recent) > 100_000:
                recent.pop(0)
        latest[code] = i
        out.append(sign_entry(rec, key))
    return out


def index_rates(entries: list[bytes], workdir: Path, run: int) -> tuple[float, float, float]:
    """(index seconds wall, index seconds CPU, floor seconds) for one fresh replica."""
    import sqlalchemy as sa

    from app.ledger.db import upsert
    from app.ledger.schema import codes
    from app.ledger.store import Store
    from app.ledger.tilelog import TileLog

    store = Store(sqlite_url(workdir / f"index{run}.sqlite3"))
    store.create_log(REPLICA, "replica", "139900")
    log, step = TileLog.empty(), 16_384
    for i in range(0, len(entries), step):  # what sync stores: blobs, index deferred
        old = log.size
        tiles, bundles = log.append(entries[i : i + step])
        with store.write() as conn:
            store.write_tiles(conn, REPLICA, tiles, bundles)
            store.compare_and_swap(conn, REPLICA, old, log.size, log.root())
    with store.write() as conn:  # the index folds what a stored checkpoint covers
        store.insert_checkpoint(conn, REPLICA, log.size, log.root(), b"bench checkpoint\n")
    t, cpu = time.perf_counter(), time.process_time()
    indexed = store.index_replica(REPLICA)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    if indexed != len(entries):
        raise RuntimeError(f"only {indexed} of {len(entries)} entries were indexed")
    with store.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(codes))]
    store.close()
    floor_store = Store(sqlite_url(workdir / f"floor{run}.sqlite3"))  # same schema, pragmas
    t = time.perf_counter()
    for i in range(0, len(rows), 65_536):
        with floor_store.write() as conn:
            upsert(conn, codes, sorted(rows[i : i + 65_536], key=lambda r: r["code"]), ["code"])
    floor = time.perf_counter() - t
    floor_store.close()
    return wall, cpu, floor


def index_main(n: int, runs: int, console: Console) -> None:
    work = Path(tempfile.mkdtemp(prefix="cityledger-bench-index-"))
    t = time.perf_counter()
    entries = replica_entries(n)
    console.print(f"{n:,} signed entries made in {time.perf_counter() - t:.1f} s")
    load_before = os.getloadavg()[0]
    walls, cpus, floors = [], [], []
    for run in range(runs):
        wall, cpu, floor = index_rates(entries, work, run)
        walls.append(wall)
        cpus.append(cpu)
        floors.append(floor)
        console.print(
            f"run {run + 1}: index {wall:.2f} s wall, {cpu:.2f} s CPU; "
            f"floor (insert the same rows) {floor:.2f} s"
        )
    shutil.rmtree(work, ignore_errors=True)
    table = Table(title=f"Codes index of a fresh replica: {n:,} entries, median of {runs} run(s)")
    for col in ("case", "seconds (wall)", "entries/s", "CPU µs/entry"):
        table.add_column(col, justify="left" if col == "case" else "right")
    w, c, f = (statistics.median(x) for x in (walls, cpus, floors))
    table.add_row(
        "Store.index_replica (decode, fold, upsert)",
        f"{w:.2f}",
        f"{n / w:,.0f}",
        f"{c / n * 1e6:.1f}",
    )
    table.add_row("floor: insert the same codes rows", f"{f:.2f}", f"{n / f:,.0f}", "")
    console.print(table)
    console.print(
        f"load average (1 min) before/after: {load_before:.1f} / "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; index / floor = "
        f"{w / f:.2f}×"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument(
        "--no-pool",
        action="store_true",
        help="keep all Ed25519 work in-process (the signing pool unused)",
    )
    ap.add_argument(
        "--index",
        type=int,
        metavar="N",
        help="measure building the codes index of an N-entry replica instead",
    )
    args = ap.parse_args()
    console = Console()
    if args.index:
        index_main(args.index, args.runs, console)
        return
    work = Path(tempfile.mkdtemp(prefix="cityledger-bench-"))
    sample = json.dumps(items(1, 0)[0]).encode() * 2  # about the size of a signed entry
    results: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    servers: dict[str, list[float]] = {}
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
                url = sqlite_url(work / f"s{run}.sqlite3") if srv is None else srv.create_database()
                rate, cpu_us, worker_us, server_us, ok = ingest_rate(
                    url, args.n, run, work, not args.no_pool, srv
                )
                all_ok &= ok
                results.setdefault(label, []).append(rate)
                cpus.setdefault(label, []).append(cpu_us + worker_us + server_us)
                servers.setdefault(label, []).append(server_us)
                console.print(
                    f"run {run + 1}: {label}: {rate:,.0f} codes/s, "
                    f"{cpu_us + worker_us + server_us:.0f} µs CPU/code ({cpu_us:.0f} in the "
                    f"process, {worker_us:.0f} in signing-pool workers"
                    + (f", {server_us:.0f} in the PostgreSQL server" if srv else "")
                    + f"), load {os.getloadavg()[0]:.1f}"
                    + ("" if ok else "  (AUDIT FAILED)")
                )
    shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(floors)
    table = Table(
        title=f"Ingest: {args.n:,} codes through the sequencer"
        f"{' (no signing pool)' if args.no_pool else ''}, median of "
        f"{args.runs} run(s)"
    )
    table.add_column("path")
    table.add_column("codes/s", justify="right")
    table.add_column("vs Ed25519 sign+verify floor", justify="right")
    table.add_column("CPU µs/code (process, workers, DB server)", justify="right")
    table.add_column("of which DB server", justify="right")
    table.add_row(
        "floor: Ed25519 sign + verify, 1 thread",
        f"{floor:,.0f}",
        "1.00×",
        f"{statistics.median(floor_cpus):.0f}",
        "",
    )
    for label, rates in results.items():
        med = statistics.median(rates)
        table.add_row(
            label,
            f"{med:,.0f}",
            f"{med / floor:.2f}×",
            f"{statistics.median(cpus[label]):.0f}",
            f"{statistics.median(servers[label]):.0f}" if "PostgreSQL" in label else "(in process)",
        )
    console.print(table)
    console.print(
        f"load average (1 min) before/after: {load_before:.1f} / "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs — other work on the "
        "machine lowers both rows; the ratio is the comparable figure"
    )
    if len(results) == 2:
        (_, sqlite_rates), (_, pg_rates) = results.items()
        ratios = [s / p for s, p in zip(sqlite_rates, pg_rates, strict=True)]
        console.print(
            "SQLite / PostgreSQL codes/s, run by run: "
            + ", ".join(f"{r:.2f}×" for r in ratios)
            + f" (median {statistics.median(ratios):.2f}×; target ≤ 1.5×)"
        )
    console.print(
        "target: ≥ 10,000 codes/s on SQLite" + ("" if all_ok else "  — SOME RUNS FAILED THE AUDIT")
    )
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
