"""EventBus (the observer API the UI and CLI consume) and the back-off schedule."""

from __future__ import annotations

import random
import threading

from app.net import events as ev
from app.net.health import PeerHealth, backoff_delay


def test_bus_delivers_to_subscribers_from_many_threads_and_survives_a_broken_one():
    bus = ev.EventBus(history=50)
    got, lock = [], threading.Lock()

    def good(e):
        with lock:
            got.append(e)

    def broken(e):
        raise RuntimeError("observer bug")

    bus.subscribe(broken)
    unsubscribe = bus.subscribe(good)
    threads = [
        threading.Thread(
            target=lambda i=i: [bus.emit(ev.PROGRESS, f"o{i}", fetched=k) for k in range(100)]
        )
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 400
    assert sorted(e.data["fetched"] for e in got if e.origin == "o2") == list(range(100))
    assert len(bus.recent()) == 50 and all(e.kind == ev.PROGRESS for e in bus.recent())
    unsubscribe()
    bus.emit(ev.ALERT, "o", level="critical", message="fork")
    assert len(got) == 400
    assert bus.recent(ev.ALERT)[0].data["message"] == "fork"


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    rng = random.Random(1)
    assert backoff_delay(0) == 0
    for k in range(1, 12):
        d = backoff_delay(k, base=1.0, cap=60.0, rng=rng)
        ceiling = min(60.0, 2.0 ** (k - 1))
        assert ceiling / 2 <= d <= ceiling
    samples = {round(backoff_delay(5, rng=rng), 6) for _ in range(20)}
    assert len(samples) > 10  # jitter: peers that failed together do not retry together


def test_peer_health_tracks_lag_success_and_failures():
    h = PeerHealth(origin="o", city="130100")
    h.peer_size, h.verified_size, h.held_size = 500, 400, 300
    assert h.lag == 200
    h.failed("http://x/", "connection refused")
    h.failed("http://x/", "connection refused")
    assert h.state == "failing" and h.failures == 2 and h.next_try > h.last_attempt
    h.succeeded("http://y/")
    assert h.state == "ok" and h.failures == 0 and h.error is None and h.url == "http://y/"
    assert h.as_dict()["lag"] == 200
