"""The one sequencer of a city's own log.

Submissions first pass a verifier thread (parse, Ed25519 signature against the cached
key of the named official: PyNaCl releases the GIL, so this runs beside the database
work; a large group's signatures go to the node's signing-pool worker processes), then
wait in a queue; the sequencer thread takes a batch when `batch_size` entries
are waiting or `batch_delay` seconds after the first one arrived, validates every entry,
gives the valid ones indices, hashes them into tiles, folds them into the codes index,
signs the new checkpoint and commits all of it in ONE transaction guarded by a
compare-and-swap on the stored tree size (the log row is also locked FOR UPDATE on
PostgreSQL; SQLite write transactions are BEGIN IMMEDIATE). Only after the commit are the
submissions resolved. A refused entry refuses only itself, with a reason.

The checkpoint is signed inside the transaction (and discarded if it rolls back), so a
stored checkpoint can never cover an entry that is not stored, and the log never has
committed entries without a checkpoint for them. It is published only after the commit.

Every batch ends with one more entry the sequencer makes itself, the code-map entry
(app/core/records.make_map_entry): the root of the log's code map after the batch, so the
last entry under every checkpoint commits the state of every code (docs/architecture.md,
"A verifiable code index"). The map is kept in memory, built from the log at the first
batch, and carried forward by the rules like the codes index.

If another process appended to the same log (the CAS fails), the batch is re-validated
against the new state and retried; the two writers never publish inconsistent trees.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from nacl.exceptions import BadSignatureError

from app.core.code_map import CodeMap
from app.core.errors import CityLedgerError
from app.core.records import (
    ASSET_TYPES,
    ENTRY_DOMAIN,
    MAP_TYPE,
    make_map_entry,
    parse_entry,
    split_signature,
)
from app.ledger import rules
from app.ledger.keys import UnusableKeyError, verify_key
from app.ledger.map_state import build_map
from app.ledger.signing_pool import SigningPool, signature_valid
from app.ledger.store import ConflictError, Store
from app.ledger.tilelog import TileLog

log = logging.getLogger(__name__)


class SubmissionRefused(CityLedgerError, ValueError):
    """The sequencer refused an entry; the message says why, `rule` names the rule
    (app.ledger.rules) it breaks."""

    def __init__(self, message: str, rule: str = rules.RECORD_SYNTAX):
        super().__init__(message)
        self.rule = rule


class SequencerStopped(CityLedgerError, RuntimeError):
    pass


@dataclass(frozen=True)
class Receipt:
    """An acknowledged entry: its code (None for official records), index and the tree
    size of the checkpoint that covers it."""

    code: str | None
    index: int
    size: int


# What a submitted entry comes to: its Receipt, or why not (SubmissionRefused, or the
# error that stopped the sequencer).
Outcome = Receipt | BaseException


class Submission:
    """Entries submitted together; `wait` returns a Receipt or SubmissionRefused for each,
    in order, once every one of them has been committed or refused."""

    def __init__(self, entries: list[bytes]):
        self.entries = entries
        self.pending: list[_Pending] = []
        self.records: list[dict[str, Any]] | None = None
        # signatures being checked in the signing pool:
        # (futures, [(pending, vkey, item)], entries per future)
        self.checks: tuple[list[Future[bytes]], list[_Deferred], int] | None = None
        self.results: list[Outcome | None] = [None] * len(entries)
        self._left = len(entries)
        self._done = threading.Event()
        if not entries:
            self._done.set()

    def _resolve(self, i: int, outcome: Outcome) -> None:
        self.results[i] = outcome
        self._left -= 1  # only the sequencer thread resolves
        if self._left == 0:
            self._done.set()

    def _fail_rest(self, exc: BaseException) -> None:
        for i, r in enumerate(self.results):
            if r is None:
                self._resolve(i, exc)

    def wait(self, timeout: float | None = None) -> list[Outcome]:
        if not self._done.wait(timeout):
            raise TimeoutError(
                f"{self._left} of {len(self.entries)} entries still waiting for the sequencer"
            )
        return [r for r in self.results if r is not None]  # done: every one is resolved

    def result(self, timeout: float | None = None) -> Receipt:
        """The single entry's Receipt (raises its SubmissionRefused)."""
        (outcome,) = self.wait(timeout)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@dataclass
