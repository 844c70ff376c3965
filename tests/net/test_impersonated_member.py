"""A member's URL that serves a log signed by another key (an impersonator, or a node
restored with the wrong keys): a real `node serve` stores nothing of it and never reads
that city as in sync (found by bench/adversarial.py: it read 'ok, in sync at size 0')."""

from __future__ import annotations

import httpx
import pytest

from app.ledger.node import Node
from app.net.demo_network import create_network, free_port, issue_demo_codes
from app.net.static import export_static
from tests.net.test_multinode import wait_until

pytestmark = [pytest.mark.multinode, pytest.mark.slow]

X, Y = "130100", "130200"


def test_a_member_url_serving_another_citys_log_is_not_ok(tmp_path, static_server):
    port = free_port()
    net = create_network(tmp_path / "net", [X, Y], endpoints={Y: [f"http://127.0.0.1:{port}/"]})
    issue_demo_codes(net.node(X).data_dir, 2)
    with Node.open(net.node(X).data_dir) as x:  # X's own log, served as Y's
        export_static(x.store, x.origin, tmp_path / "impostor")
    static_server(tmp_path / "impostor", port=port)
    x = net.node(X).start(wait=60)
    y_origin = net.node(Y).origin
    try:

        def y_status():
            doc = httpx.get(x.url + "info", timeout=10).json()
            city = next(c for c in doc["health"]["cities"] if c["code"] == Y)
            peer = doc["peers"].get(y_origin, {})
            return peer.get("failures", 0) >= 2 and (city, peer)

        city, peer = wait_until(y_status, 60, "two refused syncs of Y")
        assert city["state"] == "lagging" and "refused here" in city["reason"]
        assert "no valid signature by the log key" in city["reason"]
        assert peer["held_size"] == 0
    finally:
        net.stop()
