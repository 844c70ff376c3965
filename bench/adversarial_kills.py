"""SIGKILL matrices and the network SIGTERM of bench/adversarial.py: kill a real process
at random moments of sequencing, sync, witnessing, outbox delivery and batch issue, then
count what a user would lose or see twice, and whether `log verify --all` still passes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.adversarial_common import REPO, Row, cli

X, W, V = "130100", "130200", "130400"


def matrices(base: Path, kills: int) -> list[Row]:
    rows = [sequencing(base / "seq", kills), sync(base / "sync", kills)]
    rows += witnessing_and_outbox(base / "wit", kills)
    rows.append(batch_issue(base / "batch"))
    return rows


def _verify_all(data_dir: Path) -> tuple[bool, str]:
    done = cli(data_dir, "log", "verify", "--all", timeout=300)
    try:
        doc = json.loads(done.stdout)
    except ValueError:
        return False, done.stderr[-200:]
    ok = done.returncode == 0 and doc.get("ok") and all(d["ok"] for d in doc.get("logs", []))
    return bool(ok), "" if ok else json.dumps(doc)[:200]


# ---------------------------------------------------------------------------- sequencing
def sequencing(base: Path, kills: int) -> Row:
    """tests/ledger/crash_worker issues codes for ever; SIGKILL it after its first
    acknowledgement; every acknowledged code must be in the log at its index."""
    from app.ledger.db import sqlite_url
    from app.ledger.node import Node
    from app.ledger.store import Store
    from tests.ledger.test_crash import _run_and_kill

    rng = random.Random(1)
    node = Node.create(base / "node", X, "Shijiazhuang", "石家庄", "node-pw")
    node.add_official("alice", "alice-pw")
    origin = node.origin
    node.close()
    url = sqlite_url(base / "node" / "ledger.sqlite3")
    acked: dict[str, int] = {}
    lost = moved = mid = 0
    for round_ in range(kills):
        acks, _ = _run_and_kill(base / "node", url, round_, rng)
        acked.update(acks)
        mid += bool(acks)
        store = Store(url)
        try:
            with store.read() as conn:
                rows = store.load_code_rows(conn, acked)
        finally:
            store.close()
        lost = sum(c not in rows for c in acked)
        moved = sum(c in rows and rows[c]["first_index"] != i for c, i in acked.items())
    ok, why = _verify_all(base / "node")
    del origin
    failed = lost + moved + (not ok)
    return Row(
        "SIGKILL matrix: sequencing (issue_many)",
        kills,
        kills if not failed else 0,
        failed,
        f"{mid} kills mid-issuance, {len(acked):,} codes acknowledged: {lost} lost, "
        f"{moved} at another index; log verify --all: {'ok' if ok else why}",
    )


# ---------------------------------------------------------------------------------- sync
def sync(base: Path, kills: int) -> Row:
    """`cityledger sync` of a 1,001-entry log from a slow peer, SIGKILLed later and later;
    after every kill `log verify --all` must pass; the last run must hold the whole log."""
    from app.ledger.node import Node
    from app.net.demo_network import create_network, free_port, issue_demo_codes
    from app.net.static import export_static
    from tests.net.conftest import StaticServer

    port = free_port()
    create_network(base / "net", [X, W], endpoints={W: [f"http://127.0.0.1:{port}/"]})
    issue_demo_codes(base / "net" / W, 1000)
    with Node.open(base / "net" / W) as w:
        export_static(w.store, w.origin, base / "w_log")
        size, origin = w.size(), w.origin
    server = StaticServer(base / "w_log", slow=0.15, port=port).start()
    verify_failures, killed, delay, notes = 0, 0, 1.5, []
    try:
        for _ in range(kills + 1):
            proc = subprocess.Popen(
                [sys.executable, "-m", "app", "--data", str(base / "net" / X), "sync"],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            last = killed == kills
            try:
                proc.wait(600 if last else delay)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(30)
                killed += 1
            ok, why = _verify_all(base / "net" / X)
            if not ok:
                verify_failures += 1
                notes.append(why)
            if last:
                break
            delay += 1.0
    finally:
        server.stop()
    with Node.open(base / "net" / X) as x:
        info = x.store.log_info(origin)
        held = info.size if info else 0
        indexed = info.indexed_size if info else 0
    complete = held == indexed == size
    return Row(
        "SIGKILL matrix: sync (catch-up of 1,001 entries from a slow peer)",
        killed,
        killed - verify_failures if complete else 0,
        verify_failures + (not complete),
        f"log verify --all after each kill: {killed + 1 - verify_failures}/{killed + 1} ok; "
        f"final run holds {held}/{size}, indexed {indexed}" + (f"; {notes[:1]}" if notes else ""),
    )


# ------------------------------------------------------------- witnessing + outbox delivery
def witnessing_and_outbox(base: Path, kills: int) -> list[Row]:
    from app.net.demo_network import create_network, issue_demo_codes
    from tests.net.test_multinode import submit_codes

    net = create_network(base / "net", [X, W, V])
    for n in net.nodes:
        issue_demo_codes(n.data_dir, 2)
    rng = random.Random(2)
    rows = []
    try:
        for n in net.nodes:
            n.start(wait=0)
        for n in net.nodes:
            n.wait_ready(120)
        x, w = net.node(X), net.node(W)
        for _ in range(kills):
            submit_codes(net, X, 2)
            time.sleep(rng.uniform(0.0, 1.5))
            w.kill()
            w.start(wait=120)
        submit_codes(net, X, 1)
        import httpx

        def cosigned_by_w() -> bool:
            doc = httpx.get(x.url + "info", timeout=10).json()
            return any(W in name for name in doc["cosignatures"])

        t0, seen = time.monotonic(), False
        while time.monotonic() - t0 < 90 and not seen:
            seen = cosigned_by_w()
            time.sleep(0.5)
        took = time.monotonic() - t0
        ok_w, why_w = _verify_all(w.data_dir)
        ok_x, why_x = _verify_all(x.data_dir)
        failed = (not seen) + (not ok_w) + (not ok_x)
        rows.append(
            Row(
                "SIGKILL matrix: witnessing (witness W killed mid-cosigning, restarted)",
                kills,
                kills if not failed else 0,
                failed,
                f"after the last restart W co-signed X's new checkpoint: "
                f"{'yes, ' + f'{took:.1f} s' if seen else 'NO within 90 s'}; log verify --all "
                f"W: {'ok' if ok_w else why_w}; X: {'ok' if ok_x else why_x}",
            )
        )
        rows.append(outbox_delivery(base, x, kills, rng))
    finally:
        net.stop()
    return rows


DELIVER = """
import sys
from app.ledger.node import Node
from app.net.issuance import deliver_outbox
node = Node.open(sys.argv[1])
while deliver_outbox(node, sys.argv[2]):
    pass
