"""Announcing new checkpoints to every member (push; polling stays the fallback).

A city's witnesses hear of its new checkpoint through add-checkpoint; the other members
would only notice at their next poll, which for a quiet city is up to a minute away. So
once a new checkpoint of this node's log has its quorum of cosignatures, the node POSTs
it to every other member's `/announce`. A receiver verifies the note (a member's log
signature, as for any checkpoint) and, if it is news, syncs that city at once; it stores
nothing from the announce itself, so a forged or replayed one costs one signature check.
Each POST has a total deadline and its own worker: a slow member delays no other, and a
failed announce is simply caught up by polling.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from app.ledger.trust import TrustFile
from app.net.client import MAX_CHECKPOINT_BYTES, WITNESS_DEADLINES, PeerHttp, normalize_prefix
from app.net.server import Reply
from app.net.witness import open_pushed_checkpoint

log = logging.getLogger(__name__)

REPEAT_WINDOW = 10.0  # seconds during which the same announce is not news again


class AnnounceService:
    """Answers `POST /announce` (body: a member's signed checkpoint note)."""

    def __init__(
        self,
        ledger,
        trust_provider: Callable[[], TrustFile | None],
        on_news: Callable[[str, int], None],
    ):
        self.ledger = ledger
        self.trust_provider = trust_provider
        self.on_news = on_news  # (origin, size): sync that city now
        self._recent: dict[str, tuple[tuple[int, frozenset], float]] = {}
        self._lock = threading.Lock()

    def __call__(self, body: bytes) -> Reply:
        opened, refusal = open_pushed_checkpoint(
            body, self.ledger.own_origin, self.trust_provider()
        )
        if opened is None:
            return refusal
        _, cp = opened
        origin = cp.origin
        known = self.ledger.latest_checkpoint(origin)
        news = (
            known is None
            or cp.size > known.size
            or (cp.size == known.size and bool(set(cp.cosigners) - set(known.cosigners)))
        )
        # The same announce again (a replay, or a resend) wakes nothing for a while: an
        # announce costs its sender one request and must not cost the city more.
        key = (cp.size, frozenset(cp.cosigners))
        now = time.monotonic()
        with self._lock:
            last = self._recent.get(origin)
            if news and last is not None and last[0] == key and now - last[1] < REPEAT_WINDOW:
                news = False
            if news:
                self._recent[origin] = (key, now)
        if news:
            self.on_news(origin, cp.size)
        return Reply(202, b"news\n" if news else b"known\n")


class Announcer:
    """POSTs this node's newly co-signed checkpoints to every other member."""

    def __init__(self, own_origin: str, trust_provider, http: PeerHttp | None = None):
        self.own_origin = own_origin
        self.trust_provider = trust_provider
        self._own_http = http is None
        self.http = http or PeerHttp()
        self._pool = ThreadPoolExecutor(16, thread_name_prefix="announce")
        self._inflight: dict[str, Future] = {}  # member URL -> its announce in progress
        self._pending: dict[str, bytes] = {}  # member URL -> newer note to send after it
        self._lock = threading.Lock()
        self.announced_size = -1

    def announce(self, size: int, note: bytes) -> None:
        trust = self.trust_provider()
        if trust is None or len(note) > MAX_CHECKPOINT_BYTES:
            return
        with self._lock:
            if size <= self.announced_size:
                return
            self.announced_size = size
            for city in trust.cities:
                if city.origin == self.own_origin:
                    continue
                for url in map(normalize_prefix, city.endpoints[:1]):
                    running = self._inflight.get(url)
                    if running is not None and not running.done():
                        self._pending[url] = note  # coalesced: only the newest is sent next
                        continue
                    self._send(url, note)

    def _send(self, url: str, note: bytes) -> None:
        try:
            future = self._pool.submit(self._post, url, note)
        except RuntimeError:  # shut down: the node is stopping
            return
        self._inflight[url] = future

    def _post(self, url: str, note: bytes) -> None:
        try:
            self.http.request(
                "POST",
                url,
                "announce",
                WITNESS_DEADLINES,
                1024,
                content=note,
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
        except Exception as e:  # polling catches up; an announce is only a hint
            log.debug("announce to %s failed: %s", url, e)
        finally:
            with self._lock:
                newer = self._pending.pop(url, None)
                if newer is not None:
                    self._send(url, newer)

    def stop(self) -> None:
        if self._own_http:
            self.http.close()
        self._pool.shutdown(wait=True, cancel_futures=True)
