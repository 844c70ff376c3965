"""The health model (app.net.health): down, lagging, stale and own-down from what sync
measured, problems first, and the document the UI and `network status --json` read."""

from __future__ import annotations

import json

from app.net.demo_network import free_port
from app.net.health import (
    DOWN,
    FROZEN,
    LAGGING,
    OK,
    OWN_DOWN,
    STALE,
    UNKNOWN,
    HealthPolicy,
    NetworkStatus,
    PeerHealth,
    assess,
    fetch_status,
    own_status,
)

POLICY = HealthPolicy(down_after_failures=3, down_after_seconds=15, lagging_after_seconds=60)


def healthy(now: float = 1000.0) -> PeerHealth:
    h = PeerHealth(origin="cityledger.example/130200", city="130200", quorum=2)
    h.city_last_answer = h.last_success = now
    h.peer_size = h.seen_size = 10
    h.verified_size = h.held_size = 10
    h.cosignatures = 2
    h.state = "ok"
    return h


def test_a_city_in_sync_with_its_quorum_is_ok():
    assert assess(healthy(), POLICY, now=1001).state == OK


def test_down_after_n_failed_calls_even_when_a_mirror_serves_its_log():
    h = healthy()
    h.succeeded("http://mirror/logs/x/", via="mirror")  # replication itself works
    for _ in range(2):
        h.city_failed("PeerTooSlow: no complete answer within 8 s")
    assert assess(h, POLICY, now=1001).state == OK  # two failures within seconds: not yet
    h.city_failed("ConnectError")
    s = assess(h, POLICY, now=1002)
    assert s.state == DOWN and "3 failed calls" in s.reason and s.via == "mirror"


def test_down_after_t_seconds_without_an_answer():
    h = healthy(now=1000)
    h.city_failed("ConnectError: refused")
    assert assess(h, POLICY, now=1010).state == OK
    assert assess(h, POLICY, now=1016).state == DOWN


def test_an_answer_clears_down():
    h = healthy()
    for _ in range(5):
        h.city_failed("refused")
    h.city_answered(10)
    assert assess(h).state == OK


def test_stale_when_the_quorum_of_cosignatures_is_missing():
    h = healthy()
    h.cosignatures = 1
    s = assess(h, POLICY, now=1001)
    assert s.state == STALE and "1 of 2" in s.reason


def test_lagging_when_another_member_has_seen_a_larger_size():
    h = healthy()
    h.saw_size(12)
    s = assess(h, POLICY, now=1001)
    assert s.state == LAGGING and "another member has seen 12" in s.reason


def test_lagging_when_entries_stay_missing_or_the_checkpoint_is_not_confirmed():
    h = healthy(now=1000)
    h.city_answered(20)
    h.city_last_answer = 1000
    h.note_sizes(verified=20, held=10, cosignatures=2)
    h.behind_since = 1000
    assert assess(h, POLICY, now=1001).state == LAGGING  # catching up
    assert "not held here after" in assess(h, POLICY, now=1061).reason
    h = healthy(now=1000)
    assert assess(h, POLICY, now=1061).state == LAGGING  # last confirmed 61 s ago


def test_a_node_that_answers_with_refused_data_is_never_ok():
    """Its node answers, but every checkpoint it serves is refused (another key signed it):
    replication fails with the city reachable — that must not read 'in sync'."""
    h = PeerHealth(origin="cityledger.example/130200", city="130200", quorum=2)
    h.city_answered(None)
    h.failed("http://x/", "checkpoint refused: no valid signature by the log key")
    s = assess(h, POLICY, now=h.city_last_answer + 1)
    assert s.state == LAGGING and "refused here: checkpoint refused" in s.reason
    h.succeeded("http://mirror/logs/x/", via="mirror")  # a mirror had the right log
    assert assess(h, POLICY, now=h.city_last_answer + 1).state == OK


def test_frozen_and_unknown():
    h = healthy()
    h.failed(None, "fork evidence #1 unresolved", frozen=True)
    assert assess(h).state == FROZEN
    fresh = PeerHealth(origin="o", city="131000")
    assert assess(fresh).state == UNKNOWN
    fresh.city_failed("ConnectError")
    fresh.city_failing_since = 1000
    assert assess(fresh, POLICY, now=1001).state == UNKNOWN  # never reached, just tried
    assert assess(fresh, POLICY, now=1016).state == DOWN  # never answered for 16 s


def test_network_status_orders_problems_first_and_round_trips_as_json():
    down = healthy()
    for _ in range(3):
        down.city_failed("refused")
    stale = healthy()
    stale.city, stale.cosignatures = "130400", 0
    ok = healthy()
    ok.city = "130600"
    status = NetworkStatus(
        own=own_status("130100", "cityledger.example/130100", 5, 2, 2),
        cities=[assess(h, POLICY, now=1001) for h in (ok, stale, down)],
        quorum=2,
    )
    assert [c.state for c in status.cities] == [DOWN, STALE, OK]
    assert status.counts()[DOWN] == 1 and status.counts()[OK] == 1
    again = NetworkStatus.from_dict(json.loads(json.dumps(status.as_dict())))
    assert again == status
    assert own_status("130100", "o", 5, 1, 2).state == STALE


def test_an_unreachable_node_reads_as_own_down():
    url = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    status = fetch_status(url, timeout=1)
    assert status.own.state == OWN_DOWN and url in status.own.reason
    assert status.cities == []
