"""Network benchmark: N real city nodes on loopback, served by `node serve` processes.

    .venv/bin/python bench/network.py                     # N = 5 20 50 100, one table
    .venv/bin/python bench/network.py --cities 5 20 --idle 30 --samples 10

For each N, with the demo network's own code (quorum 2, `--sync-interval 2`, default
`--max-sync-interval`; cities Hebei's 11 then across provinces, real GB/T 2260 codes):
N > 5 runs its cities several to a process (app.net.city_host, `node serve --city ...`,
about two processes per core: demo_network.cities_per_process), N = 5 one per process as
`make run` does.

- converged: seconds from starting the processes until every node holds every other
  city's whole log under a checkpoint with >= 2 cosignatures and its own has >= 2;
- idle: over `--idle` s with nothing issued, CPU of every node process (% of one core),
  HTTP requests/s served (the nodes' own counters), RSS per city and in total;
- latency: `--samples` codes, each issued (POST /submit) at the next city in turn: seconds
  from the receipt until every other node serves the city's checkpoint covering it with
  >= 2 cosignatures (GET /logs/<origin>/checkpoint: a node serves a replica's checkpoint
  only once it holds its entries), median and p95;
- batch (N = 20 only, `--batch`): that many codes POSTed to one city (16 at a time, signed
  beforehand): seconds from the first POST until every other node holds them cosigned;
- stop: seconds from SIGTERM to every process until the last one has exited (exit codes
  must all be 0).
Prints the load average before and after, and one table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUORUM = 2
TICKS = os.sysconf("SC_CLK_TCK")
SIG = "\u2014 "  # a signature line of a signed note


def _info(url: str) -> dict:
    return httpx.get(url + "info", timeout=30).json()


def converged(nodes, pool) -> bool:
    try:
        docs = dict(zip([n.origin for n in nodes], pool.map(lambda n: _info(n.url), nodes)))
    except (httpx.HTTPError, ValueError):
        return False
    sizes = {o: d["size"] for o, d in docs.items()}
    for origin, d in docs.items():
        if len(d["cosignatures"]) < QUORUM:
            return False
        for other, size in sizes.items():
            p = d["peers"].get(other) if other != origin else None
            if other != origin and (
                p is None or p["held_size"] < size or p["cosignatures"] < QUORUM
            ):
                return False
    return True


def _proc_tree(pid: int) -> list[int]:
    """pid and its descendants (signing workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        for p in _proc_tree(pid):
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
    return total / TICKS


def rss_mib(pid: int) -> float:
    total = 0
    for p in _proc_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _held_cosigned(url: str, origin: str, size: int) -> bool:
    """Does the node at url serve origin's checkpoint at >= size with the quorum?"""
    try:
        resp = httpx.get(f"{url}logs/{origin}/checkpoint", timeout=10)
    except httpx.HTTPError:
        return False
    if resp.status_code != 200:
        return False
    lines = resp.text.split("\n")
    try:
        served = int(lines[1])
    except (IndexError, ValueError):
        return False
    cosignatures = sum(1 for line in lines if line.startswith(SIG)) - 1  # less the log's own
    return served >= size and cosignatures >= QUORUM


def wait_everywhere(nodes, city, size: int, pool, timeout: float = 300.0) -> float:
    """Seconds until every node but `city` serves city's log at >= size, cosigned."""
    t = time.perf_counter()
    todo = [n for n in nodes if n.origin != city.origin]
    while todo:
        if time.perf_counter() - t > timeout:
            raise RuntimeError(f"{len(todo)} nodes lack {city.code} at {size} after {timeout} s")
        done = list(pool.map(lambda n: _held_cosigned(n.url, city.origin, size), todo))
        todo = [n for n, ok in zip(todo, done) if not ok]
        if todo:
            time.sleep(0.1)
    return time.perf_counter() - t


def signed_entries(data_dir, city: str, n: int) -> list[bytes]:
    """n issue entries signed by the demo official, for POST /submit."""
    from app.ledger.node import Node
    from app.net.demo_network import DEMO_OFFICIAL, DEMO_PASSPHRASE, city_seat

    node = Node.open(data_dir)
    try:
        lon, lat = city_seat(city)  # /submit refuses an asset outside the city
        out = []
        for i in range(n):
            rec = node.issue_record(
                "BRG", f"bench {i}", {"type": "Point", "coordinates": [lon, lat + i / 1e6]}
            )
            out.append(node.make_entry(DEMO_OFFICIAL, DEMO_PASSPHRASE, rec))
        return out
    finally:
        node.close()


def submit(url: str, entries: list[bytes], workers: int = 16) -> int:
    """POST every entry to url/submit; the largest tree size in the receipts."""
    with httpx.Client(timeout=120) as client, ThreadPoolExecutor(workers) as pool:

        def one(entry: bytes) -> int:
            resp = client.post(url + "submit", content=entry)
            if resp.status_code != 200:
                raise RuntimeError(f"submit: HTTP {resp.status_code} {resp.text[:200]}")
            return int(resp.json()["size"])

        return max(pool.map(one, entries))


def run(n: int, idle: float, codes: int, samples: int, batch: int) -> dict:
    from app.net.demo_network import (
        cities_per_process,
        create_network,
        issue_demo_codes,
        member_cities,
    )

    base = Path(tempfile.mkdtemp(prefix=f"cityledger-net{n}-"))
    t = time.perf_counter()
    net = create_network(base, member_cities(n), QUORUM)
    for node in net.nodes:
        issue_demo_codes(node.data_dir, codes)
    setup = time.perf_counter() - t
    per = cities_per_process(n)
    for node in net.nodes:
        node.sync_interval = 2.0
    net.host(per)
    pool = ThreadPoolExecutor(16)
    row: dict = {"cities": n, "processes": len(net.units), "setup_s": setup}
    t0 = time.perf_counter()
    try:
        net.start(wait=600)  # 2 shared cores: N cities start slowly
        row["ready_s"] = time.perf_counter() - t0
        _say(f"{n} cities: every node answers after {row['ready_s']:.1f} s")
        while not converged(net.nodes, pool):
            if time.perf_counter() - t0 > 900:
                raise RuntimeError("not converged within 900 s")
            time.sleep(1.0)
        row["converged_s"] = time.perf_counter() - t0
        _say(f"{n} cities: converged after {row['converged_s']:.1f} s")
        time.sleep(10)  # let the last cosignature rounds and polls settle
        pids = [u.proc.pid for u in net.units]
        req0 = sum(_info(node.url)["requests_served"] for node in net.nodes)
        cpu0, w0 = cpu_seconds(pids), time.perf_counter()
        time.sleep(idle)
        cpu1, w1 = cpu_seconds(pids), time.perf_counter()
        req1 = sum(_info(node.url)["requests_served"] for node in net.nodes) - len(net.nodes)
        rss = [rss_mib(p) for p in pids]
        row |= {
            "idle_cpu_pct": 100 * (cpu1 - cpu0) / (w1 - w0),
            "idle_req_per_s": (req1 - req0) / (w1 - w0),
            "rss_city_mib": sum(rss) / n,
            "rss_total_mib": sum(rss),
        }
        _say(f"{n} cities: idle {row['idle_cpu_pct']:.1f} % CPU, {row['idle_req_per_s']:.1f} req/s")
        latencies = []
        for i in range(samples):
            city = net.nodes[i % n]
            entry = signed_entries(city.data_dir, city.code, 1)
            size = submit(city.url, entry, 1)  # returns with the receipt: committed
            latencies.append(wait_everywhere(net.nodes, city, size, pool))
        latencies.sort()
        row["latency_median_s"] = statistics.median(latencies)
        row["latency_p95_s"] = latencies[min(len(latencies) - 1, round(0.95 * len(latencies)))]
        row["latency_max_s"] = latencies[-1]
        _say(f"{n} cities: latency median {row['latency_median_s']:.2f} s")
        if batch and n == 20:
            city = net.nodes[1]
            entries = signed_entries(city.data_dir, city.code, batch)
            t = time.perf_counter()
            size = submit(city.url, entries)
            row["batch_submitted_s"] = time.perf_counter() - t
            wait_everywhere(net.nodes, city, size, pool, timeout=900)
            row["batch_s"] = time.perf_counter() - t
            _say(f"{n} cities: {batch} codes everywhere after {row['batch_s']:.1f} s")
    finally:
        t = time.perf_counter()
        exits = net.stop(timeout=60)
        row["stop_s"] = time.perf_counter() - t
        row["exit_codes_ok"] = all(code == 0 for code in exits)
        pool.shutdown()
    return row


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


COLUMNS = (
    ("cities", "{:d}"),
    ("processes", "{:d}"),
    ("converged_s", "{:.1f}"),
    ("idle_cpu_pct", "{:.1f}"),
    ("idle_req_per_s", "{:.1f}"),
    ("rss_city_mib", "{:.0f}"),
    ("rss_total_mib", "{:.0f}"),
    ("latency_median_s", "{:.2f}"),
    ("latency_p95_s", "{:.2f}"),
    ("batch_s", "{:.1f}"),
    ("stop_s", "{:.1f}"),
    ("exit_codes_ok", "{}"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cities", type=int, nargs="+", default=[5, 20, 50, 100])
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of idle measurement")
    ap.add_argument("--codes", type=int, default=20, help="codes each city issues first")
    ap.add_argument("--samples", type=int, default=20, help="new codes timed to everywhere")
    ap.add_argument("--batch", type=int, default=10000, help="codes at one city of 20")
    args = ap.parse_args()
    before = Path("/proc/loadavg").read_text().strip()
    rows = []
    for n in args.cities:
        rows.append(run(n, args.idle, args.codes, args.samples, args.batch))
        _say(str(rows[-1]))
    print(f"load average before: {before}; after: {Path('/proc/loadavg').read_text().strip()}")
    print("| " + " | ".join(c for c, _ in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in rows:
        print("| " + " | ".join(f.format(r[c]) if c in r else "-" for c, f in COLUMNS) + " |")


if __name__ == "__main__":
    main()
