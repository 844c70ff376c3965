"""A quiet member whose node dies reads down before its next (backed-off) poll: between
polls its witnesses check that its node still accepts connections (a liveness probe).
Only its witnesses (and workstations that picked it) probe it, so the network's idle
requests grow with its size, not with its square."""

from __future__ import annotations

import time
from types import SimpleNamespace

from app.net.demo_network import create_network, free_port, issue_demo_codes
from app.net.health import DOWN, assess
from app.net.ledger_view import LedgerView
from app.net.service import NodeService, TrustCache
from app.net.sync import POLL_SPACING, PROBE_INTERVAL, SyncEngine
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
        assert h.city_last_answer != polled  # a probe answered before the poll
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


def _trust(codes):
    from app.core.cosignature import generate_witness_key
    from app.core.note import generate_key
    from app.ledger.trust import City, TrustFile, generate_admin_key

    cities = []
    for code in codes:
        origin = f"test.example/{code}"
        cities.append(
            City(
                code=code,
                name_en=code,
                name_zh=code,
                lon=115.0,
                lat=38.0,
                origin=origin,
                log_vkey=generate_key(origin)[1],
                witness_vkey=generate_witness_key(origin)[1],
                endpoints=(f"http://127.0.0.1:{10000 + int(code) // 100}/",),
            )
        )
    return TrustFile(network="t", admin_vkey=generate_admin_key("t")[1], cities=tuple(cities))


def test_a_node_probes_the_cities_it_witnesses_for_and_the_ones_it_picked():
    from app.ledger.trust import witnesses_for

    codes = [f"13{n:02d}00" for n in range(1, 12)] + ["140100", "140200"]
    trust = _trust(codes)
    me = trust.cities[0]
    witnessed = {c.origin for c in trust.cities if me in witnesses_for(c, trust)}
    picked = next(c for c in trust.cities[1:] if c.origin not in witnessed)
    for watches in (None, lambda city: city.code == picked.code):
        engine = SyncEngine(SimpleNamespace(own_origin=me.origin), lambda: trust, watches=watches)
        try:
            probed = engine._probe_intervals()
            mine = witnessed | ({picked.origin} if watches else set())
            assert probed.keys() == mine
            assert 0 < len(mine) < len(codes) - 1  # not every member: it witnesses a few
            # eight witnesses each: each of them probes every 4 * 8 / 2 s
            assert set(probed.values()) == {PROBE_INTERVAL * 4}
            assert engine.quiet_limit() == max(60.0, POLL_SPACING * (len(codes) - 1))
        finally:
            engine.stop()
