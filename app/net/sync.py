"""Background replication of every member city's log, verified before anything is stored.

For each member city (other than this node's own), one pass:
1. fetch its `checkpoint` from one of its endpoints (or, if those fail, from another
   member's `/logs/<origin>/` mirror) and verify the log's signature;
2. relate it to the last verified checkpoint: same size and root → just merge new
   cosignatures; larger → prove the old root from the peer's tiles authenticated against
   the new root (a tlog consistency check); a different root at the same or an older size
   is fork evidence; an older consistent one is a stale peer and is refused;
3. store the checkpoint, then fetch the missing entry bundles in chunks, verify each chunk
   against that checkpoint (Merkle) and append it; a chunk either verifies fully or is
   not stored, so an interrupted sync resumes from the entries already held;
4. now and then, compare the checkpoint another member mirrors for that city with ours
   (a split view shown to another member is fork evidence too).
A city with unresolved fork evidence is not followed until an operator resolves it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from app.core.errors import CityLedgerError
from app.ledger.store import ConflictError
from app.ledger.trust import TrustFile
from app.net import events as ev
from app.net import verify
from app.net.client import (
    PeerClient,
    PeerDataError,
    PeerError,
    PeerNotFound,
    PeerUnavailable,
    new_http_client,
    normalize_prefix,
)
from app.net.health import PeerHealth
from app.net.paths import TILE_WIDTH

log = logging.getLogger(__name__)

CHUNK_BUNDLES = 64  # bundles verified and committed together (16,384 entries)
BULK_ENTRIES = 4 * CHUNK_BUNDLES * TILE_WIDTH  # larger catch-ups index the codes after storing
DEFAULT_INTERVAL = 5.0  # seconds between passes when nothing failed


class ForkDetected(CityLedgerError):
    def __init__(self, evidence_id, message):
        super().__init__(message)
        self.evidence_id = evidence_id


def mirror_prefixes(trust, origin: str, own_origin: str | None) -> list[str]:
    """Other members' `/logs/<origin>/` prefixes, fall-backs when the city itself is down."""
    out = []
    for c in trust.cities:
        if c.origin in (origin, own_origin):
            continue
        out += [normalize_prefix(u) + "logs/" + origin + "/" for u in c.endpoints]
    return out