class _Pending:
    group: Submission
    i: int
    entry: bytes
    record: dict[str, Any] | None = None
    outcome: Outcome | None = None
    verified: tuple[str, bool] | None = None  # (verifier key, signature valid)

    @property
    def parsed(self) -> dict[str, Any]:
        """The record; only entries that parsed reach the rules and the commit."""
        if self.record is None:
            raise RuntimeError(f"entry {self.i} of its group was never parsed")
        return self.record


# A signature left to the signing pool: (pending, verifier key, (raw key, message, sig)).
_Deferred = tuple[_Pending, str, tuple[bytes, bytes, bytes]]


class Sequencer:
    def __init__(
        self,
        store: Store,
        origin: str,
        city_code: str,
        admin_vkey: str,
        sign_checkpoint: Callable[[int, bytes], bytes],
        batch_size: int = 1000,
        batch_delay: float = 0.05,
        on_checkpoint: Callable[[int, bytes], None] | None = None,
        signing_pool: SigningPool | None = None,
    ):
        self.store, self.origin, self.city_code = store, origin, city_code
        self.admin_vkey = admin_vkey
        self.admin_name = admin_vkey.split("+", 1)[0]
        self._sign_checkpoint = sign_checkpoint
        self.batch_size, self.batch_delay = batch_size, batch_delay
        self.on_checkpoint = on_checkpoint
        self.signing_pool = signing_pool
        self._incoming: queue.Queue[Submission | None] = queue.Queue()
        self._pool: queue.Queue[Submission | None] = queue.Queue()
        self._tilelog: TileLog | None = None
        self._map: tuple[int, CodeMap] | None = None  # (log size, its code map)
        self._stopping = False
        # official name -> verifier key; names are never reused, so a cached key stays right
        self._vkeys: dict[str, str] = {self.admin_name: admin_vkey}
        with store.read() as conn:
            self._vkeys.update(
                (name, row["vkey"]) for name, row in store.official_rows(conn, origin).items()
            )
        self._verifier = threading.Thread(
            target=self._verify_loop, daemon=True, name=f"entry verifier {origin}"
        )
        self._thread = threading.Thread(target=self._run, name=f"sequencer {origin}", daemon=True)
        self._verifier.start()
        self._thread.start()

    # ---------------------------------------------------------------- submitting
    def submit(self, entry: bytes) -> Submission:
        """Queue one signed entry; `.result()` gives its Receipt or raises the refusal."""
        return self.submit_many([entry])

    def submit_many(
        self, entries: Iterable[bytes], records: list[dict[str, Any]] | None = None
    ) -> Submission:
        """Queue signed entries as one group (sequenced in order, possibly over batches).

        `records` may carry the parsed records of entries this process built and
        validated itself with core's sign_entry (the Node's issuing path); they skip
        re-parsing. Signatures and every state check still run for each entry."""
        if self._stopping:
            raise SequencerStopped("the sequencer is stopped")
        group = Submission([bytes(e) for e in entries])
        if records is not None:
            if len(records) != len(group.entries):
                raise ValueError("records must match entries one to one")
            group.records = records
        if group.entries:
            self._incoming.put(group)
        return group

    def stop(self, timeout: float = 30.0) -> None:
        """Sequence what is already queued, then stop the worker."""
        if not self._stopping:
            self._stopping = True
            self._incoming.put(None)
        self._verifier.join(timeout)
        self._thread.join(timeout)

    def _verify_loop(self) -> None:
        """Parse entries and check signatures ahead of the sequencer, in its own thread:
        Ed25519 verification releases the GIL, so it overlaps with the sequencer's
        database work on a second core. A group large enough for the signing pool has its
        signatures checked in the pool's worker processes instead (the hand-offs of the
        GIL between this thread and the others cost as much as the verification); the
        sequencer collects the verdicts when it takes the group."""
        while True:
            group = self._incoming.get()
            if group is not None:
                recs: Sequence[dict[str, Any] | None]
                if group.records:
                    recs = group.records
                else:
                    recs = [None] * len(group.entries)
                pool = self.signing_pool
                defer: list[_Deferred] | None = (
                    [] if pool is not None and pool.worth_it(len(group.entries)) else None
                )
                group.pending = [
                    self._preverify(group, i, e, r, defer)
                    for i, (e, r) in enumerate(zip(group.entries, recs))
                ]
                if defer and pool is not None:
                    futures = pool.verify([item for _, _, item in defer])
                    if futures is None:  # no pool after all: check them here
                        for p, vkey, item in defer:
                            p.verified = (vkey, signature_valid(*item))
                    else:
                        group.checks = (futures, defer, pool.chunk)
            self._pool.put(group)
            if group is None:
                return

    def _preverify(
        self,
        group: Submission,
        i: int,
        entry: bytes,
        record: dict[str, Any] | None,
        defer: list[_Deferred] | None = None,
    ) -> _Pending:
        """Parse the entry and check its signature against the cached key of its
        official; with `defer`, append (pending, vkey, (raw key, message, signature))
        there instead of checking, for the signing pool."""
        p = _Pending(group, i, entry, record)
        if record is None:
            parsed = rules.parse(entry)
            if isinstance(parsed, rules.Refusal):
                p.outcome = SubmissionRefused(parsed.reason, parsed.rule)
                return p
            p.record = parsed
        if p.parsed["type"] == MAP_TYPE:
            p.outcome = SubmissionRefused(
                "a code-map entry is made by the sequencer at the end of a batch; it "
                "cannot be submitted",
                rules.MAP_SUBMITTED,
            )
            return p
        late = rules.entry_time(p.parsed, time.time())
        if late is not None:  # judged at submission only: a replica's clock is later
            p.outcome = SubmissionRefused(late.reason, late.rule)
            return p
        vkey = self._vkeys.get(p.parsed["official"])
        if vkey is not None:
            try:
                key = verify_key(vkey)
            except UnusableKeyError:
                return p  # the sequencer reports the unusable key
            try:
                sig = base64.b64decode(p.parsed["sig"], validate=True)
            except (binascii.Error, ValueError):
                p.verified = (vkey, False)
                return p
            item = (bytes(key), _signed_message(p), sig)
            if defer is not None:
                defer.append((p, vkey, item))
            else:
                p.verified = (vkey, signature_valid(*item))
        return p

    def _collect_checks(self, group: Submission) -> None:
        """Wait for the pool's verdicts on a group's signatures. If the pool failed,
        those entries keep `verified` None and are checked in-process (_signature_ok)."""
        checks, group.checks = group.checks, None
        if checks is None:
            return
        futures, defer, chunk = checks
        for k, future in enumerate(futures):
            try:
                bits = future.result()
            except Exception:
                log.warning("signing pool failed; verifying in-process", exc_info=True)
                if self.signing_pool is not None:
                    self.signing_pool.mark_broken()
                continue
            for (p, vkey, _), ok in zip(defer[k * chunk : (k + 1) * chunk], bits):
                p.verified = (vkey, ok == 1)

    # ---------------------------------------------------------------- worker
    def _take_batch(self) -> tuple[list[_Pending], bool]:
        """Pending entries of whole groups: at least one group, then more until
        batch_size entries or batch_delay seconds (a large group is one batch)."""
        first = self._pool.get()
        if first is None:
            return [], True
        groups, count = [first], len(first.entries)
        deadline = time.monotonic() + self.batch_delay
        stop = False
        while count < self.batch_size:
            try:
                item = self._pool.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is None:
                stop = True
                break
            groups.append(item)
            count += len(item.entries)
        for g in groups:
            self._collect_checks(g)
        return [p for g in groups for p in g.pending], stop

    def _run(self) -> None:
        done = False
        while not done:
            batch, done = self._take_batch()
            for i in range(0, len(batch), self.batch_size):
                part = batch[i : i + self.batch_size]
                try:
                    self._sequence(part)
                except Exception as exc:  # a broken database must not hang submitters
                    log.exception("sequencing a batch of %d failed", len(part))
                    for p in part:
                        if p.outcome is None:
                            p.outcome = exc
                for p in part:
                    p.group._resolve(p.i, p.outcome or RuntimeError("left unsequenced"))
        # anything queued after the stop marker is refused, not left hanging
        while True:
            try:
                item = self._pool.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item._fail_rest(SequencerStopped("the sequencer stopped"))

    def _sequence(self, batch: list[_Pending]) -> None:
        live = [p for p in batch if p.outcome is None]
        for attempt in range(5):
            try:
                try:
                    size, note = self._commit(live)
                except sa.exc.IntegrityError as exc:  # a concurrent writer got a key first
                    raise ConflictError(str(exc.orig)) from exc
                break
            except ConflictError:
                log.warning(
                    "log %s moved under the sequencer; reloading (attempt %d)",
                    self.origin,
                    attempt + 1,
                )
                self._tilelog = None
                for p in live:
                    p.outcome = None
        else:
            raise ConflictError(f"log {self.origin}: gave up after 5 conflicting writers")
        if note is not None and self.on_checkpoint:
            try:
                self.on_checkpoint(size, note)
            except Exception:
                log.exception("checkpoint listener failed")

    def _commit(self, batch: list[_Pending]) -> tuple[int, bytes | None]:
        with self.store.write() as conn:
            tl = self._load(conn)
            old_size = tl.size
            code_rows = self.store.load_code_rows(
                conn, {p.parsed["code"] for p in batch if p.parsed.get("code")}
            )
            offs = self.store.official_rows(conn, self.origin)
            ctx = rules.LogContext(self.origin, self.city_code, self.admin_vkey)
            state = rules.LedgerState(code_rows, offs, self.store.transfer_source(conn))
            state.code_map = self._code_map(old_size)
            changed_codes: dict[str, dict[str, Any]] = {}
            changed_offs: dict[str, dict[str, Any]] = {}
            accepted: list[bytes] = []
            indexed: list[tuple[_Pending, int]] = []
            for p in batch:
                index = old_size + len(accepted)
                row = rules.apply(
                    ctx, state, p.parsed, index, functools.partial(self._signature_ok, p)
                )
                if isinstance(row, rules.Refusal):
                    p.outcome = SubmissionRefused(row.reason, row.rule)
                    continue
                if p.parsed["type"] in ASSET_TYPES:
                    changed_codes[row["code"]] = row
                else:
                    changed_offs[row["name"]] = row
                    self._vkeys.setdefault(row["name"], row["vkey"])
                accepted.append(p.entry)
                indexed.append((p, index))
            if not accepted:
                return old_size, None
            index = old_size + len(accepted)
            map_entry = make_map_entry(state.map_root(), index)
            refusal = rules.apply(ctx, state, parse_entry(map_entry), index)
            if isinstance(refusal, rules.Refusal):  # a bug here, never the submitters'
                raise RuntimeError(f"own code-map entry refused: {refusal.reason}")
            accepted.append(map_entry)
            try:
                tile_rows, bundle_rows = tl.append(accepted)
            except BaseException:
                self._tilelog = None
                raise
            new_size, root = tl.size, tl.root()
            try:
                self.store.write_tiles(conn, self.origin, tile_rows, bundle_rows)
                self.store.upsert_codes(conn, list(changed_codes.values()))
                self.store.upsert_officials(conn, list(changed_offs.values()))
                note = self._sign_checkpoint(new_size, root)
                self.store.insert_checkpoint(conn, self.origin, new_size, root, note)
                self.store.compare_and_swap(
                    conn, self.origin, old_size, new_size, root, b"".join(tl.frontier), indexed=True
                )
            except BaseException:
                self._tilelog = None  # memory ran ahead of the rolled-back database
                raise
        self._map = (new_size, state.code_map)
        self.store.map_cache.put(self.origin, new_size, state.code_map)  # for proof bundles
        for p, index in indexed:
            p.outcome = Receipt(p.parsed.get("code"), index, new_size)
        return new_size, note

    def _code_map(self, size: int) -> CodeMap:
        """A copy of the log's map after entries [0, size) (built from the stored log
        when the one kept is not of that size: first batch, or another writer)."""
        if self._map is None or self._map[0] != size:
            held = self.store.map_cache.peek(self.origin, size)
            built = held or build_map(self.store.bundle_rows, self.origin, size)
            self._map = (size, built)
        return self._map[1].copy()

    def _load(self, conn: sa.Connection) -> TileLog:
        size = self.store.stored_size(conn, self.origin, lock=True)
        if self._tilelog is None or self._tilelog.size != size:
            self._tilelog = TileLog(*self.store.log_state(conn, self.origin))
        return self._tilelog

    def _signature_ok(self, p: _Pending, vkey: str) -> bool:
        """The entry's signature checked against `vkey` (the verdict of the verifier
        thread or the signing pool when it was for the same key)."""
        if p.verified is not None and p.verified[0] == vkey:
            return p.verified[1]
        try:
            key = verify_key(vkey)
            key.verify(_signed_message(p), base64.b64decode(p.parsed["sig"], validate=True))
        except (UnusableKeyError, BadSignatureError, binascii.Error, ValueError):
            return False
        return True


def _signed_message(p: _Pending) -> bytes:
    """ENTRY_DOMAIN + canonical JSON of the record without "sig", cut from the entry bytes
    (parse_entry has checked they are the record's canonical JSON) without re-encoding."""
    return ENTRY_DOMAIN + split_signature(p.entry)[0]
