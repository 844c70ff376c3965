"""Twenty real city nodes on loopback (issue 11): they converge, a new code reaches every
member under a quorum-cosigned checkpoint (the eleven that are not its city's witnesses
hear of it by announce), the network reads healthy, and SIGTERM stops every node.

The twenty cities run five to a `node serve --city ...` process (app.net.city_host), as
the demo and the bench run large networks: each city keeps its own folder, store, keys
and port, so on the wire nothing differs from one process per city, which took over two
minutes to start and settle on two shared cores."""

from __future__ import annotations

import httpx
import pytest

from app.ledger import folder_owner
from app.ledger.trust import open_trust, witnesses_for
from app.net.demo_network import (
    cities_per_process,
    create_network,
    issue_demo_codes,
    member_cities,
)
from tests.net.test_multinode import submit_codes, wait_until

pytestmark = [pytest.mark.multinode, pytest.mark.slow]

N, QUORUM = 20, 2


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    net = create_network(tmp_path_factory.mktemp("net20"), member_cities(N), QUORUM)
    for n in net.nodes:
        issue_demo_codes(n.data_dir, 0)  # the official's registration: one entry each
    # The default interval: news travels by add-checkpoint and announce, and faster polls
    # only cost CPU while the network converges.
    for n in net.nodes:
        n.sync_interval = 2.0
    net.host(cities_per_process(N))
    assert 1 < len(net.hosts) < N
    net.start(wait=120)
    try:
        yield net
    finally:
        net.stop()


def infos(net) -> dict[str, dict]:
    return {n.origin: httpx.get(n.url + "info", timeout=10).json() for n in net.nodes}


def holds(docs, origin: str, size: int) -> bool:
    """Every other node holds `origin` at `size` or more with a quorum of cosignatures."""
    for o, d in docs.items():
        if o == origin:
            continue
        p = d["peers"].get(origin)
        if p is None or p["held_size"] < size or p["cosignatures"] < QUORUM:
            return False
    return True


def converged(net):
    docs = infos(net)
    ok = all(len(d["cosignatures"]) >= QUORUM for d in docs.values()) and all(
        holds(docs, o, d["size"]) for o, d in docs.items()
    )
    return ok and docs


def test_twenty_cities_converge_and_a_new_code_reaches_every_member(network):
    docs = wait_until(lambda: converged(network), 120, "twenty nodes to converge")
    assert len(docs) == N
    city = network.nodes[0]
    trust = open_trust(network.trust_note)
    asked = {c.origin for c in witnesses_for(city.origin, trust)}
    assert len(asked) < N - 1  # some members are not its witnesses: they rely on announce
    submit_codes(network, city.code, 1)
    size = httpx.get(city.url + "info", timeout=10).json()["size"]
    wait_until(lambda: holds(infos(network), city.origin, size), 60, "the new code everywhere")
    health = httpx.get(network.nodes[5].url + "info", timeout=10).json()["health"]
    assert health["own"]["state"] == "ok"
    assert {c["state"] for c in health["cities"]} == {"ok"}, health["cities"][:3]


def test_sigterm_stops_all_twenty(network):
    procs = [h.proc for h in network.hosts]
    for p in procs:
        p.terminate()
    assert [p.wait(timeout=30) for p in procs] == [0] * len(procs)
    for n in network.nodes:  # every city's folder is released: a clean stop
        assert folder_owner.current_owner(n.data_dir) is None
