"""The one sequencer of a city's own log.

Submissions wait in a pool; a worker thread takes a batch when `batch_size` entries are
waiting or `batch_delay` seconds after the first one arrived, validates every entry,
gives the valid ones indices, hashes them into tiles, folds them into the codes index,
signs the new checkpoint and commits all of it in ONE transaction guarded by a
compare-and-swap on the stored tree size. Only after the commit are the submitters'
futures resolved. A refused entry refuses only itself, with a reason.

The checkpoint is signed inside the transaction (and discarded if it rolls back), so a
stored checkpoint can never cover an entry that is not stored, and the log never has
committed entries without a checkpoint for them. It is published only after the commit.

If another process appended to the same log (the CAS fails), the batch is re-validated
against the new state and retried; the two writers never publish inconsistent trees.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa

from app.core.codes import parse_code
from app.core.errors import CoreError
from app.core.records import ASSET_TYPES, parse_entry, verify_entry_signature
from app.ledger import codes_index
from app.ledger.keys import KeyError_, verify_key
from app.ledger.schema import officials
from app.ledger.store import ConflictError, Store
from app.ledger.tilelog import TileLog

log = logging.getLogger(__name__)


class SubmissionRefused(ValueError):
    """The sequencer refused an entry; the message says why."""


class SequencerStopped(RuntimeError):
    pass


@dataclass(frozen=True)
class Receipt:
    """An acknowledged entry: its code (None for official records), index and the tree
    size of the checkpoint that covers it."""
    code: str | None
    index: int
    size: int


@dataclass
class _Pending:
    entry: bytes
    future: Future
    record: dict | None = None
    sig_ok: bool | None = None


class Sequencer:
    def __init__(self, store: Store, origin: str, city_code: str, admin_vkey: str,
                 sign_checkpoint: Callable[[int, bytes], bytes], batch_size: int = 1000,
                 batch_delay: float = 0.05,
                 on_checkpoint: Callable[[int, bytes], None] | None = None):
        self.store, self.origin, self.city_code = store, origin, city_code
        self.admin_vkey = admin_vkey
        self.admin_name = admin_vkey.split("+", 1)[0]
        self._sign_checkpoint = sign_checkpoint
        self.batch_size, self.batch_delay = batch_size, batch_delay
        self.on_checkpoint = on_checkpoint
        self._pool: queue.Queue[_Pending | None] = queue.Queue()
        self._tilelog: TileLog | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"sequencer {origin}",
                                        daemon=True)
        self._thread.start()

    # ---------------------------------------------------------------- submitting
    def submit(self, entry: bytes) -> Future:
        """Queue a signed entry; the future resolves to a Receipt or SubmissionRefused."""
        if self._stopping:
            raise SequencerStopped("the sequencer is stopped")
        fut: Future = Future()
        self._pool.put(_Pending(bytes(entry), fut))
        return fut

    def submit_many(self, entries) -> list[Future]:
        return [self.submit(e) for e in entries]

    def stop(self, timeout: float = 30.0) -> None:
        """Sequence what is already queued, then stop the worker."""
        if not self._stopping:
            self._stopping = True
            self._pool.put(None)
        self._thread.join(timeout)

    # ---------------------------------------------------------------- worker
    def _take_batch(self) -> tuple[list[_Pending], bool]:
        first = self._pool.get()
        if first is None:
            return [], True
        batch, deadline = [first], time.monotonic() + self.batch_delay
        while len(batch) < self.batch_size:
            try:
                item = self._pool.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _run(self) -> None:
        done = False
        while not done:
            batch, done = self._take_batch()
            if batch:
                try:
                    self._sequence(batch)
                except Exception as exc:  # a broken database must not hang submitters
                    log.exception("sequencing a batch of %d failed", len(batch))
                    for p in batch:
                        if not p.future.done():
                            p.future.set_exception(exc)
        # anything queued after the stop marker is refused, not left hanging
        while True:
            try:
                item = self._pool.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item.future.set_exception(SequencerStopped("the sequencer stopped"))

    def _sequence(self, batch: list[_Pending]) -> None:
        for p in batch:
            try:
                p.record = parse_entry(p.entry)
            except CoreError as exc:
                p.future.set_exception(SubmissionRefused(f"malformed entry: {exc}"))
        live = [p for p in batch if not p.future.done()]
        for attempt in range(5):
            try:
                try:
                    receipts, size, note = self._commit(live)
                except sa.exc.IntegrityError as exc:  # a concurrent writer got a key first
                    raise ConflictError(str(exc.orig)) from exc
                break
            except ConflictError:
                log.warning("log %s moved under the sequencer; reloading (attempt %d)",
                            self.origin, attempt + 1)
                self._tilelog = None
        else:
            raise ConflictError(f"log {self.origin}: gave up after 5 conflicting writers")
        for p, outcome in receipts:
            if isinstance(outcome, Exception):
                p.future.set_exception(outcome)
            else:
                p.future.set_result(outcome)
        if note is not None and self.on_checkpoint:
            try:
                self.on_checkpoint(size, note)
            except Exception:
                log.exception("checkpoint listener failed")

    def _commit(self, batch: list[_Pending]):
        with self.store.write() as conn:
            tl = self._load(conn)
            old_size = tl.size
            code_rows = codes_index.load_rows(conn, {p.record.get("code") for p in batch
                                                     if p.record.get("code")})
            offs = {r.name: dict(r._mapping) for r in conn.execute(
                sa.select(officials).where(officials.c.origin == self.origin))}
            changed_codes: dict[str, dict] = {}
            changed_offs: dict[str, dict] = {}
            accepted: list[bytes] = []
            outcomes: list[tuple[_Pending, object]] = []
            for p in batch:
                index = old_size + len(accepted)
                try:
                    self._validate(p.record, index, code_rows, offs)
                except SubmissionRefused as exc:
                    outcomes.append((p, exc))
                    continue
                rec = p.record
                if rec["type"] in ASSET_TYPES:
                    row = codes_index.fold(code_rows.get(rec["code"]), rec, index, self.origin)
                    code_rows[rec["code"]] = changed_codes[rec["code"]] = row
                else:
                    row = codes_index.fold_official(offs, rec, index, self.origin)
                    changed_offs[row["name"]] = row
                accepted.append(p.entry)
                outcomes.append((p, index))
            if not accepted:
                return [(p, o) for p, o in outcomes], old_size, None
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
                self.store.compare_and_swap(conn, self.origin, old_size, new_size, root,
                                            b"".join(tl.frontier))
            except BaseException:
                self._tilelog = None  # memory ran ahead of the rolled-back database
                raise
        out = []
        for p, o in outcomes:
            if isinstance(o, Exception):
                out.append((p, o))
            else:
                out.append((p, Receipt(p.record.get("code"), o, new_size)))
        return out, new_size, note

    def _load(self, conn) -> TileLog:
        size = self.store.stored_size(conn, self.origin, lock=True)
        if self._tilelog is None or self._tilelog.size != size:
            self._tilelog = TileLog(*self.store.log_state(conn, self.origin))
        return self._tilelog

    # ---------------------------------------------------------------- validation
    def _validate(self, rec: dict, index: int, code_rows: dict, offs: dict) -> None:
        kind = rec["type"]
        if kind in ASSET_TYPES:
            code = parse_code(rec["code"])
            if code.city != self.city_code:
                raise SubmissionRefused(f"code {rec['code']} belongs to city {code.city}; this "
                                        f"log sequences city {self.city_code}")
            name = rec["official"]
            off = offs.get(name)
            if off is None:
                raise SubmissionRefused(f"official {name!r} is not registered in {self.origin}")
            if not codes_index.official_active(off, index):
                raise SubmissionRefused(f"official {name!r} was revoked at index "
                                        f"{off['revoked_index']} and may not sign at {index}")
            self._check_signature(rec, off["vkey"], name)
            state = code_rows.get(rec["code"])
            if kind == "issue":
                if state is not None:
                    raise SubmissionRefused(f"code {rec['code']} already exists (index "
                                            f"{state['first_index']} of {state['origin']})")
                return
            if state is None or state["origin"] != self.origin:
                raise SubmissionRefused(f"{kind} of unknown code {rec['code']}")
            if state["status"] == "revoked":
                raise SubmissionRefused(f"code {rec['code']} was revoked at index "
                                        f"{state['latest_index']}; no further records")
            if rec["prev"] != state["latest_index"]:
                raise SubmissionRefused(f"{kind} of {rec['code']} has prev {rec['prev']}, but "
                                        f"the code's latest record is index "
                                        f"{state['latest_index']}")
            return
        # official-add / official-revoke: signed by the city's admin key
        if rec["official"] != self.admin_name:
            raise SubmissionRefused(f"{kind} must be signed by the admin key "
                                    f"{self.admin_name!r}, not {rec['official']!r}")
        self._check_signature(rec, self.admin_vkey, self.admin_name)
        subject = rec["subject"]["name"]
        existing = offs.get(subject)
        if kind == "official-add":
            if existing is not None:
                raise SubmissionRefused(f"official {subject!r} was already registered at "
                                        f"index {existing['added_index']}")
            if rec["prev"] is not None:
                raise SubmissionRefused("official-add has prev null")
            try:
                verify_key(rec["subject"]["key"])
            except KeyError_ as exc:
                raise SubmissionRefused(f"official {subject!r}: {exc}") from None
            return
        if existing is None or existing["revoked_index"] is not None:
            raise SubmissionRefused(f"official {subject!r} is not an active official")
        if rec["prev"] != existing["added_index"]:
            raise SubmissionRefused(f"official-revoke of {subject!r} has prev {rec['prev']}, "
                                    f"expected {existing['added_index']}")

    @staticmethod
    def _check_signature(rec: dict, vkey: str, name: str) -> None:
        try:
            key = verify_key(vkey)
        except KeyError_ as exc:
            raise SubmissionRefused(f"official {name!r} has an unusable key: {exc}") from None
        if not verify_entry_signature(rec, key):
            raise SubmissionRefused(f"entry signature does not verify with {name!r}'s key")

