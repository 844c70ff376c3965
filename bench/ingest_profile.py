"""Where the sequencer's time goes during an ingest, on SQLite and PostgreSQL.

Issues N codes through Node.issue_many as bench/ingest.py does and prints, per backend:
the wall time, the sequencer's time inside its commit transactions (the critical path:
the signing pool and the record builder run beside it), the time spent in the driver per
kind of statement (SQLAlchemy's cursor events: for PostgreSQL that includes the round
trip and the server's work), the CPU of this process, of the signing-pool workers and of
the PostgreSQL server. --cprofile adds cProfile's top functions inside the commits.

    .venv/bin/python bench/ingest_profile.py [--n 20000] [--runs 2] [--cprofile]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from app.ledger import sequencer  # noqa: E402
from app.ledger.db import sqlite_url  # noqa: E402
from app.ledger.node import Node  # noqa: E402
from bench.ingest import items  # noqa: E402


class Probe:
    """Times the sequencer's commits and every statement of one engine."""

    def __init__(self, cprofile: bool):
        self.commit = 0.0
        self.statements: collections.Counter[str] = collections.Counter()
        self.counts: collections.Counter[str] = collections.Counter()
        self.profile = cProfile.Profile() if cprofile else None
        self._orig = sequencer.Sequencer._commit
        probe = self

        def timed(seq: Any, batch: Any) -> Any:
            t = time.perf_counter()
            if probe.profile:
                probe.profile.enable()
            try:
                return probe._orig(seq, batch)
            finally:
                if probe.profile:
                    probe.profile.disable()
                probe.commit += time.perf_counter() - t

        sequencer.Sequencer._commit = timed  # type: ignore[method-assign]

    def close(self) -> None:
        sequencer.Sequencer._commit = self._orig  # type: ignore[method-assign]

    def watch(self, engine: sa.Engine) -> None:
        @sa.event.listens_for(engine, "before_cursor_execute")
        def before(conn: Any, _cur: Any, _stmt: Any, _params: Any, _ctx: Any, _many: Any) -> None:
            conn.info["t0"] = time.perf_counter()

        @sa.event.listens_for(engine, "after_cursor_execute")
        def after(conn: Any, _cur: Any, stmt: str, _params: Any, _ctx: Any, many: bool) -> None:
            kind = " ".join(stmt.split()[:3])[:48] + (" (executemany)" if many else "")
            self.statements[kind] += time.perf_counter() - conn.info["t0"]
            self.counts[kind] += 1


def run(label: str, url: str, n: int, probe: Probe, server: Any = None) -> None:
    node = Node.create(
        Path(tempfile.mkdtemp(prefix="cityledger-prof-")),
        "130100",
        "Shijiazhuang",
        "石家庄",
        "bench-pw",
        db_url=url,
    )
    probe.watch(node.store.engine)
    node.add_official("bench", "bench-pw")
    todo = items(n, 0)
    probe.commit = 0.0
    probe.statements.clear()
    probe.counts.clear()
    server_cpu = server.cpu_seconds() if server else 0.0
    t, cpu = time.perf_counter(), time.process_time()
    node.issue_many("bench", "bench-pw", todo)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    workers = node.signing_pool.worker_cpu_seconds()
    server_cpu = server.cpu_seconds() - server_cpu if server else 0.0
    node.close()
    sql = sum(probe.statements.values())
    print(
        f"{label}: {n / wall:,.0f} codes/s; wall {wall:.2f} s, in commits {probe.commit:.2f} s "
        f"(statements {sql:.2f} s); CPU: process {cpu:.2f} s, workers {workers:.2f} s, "
        f"DB server {server_cpu:.2f} s; load {os.getloadavg()[0]:.1f}"
    )
    for kind, secs in probe.statements.most_common(10):
        print(f"    {secs:7.3f} s {probe.counts[kind]:6d}×  {kind}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--cprofile", action="store_true")
    args = ap.parse_args()
    from tests.pgserver import running_server

    probe = Probe(args.cprofile)
    work = Path(tempfile.mkdtemp(prefix="cityledger-prof-"))
    try:
        with running_server() as srv:
            for i in range(args.runs):
                run(f"run {i + 1} SQLite", sqlite_url(work / f"{i}.sqlite3"), args.n, probe)
                run(f"run {i + 1} PostgreSQL", srv.create_database(), args.n, probe, srv)
    finally:
        probe.close()
    if probe.profile:
        out = io.StringIO()
        pstats.Stats(probe.profile, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue())


if __name__ == "__main__":
    main()
