"""Witnessing (C2SP tlog-witness v1.0.0), both sides.

- WitnessService answers `POST /add-checkpoint` from other member cities: it co-signs a
  checkpoint only if it is consistent with the latest one this node witnessed for that
  log and commits the right code map (app/net/witness_map.py: 422 with the reason
  otherwise, 503 while the entries cannot be read), and the check and the save are one
  atomic step (a per-origin lock in the process and a compare-and-swap on the witnessed
  size in the database). What it witnessed is kept apart from the replica (issue 10): a
  replica's checkpoint is stored only with the entries it covers.
- CosignCollector asks every other member city to co-sign this node's latest checkpoint,
  rebuilding the consistency proof from the size a witness reports in a 409, and stores
  the cosignatures so `/checkpoint` publishes them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait

from app.core import merkle
from app.core import note as _note
from app.ledger.trust import TrustFile, witness_verifier, witnesses_for
from app.net import events as ev
from app.net import verify
from app.net.client import PeerClient, PeerError, new_http_client, normalize_prefix
from app.net.health import backoff_delay
from app.net.server import Reply
from app.net.witness_map import EntriesUnavailable, WitnessMaps

log = logging.getLogger(__name__)

SIZE_TYPE = "text/x.tlog.size"
IDLE_RECHECK = 30.0  # seconds between looks at a fully co-signed checkpoint
QUORUM_RECHECK = 5.0  # ... at one that has its quorum but lacks some witnesses


def _text(status: int, message: str) -> Reply:
    return Reply(status, (message.rstrip("\n") + "\n").encode())


def _conflict(size: int) -> Reply:
    return Reply(409, f"{size}\n".encode(), SIZE_TYPE)


def open_pushed_checkpoint(note: bytes, own_origin: str | None, trust):
    """(city, checkpoint) of a note a member pushed here (add-checkpoint, announce), or a
    refusal with tlog-witness's status: 404 an origin that is not another member's, 403 no
    valid signature of its log key (none at all included), 400 malformed."""
    try:
        origin = verify.checkpoint_origin(note)
    except verify.VerifyError as e:
        return None, _text(400, str(e))
    city = trust.city_for_origin(origin) if trust else None
    if city is None or origin == own_origin:
        return None, _text(404, f"unknown log origin {origin[:100]!r}")
    try:
        return (city, verify.open_member_checkpoint(note, city, trust)), None
    except verify.BadSignature as e:
        return None, _text(403, str(e))
    except verify.VerifyError as e:
        return None, _text(400, str(e))


class WitnessService:
    def __init__(
        self,
        ledger,
        trust_provider: Callable[[], TrustFile | None],
        cosigner,
        bus: ev.EventBus | None = None,
        on_new_checkpoint: Callable[[str], None] | None = None,
    ):
        self.ledger = ledger
        self.trust_provider = trust_provider
        self.cosigner = cosigner
        self.bus = bus or ev.EventBus()
        self.on_new_checkpoint = on_new_checkpoint
        self.maps = WitnessMaps(ledger)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def close(self) -> None:
        """Cancel the witness's reads of cities' entries in flight (node stopping)."""
        self.maps.close()

    def _lock(self, origin: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(origin, threading.Lock())

    def __call__(self, body: bytes) -> Reply:
        try:
            return self.add_checkpoint(body)
        except Exception as e:  # a bug must not leave the request hanging or leak a trace
            log.exception("add-checkpoint failed")
            return _text(500, f"internal error: {type(e).__name__}")

    def add_checkpoint(self, body: bytes) -> Reply:
        try:
            req = verify.parse_add_checkpoint(body)
        except verify.VerifyError as e:
            return _text(400, str(e))
        trust = self.trust_provider()
        opened, refusal = open_pushed_checkpoint(req.note, self.ledger.own_origin, trust)
        if opened is None:
            return refusal
        city, cp = opened
        origin = cp.origin
        if req.old_size > cp.size:
            return _text(
                400, f"old size {req.old_size} is larger than the checkpoint size {cp.size}"
            )
        evidence = self.ledger.fork_evidence(origin)
        if evidence:
            return _text(
                422,
                f"fork evidence #{evidence[0]['id']} for {origin} is unresolved; "
                "this witness co-signs nothing of that log until it is",
            )
        self.ledger.ensure_replica(city)
        with self._lock(origin):
            witnessed = self.ledger.witnessed(origin)
            if witnessed is not None:
                current, current_root, current_note = (
                    witnessed.size,
                    witnessed.root_hash,
                    witnessed.note,
                )
            else:
                # never witnessed: go on from the replica's verified state (an upgrade
                # keeps what it checked before), else from the empty log
                stored = self.ledger.latest_checkpoint(origin)
                current = stored.size if stored else 0
                current_root = stored.root if stored else merkle.root_of([])
                current_note = stored.log_note if stored else b""
            if req.old_size != current:
                return _conflict(current)
            if cp.size == current and current and cp.root != current_root:
                self._fork(
                    origin,
                    current_note,
                    cp.log_note,
                    f"add-checkpoint: two checkpoints of size {cp.size} with different roots",
                )
                return _conflict(current)
            if cp.size > current:
                if current == 0:
                    if req.proof:
                        return _text(422, "the consistency proof must be empty when old is 0")
                elif not verify.check_consistency(
                    req.proof, cp.size, cp.root, current, current_root
                ):
                    self.bus.emit(
                        ev.ALERT,
                        origin,
                        level="warning",
                        message=f"add-checkpoint: consistency proof from {current} "
                        f"to {cp.size} does not verify",
                    )
                    return _text(
                        422, f"consistency proof from {current} to {cp.size} does not verify"
                    )
            try:
                wrong, code_map = self.maps.check(city, cp, current, current_root)
            except EntriesUnavailable as e:
                return _text(503, f"cannot check the code map yet: {e}")
            if wrong is not None:
                self.bus.emit(
                    ev.ALERT,
                    origin,
                    level="critical",
                    message=f"refused to co-sign checkpoint {cp.size} of {origin}: {wrong}",
                )
                return _text(422, f"checkpoint {cp.size} commits a wrong code map: {wrong}")
            lines = verify.cosignature_lines(cp.body, self.cosigner)
            if not self.ledger.save_witnessed(
                origin,
                cp,
                lines.decode(),
                expected_size=None if witnessed is None else witnessed.size,
            ):
                latest = self.ledger.witnessed(origin)
                return _conflict(latest.size if latest else 0)
            self.maps.remember(origin, cp.size, code_map)
        self.bus.emit(
            ev.CHECKPOINT,
            origin,
            size=cp.size,
            cosignatures=len(cp.cosigners) + 1,
            via="add-checkpoint",
        )
        if self.on_new_checkpoint:
            self.on_new_checkpoint(origin)
        return Reply(200, lines)

    def _fork(self, origin, note_a, note_b, detail):
        evidence_id = self.ledger.add_evidence(origin, "fork", note_a, note_b, detail)
        self.bus.emit(
            ev.ALERT,
            origin,
            level="critical",
            evidence_id=evidence_id,
            message=f"FORK of {origin}: {detail}; evidence #{evidence_id} stored",
        )


class CosignCollector:
    """Gets this node's latest checkpoint co-signed by the other member cities.

    Every witness is asked in its own worker, with a total deadline per call: a round
    returns as soon as the quorum is in, and answers that come later are still stored
    (they make the checkpoint stronger). A witness that failed is asked again after a
    back-off with jitter; one already being asked is not asked twice.
    """

    def __init__(
        self,
        ledger,
        trust_provider: Callable[[], TrustFile | None],
        bus: ev.EventBus | None = None,
        http=None,
        interval: float = 0.5,
        workers: int = 16,
    ):
        self.ledger = ledger
        self.trust_provider = trust_provider
        self.bus = bus or ev.EventBus()
        self._own_http = http is None
        self.http = http or new_http_client()
        self.interval = interval
        self.witness_sizes: dict[str, int] = {}  # witness city -> size it last accepted
        self.errors: dict[str, str] = {}
        self._failures: dict[str, int] = {}  # witness city -> failed asks in a row
        self._asked: dict[str, tuple[int, float]] = {}
        self._inflight: dict[str, Future] = {}  # witness city -> its ask in progress
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="cosign")
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._missing = 1  # witnesses whose cosignature the latest checkpoint lacks
        self._quorum_met = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="cosign", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop promptly: asks in flight are cancelled, not waited for."""
        self._stop.set()
        self._kick.set()
        if self._own_http:
            self.http.close()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._pool.shutdown(wait=True, cancel_futures=True)

    def kick(self) -> None:
        """A new own checkpoint: start a round now."""
        self._kick.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once(wait=0)
            except Exception:
                log.exception("cosignature round failed")
            # Fully co-signed: nothing to do until the next checkpoint (kick) bar a rare
            # look; else retry soon (each witness has its own back-off besides).
            if not self._missing:
                wait = IDLE_RECHECK
            else:  # a quorum in hand leaves the missing ones to their back-off
                wait = QUORUM_RECHECK if self._quorum_met else self.interval
            self._kick.wait(wait)
            self._kick.clear()

    def run_once(self, force: bool = False, wait: float | None = None) -> int:
        """Ask every witness that has not co-signed the latest checkpoint; returns the
        number of cosignatures as soon as the quorum is in, every ask has ended, or `wait`
        seconds (None: no limit beyond the calls' own deadlines) have passed."""
        own = self.ledger.own_origin
        stored = self.ledger.latest_checkpoint(own)
        trust = self.trust_provider()
        if stored is None or stored.size == 0 or trust is None or self._stop.is_set():
            return len(stored.cosigners) if stored else 0
        asks = self._start_asks(trust, stored, force)
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            latest = self.ledger.latest_checkpoint(own)
            count = len(latest.cosigners) if latest and latest.size == stored.size else 0
            pending = [f for f in asks if not f.done()]
            self._quorum_met = count >= trust.quorum
            if count >= trust.quorum or not pending:
                return count
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return count
            futures_wait(pending, timeout=left, return_when=FIRST_COMPLETED)

    def _start_asks(self, trust, stored, force: bool) -> list[Future]:
        now = time.time()
        asks = []
        with self._lock:
            witnesses = witnesses_for(self.ledger.own_origin, trust)
            self._missing = sum(c.witness_key_name not in stored.cosigners for c in witnesses)
            for city in witnesses:
                running = self._inflight.get(city.code)
                if running is not None and not running.done():
                    asks.append(running)  # its answer counts for this round too
                    continue
                if city.witness_key_name in stored.cosigners and not force:
                    continue
                size, when = self._asked.get(city.code, (-1, 0.0))
                # Back off per witness: ask again for the same size only now and then.
                if not force and size == stored.size and now - when < self._retry_after(city):
                    continue
                self._asked[city.code] = (stored.size, now)
                try:
                    future = self._pool.submit(self._ask_counted, city, stored)
                except RuntimeError:  # shut down: the node is stopping
                    break
                self._inflight[city.code] = future
                asks.append(future)
        return asks

    def _retry_after(self, city) -> float:
        failures = self._failures.get(city.code, 0)
        return 2.0 if not failures else max(2.0, backoff_delay(failures))

    def _ask_counted(self, city, stored) -> bool:
        ok = False
        try:
            ok = self._ask(city, stored)
            return ok
        finally:
            self._failures[city.code] = 0 if ok else self._failures.get(city.code, 0) + 1

    def _ask(self, city, stored) -> bool:
        verifier = witness_verifier(city.witness_vkey)
        for prefix in city.endpoints:
            peer = PeerClient(normalize_prefix(prefix), self.http)
            try:
                if self._ask_one(peer, city, stored, verifier):
                    self.errors.pop(city.code, None)
                    return True
                return False
            except PeerError as e:
                self.errors[city.code] = str(e)
        return False

    def _ask_one(self, peer, city, stored, verifier) -> bool:
        old = min(self.witness_sizes.get(city.code, 0), stored.size)
        for _ in range(3):
            proof = verify.consistency_proof(stored.size, old, self.ledger.own_hash_reader())
            body = verify.encode_add_checkpoint(old, proof, stored.log_note)
            resp = peer.add_checkpoint(body)
            ctype = resp.headers.get("content-type", "")
            if resp.status_code == 200:
                return self._accept(city, stored, resp.body, verifier)
            if resp.status_code == 409 and ctype.startswith("text/x.tlog.size"):
                text = resp.text.strip()
                if not text.isdigit():
                    raise PeerError(
                        peer.prefix, f"409 with a malformed size {text[:40]!r}", retry=False
                    )
                reported = int(text)
                self.witness_sizes[city.code] = reported
                if reported > stored.size:
                    self._alert(
                        city,
                        f"witness {city.code} has seen our log at size "
                        f"{reported}, larger than our {stored.size}",
                    )
                    return False
                if reported == old:
                    # Same size, different root: the witness holds another tree of ours.
                    self._alert(
                        city,
                        f"witness {city.code} holds a different checkpoint "
                        f"of our log at size {reported}",
                    )
                    return False
                old = reported
                continue
            message = (
                f"witness {city.code} refused (HTTP {resp.status_code}): {resp.text.strip()[:300]}"
            )
            if resp.status_code in (409, 422):  # 422: same size, different root (newer spec)
                self._alert(city, message)
            else:
                self.errors[city.code] = message
            return False
        return False

    def _accept(self, city, stored, lines: bytes, verifier) -> bool:
        try:
            opened = _note.open_note(stored.log_note + lines, [verifier])
        except ValueError as e:
            self.errors[city.code] = f"witness {city.code} returned an invalid cosignature: {e}"
            return False
        got = {s.name: s.line() for s in opened.sigs if s.name == city.witness_key_name}
        if not got:
            self.errors[city.code] = f"witness {city.code} returned no cosignature of its key"
            return False
        self.witness_sizes[city.code] = stored.size
        self.ledger.add_cosignatures(self.ledger.own_origin, stored.size, got)
        self.bus.emit(ev.COSIGNED, self.ledger.own_origin, witness=city.code, size=stored.size)
        return True

    def _alert(self, city, message: str) -> None:
        repeated = self.errors.get(city.code) == message
        self.errors[city.code] = message
        if repeated:
            return  # said once; the retry loop must not flood the wall with the same alert
        self.bus.emit(
            ev.ALERT, self.ledger.own_origin, level="critical", message=message, witness=city.code
        )