class SyncEngine:
    """Replicates member cities' logs into `ledger` (an app.net.ledger_view.LedgerView)."""

    def __init__(
        self,
        ledger,
        trust_provider: Callable[[], TrustFile | None],
        bus: ev.EventBus | None = None,
        http: httpx.Client | None = None,
        concurrency: int = 4,
        fetch_concurrency: int = 8,
        interval: float = DEFAULT_INTERVAL,
        use_mirrors: bool = True,
        gossip_interval: float = 10.0,
    ):
        self.ledger = ledger
        self.trust_provider = trust_provider
        self.bus = bus or ev.EventBus()
        self._own_http = http is None
        self.http = http or new_http_client(max_connections=max(concurrency, fetch_concurrency) * 2)
        self.concurrency = concurrency
        self.fetch_concurrency = fetch_concurrency
        self.interval = interval
        self.use_mirrors = use_mirrors
        self.gossip_interval = gossip_interval  # seconds between mirror checks of a city
        self._last_gossip: dict[str, float] = {}
        self.health: dict[str, PeerHealth] = {}
        self._health_lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}
        self._fetch_pool = ThreadPoolExecutor(fetch_concurrency, thread_name_prefix="sync-fetch")
        self._city_pool = ThreadPoolExecutor(concurrency, thread_name_prefix="sync-city")
        self._prep_pool = ThreadPoolExecutor(concurrency, thread_name_prefix="sync-verify")
        self._rng = random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sync-engine", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Run a pass now (e.g. a witness request showed a city has grown)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._city_pool.shutdown(wait=True, cancel_futures=True)
        self._prep_pool.shutdown(wait=True, cancel_futures=True)
        self._fetch_pool.shutdown(wait=True, cancel_futures=True)
        if self._own_http:
            self.http.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once(respect_backoff=True)
            except Exception:  # never let the background thread die
                log.exception("sync pass failed")
            now = time.time()
            with self._health_lock:
                waits = [h.next_try - now for h in self.health.values() if h.next_try > now]
            delay = min([self.interval] + waits)
            self._wake.wait(max(0.05, delay))
            self._wake.clear()

    # --- one pass ------------------------------------------------------------------
    def cities(self):
        trust = self.trust_provider()
        if trust is None:
            return []
        own = self.ledger.own_origin
        return [c for c in trust.cities if c.origin != own]

    def run_once(
        self, respect_backoff: bool = False, origins: Iterable[str] | None = None
    ) -> dict[str, PeerHealth]:
        """Sync every member city once (in parallel, bounded); returns their health."""
        wanted = set(origins) if origins is not None else None
        now = time.time()
        todo = []
        for city in self.cities():
            if wanted is not None and city.origin not in wanted:
                continue
            h = self._health(city)
            if respect_backoff and h.next_try > now:
                continue
            todo.append(city)
        futures = [self._city_pool.submit(self.sync_city, c) for c in todo]
        for f in futures:
            f.result()
        with self._health_lock:
            return {k: v for k, v in self.health.items()}

    def _health(self, city) -> PeerHealth:
        with self._health_lock:
            h = self.health.get(city.origin)
            if h is None:
                h = self.health[city.origin] = PeerHealth(origin=city.origin, city=city.code)
            return h

    def _publish_health(self, h: PeerHealth) -> None:
        self.bus.emit(ev.HEALTH, h.origin, **h.as_dict())

    def sync_city(self, city) -> PeerHealth:
        """One pass for one city; errors end up in its PeerHealth, never raised."""
        h = self._health(city)
        lock = self._origin_locks.setdefault(city.origin, threading.Lock())
        with lock:
            trust = self.trust_provider()
            prefixes = [normalize_prefix(u) for u in city.endpoints]
            city_urls = set(prefixes)
            if self.use_mirrors:
                prefixes += mirror_prefixes(trust, city.origin, self.ledger.own_origin)
            frozen = self.ledger.fork_evidence(city.origin)
            if frozen:
                h.failed(
                    None,
                    f"fork evidence #{frozen[0]['id']} unresolved: newer "
                    "checkpoints of this city are refused",
                    frozen=True,
                )
                self._refresh_sizes(h)
                self._publish_health(h)
                return h
            if not prefixes:
                h.failed(None, "no endpoint in the trust file")
                self._publish_health(h)
                return h
            last_error: Exception | None = None
            done = False
            for prefix in prefixes:
                peer = PeerClient(prefix, self.http)
                try:
                    self._sync_beside_other_writers(
                        peer, city, trust, h, mirror=prefix not in city_urls
                    )
                    if self.use_mirrors and prefix in city_urls and self._gossip_due(city):
                        self._gossip(city, trust)
                    h.succeeded(prefix)
                    done = True
                except ForkDetected as e:
                    h.failed(prefix, str(e), frozen=True)
                    done = True
                except (PeerUnavailable, PeerNotFound) as e:
                    # Down, or (a mirror) not holding this log yet: try the next endpoint.
                    last_error = last_error if (last_error and prefix not in city_urls) else e
                except (PeerError, verify.VerifyError) as e:
                    # Bad data from this peer: recorded, nothing stored; another endpoint
                    # may serve the right data.
                    last_error = e
                    self.ledger.record_peer(prefix, city.origin, "failing", h.peer_size, str(e))
                    self.bus.emit(
                        ev.ALERT, city.origin, level="warning", message=str(e), peer=prefix
                    )
                except Exception as e:  # e.g. the database: keep the engine alive, report it
                    log.exception("sync of %s from %s failed", city.origin, prefix)
                    last_error = e
                    break
                if done:
                    break
            if not done:
                h.failed(prefixes[0], str(last_error) if last_error else "no endpoint answered")
            self._refresh_sizes(h)
            if h.state == "ok":
                self.ledger.record_peer(h.url, city.origin, "ok", h.peer_size, None)
            self._publish_health(h)
            return h

    def _refresh_sizes(self, h: PeerHealth) -> None:
        stored = self.ledger.latest_checkpoint(h.origin)
        h.verified_size = stored.size if stored else 0
        h.held_size = self.ledger.held_size(h.origin)
        h.cosignatures = len(stored.cosigners) if stored else 0

    # --- the steps -----------------------------------------------------------------
    def _sync_from(
        self, peer: PeerClient, city, trust, h: PeerHealth, mirror: bool = False
    ) -> None:
        origin = city.origin
        note = peer.checkpoint()
        try:
            cp = verify.open_member_checkpoint(note, city, trust)
        except verify.VerifyError as e:
            raise PeerDataError(peer.prefix, f"checkpoint refused: {e}") from None
        h.peer_size = cp.size
        stored = self.ledger.latest_checkpoint(origin)
        tiles = verify.PeerTiles(peer, cp)
        if stored is not None:
            if cp.size < stored.size:
                self._check_older(cp, stored, peer)
                if mirror:  # another member that has not caught up: not an alert
                    raise PeerNotFound(peer.prefix, f"mirror is behind (size {cp.size})")
                raise PeerDataError(
                    peer.prefix,
                    f"rolled-back checkpoint: the peer serves size "
                    f"{cp.size}, already verified {stored.size}",
                )
            if cp.size == stored.size:
                if cp.root != stored.root:
                    self._fork(
                        origin,
                        stored.note,
                        cp.note,
                        f"two checkpoints of size {cp.size} with different roots",
                    )
            else:
                try:
                    old_root = verify.root_at(stored.size, tiles)
                except verify.VerifyError as e:
                    raise PeerDataError(peer.prefix, f"consistency check: {e}") from None
                if old_root != stored.root:
                    self._fork(
                        origin,
                        stored.note,
                        cp.note,
                        f"checkpoint of size {cp.size} does not contain the verified "
                        f"tree of size {stored.size}",
                    )
        self.ledger.ensure_replica(city)
        saved = self.ledger.save_checkpoint(origin, cp, expected_size=stored.size if stored else 0)
        if saved:
            self.bus.emit(
                ev.CHECKPOINT,
                origin,
                size=cp.size,
                cosignatures=len(cp.cosigners),
                peer=peer.prefix,
            )
        else:
            # Only new or refreshed cosignatures: an idle pass must not write.
            known = self.ledger.latest_checkpoint(origin)
            if known is not None and known.size == cp.size:
                fresh = {k: v for k, v in cp.cosigners.items() if known.cosigners.get(k) != v}
                if fresh:
                    self.ledger.add_cosignatures(origin, cp.size, fresh)
        self._fetch_entries(peer, cp, tiles, h)

    def _gossip_due(self, city) -> bool:
        now = time.monotonic()
        if now - self._last_gossip.get(city.origin, -1e9) < self.gossip_interval:
            return False
        self._last_gossip[city.origin] = now
        return True

    def _gossip(self, city, trust) -> None:
        """Compare the city's checkpoint as another member mirrors it with ours: a split
        view (a different tree shown to that member) is fork evidence too."""
        mirrors = mirror_prefixes(trust, city.origin, self.ledger.own_origin)
        if not mirrors:
            return
        peer = PeerClient(self._rng.choice(mirrors), self.http)
        try:
            cp = verify.open_member_checkpoint(peer.checkpoint(), city, trust)
        except (PeerError, verify.VerifyError):
            return  # a mirror that is down or not holding the log yet proves nothing
        stored = self.ledger.latest_checkpoint(city.origin)
        if stored is None or cp.size > stored.size:
            return  # newer than ours: the city's own endpoint will bring it
        ours = stored.root if cp.size == stored.size else self.ledger.root_at(city.origin, cp.size)
        if ours is not None and ours != cp.root:
            self._fork(
                city.origin,
                stored.note,
                cp.note,
                f"member mirror {peer.prefix} holds a checkpoint of size {cp.size} "
                "that differs from the tree verified here",
            )

    def _sync_beside_other_writers(self, peer, city, trust, h, mirror: bool) -> None:
        """_sync_from, started again whenever another writer on the same store (e.g. a
        `node serve` beside a `cityledger sync`) appended verified entries first. Each
        conflict means that writer made progress, so this ends; a conflict without
        progress is a real error and is raised."""
        while True:
            before = self.ledger.held_size(city.origin)
            try:
                self._sync_from(peer, city, trust, h, mirror=mirror)
                return
            except ConflictError:
                if self.ledger.held_size(city.origin) <= before:
                    raise

    def _check_older(self, cp, stored, peer) -> None:
        """An older checkpoint must match the tree we hold at that size, else it is a fork."""
        held = self.ledger.held_size(cp.origin)
        if cp.size == 0 or held < cp.size:
            return
        ours = self.ledger.root_at(cp.origin, cp.size)
        if ours is not None and ours != cp.root:
            self._fork(
                cp.origin,
                stored.note,
                cp.note,
                f"checkpoint of size {cp.size} differs from the verified tree at that size",
            )

    def _fork(self, origin: str, note_a: bytes, note_b: bytes, detail: str):
        evidence_id = self.ledger.add_evidence(origin, "fork", note_a, note_b, detail)
        message = (
            f"FORK of {origin}: {detail}; evidence #{evidence_id} stored, newer "
            "checkpoints refused until an operator resolves it"
        )
        log.error(message)
        self.bus.emit(ev.ALERT, origin, level="critical", message=message, evidence_id=evidence_id)
        raise ForkDetected(evidence_id, message)

    def _fetch_entries(self, peer: PeerClient, cp, tiles, h: PeerHealth) -> None:
        """Fetch, verify and commit [held, cp.size) chunk by chunk. The next chunk is
        fetched and verified while the current one is being committed."""
        origin, total = cp.origin, cp.size
        held = self.ledger.held_size(origin)
        if held >= total:
            self._index_pending(origin, held)
            return
        # A bulk catch-up stores verified blobs first and folds the codes index after, in
        # larger transactions; a small increment is indexed in the same transaction.
        inline_index = total - held <= BULK_ENTRIES
        pending: Future[_Chunk] | None = self._prep_pool.submit(
            self._prepare_chunk, peer, cp, tiles, held
        )
        while pending is not None:
            chunk = pending.result()  # raises the chunk's PeerDataError: nothing stored
            pending = (
                self._prep_pool.submit(self._prepare_chunk, peer, cp, tiles, chunk.new_size)
                if chunk.new_size < total
                else None
            )
            try:
                new_codes = self.ledger.append_entries(
                    origin,
                    held,
                    chunk.entries,
                    chunk.root,
                    chunk.encoded,
                    chunk.tile_data,
                    index=inline_index,
                )
            except BaseException:
                if pending is not None:
                    pending.cancel()
                raise
            held = chunk.new_size
            h.held_size = held
            self.bus.emit(ev.PROGRESS, origin, fetched=held, total=total, peer=peer.prefix)
            if new_codes:
                self.bus.emit(ev.NEW_CODES, origin, count=new_codes, size=held)
        self._index_pending(origin, held)

    def _index_pending(self, origin: str, held: int) -> None:
        """Bring the codes index up to the entries held (after a bulk catch-up, or one
        that was interrupted before its index caught up)."""
        indexed = self.ledger.index_pending(origin)
        if indexed:
            self.bus.emit(ev.NEW_CODES, origin, count=indexed, size=held)

    def _prepare_chunk(self, peer: PeerClient, cp, tiles, held: int) -> _Chunk:
        """Fetch the bundles after `held` (one chunk) and verify them against cp."""
        total = cp.size
        first = held // TILE_WIDTH
        last = (total - 1) // TILE_WIDTH
        numbers = list(range(first, min(last + 1, first + CHUNK_BUNDLES)))
        widths = [min(TILE_WIDTH, total - n * TILE_WIDTH) for n in numbers]
        datas = list(self._fetch_pool.map(lambda nw: peer.bundle(*nw), zip(numbers, widths)))
        bundles = {}
        for n, w, data in zip(numbers, widths, datas):
            try:
                bundles[n] = verify.decode_peer_entry_bundle(data, w)
            except verify.VerifyError as e:
                raise PeerDataError(peer.prefix, f"entry bundle {n}: {e}") from None
        try:
            level0 = verify.check_bundles(cp, bundles, tiles)
        except verify.VerifyError as e:
            raise PeerDataError(peer.prefix, str(e)) from None
        entries = [e for n in numbers for e in bundles[n]][held - first * TILE_WIDTH :]
        new_size = held + len(entries)
        root = cp.root if new_size == total else verify.root_at(new_size, tiles)
        tile_data = tiles.verified_tiles()
        tile_data.update({(0, n): level0[n] for n in numbers})
        return _Chunk(entries, new_size, root, dict(zip(numbers, datas)), tile_data)


@dataclass
class _Chunk:
    entries: list[bytes]  # the new entries, from the held size on
    new_size: int
    root: bytes  # root of the log at new_size (authenticated)
    encoded: dict[int, bytes]  # bundle number -> bundle bytes as fetched (verified)
    tile_data: dict[tuple[int, int], bytes]
