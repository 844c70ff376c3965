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
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.core.errors import CityLedgerError
from app.ledger.store import ConflictError
from app.ledger.trust import City, TrustFile, witnesses_for
from app.net import events as ev
from app.net import verify
from app.net.client import (
    PeerClient,
    PeerDataError,
    PeerError,
    PeerHttp,
    PeerNotFound,
    PeerTooSlow,
    PeerUnavailable,
    normalize_prefix,
)
from app.net.health import EndpointHealth, PeerHealth, backoff_delay
from app.net.paths import TILE_WIDTH

log = logging.getLogger(__name__)

CHUNK_BUNDLES = 64  # bundles verified and committed together (16,384 entries)
BULK_ENTRIES = 4 * CHUNK_BUNDLES * TILE_WIDTH  # larger catch-ups index the codes after storing
DEFAULT_INTERVAL = 5.0  # seconds between two checks of a city that just changed
MAX_INTERVAL = 60.0  # a quiet city is polled less and less often, down to this
# Between the polls of a quiet city, a node that watches it (one of its witnesses, or a
# workstation that picked it) checks that its node still accepts connections, so a node
# that dies reads down within seconds there. A city with w
# witnesses is probed by each every PROBE_INTERVAL * max(1, w / 2) s: about one probe per
# 2 s reaches a city whatever the size of the network.
PROBE_INTERVAL = 4.0
PROBE_TIMEOUT = 3.0  # seconds for a probe's TCP connection
# A quiet network: each node polls on average at most one city per POLL_SPACING seconds,
# so a quiet city's interval grows to max(max_interval, POLL_SPACING * members) and a
# node's idle polling stays flat as the network grows (100 cities: 495 s; announces still
# bring every new checkpoint at once, the polls only catch a lost announce).
POLL_SPACING = 5.0


class ForkDetected(CityLedgerError):
    def __init__(self, evidence_id, message):
        super().__init__(message)
        self.evidence_id = evidence_id


def mirror_prefixes(trust, origin: str, own_origin: str | None) -> list[tuple[str, str]]:
    """(member node URL, its `/logs/<origin>/` prefix) of every other member: fall-backs
    when the city itself is down."""
    out = []
    for c in trust.cities:
        if c.origin in (origin, own_origin):
            continue
        out += [
            (normalize_prefix(u), normalize_prefix(u) + "logs/" + origin + "/") for u in c.endpoints
        ]
    return out


