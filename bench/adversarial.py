"""Issue 10 as a soak: every attack of the security review against real node processes on
127.0.0.1, each bounded in count and time, and a table of what held.

    PYTHONPATH=. .venv/bin/python bench/adversarial.py [--network-stop 20] [--only NAME ...]

Not part of `make test` (a few minutes on a loaded box). Attacks: 200 slow connections
against `node serve`; a trickling peer and a trickling witness (a hostile real HTTP server
that answers a byte every 3 s); malformed bodies and tile paths; the record hijack (A's
validly signed log rewriting B's and C's codes); a forged trust file; crafted proof
bundles; SIGKILL matrices (sequencing, sync, witnessing, outbox delivery, batch issue);
SIGTERM of a node whose peer trickles and of a whole network.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.adversarial_common import Row, cli  # noqa: E402
from tests.net.test_server_deadlines import HEAD, _closed_by_peer  # noqa: E402

A, B, C, D = "130200", "130100", "130400", "130600"


def info(node) -> dict:
    return httpx.get(node.url + "info", timeout=10).json()


def wait_for(predicate, timeout: float) -> float | None:
    """Seconds until predicate() held, or None after timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if predicate():
                return time.monotonic() - t0
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    return None


# ------------------------------------------------------------------ the trickle network
def slow_connections(node) -> Row:
    """100 idle + 100 header-trickling sockets: a normal request is still answered and the
    server closes all 200 (its head deadline is 10 s)."""
    socks = [socket.create_connection(("127.0.0.1", node.port)) for _ in range(200)]
    idle, trickling = socks[:100], socks[100:]
    t0 = time.monotonic()
    try:
        t = time.monotonic()
        answered = httpx.get(node.url + "info", timeout=20).status_code == 200
        answer_s = time.monotonic() - t
        open_, sent, closed_at = set(socks), 0, {}
        while open_ and time.monotonic() - t0 < 45:
            for s in trickling:
                if s in open_ and sent < len(HEAD) - 1:  # never the final byte
                    try:
                        s.send(HEAD[sent : sent + 1])
                    except OSError:
                        pass
            sent += 1
            for s in list(open_):
                if _closed_by_peer(s):
                    open_.discard(s)
                    closed_at[s] = time.monotonic() - t0
            time.sleep(0.5)
        after = httpx.get(node.url + "info", timeout=20).status_code == 200
    finally:
        for s in socks:
            s.close()
    closed = len(closed_at)
    last = max(closed_at.values(), default=0.0)
    return Row(
        "200 slow connections vs node serve (100 idle, 100 trickling headers)",
        200,
        closed if answered and after else 0,
        200 - closed + (0 if answered and after else 1),
        f"/info answered during in {answer_s:.1f} s and after: {answered and after}; "
        f"{closed} closed by the server, the last after {last:.0f} s; "
        f"{len(idle) + len(trickling) - closed} still open at 45 s",
    )


def holds(node, others) -> bool:
    peers = info(node)["peers"]
    return all(
        o.origin in peers and peers[o.origin]["held_size"] == info(o)["size"] for o in others
    )


def trickling_peer_and_witness(net, trickle) -> list[Row]:
    from tests.net.test_multinode import submit_codes

    b, c, d = net.node(B), net.node(C), net.node(D)
    converge = wait_for(lambda: holds(b, [c, d]), 120)
    submit_codes(net, C, 1)
    new_code = wait_for(lambda: holds(b, [c, d]), 60)
    down = info(b)["health"]
    a_state = next(x["state"] for x in down["cities"] if x["code"] == A)
    rows = [
        Row(
            "trickling peer (1 byte / 3 s): B still syncs C and D",
            2,
            (converge is not None) + (new_code is not None),
            (converge is None) + (new_code is None),
            f"B held C and D {_s(converge)} after start, C's new code {_s(new_code)} after "
            f"its receipt; A reads {a_state!r}; {trickle.connections} calls reached A",
        )
    ]
    submit_codes(net, D, 1)
    size = info(d)["size"]

    def cosigned() -> bool:
        doc = info(d)
        return doc["size"] >= size and len(doc["cosignatures"]) >= 2

    quorum = wait_for(cosigned, 60)
    asked_a = any(A in name for name in info(d)["cosignatures"])
    rows.append(
        Row(
            "trickling witness: D's new checkpoint still reaches quorum 2",
            1,
            int(quorum is not None and not asked_a),
            int(quorum is None or asked_a),
            f"quorum {_s(quorum)} after the receipt (issue 10 saw 0 cosignatures after 45 s)",
        )
    )
    return rows


