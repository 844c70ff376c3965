"""A city server node on PostgreSQL among SQLite nodes (issue 11): a real `node serve`
process whose store is a PostgreSQL database replicates the other cities' logs, cosigns
their checkpoints and has its own cosigned, like the SQLite nodes beside it."""

from __future__ import annotations

import json

import pytest

from app.ledger.node import Node
from app.ledger.trust import open_trust
from app.ledger.verifier import verify_code
from app.net.demo_network import create_network, issue_demo_codes
from tests.net.test_multinode import converged, submit_codes, wait_until

pytestmark = [pytest.mark.multinode, pytest.mark.postgres, pytest.mark.slow]

A, PG, C = "130100", "130200", "130400"  # PG's store is PostgreSQL, A's and C's SQLite


def test_a_postgresql_node_syncs_and_witnesses_like_a_sqlite_one(tmp_path, pg_url):
    net = create_network(tmp_path / "net", [A, PG, C], quorum=2, db_urls={PG: pg_url})
    assert json.loads((net.node(PG).data_dir / "node.json").read_text())["db_url"] == pg_url
    for n in net.nodes:
        issue_demo_codes(n.data_dir, 0)  # registers the official; codes are issued live
    trust = open_trust(net.trust_note)
    with net:
        for n in net.nodes:
            n.sync_interval = 0.3
            n.start(wait=0)
        for n in net.nodes:
            n.wait_ready(120)  # generous: the machine may be busy with other work
        # issued while the network runs: PG must take A's and C's from their nodes
        live = submit_codes(net, A, 2) + submit_codes(net, PG, 2) + submit_codes(net, C, 1)
        docs = wait_until(lambda: converged(net), 120, "the three nodes to converge")
        # with three cities and quorum 2 every city needs both others' cosignatures
        pg_witness = trust.city(PG).witness_key_name
        assert pg_witness in docs[A]["cosignatures"] and pg_witness in docs[C]["cosignatures"]
        assert len(docs[PG]["cosignatures"]) >= 2
        sizes = {d["origin"]: d["size"] for d in docs.values()}
    node = Node.open(net.node(PG).data_dir)
    try:
        assert node.store.engine.dialect.name == "postgresql"
        held = {log.origin: (log.size, log.indexed_size) for log in node.store.logs()}
        assert held == {o: (s, s) for o, s in sizes.items()}  # every log whole and folded
        codes = [c.code for c in node.list_codes(limit=1000)]
        assert sorted(codes) == sorted(live)
        failed = [(c, verify_code(node, c, trust).failed) for c in codes]
        assert [f for f in failed if f[1]] == []
    finally:
        node.close()
