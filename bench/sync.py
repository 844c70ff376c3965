"""Replication benchmark: a fresh node replicates a 1M-entry log from a node on loopback.

    .venv/bin/python bench/sync.py [--entries 1000000] [--clients 10 --client-entries 100000]

The serving side is the node's own HTTP app (app.net.server, uvicorn, in a separate
process) over the log's tlog-tiles files, built once with the sequencer's TileLog and a
real log signature (cached under /tmp/cityledger-bench). The replicating side is a fresh
node running the real SyncEngine: checkpoint signature, every bundle verified against the
checkpoint through authenticated tiles, entries and tiles committed, codes indexed.

The floor, measured in the same run on the same entries: leaf + tree hashing (TileLog)
and inserting the same rows (bundles, tiles, codes index) into a fresh store.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CACHE = Path(tempfile.gettempdir()) / "cityledger-bench"
ORIGIN = "cityledger.example/139900"


def make_entries(n: int):
    """Issue records shaped like the real ones (canonical JSON, ~330 bytes)."""
    import base64
    import random

    from app.core.codes import make_code
    from app.core.note import generate_key
    from app.core.records import canonical_json

    rng = random.Random(7)
    classes = ["WAT", "SEW", "PWR", "GAS", "HEA", "TEL", "ROD", "BRG"]
    sig = base64.b64encode(bytes(64)).decode()
    # the official is registered first: a replica folds only records of active officials
    yield canonical_json(
        {
            "type": "official-add",
            "subject": {"name": "bench", "key": generate_key("bench")[1]},
            "prev": None,
            "time": "2026-01-01T00:00:00Z",
            "official": "admin",
            "sig": sig,
        }
    )
    for i in range(n - 1):
        code = make_code("139900", classes[i % len(classes)])
        lon, lat = 114.4 + rng.random() * 0.3, 37.9 + rng.random() * 0.3
        yield canonical_json(
            {
                "type": "issue",
                "code": str(code),
                "prev": None,
                "asset": {
                    "class": code.asset_class,
                    "name": f"asset {i}",
                    "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
                    "attributes": {"n": i},
                },
                "time": "2026-01-01T00:00:00Z",
                "official": "bench",
                "sig": sig,
            }
        )


def build_log(n: int) -> tuple[Path, str]:
    """The static log of n entries and the log's verifier key (cached between runs)."""
    from app.core.note import Signer, generate_key
    from app.net.static import write_static_log

    d = CACHE / f"log2-{n}"  # log2: starts with the official-add
    meta = d / "bench.json"
    if meta.exists():
        return d, json.loads(meta.read_text())["vkey"]
    skey, vkey = generate_key(ORIGIN)
    t = time.perf_counter()
    write_static_log(d, ORIGIN, make_entries(n), Signer.from_key(skey))
    meta.write_text(json.dumps({"vkey": vkey}))
    print(f"built a {n}-entry log in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return d, vkey


def serve(directory: str, port: int) -> None:
    import uvicorn

    from app.net.server import DirectorySource, Services, build_app

    source = DirectorySource(directory)
    app = build_app(Services(ORIGIN, {ORIGIN: source}.get))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start_server(directory: Path):
    import httpx

    from app.net.demo_network import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(directory), str(port)])
    url = f"http://127.0.0.1:{port}/"
    for _ in range(200):
        try:
            httpx.get(url + "checkpoint", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("bench server did not start")


def fresh_node(base: Path, url: str, vkey: str):
    """A new node (city 139800) whose trust file lists the benchmark log at `url`."""
    from app.core.cosignature import generate_witness_key
    from app.ledger.node import Node
    from app.ledger.trust import City, TrustFile, generate_admin_key, install_trust

    node = Node.create(base, "139800", "Bench", "基准", "bench-pass")
    _, wvkey = generate_witness_key("bench-witness")
    askey, avkey = generate_admin_key("bench-admin")
    cities = (
        City("139900", "Source", "源", 114.5, 38.0, ORIGIN, vkey, wvkey, (url,)),
        City(
            "139800",
            "Bench",
            "基准",
            114.6,
            38.1,
            node.origin,
            node.log_vkey,
            node.witness_vkey,
            (),
        ),
    )
    install_trust(base, TrustFile("bench", avkey, 1, 0, cities).sign(askey))
    return node


def replicate(node) -> tuple[float, float, int]:
    """(seconds until every entry is verified and stored, seconds until the codes index
    has caught up too, entries held)."""
    from app.net import events as ev
    from app.net.ledger_view import LedgerView
    from app.net.service import TrustCache
    from app.net.sync import SyncEngine

    engine = SyncEngine(
        LedgerView(node.store, node.origin, node.data_dir),
        TrustCache(node.data_dir),
        use_mirrors=False,
    )
    stored_at = []
    engine.bus.subscribe(
        lambda e: (
            e.kind == ev.PROGRESS
            and e.data["fetched"] == e.data["total"]
            and stored_at.append(time.perf_counter())
        )
    )
    t = time.perf_counter()
    health = engine.run_once(origins=[ORIGIN])[ORIGIN]
    elapsed = time.perf_counter() - t
    engine.stop()
    if health.state != "ok":
        raise RuntimeError(f"sync failed: {health.error}")
    return stored_at[0] - t, elapsed, health.held_size


def floor(directory: Path, n: int, base: Path) -> tuple[float, float, float]:
    """(hashing, storing blobs, indexing codes) seconds for the same entries and rows in a
    fresh store, through the same store functions the replica uses."""
    from app.core.tiles import decode_entry_bundle
    from app.ledger.db import sqlite_url
    from app.ledger.store import Store
    from app.ledger.tilelog import TileLog
    from app.net.paths import TILE_WIDTH, bundle_path

    bundles = {}
    for k in range((n + TILE_WIDTH - 1) // TILE_WIDTH):
        w = min(TILE_WIDTH, n - k * TILE_WIDTH)
        bundles[k] = (directory / bundle_path(k, w)).read_bytes()
    entries = [e for k in sorted(bundles) for e in decode_entry_bundle(bundles[k])]
    t = time.perf_counter()
    log = TileLog.empty()
    tiles, _ = log.append(entries)
    hashing = time.perf_counter() - t
    store = Store(sqlite_url(base / "floor.sqlite3"))
    store.create_log(ORIGIN, "replica", "139900")
    t = time.perf_counter()
    keys = sorted(bundles)
    step = 64
    size = 0
    for i in range(0, len(keys), step):
        part = {k: bundles[k] for k in keys[i : i + step]}
        part_tiles = {key: d for key, d in tiles.items() if key[0] > 0 or key[1] in part}
        new_size = min(n, (keys[min(i + step, len(keys)) - 1] + 1) * TILE_WIDTH)
        with store.write() as conn:
            store.write_tiles(conn, ORIGIN, part_tiles, part)
            store.compare_and_swap(conn, ORIGIN, size, new_size, log.root())
        size = new_size
    with store.write() as conn:  # the index folds what a stored checkpoint covers
        store.insert_checkpoint(conn, ORIGIN, size, log.root(), b"bench checkpoint\n")
    storing = time.perf_counter() - t
    t = time.perf_counter()
    store.index_replica(ORIGIN)
    indexing = time.perf_counter() - t
    store.close()
    return hashing, storing, indexing


def concurrent_clients(directory: Path, vkey: str, url: str, clients: int, base: Path):
    """`clients` fresh nodes replicating at once, each a `python -m app.net sync` process."""
    dirs = []
    for i in range(clients):
        node = fresh_node(base / f"client{i}", url, vkey)
        dirs.append(node.data_dir)
        node.close()
    t = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "app.net", "--data", str(d), "sync", "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for d in dirs
    ]
    outs = [p.communicate()[0] for p in procs]
    elapsed = time.perf_counter() - t
    held = [json.loads(o)[ORIGIN]["held_size"] for o in outs]
    return elapsed, held


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--client-entries", type=int, default=100_000)
    ap.add_argument("--serve", nargs=2, metavar=("DIR", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return 0
    rows = []
    directory, vkey = build_log(args.entries)
    proc, url = start_server(directory)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            node = fresh_node(Path(tmp) / "replica", url, vkey)
            try:
                stored, elapsed, held = replicate(node)
            finally:
                node.close()
            assert held == args.entries, held
            hashing, storing, indexing = floor(directory, args.entries, Path(tmp))
    finally:
        proc.terminate()
        proc.wait()
    n = args.entries
    rows.append(("replicate: verified + stored", n, stored))
    rows.append(("replicate: + codes index caught up (total)", n, elapsed))
    rows.append(("floor: hash same entries (TileLog)", n, hashing))
    rows.append(("floor: store same bundles + tiles", n, storing))
    rows.append(("floor: hash + store", n, hashing + storing))
    rows.append(("floor: index same codes rows", n, indexing))
    rows.append(("floor: hash + store + index", n, hashing + storing + indexing))
    if args.clients:
        cdir, cvkey = build_log(args.client_entries)
        proc, url = start_server(cdir)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                c_elapsed, c_held = concurrent_clients(cdir, cvkey, url, args.clients, Path(tmp))
        finally:
            proc.terminate()
            proc.wait()
        assert all(h == args.client_entries for h in c_held), c_held
        rows.append(
            (
                f"{args.clients} clients at once (aggregate)",
                args.clients * args.client_entries,
                c_elapsed,
            )
        )
    print(f"{'case':44} {'entries':>10} {'seconds':>9} {'entries/s':>11}")
    for name, count, secs in rows:
        print(f"{name:44} {count:>10} {secs:>9.2f} {count / secs:>11,.0f}")
    print(
        f"verified + stored / (hash + store) floor = {stored / (hashing + storing):.2f}x; "
        f"total / full floor = {elapsed / (hashing + storing + indexing):.2f}x"
    )
    print(
        f"target <= 10 s for 1M verified + stored: {'met' if stored <= 10 else 'NOT met'} "
        f"({stored:.1f} s; codes index after {elapsed:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