def _s(seconds: float | None) -> str:
    return "never (timed out)" if seconds is None else f"{seconds:.1f} s"


def absurd_signed_checkpoints(member) -> list[bytes]:
    """Checkpoints validly signed by a member's own log key, with absurd sizes."""
    import base64

    from app.core import note
    from app.ledger.node import Node
    from app.net.demo_network import DEMO_PASSPHRASE

    with Node.open(member.data_dir) as n:
        n.unlock(DEMO_PASSPHRASE)
        root = base64.b64encode(b"\0" * 32).decode()
        return [
            b"old 0\n\n" + note.sign_note(f"{n.origin}\n{size}\n{root}\n", n.log_signer())
            for size in ("9" * 5000, str(2**64), str(2**63))
        ]


def malformed_inputs(node, signed: list[bytes]) -> Row:
    """Bad bodies to every POST endpoint and bad tile paths: each a 4xx, none a 500, and
    no traceback in the node's log."""
    big = b"[" * 100_000 + b"]" * 100_000
    bomb = gzip.compress(b"\0" * (64 << 20))
    bodies = [
        b"",
        b"{",
        b"null",
        b"[]",
        b"\xff\xfe\x00",
        b'{"type":"issue"}',
        b'{"type":"issue","code":"130100-WAT-00000000-0"}\n' + b"A" * 64,
        b"x" * 70_000,
        big,
        b"9" * 5000,
        json.dumps({"type": "issue", "code": "x" * 10_000}).encode(),
        "{\u0000}".encode(),
    ]
    checkpoints = [
        b"old 0\n\n" + b"x",
        b"old 99999999999999999999999999\n\ncityledger.example/130100\n1\nAAAA\n",
        b"old -1\n\n",
        b"old 0\n\ncityledger.example/130100\n" + b"9" * 5000 + b"\nAAAA\n\n\u2014 x AAAA\n",
        b"\x00" * 100,
        b"old 0\nold 1\n\n",
    ]
    paths = [
        "tile/0/x999/x999/x999/x999/x999/x999/x999/x999/999",
        "tile/0/x999/x999/x999/x999/x999/x999/999.p/255",
        "tile/-1/000",
        "tile/0/../../../../etc/passwd",
        "tile/0/%2e%2e/%2e%2e/node.json",
        "tile/entries/abc",
        "tile/0/000.p/0",
        "tile/0/000.p/999",
        "tile/99/000",
        "tile/0/" + "0" * 5000,
        "logs/..%2f..%2fnode.json/checkpoint",
        "logs/unknown.example/130900/checkpoint",
        "logs/cityledger.example/130400/tile/0/x999/x999/x999/x999/x999/x999/x999/x999/999",
        "tile/entries/" + "x999/" * 8 + "999",
    ]
    statuses: list[tuple[str, int]] = []
    with httpx.Client(timeout=30) as http:
        for body in bodies:
            for ep in ("submit", "announce"):
                statuses.append((f"POST /{ep} {body[:12]!r}", _post(http, node.url + ep, body)))
        for body in bodies[:4] + checkpoints + signed:
            statuses.append(
                (
                    f"POST /add-checkpoint {body[:12]!r}",
                    _post(http, node.url + "add-checkpoint", body),
                )
            )
        statuses.append(
            (
                "POST /submit gzip bomb",
                _post(http, node.url + "submit", bomb, {"Content-Encoding": "gzip"}),
            )
        )
        for p in paths:
            try:
                statuses.append((f"GET /{p[:40]}", http.get(node.url + p).status_code))
            except httpx.HTTPError:
                statuses.append((f"GET /{p[:40]}", 0))
    log = (node.data_dir / "serve.log").read_text(errors="replace")
    tracebacks = log.count("Traceback")
    bad = [(what, s) for what, s in statuses if not 400 <= s < 500]
    return Row(
        "malformed bodies (/submit, /announce, /add-checkpoint) and tile paths",
        len(statuses),
        len(statuses) - len(bad),
        len(bad) + (1 if tracebacks else 0),
        f"statuses {sorted({s for _, s in statuses})}; not 4xx: {bad[:4]}; "
        f"tracebacks in serve.log: {tracebacks}",
    )


