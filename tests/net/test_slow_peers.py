"""One slow member must not stall anyone (issue 10 item 2).

City A's "node" is a hostile server that answers one byte every 3 s, forever. Three real
`node serve` processes (B, C, D) list it as a peer and as a witness. They must still
replicate each other, get their checkpoints co-signed by a quorum, and stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pytest

from app.net.demo_network import create_network, issue_demo_codes
from tests.net.conftest import REPO
from tests.net.test_multinode import submit_codes, wait_until
from tests.net.trickle import TricklePeer

pytestmark = [pytest.mark.multinode, pytest.mark.slow]

A, B, C, D = "130200", "130100", "130400", "130600"


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    with TricklePeer(every=3.0) as trickle:
        net = create_network(
            tmp_path_factory.mktemp("slow"), cities=[A, B, C, D], endpoints={A: [trickle.url]}
        )
        net.nodes = [n for n in net.nodes if n.code != A]  # A is the trickling server
        for n in net.nodes:
            issue_demo_codes(n.data_dir, 3)
        try:
            for n in net.nodes:
                n.sync_interval = 0.5
                n.start(wait=0)
            for n in net.nodes:
                n.wait_ready()
            net.trickle = trickle
            yield net
        finally:
            net.stop()


def info(node) -> dict:
    return httpx.get(node.url + "info", timeout=5).json()


def holds_the_others(net, node) -> bool:
    """`node` holds every other honest city's whole log under a verified checkpoint."""
    doc = info(node)
    sizes = {n.origin: info(n)["size"] for n in net.nodes if n is not node}
    peers = doc["peers"]
    return all(o in peers and peers[o]["held_size"] == size for o, size in sizes.items())


def test_the_other_cities_sync_while_one_peer_trickles(network):
    b = network.node(B)
    wait_until(lambda: holds_the_others(network, b), 60, "B to replicate C and D")
    # A new code at C reaches B while A still trickles.
    submit_codes(network, C, 1)
    wait_until(lambda: holds_the_others(network, b), 30, "B to fetch C's new code")
    assert network.trickle.connections > 0  # B really called the trickling peer
    doc = info(b)
    a_origin = "cityledger.example/" + A
    status = {c["code"]: c for c in doc["health"]["cities"]}
    assert status[C]["state"] == "ok" and status[D]["state"] == "ok"
    assert status[A]["state"] != "ok"
    assert doc["peers"][a_origin]["held_size"] == 0


def test_checkpoints_reach_the_quorum_without_the_trickling_witness(network):
    submit_codes(network, D, 1)

    def cosigned():
        doc = info(network.node(D))
        return len(doc["cosignatures"]) >= 2 and doc

    doc = wait_until(cosigned, 30, "D's new checkpoint to get 2 cosignatures")
    assert not any(A in name for name in doc["cosignatures"])


def test_network_status_reads_the_trickling_city_as_down(network):
    def status():
        run = subprocess.run(
            [sys.executable, "-m", "app", "--data", str(network.node(B).data_dir)]
            + ["network", "status", "--json"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        doc = json.loads(run.stdout)
        cities = {c["code"]: c for c in doc["cities"]}
        return cities[A]["state"] == "down" and (run.returncode, doc, cities)

    code, doc, cities = wait_until(status, 90, "A to read as down")
    assert code == 1  # not everything is ok
    assert doc["own"]["state"] == "ok" and cities[C]["state"] == "ok"
    assert doc["cities"][0]["code"] == A  # problems first


def test_sigterm_stops_a_node_whose_peer_trickles(network):
    b = network.node(B)
    assert b.running
    b.proc.send_signal(signal.SIGTERM)
    # Generous bound: the trickling peer would hold a call for ever; the node must not wait.
    assert b.proc.wait(timeout=10) == 0