class SyncEngine:
    """Replicates member cities' logs into `ledger` (an app.net.ledger_view.LedgerView).

    Each city is checked on its own schedule, in a pool of `concurrency` workers, and every
    peer call has a total deadline (app.net.client.Deadlines): a slow or dead member costs
    its own city's check at most that deadline, and never holds up another city's. Member
    URLs that fail or run over a deadline are backed off with jitter (EndpointHealth), so
    the next checks go to the city's other endpoints or to other members' mirrors first.
    """

    def __init__(
        self,
        ledger,
        trust_provider: Callable[[], TrustFile | None],
        bus: ev.EventBus | None = None,
        http: PeerHttp | None = None,
        concurrency: int = 8,
        fetch_concurrency: int = 8,
        interval: float = DEFAULT_INTERVAL,
        use_mirrors: bool = True,
        gossip_interval: float = 300.0,
        max_interval: float = MAX_INTERVAL,
        follows: Callable[[City], bool] | None = None,
        probe_interval: float = PROBE_INTERVAL,
        watches: Callable[[City], bool] | None = None,
    ):
        self.ledger = ledger
        # city -> replicate its entries? Of the others only checkpoints are kept (their
        # codes are verified on demand: app.net.on_demand).
        self.follows = follows or (lambda city: True)
        self.trust_provider = trust_provider
        self.bus = bus or ev.EventBus()
        self._own_http = http is None
        self.http = http or PeerHttp()
        self.concurrency = concurrency
        self.fetch_concurrency = fetch_concurrency
        self.interval = interval  # seconds between checks of a city that just changed
        self.max_interval = max(interval, max_interval)  # ... and of one long quiet
        self.use_mirrors = use_mirrors
        self.gossip_interval = gossip_interval  # seconds between mirror checks of a city
        self._last_gossip: dict[str, tuple[float, int]] = {}  # origin -> (when, size)
        self._alerted: set[int] = set()  # misbehaviour evidence already raised as an alert
        self.health: dict[str, PeerHealth] = {}
        self.endpoints: dict[str, EndpointHealth] = {}  # member node URL -> its health
        self._health_lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}
        self._city_pool = ThreadPoolExecutor(concurrency, thread_name_prefix="sync-city")
        self._due: dict[str, float] = {}  # origin -> when its next scheduled check is due
        self._running: set[str] = set()  # origins being checked by the schedule now
        self._rewake: set[str] = set()  # ... and woken meanwhile: checked again at once
        self._recorded: dict[str, str | None] = {}  # origin -> endpoint last written
        self._etags: dict[str, str] = {}  # log prefix -> ETag of the checkpoint held from it
        self._quiet: dict[str, float] = {}  # origin -> its current polling interval
        self.probe_interval = probe_interval  # 0: no liveness probes
        # city -> probe its node although this node is not its witness (a workstation's
        # picked cities)
        self.watches = watches or (lambda city: False)
        # (trust, when) -> {watched origin: its number of witnesses}
        self._witnessing: tuple[object, float, dict[str, int]] = (None, 0.0, {})
        self._probe_due: dict[str, float] = {}  # origin -> when its node is asked next
        self._rng = random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sync-engine", daemon=True)
            self._thread.start()

    def wake(self, origin: str | None = None) -> None:
        """Check `origin` (or every city) now, e.g. a witness request showed it grew."""
        with self._health_lock:
            for o in [origin] if origin else list(self._due):
                self._due[o] = 0.0
                self._quiet[o] = self.interval
                if o in self._running:
                    # A check already under way may have read the old checkpoint: check
                    # again as soon as it ends, or its schedule would hide this news.
                    self._rewake.add(o)
                h = self.health.get(o)
                if h is not None:
                    h.next_try = 0.0
        self._wake.set()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop promptly: calls in flight are cancelled, not waited for."""
        self._stop.set()
        self._wake.set()
        if self._own_http:
            self.http.close()  # every blocked peer call returns at once
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._city_pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for city in self._due_cities():
                    self._city_pool.submit(self._scheduled_check, city)
                for city in self._due_probes():
                    self._city_pool.submit(self._probe, city)
            except RuntimeError:  # the pool is shut down: stopping
                return
            except Exception:  # never let the background thread die
                log.exception("sync scheduling failed")
            self._wake.wait(self._until_next_due())
            self._wake.clear()

    def _due_cities(self) -> list:
        return self._claim(lambda c, now: self._due.setdefault(c.origin, 0.0) > now)

    def _claim(self, waits) -> list:
        """Cities not being checked for which waits(city, now) is false, marked running."""
        now = time.time()
        out = []
        cities = self.cities()
        with self._health_lock:
            for city in cities:
                if city.origin in self._running or waits(city, now):
                    continue
                self._running.add(city.origin)
                out.append(city)
        return out

    def _until_next_due(self) -> float:
        now = time.time()
        with self._health_lock:
            waiting = [t - now for o, t in self._due.items() if o not in self._running]
            waiting += [t - now for o, t in self._probe_due.items() if o not in self._running]
        return max(0.05, min([5.0, *waiting]))  # 5 s: a city new in the trust file

    def _due_probes(self) -> list:
        """Quiet watched cities whose node is due a liveness probe: answering (a failing
        one is retried on its back-off) and not due a full check soon."""
        if self.probe_interval <= 0:
            return []
        every = self._probe_intervals()

        def waits(c: City, now: float) -> bool:
            o = c.origin
            if o not in every or self._probe_due.get(o, 0.0) > now:
                return True
            h = self.health.get(o)
            due = self._due.get(o, now)
            if h is None or h.city_failures or due - now < every[o]:
                # Not now (a full check comes first, or its back-off rules): look again
                # then. A probe left due in the past woke the loop every 50 ms.
                self._probe_due[o] = max(now + 1.0, due)
                return True
            return False

        return self._claim(waits)

    def _probe_intervals(self) -> dict[str, float]:
        """origin -> seconds between two liveness probes of each city this node watches:
        the cities it witnesses for, and those `watches` names. Not probing every member
        from every node keeps the network's idle requests linear in its size (at 100
        cities every node probing every quiet member every 4 s was 2,475 requests/s)."""
        trust = self.trust_provider()
        if trust is None:
            return {}
        cached, when, witnessed = self._witnessing
        now = time.monotonic()
        if cached is not trust or now - when > 30.0:  # 30 s: a changed follow list
            own = self.ledger.own_origin
            witnessed = {}
            for city in trust.cities:
                if city.origin == own:
                    continue
                asked = witnesses_for(city, trust)
                if any(c.origin == own for c in asked) or self.watches(city):
                    witnessed[city.origin] = len(asked)
            self._witnessing = (trust, now, witnessed)
        return {o: self.probe_interval * max(1.0, w / 2) for o, w in witnessed.items()}

    def quiet_limit(self) -> float:
        """The longest interval between two polls of a quiet city (see POLL_SPACING)."""
        return max(self.max_interval, POLL_SPACING * len(self.cities()))

    def _probe(self, city) -> None:
        """Is the city's node alive? A TCP connection to its first endpoint, closed at
        once: a killed node, a dead host or a closed port refuses or times out. It costs
        both sides a connect and a close (about 20 times less CPU than the conditional
        GET it replaces, 6.5 ms a request on this machine), which is what lets every
        witness probe every few seconds at 100 cities. A node that accepts but no longer
        answers is left to the polls (their deadlines count it failing). Refused or
        silent: a full check now, which counts the failure and backs off."""
        h = self._health(city)
        failed = False
        try:
            url = normalize_prefix(city.endpoints[0]) if city.endpoints else None
            address = _address(url) if url else None
            if url and address:
                try:
                    with socket.create_connection(address, timeout=PROBE_TIMEOUT):
                        pass
                except OSError as e:
                    error = PeerUnavailable(url, f"liveness probe: {e.strerror or e}")
                    self._call_failed(url, error)
                    h.city_failed(str(error))
                    failed = True
                else:
                    self._endpoint(url).answered()
                    h.city_answered(None)
        except Exception:
            log.exception("liveness probe of %s failed", city.origin)
        finally:
            every = self._probe_intervals().get(city.origin, self.probe_interval)
            with self._health_lock:
                self._running.discard(city.origin)
                self._rewake.discard(city.origin)  # a wake during a probe left it due now
                jitter = 0.85 + 0.3 * self._rng.random()
                self._probe_due[city.origin] = time.time() + every * jitter
            if failed:
                self.wake(city.origin)

    def _scheduled_check(self, city) -> None:
        h = self._health(city)
        size, cosignatures = h.verified_size, h.cosignatures
        ok = False
        try:
            ok = self.sync_city(city).state == "ok"
        except Exception:
            log.exception("sync of %s failed", city.origin)
        finally:
            # A late cosignature of a checkpoint that had its quorum is not news worth
            # polling faster for (each of a city's eight witnesses adds one).
            quorate = min(cosignatures, h.cosignatures) >= max(1, h.quorum)
            same = size == h.verified_size and (cosignatures == h.cosignatures or quorate)
            self._schedule_next(city.origin, h, ok and same)

    def _schedule_next(self, origin: str, h: PeerHealth, quiet: bool) -> None:
        """A quiet city is polled less and less often (up to max_interval), with jitter so
        a network's nodes do not poll in step; any change, failure or announce resets it.
        A failing city waits for its back-off; a city whose own node stopped answering is
        asked again after a short back-off even while its mirrors serve its log, so that
        it reads down within seconds."""
        limit = self.quiet_limit()
        h.confirm_within = limit
        with self._health_lock:
            self._running.discard(origin)
            interval = self._quiet.get(origin, self.interval)
            quiet = quiet and not h.city_failures
            interval = min(limit, interval * 2) if quiet else self.interval
            self._quiet[origin] = interval
            now = time.time()
            due = now + interval * (0.85 + 0.3 * self._rng.random())
            if h.city_failures:
                due = max(due, now + backoff_delay(h.city_failures))
            self._due[origin] = max(due, h.next_try if h.state != "ok" else 0.0)
            if origin in self._rewake:
                self._rewake.discard(origin)
                self._due[origin] = 0.0
        self._wake.set()

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

    def health_snapshot(self) -> dict[str, PeerHealth]:
        """origin -> PeerHealth, safe to iterate while the engine adds cities."""
        with self._health_lock:
            return dict(self.health)

    def _health(self, city) -> PeerHealth:
        with self._health_lock:
            h = self.health.get(city.origin)
            if h is None:
                h = self.health[city.origin] = PeerHealth(origin=city.origin, city=city.code)
            return h

    def _endpoint(self, url: str) -> EndpointHealth:
        with self._health_lock:
            e = self.endpoints.get(url)
            if e is None:
                e = self.endpoints[url] = EndpointHealth(url)
            return e

    def _publish_health(self, h: PeerHealth) -> None:
        self.bus.emit(ev.HEALTH, h.origin, **h.as_dict())

    def _sources(self, city, trust) -> list[tuple[str, str, bool]]:
        """(member URL, log prefix, is the city's own) to try, best first: the city's own
        endpoints, then other members' mirrors (in a random order, so no one mirror
        takes every fallback); URLs in back-off after everything else."""
        own = [(normalize_prefix(u), normalize_prefix(u), True) for u in city.endpoints]
        mirrors = []
        if self.use_mirrors:
            mirrors = [
                (u, p, False)
                for u, p in mirror_prefixes(trust, city.origin, self.ledger.own_origin)
            ]
            self._rng.shuffle(mirrors)
        now = time.time()
        ready = [s for s in own + mirrors if not self._endpoint(s[0]).backed_off(now)]
        waiting = [s for s in own if self._endpoint(s[0]).backed_off(now)]
        return ready + waiting

    def _call_failed(self, url: str, error: PeerError) -> None:
        self._endpoint(url).failed(str(error), slow=isinstance(error, PeerTooSlow))

    def sync_city(self, city) -> PeerHealth:
        """One pass for one city; errors end up in its PeerHealth, never raised."""
        h = self._health(city)
        lock = self._origin_locks.setdefault(city.origin, threading.Lock())
        with lock:
            trust = self.trust_provider()
            h.quorum = trust.quorum if trust is not None else 0
            sources = self._sources(city, trust)
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
            if not sources:
                h.failed(None, "no endpoint in the trust file")
                self._publish_health(h)
                return h
            last_error: Exception | None = None
            done = False
            for url, prefix, is_city in sources:
                if self._stop.is_set():
                    last_error = last_error or PeerUnavailable(prefix, "the node is stopping")
                    break
                peer = PeerClient(prefix, self.http)
                try:
                    self._sync_beside_other_writers(peer, city, trust, h, mirror=not is_city)
                    self._endpoint(url).answered()
                    if is_city:
                        h.city_answered(None)
                        if self.use_mirrors and self._gossip_due(city, h):
                            self._gossip(city, trust, h)
                    h.succeeded(prefix, via="city" if is_city else "mirror")
                    done = True
                except ForkDetected as e:
                    h.failed(prefix, str(e), frozen=True)
                    done = True
                except (PeerUnavailable, PeerNotFound) as e:
                    # Down, too slow, or (a mirror) not holding this log yet: next endpoint.
                    if isinstance(e, PeerUnavailable):
                        self._call_failed(url, e)
                        if is_city:
                            h.city_failed(str(e))
                    elif is_city:
                        self._endpoint(url).answered()
                        h.city_answered(None)
                    last_error = last_error if (last_error and not is_city) else e
                except (PeerError, verify.VerifyError) as e:
                    # Bad data from this peer: recorded, nothing stored; another endpoint
                    # may serve the right data.
                    last_error = e
                    if is_city:
                        h.city_answered(None)  # it answers, but the data is wrong
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
                h.failed(sources[0][1], str(last_error) if last_error else "no endpoint answered")
            self._report_misbehaviour(city.origin, h)
            self._refresh_sizes(h)
            if h.state == "ok" and h.url != self._recorded.get(city.origin):
                # The peers table is written when the serving endpoint changes, not per pass.
                self.ledger.record_peer(h.url, city.origin, "ok", h.peer_size, None)
                self._recorded[city.origin] = h.url
            self._publish_health(h)
            return h

    def _report_misbehaviour(self, origin: str, h: PeerHealth) -> None:
        """Open misbehaviour evidence against `origin` (a logged entry that breaks an entry
        rule): alert once per evidence, and show the city frozen while its records are
        held back from the codes index (its Merkle data is still replicated)."""
        open_rows = self.ledger.misbehaviour(origin)
        for e in open_rows:
            if e["id"] in self._alerted:
                continue
            self._alerted.add(e["id"])
            message = (
                f"MISBEHAVIOUR of {origin}: {e['detail']}; evidence #{e['id']} stored, the "
                "city's further records are held back until an operator resolves it"
            )
            log.error(message)
            self.bus.emit(
                ev.ALERT,
                origin,
                level="critical",
                message=message,
                evidence_id=e["id"],
                rule=e["rule"],
                index=e["entry_index"],
            )
        if open_rows and h.state == "ok":
            first = open_rows[0]
            h.failed(
                h.url,
                f"misbehaviour evidence #{first['id']} unresolved: records from index "
                f"{first['entry_index']} on are held back from the codes index",
                frozen=True,
            )

    def _refresh_sizes(self, h: PeerHealth) -> None:
        stored = self.ledger.latest_checkpoint(h.origin)
        h.note_sizes(
            stored.size if stored else 0,
            self.ledger.held_size(h.origin),
            len(stored.cosigners) if stored else 0,
        )

    # --- the steps -----------------------------------------------------------------
    def _sync_from(
        self, peer: PeerClient, city, trust, h: PeerHealth, mirror: bool = False
    ) -> None:
        origin = city.origin
        stored = self.ledger.latest_checkpoint(origin)
        # Ask "changed since?" only when everything the last checkpoint covers is held.
        followed = self.follows(city)
        h.followed = followed
        caught_up = stored is not None and (
            not followed or self.ledger.held_size(origin) >= stored.size
        )
        note, etag = peer.checkpoint_if_changed(self._etags.get(peer.prefix) if caught_up else None)
        if note is None:  # 304: the very checkpoint verified here last time, nothing to do
            if not mirror:
                h.city_answered(None)
            return
        try:
            cp = verify.open_member_checkpoint(note, city, trust)
        except verify.VerifyError as e:
            raise PeerDataError(peer.prefix, f"checkpoint refused: {e}") from None
        if mirror:
            h.saw_size(cp.size)
        else:
            h.city_answered(cp.size)
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
        if followed and self.ledger.held_size(origin) < cp.size:
            # New entries: the checkpoint is stored with the last chunk of them, so an
            # interrupted sync never leaves a checkpoint covering entries not held.
            self._fetch_entries(peer, cp, tiles, h)
        known = self.ledger.latest_checkpoint(origin)
        if known is None or known.size < cp.size:
            # The entries are held already (an earlier pass, or another writer).
            if self.ledger.save_checkpoint(origin, cp, expected_size=known.size if known else 0):
                self._checkpoint_stored(cp, peer)
        elif known.size == cp.size:
            # Only new or refreshed cosignatures: an idle pass must not write.
            fresh = {k: v for k, v in cp.cosigners.items() if known.cosigners.get(k) != v}
            if fresh:
                self.ledger.add_cosignatures(origin, cp.size, fresh)
        self._index_pending(origin, self.ledger.held_size(origin))
        if etag:
            self._etags[peer.prefix] = etag  # verified and held: a 304 may skip it next time

    def _checkpoint_stored(self, cp, peer: PeerClient) -> None:
        self.bus.emit(
            ev.CHECKPOINT, cp.origin, size=cp.size, cosignatures=len(cp.cosigners), peer=peer.prefix
        )

    def _gossip_due(self, city, h: PeerHealth) -> bool:
        """After each new checkpoint of the city (a split view shows then), and now and then."""
        now = time.monotonic()
        when, size = self._last_gossip.get(city.origin, (-1e9, -1))
        if size == h.peer_size and now - when < self.gossip_interval:
            return False
        self._last_gossip[city.origin] = (now, h.peer_size or 0)
        return True

    def _gossip(self, city, trust, h: PeerHealth) -> None:
        """Compare the city's checkpoint as another member mirrors it with ours: a split
        view (a different tree shown to that member) is fork evidence too."""
        now = time.time()
        mirrors = [
            m
            for m in mirror_prefixes(trust, city.origin, self.ledger.own_origin)
            if not self._endpoint(m[0]).backed_off(now)
        ]
        if not mirrors:
            return
        url, prefix = self._rng.choice(mirrors)
        peer = PeerClient(prefix, self.http)
        try:
            cp = verify.open_member_checkpoint(peer.checkpoint(), city, trust)
        except PeerUnavailable as e:
            self._call_failed(url, e)
            return
        except (PeerError, verify.VerifyError):
            return  # a mirror that is down or not holding the log yet proves nothing
        self._endpoint(url).answered()
        h.saw_size(cp.size)
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
        # This city's own workers: a peer trickling its bundles keeps only them busy.
        with (
            ThreadPoolExecutor(1, thread_name_prefix="sync-verify") as prep,
            ThreadPoolExecutor(self.fetch_concurrency, thread_name_prefix="sync-fetch") as fetch,
        ):
            self._fetch_chunks(peer, cp, tiles, h, held, prep, fetch)

    def _fetch_chunks(self, peer, cp, tiles, h, held, prep, fetch) -> None:
        origin, total = cp.origin, cp.size
        # A bulk catch-up stores verified blobs first and folds the codes index after, in
        # larger transactions; a small increment is indexed in the same transaction.
        inline_index = total - held <= BULK_ENTRIES
        pending: Future[_Chunk] | None = prep.submit(
            self._prepare_chunk, peer, cp, tiles, held, fetch
        )
        while pending is not None:
            chunk = pending.result()  # raises the chunk's PeerDataError: nothing stored
            pending = (
                prep.submit(self._prepare_chunk, peer, cp, tiles, chunk.new_size, fetch)
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
                    checkpoint=cp if chunk.new_size == total else None,
                )
            except BaseException:
                if pending is not None:
                    pending.cancel()
                raise
            if chunk.new_size == total:
                self._checkpoint_stored(cp, peer)
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

    def _prepare_chunk(self, peer: PeerClient, cp, tiles, held: int, fetch) -> _Chunk:
        """Fetch the bundles after `held` (one chunk) and verify them against cp."""
        total = cp.size
        first = held // TILE_WIDTH
        last = (total - 1) // TILE_WIDTH
        numbers = list(range(first, min(last + 1, first + CHUNK_BUNDLES)))
        widths = [min(TILE_WIDTH, total - n * TILE_WIDTH) for n in numbers]
        datas = list(fetch.map(lambda nw: peer.bundle(*nw), zip(numbers, widths)))
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


def _address(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


@dataclass
class _Chunk:
    entries: list[bytes]  # the new entries, from the held size on
    new_size: int
    root: bytes  # root of the log at new_size (authenticated)
    encoded: dict[int, bytes]  # bundle number -> bundle bytes as fetched (verified)
    tile_data: dict[tuple[int, int], bytes]