def _post(http: httpx.Client, url: str, body: bytes, headers: dict | None = None) -> int:
    try:
        return http.post(url, content=body, headers=headers).status_code
    except httpx.HTTPError:
        return 0


def sigterm_with_trickling_peer(node) -> Row:
    import signal

    t = time.monotonic()
    node.proc.send_signal(signal.SIGTERM)
    try:
        code = node.proc.wait(30)
    except Exception:
        code = None
    took = time.monotonic() - t
    node.kill()
    ok = code == 0 and took <= 5
    return Row(
        "SIGTERM: a node whose peer and witness trickle",
        1,
        int(ok),
        int(not ok),
        f"stopped in {took:.1f} s (exit {code}); bound 5 s",
    )


def trickle_network(base: Path) -> list[Row]:
    from app.net.demo_network import create_network, issue_demo_codes
    from bench import adversarial_proofs
    from tests.net.trickle import TricklePeer

    rows: list[Row] = []
    with TricklePeer(every=3.0) as trickle:
        net = create_network(base / "net", [A, B, C, D], endpoints={A: [trickle.url]})
        net.nodes = [n for n in net.nodes if n.code != A]
        for n in net.nodes:
            issue_demo_codes(n.data_dir, 3)
        try:
            for n in net.nodes:
                n.start(wait=0)
            for n in net.nodes:
                n.wait_ready(120)
            rows += trickling_peer_and_witness(net, trickle)
            rows.append(slow_connections(net.node(B)))
            rows.append(malformed_inputs(net.node(B), absurd_signed_checkpoints(net.node(C))))
            b = net.node(B)
            code = _own_code(b)
            bundle = base / "b.tlog-proof"
            exported = cli(b.data_dir, "bundle", "export", code, "-o", bundle)
            rows.append(sigterm_with_trickling_peer(b))

            def restart() -> dict:
                b.start(wait=60)
                time.sleep(3)  # a sync round with whatever trust it has
                doc = info(b)
                b.stop()
                return doc

            if exported.returncode == 0:
                rows.append(adversarial_proofs.forged_trust(base, b.data_dir, bundle, restart))
            else:
                rows.append(Row("forged trust file", 0, 0, 1, f"export: {exported.stdout}"))
        finally:
            net.stop()
    return rows


def _own_code(node) -> str:
    from app.ledger.node import Node

    with Node.open(node.data_dir) as n:
        for i in range(n.size() - 1, 0, -1):
            rec = json.loads(n.store.entry(n.origin, i))
            if rec.get("type") == "issue":
                return rec["code"]
    raise RuntimeError("no code")


