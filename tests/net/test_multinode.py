"""Five city nodes as real `node serve` processes on 127.0.0.1: they replicate and witness
each other until every code cross-verifies from every node, survive a node being killed,
and keep verifying offline."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest

from app.ledger.follow import follow_all
from app.ledger.node import Node
from app.ledger.trust import install_trust, open_trust
from app.ledger.verifier import verify_code
from app.net.demo_network import DEMO_OFFICIAL, DEMO_PASSPHRASE, city_seat, start_demo_network
from tests.net.conftest import REPO

pytestmark = [pytest.mark.multinode, pytest.mark.slow]

CITIES = ["130100", "130200", "130400", "130600", "131000"]


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last state: {last!r}")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    net = start_demo_network(
        tmp_path_factory.mktemp("net5"), cities=CITIES, seed_codes=6, sync_interval=0.3
    )
    yield net
    net.stop()


def infos(net, nodes=None):
    return {n.code: httpx.get(n.url + "info", timeout=5).json() for n in (nodes or net.nodes)}


def converged(net, nodes=None, quorum: int = 2):
    """Every running node holds every other city's whole log, co-signed by >= quorum."""
    nodes = [n for n in (nodes or net.nodes) if n.running]
    docs = infos(net, nodes)
    own = {code: d["size"] for code, d in docs.items()}
    for _code, d in docs.items():
        if len(d["cosignatures"]) < quorum:
            return False
        for origin, peer in d["peers"].items():
            city = origin.rsplit("/", 1)[1]
            if city in own and (peer["held_size"] != own[city] or peer["cosignatures"] < quorum):
                return False
    return docs


def submit_codes(net, city: str, n: int) -> list[str]:
    """Sign entries as an official on a 'workstation' and POST them to the city's node."""
    node = Node.open(net.node(city).data_dir)
    try:
        codes = []
        lon, lat = city_seat(city)  # /submit refuses an asset outside the city
        for i in range(n):
            rec = node.issue_record(
                "BRG", f"bridge {i}", {"type": "Point", "coordinates": [lon, lat + i / 1e3]}
            )
            entry = node.make_entry(DEMO_OFFICIAL, DEMO_PASSPHRASE, rec)
            resp = httpx.post(net.node(city).url + "submit", content=entry, timeout=30)
            assert resp.status_code == 200, resp.text
            receipt = resp.json()
            assert receipt["code"] == rec["code"] and receipt["size"] > receipt["index"]
            codes.append(receipt["code"])
        return codes
    finally:
        node.close()


def all_codes(net) -> dict[str, list[str]]:
    out = {}
    for n in net.nodes:
        node = Node.open(n.data_dir)
        try:
            out[n.code] = [c.code for c in node.list_codes(origin=node.origin, limit=100000)]
        finally:
            node.close()
    return out


def verify_everything(net, node_process, codes) -> list:
    trust = open_trust(net.trust_note)
    node = Node.open(node_process.data_dir)
    try:
        failures = []
        for _city, city_codes in codes.items():
            for code in city_codes:
                result = verify_code(node, code, trust)
                if not result.ok:
                    failures.append(
                        (node_process.code, code, [(c.name, c.reason) for c in result.failed])
                    )
        return failures
    finally:
        node.close()


def test_five_nodes_converge_and_every_code_cross_verifies(network):
    submitted = submit_codes(network, "130100", 5) + submit_codes(network, "130400", 3)
    docs = wait_until(lambda: converged(network), 60, "five nodes to converge")
    assert {d["size"] for c, d in docs.items()} and len(docs) == 5
    codes = all_codes(network)
    assert set(submitted) <= set(codes["130100"]) | set(codes["130400"])
    assert sum(len(v) for v in codes.values()) >= 5 * 6 + 8
    for n in network.nodes:
        assert verify_everything(network, n, codes) == []


def test_submit_refuses_an_entry_without_a_valid_official_signature(network):
    node = Node.open(network.node("130200").data_dir)
    try:
        rec = node.issue_record("WAT", "forged", {"type": "Point", "coordinates": [118.1, 39.6]})
        entry = node.make_entry(DEMO_OFFICIAL, DEMO_PASSPHRASE, rec)
    finally:
        node.close()
    doc = json.loads(entry)
    doc["asset"]["name"] = "tampered after signing"
    tampered = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    url = network.node("130200").url + "submit"
    resp = httpx.post(url, content=tampered, timeout=30)
    assert resp.status_code == 403, resp.text
    assert httpx.post(url, content=b"{not json", timeout=30).status_code == 400
    assert httpx.post(url, content=b"x" * 200_000, timeout=30).status_code == 413


def city_state(node, code: str) -> str:
    health = httpx.get(node.url + "info", timeout=5).json()["health"]
    return next(c["state"] for c in health["cities"] if c["code"] == code)


def test_a_killed_node_catches_up_after_restart(network):
    victim = network.node("130600")
    victim.kill()
    new = submit_codes(network, "130200", 4)
    wait_until(lambda: converged(network), 60, "the four live nodes to converge")
    # Its log is still served by the other members' mirrors, yet it reads down.
    observer = network.node("131000")
    wait_until(lambda: city_state(observer, "130600") == "down", 30, "130600 to read down")
    victim.start()
    docs = wait_until(lambda: converged(network), 60, "the restarted node to catch up")
    wait_until(lambda: city_state(observer, "130600") == "ok", 30, "130600 to read ok again")
    assert (
        docs["130600"]["peers"]["cityledger.example/130200"]["held_size"] == docs["130200"]["size"]
    )
    node = Node.open(victim.data_dir)
    try:
        assert all(node.code_state(c) is not None for c in new)
    finally:
        node.close()


def test_cli_sync_replicates_a_fresh_observer(network, tmp_path):
    obs = tmp_path / "observer"
    Node.create(obs, "130900", "Cangzhou", "沧州", "observer-pass").close()
    install_trust(obs, network.trust_note)
    follow_all(obs)  # an observer that replicates every city (a workstation follows its own)
    run = subprocess.run(
        [sys.executable, "-m", "app", "--data", str(obs), "sync", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    health = json.loads(run.stdout)
    sizes = {d["origin"]: d["size"] for d in infos(network).values()}
    assert {o: h["held_size"] for o, h in health.items()} == sizes
    assert all(h["state"] == "ok" for h in health.values())


def test_a_city_that_is_down_is_replicated_from_member_mirrors(network, tmp_path):
    wait_until(lambda: converged(network), 60, "convergence")
    down = network.node("130100")
    size = infos(network, [down])["130100"]["size"]
    down.stop()
    try:
        obs = tmp_path / "observer"
        Node.create(obs, "130900", "Cangzhou", "沧州", "observer-pass").close()
        install_trust(obs, network.trust_note)
        follow_all(obs)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "app.net",
                "--data",
                str(obs),
                "sync",
                "--json",
                "--city",
                "130100",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        h = json.loads(run.stdout)[down.origin]
        assert h["state"] == "ok" and h["held_size"] == size
        assert "/logs/cityledger.example/130100/" in h["url"]  # served by another member
    finally:
        down.start()


def test_offline_node_still_verifies_every_replicated_code(network):
    wait_until(lambda: converged(network), 60, "convergence before going offline")
    codes = all_codes(network)
    for n in network.nodes:
        assert n.stop() == 0  # SIGTERM: a clean exit
    # No peer answers any more; the replica alone must still verify every code.
    with pytest.raises(httpx.HTTPError):
        httpx.get(network.node("130100").url + "checkpoint", timeout=1)
    assert verify_everything(network, network.node("131000"), codes) == []
