"""A quiet member whose node dies reads down before its next (backed-off) poll: between
polls its node gets a liveness probe, a conditional GET of its checkpoint (a 304)."""

from __future__ import annotations

import time

from app.net.demo_network import create_network, free_port, issue_demo_codes
from app.net.health import DOWN, assess
from app.net.ledger_view import LedgerView
from app.net.service import NodeService, TrustCache
from app.net.sync import SyncEngine
from tests.net.conftest import PASS, ThreadServer

A, W = "130100", "130200"


def test_a_dead_quiet_member_reads_down_before_its_next_poll(tmp_path):
    from app.ledger.node import Node

    a_port = free_port()
    create_network(tmp_path, [A, W], passphrase=PASS, ports={A: a_port})
    issue_demo_codes(tmp_path / A, 20, passphrase=PASS)
    a, w = Node.open(tmp_path / A), Node.open(tmp_path / W)
    engine = SyncEngine(
        LedgerView(w.store, w.origin, w.data_dir),
        TrustCache(w.data_dir),
        use_mirrors=False,
        interval=60.0,
        max_interval=60.0,  # the next full poll of A is a minute away
        probe_interval=0.5,
    )
    server = ThreadServer(NodeService(a, sync=False, witness=False).app, port=a_port)
    try:
        server.__enter__()
        engine.start()
        while engine._due.get(a.origin, 0.0) <= time.time():  # the first poll is done
            time.sleep(0.05)
        h = engine.health[a.origin]
        assert h.city_last_answer is not None and h.state == "ok", h
        next_poll, polled = engine._due[a.origin], h.city_last_answer
        while h.city_last_answer == polled and time.time() < next_poll:
            time.sleep(0.05)
        assert h.city_last_answer != polled  # a probe (a 304) answered before the poll
        server.__exit__(None, None, None)
        while assess(h).state != DOWN and time.time() < next_poll:
            time.sleep(0.05)
        assert assess(h).state == DOWN, assess(h)
        assert time.time() < next_poll  # noticed by the probes, not by the poll
        assert "does not answer" in assess(h).reason
    finally:
        engine.stop()
        a.close()
        w.close()