# ------------------------------------------------------------------------------ hijack
def hijack(base: Path) -> Row:
    """A's validly signed log holds an update of B's code, a revoke of C's and a transfer
    with a prev from C's log; B (a real `node serve`) syncs it from a real HTTP server."""
    from app.net.demo_network import create_network, free_port, issue_demo_codes
    from tests.net.conftest import StaticServer
    from tests.net.test_hijack import A, B, C, publish_hijack  # A is hostile

    port_a, port_c = free_port(), free_port()
    hosts = {A: [f"http://127.0.0.1:{port_a}/"], C: [f"http://127.0.0.1:{port_c}/"]}
    root = base / "hijack"
    net = create_network(root / "net", [A, B, C], endpoints=hosts)
    from app.net.demo_network import DEMO_PASSPHRASE

    codes = {
        k: issue_demo_codes(root / "net" / k, 3, passphrase=DEMO_PASSPHRASE) for k in (A, B, C)
    }
    h = publish_hijack(root, codes, DEMO_PASSPHRASE)
    servers = [
        StaticServer(root / "a_log", port=port_a).start(),
        StaticServer(root / "c_log", port=port_c).start(),
    ]
    b = net.node(B)
    try:
        b.start(wait=60)
        t = time.monotonic()
        listed: list = []

        def evidence() -> bool:
            listed[:] = json.loads(cli(b.data_dir, "evidence", "list").stdout or "[]")
            return bool(listed)

        took = wait_for(evidence, 90)
        states = {}
        for code in (codes[B][0], codes[C][0], codes[A][0], h["late_code"]):
            done = cli(b.data_dir, "inspect", code)
            states[code] = (done.returncode, json.loads(done.stdout or "{}"), done.stderr)
        doc = info(b)
    finally:
        b.stop()
        for s in servers:
            s.stop()
    del t
    b_ok = states[codes[B][0]][1].get("origin") == b.origin and "A's name" not in json.dumps(
        states[codes[B][0]][1]
    )
    c_ok = states[codes[C][0]][1].get("status") == "issued"
    transfer_ok = states[codes[A][0]][1].get("owner") in (None, "")
    held = b_ok + c_ok + transfer_ok
    frozen = next((x["state"] for x in doc["health"]["cities"] if x["code"] == A), "?")
    tracebacks = sum("Traceback" in s[2] for s in states.values())
    late_held_back = states[h["late_code"]][0] != 0
    return Row(
        "record hijack (A's signed log: update B's code, revoke C's, foreign prev)",
        3,
        held,
        3 - held + (0 if listed else 1) + tracebacks,
        f"evidence {_s(took)} after start: {[(e.get('rule'), e.get('entry_index')) for e in listed]}; "
        f"A reads {frozen!r}; A's later valid record held back: {late_held_back}; "
        f"inspect tracebacks: {tracebacks}",
    )


# ------------------------------------------------------------------------------- main
ATTACKS = ("trickle", "hijack", "bundles", "kills", "stop")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", choices=ATTACKS, default=list(ATTACKS))
    ap.add_argument("--network-stop", type=int, default=20, help="cities in the SIGTERM run")
    ap.add_argument("--kills", type=int, default=5, help="SIGKILLs per matrix")
    args = ap.parse_args()
    from bench import adversarial_kills, adversarial_proofs

    load0 = Path("/proc/loadavg").read_text().strip()
    t0 = time.monotonic()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="cityledger-adv-") as tmp:
        base = Path(tmp)
        steps = {
            "trickle": lambda: trickle_network(base / "t"),
            "hijack": lambda: [hijack(base)],
            "bundles": lambda: adversarial_proofs.crafted_bundles(_mk(base / "bundles")),
            "kills": lambda: adversarial_kills.matrices(_mk(base / "kills"), args.kills),
            "stop": lambda: [adversarial_kills.network_stop(_mk(base / "stop"), args.network_stop)],
        }
        for name in args.only:
            t = time.monotonic()
            try:
                new = steps[name]()
            except Exception as exc:  # an attack that crashes is a failure of the bench
                new = [Row(name, 0, 0, 1, f"bench error: {type(exc).__name__}: {exc}")]
            rows += new
            for r in new:
                print(f"[{time.monotonic() - t:5.0f} s] {r}", file=sys.stderr, flush=True)
    load1 = Path("/proc/loadavg").read_text().strip()
    print(
        f"bench/adversarial.py — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{time.monotonic() - t0:.0f} s, {os.cpu_count()} cores"
    )
    print(f"/proc/loadavg before: {load0}; after: {load1}\n")
    print("| attack | inputs tried | held | failed | notes |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.attack} | {r.tried} | {r.held} | {r.failed} | {r.notes} |")


def _mk(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    main()