node.close()
"""


def outbox_delivery(base: Path, x, kills: int, rng: random.Random, entries: int = 150) -> Row:
    """150 signed entries in X's outbox; a deliverer (POSTing each to X's running node)
    is SIGKILLed at random moments, then run to the end: every entry in the log once,
    every outbox item delivered at the index the log holds it."""
    from app.ledger.node import Node
    from app.net.demo_network import DEMO_OFFICIAL, DEMO_PASSPHRASE, city_seat

    lon, lat = city_seat(X)
    with Node.open(x.data_dir) as node:
        codes = []
        for i in range(entries):
            rec = node.issue_record(
                "WAT", f"outbox {i}", {"type": "Point", "coordinates": [lon, lat + i / 1e4]}
            )
            node.queue_entry(node.make_entry(DEMO_OFFICIAL, DEMO_PASSPHRASE, rec), rec["code"])
            codes.append(rec["code"])
    killed, progress = 0, []
    for k in range(kills + 1):
        proc = subprocess.Popen(
            [sys.executable, "-c", DELIVER, str(x.data_dir), x.url],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            proc.wait(600 if k == kills else rng.uniform(2.0, 5.0))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            killed += 1
            with Node.open(x.data_dir) as node:
                progress.append(len(node.store.outbox_items("delivered", limit=10_000)))
    with Node.open(x.data_dir) as node:
        logged = [json.loads(node.store.entry(node.origin, i)) for i in range(node.size())]
        in_log: dict[str, int] = {}
        twice = 0
        for i, rec in enumerate(logged):
            if rec.get("code") in codes and rec.get("type") == "issue":
                twice += rec["code"] in in_log
                in_log[rec["code"]] = i
        items = {
            st: node.store.outbox_items(st, origin=node.origin, limit=10_000)
            for st in ("pending", "delivered", "refused")
        }
    lost = sum(c not in in_log for c in codes)
    wrong = sum(
        it["code"] in codes and in_log.get(it["code"]) != it["log_index"]
        for it in items["delivered"]
    )
    refused_but_logged = sum(it["code"] in in_log for it in items["refused"])
    failed = lost + twice + wrong + refused_but_logged + len(items["pending"])
    return Row(
        "SIGKILL matrix: outbox delivery (deliverer killed, rerun)",
        killed,
        killed if not failed else 0,
        failed,
        f"{entries} entries: {len(in_log)} in the log, {lost} lost, {twice} twice; outbox "
        f"delivered {len(items['delivered'])} ({wrong} at a wrong index), refused "
        f"{len(items['refused'])} ({refused_but_logged} of them in the log), "
        f"pending {len(items['pending'])}; delivered when each kill came: {progress}",
    )


# ---------------------------------------------------------------------------- batch issue
def batch_issue(base: Path, features: int = 2000, points=(0.0, 0.5)) -> Row:
    """bench/batch_kill.py at a smaller size: SIGKILL `issue --batch`, rerun it."""
    from bench.batch_kill import one_point, write_layer

    base.mkdir(parents=True, exist_ok=True)
    layer = base / "layer.geojson"
    write_layer(layer, features)
    rows = [one_point(base, layer, features, p) for p in points]
    twice = sum(r["twice"] for r in rows)
    missing = sum(r["without code"] for r in rows)
    bad_exit = sum(r["rerun exit"] != 0 for r in rows)
    records_off = sum(r["issue records"] != features for r in rows)
    failed = twice + missing + bad_exit + records_off
    return Row(
        f"SIGKILL matrix: issue --batch of {features:,} features, then rerun",
        len(rows),
        len(rows) if not failed else 0,
        failed,
        "; ".join(
            f"killed at {r['kill at']} ({r['committed at kill']} committed): rerun found "
            f"{r['already issued']}, {r['issue records']} records, {r['twice']} twice, "
            f"{r['without code']} without code"
            for r in rows
        ),
    )


# --------------------------------------------------------------------------- SIGTERM, N
def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def network_stop(base: Path, n: int) -> Row:
    """N real city nodes, running and syncing each other: SIGTERM every one at once; all
    must be gone within 10 s."""
    from app.net.demo_network import create_network, member_cities

    net = create_network(base / "net", member_cities(n))
    try:
        t = time.monotonic()
        for node in net.nodes:
            node.start(wait=0)
        for node in net.nodes:
            node.wait_ready(600)
        started = time.monotonic() - t
        time.sleep(10)  # syncs, cosignature rounds and mirror gossip in flight
        cpu_before = {node.proc.pid: _cpu_seconds(node.proc.pid) for node in net.nodes}
        t = time.monotonic()
        for node in net.nodes:
            node.proc.send_signal(signal.SIGTERM)
        exited: dict[int, float] = {}
        shutdown_cpu: list[float] = []
        while len(exited) < n and time.monotonic() - t < 60:
            for node in net.nodes:
                pid = node.proc.pid
                if pid in exited:
                    continue
                done, status, usage = os.wait4(pid, os.WNOHANG)  # rusage of the child
                if done:
                    exited[pid] = time.monotonic() - t
                    node.proc.returncode = os.waitstatus_to_exitcode(status)
                    shutdown_cpu.append(usage.ru_utime + usage.ru_stime - cpu_before[pid])
            time.sleep(0.02)
        stopped_at = sorted(exited.values())
        took = max(stopped_at, default=float("nan"))
        codes = sorted({str(node.proc.returncode) for node in net.nodes})
    finally:
        for node in net.nodes:
            node.kill()
    within = sum(s <= 10 for s in stopped_at)
    return Row(
        f"SIGTERM: a network of {n} nodes at once",
        n,
        within,
        n - within,
        f"the last stopped {took:.1f} s after SIGTERM (bound 10 s), the first "
        f"{stopped_at[0] if stopped_at else float('nan'):.1f} s, the median "
        f"{stopped_at[len(stopped_at) // 2] if stopped_at else float('nan'):.1f} s; CPU "
        f"spent stopping {sum(shutdown_cpu):.1f} s in all ({max(shutdown_cpu, default=0):.2f} s "
        f"the most one node; 2 cores); exit codes {codes}; {len(stopped_at)}/{n} exited within "
        f"60 s; the {n} nodes took {started:.0f} s to start",
    )
