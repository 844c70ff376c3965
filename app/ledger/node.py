"""The node service API used by the CLI, the network server and the UI worker thread.

A node is a data folder holding `node.json` (public configuration), `keys/` (encrypted
key files) and, by default, `ledger.sqlite3`; `db_url` selects PostgreSQL instead.
Reading (codes, history, tiles, checkpoints) works on a locked node; signing (issuing,
officials, checkpoints) needs `unlock(passphrase)` first. Every method may be called from
any thread; submissions from all threads meet in the log's single sequencer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

from app.core.checkpoint import Checkpoint
from app.core.codes import city_problem, make_code, parse_code
from app.core.cosignature import CosignatureSigner, generate_witness_key
from app.core.errors import CityLedgerError, CoreError, EntryError
from app.core.note import Signer, generate_key, sign_note
from app.core.records import (
    ENTRY_DOMAIN,
    MAX_ENTRY_BYTES,
    bound_geometry,
    canonical_json,
    insert_signature,
    sign_entry,
    split_signature,
    validate_record,
)
from app.core.tiles import TILE_WIDTH, Tile
from app.ledger import life
from app.ledger.codes_index import CodeState
from app.ledger.db import sqlite_url
from app.ledger.keys import signing_key
from app.ledger.keystore import Keystore, KeystoreError, check_official_name, write_private
from app.ledger.rules import official_active
from app.ledger.sequencer import Outcome, Receipt, Sequencer, Submission, SubmissionRefused
from app.ledger.signing_pool import SigningPool
from app.ledger.store import Store, StoredCheckpoint

__all__ = ["Node", "NodeError", "NodeLocked", "Receipt", "SubmissionRefused", "CodeState"]

CONFIG = "node.json"
DB_FILE = "ledger.sqlite3"
ORIGIN_PREFIX = "cityledger.example/"


class NodeError(CityLedgerError):
    """The node cannot do what was asked; the message says why."""


class NodeLocked(NodeError):
    pass


def _now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _unsigned(record: dict[str, Any]) -> bytes:
    """The canonical JSON of a record to sign, after core's checks (as sign_entry)."""
    validate_record(record, signed=False)
    return canonical_json(record)


# A chunk of records being signed: (records, their unsigned bytes, the pool's futures
# or None when signing falls back to this process).
_Pending = tuple[list[dict[str, Any]], list[bytes], list[Future[list[bytes]]] | None]


def _signed(
    pool: SigningPool,
    key: SigningKey,
    recs: list[dict[str, Any]],
    unsigned: list[bytes],
    futures: list[Future[list[bytes]]] | None,
) -> tuple[list[bytes], list[dict[str, Any]]]:
    """(entries, records with "sig") of a chunk signed in the pool, or here if the pool
    was unavailable or failed; the same bytes core's sign_entry makes."""
    sigs = None if futures is None else pool.signatures(futures)
    if sigs is None:
        sigs = [key.sign(ENTRY_DOMAIN + u).signature for u in unsigned]
    entries = []
    for rec, u, sig in zip(recs, unsigned, sigs):
        rec["sig"] = base64.b64encode(sig).decode("ascii")
        entry = insert_signature(u, rec, rec["sig"].encode("ascii"))
        if len(entry) > MAX_ENTRY_BYTES:
            raise EntryError(
                f"entry is {len(entry)} bytes; at most {MAX_ENTRY_BYTES} fit in "
                "a log entry — shorten attributes or simplify the geometry"
            )
        entries.append(entry)
    return entries, recs


def _tile_coords(tile: Tile | tuple[int, ...]) -> tuple[int, int, int | None]:
    """(level, n, width or None for a full tile) from a core Tile or a tuple."""
    if isinstance(tile, tuple):
        level, n, *w = tile
        width = w[0] if w else None
    else:
        level, n, width = tile.l, tile.n, getattr(tile, "w", None)
    return level, n, (None if width in (None, TILE_WIDTH) else width)


class Node:
    def __init__(
        self,
        data_dir: Path,
        config: dict[str, Any],
        store: Store,
        batch_size: int = 1000,
        batch_delay: float = 0.05,
    ):
        self.data_dir = Path(data_dir)
        self.config = config
        self.store = store
        self.keystore = Keystore(self.data_dir / "keys")
        self.batch_size, self.batch_delay = batch_size, batch_delay
        self._lock = threading.RLock()
        self._city_keys: dict[str, str] | None = None
        self._sequencer: Sequencer | None = None
        self._official_keys: dict[str, tuple[bytes, SigningKey]] = {}
        self._pass_salt = secrets.token_bytes(16)
        # worker processes for the Ed25519 work of large batches; started on first use
        self.signing_pool = SigningPool()
        # callables (size, note bytes) run on the sequencer thread after each commit (e.g.
        # to ask witnesses): keep them quick, hand slow work to another thread
        self.checkpoint_listeners: list[Callable[[int, bytes], None]] = []

    # ---------------------------------------------------------------- lifecycle
    @classmethod
    def create(
        cls,
        data_dir: str | Path,
        city_code: str,
        name_en: str,
        name_zh: str,
        passphrase: str,
        db_url: str | None = None,
        origin: str | None = None,
        **opts: Any,
    ) -> Node:
        """Make a new city node: keys (encrypted under `passphrase`), store, empty log
        with its first signed checkpoint (size 0). Refuses an existing node folder."""
        data_dir = Path(data_dir)
        problem = city_problem(city_code) if isinstance(city_code, str) else "not text"
        if problem:
            raise NodeError(f"invalid city code {city_code!r}: {problem}")
        if (data_dir / CONFIG).exists():
            raise NodeError(f"{data_dir} already holds a node; refusing to overwrite it")
        origin = origin or ORIGIN_PREFIX + city_code
        try:
            log_skey, log_vkey = generate_key(origin)
            wit_skey, wit_vkey = generate_witness_key(f"{origin}/witness")
            adm_skey, adm_vkey = generate_key(f"{origin}/admin")
        except CoreError as exc:
            raise NodeError(f"log origin {origin!r} cannot name a key: {exc}") from None
        data_dir.mkdir(parents=True, exist_ok=True)
        config = {
            "format": "cityledger-node/v1",
            "city_code": city_code,
            "origin": origin,
            "name_en": name_en,
            "name_zh": name_zh,
            "log_vkey": log_vkey,
            "witness_vkey": wit_vkey,
            "admin_vkey": adm_vkey,
        }
        if db_url:
            config["db_url"] = db_url
        keystore = Keystore(data_dir / "keys")
        if keystore.city_path().exists():
            raise NodeError(
                f"{keystore.city_path()} exists without a node.json; move it away "
                "before creating a new node here"
            )
        try:
            keystore.create_city(
                {"log": log_skey, "witness": wit_skey, "admin": adm_skey},
                {"log": log_vkey, "witness": wit_vkey, "admin": adm_vkey},
                passphrase,
            )
        except KeystoreError as exc:
            raise NodeError(str(exc)) from None
        try:
            store = Store(db_url or sqlite_url(data_dir / DB_FILE))
        except BaseException:
            keystore.city_path().unlink(missing_ok=True)  # a failed init leaves no keys
            raise
        try:
            if store.log_info(origin) is not None:
                raise NodeError(f"the database already holds a log {origin}")
            empty = Checkpoint(origin, 0, hashlib.sha256(b"").digest())
            note = sign_note(empty.to_text(), Signer.from_key(log_skey))
            with store.write() as conn:
                store.create_log(origin, "own", city_code, log_vkey, wit_vkey, adm_vkey, conn=conn)
                store.insert_checkpoint(conn, origin, 0, empty.root_hash, note)
        except BaseException:
            store.close()
            keystore.city_path().unlink(missing_ok=True)
            raise
        write_private(
            data_dir / CONFIG, json.dumps(config, indent=1, ensure_ascii=False).encode("utf-8")
        )
        os.chmod(data_dir / CONFIG, 0o644)
        node = cls(data_dir, config, store, **opts)
        node.unlock(passphrase)
        return node

    @classmethod
    def open(cls, data_dir: str | Path, db_url: str | None = None, **opts: Any) -> Node:
        data_dir = Path(data_dir)
        try:
            config = json.loads((data_dir / CONFIG).read_text("utf-8"))
        except FileNotFoundError:
            raise NodeError(f"no node in {data_dir} (run `cityledger init` first)") from None
        except (OSError, ValueError) as exc:
            raise NodeError(f"{data_dir / CONFIG} is unreadable: {exc}") from None
        url = db_url or config.get("db_url") or sqlite_url(data_dir / DB_FILE)
        store = Store(url)
        if store.log_info(config["origin"]) is None:
            store.close()
            raise NodeError(f"the database {url} holds no log {config['origin']}")
        return cls(data_dir, config, store, **opts)

    def unlock(self, passphrase: str) -> None:
        """Decrypt the city keys (KeystoreError/WrongPassphrase on a wrong passphrase)."""
        keys = self.keystore.unlock_city(passphrase)
        with self._lock:
            self._city_keys = keys

    @property
    def unlocked(self) -> bool:
        return self._city_keys is not None

    def close(self) -> None:
        with self._lock:
            if self._sequencer is not None:
                self._sequencer.stop()
                self._sequencer = None
            self.signing_pool.close()
            self._city_keys = None
            self._official_keys.clear()
        self.store.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- identity
    @property
    def origin(self) -> str:
        return str(self.config["origin"])

    @property
    def city_code(self) -> str:
        return str(self.config["city_code"])

    @property
    def name_en(self) -> str | None:
        return self.config.get("name_en")

    @property
    def name_zh(self) -> str | None:
        return self.config.get("name_zh")

    @property
    def log_vkey(self) -> str:
        return str(self.config["log_vkey"])

    @property
    def witness_vkey(self) -> str:
        return str(self.config["witness_vkey"])

    @property
    def admin_vkey(self) -> str:
        return str(self.config["admin_vkey"])

    @property
    def admin_name(self) -> str:
        return self.admin_vkey.split("+", 1)[0]

    def _city_key(self, role: str) -> str:
        keys = self._city_keys
        if keys is None:
            raise NodeLocked("the node is locked: unlock it with the node passphrase first")
        return keys[role]

    def log_signer(self) -> Signer:
        return Signer.from_key(self._city_key("log"))

    def witness_signer(self) -> CosignatureSigner:
        """The witness key (cosignature/v1) for co-signing other cities' checkpoints."""
        return CosignatureSigner.from_key(self._city_key("witness"))

    # ---------------------------------------------------------------- sequencing
    def _seq(self) -> Sequencer:
        with self._lock:
            if self._sequencer is None:
                signer = self.log_signer()
                origin = self.origin

                def sign_checkpoint(size: int, root: bytes) -> bytes:
                    return sign_note(Checkpoint(origin, size, root).to_text(), signer)

                self._sequencer = Sequencer(
                    self.store,
                    origin,
                    self.city_code,
                    self.admin_vkey,
                    sign_checkpoint,
                    self.batch_size,
                    self.batch_delay,
                    on_checkpoint=self._checkpoint_published,
                    signing_pool=self.signing_pool,
                )
            return self._sequencer

    def _checkpoint_published(self, size: int, note: bytes) -> None:
        for listener in list(self.checkpoint_listeners):
            listener(size, note)

    def submit(self, entry: bytes, timeout: float | None = 120) -> Receipt:
        """Sequence an already-signed entry; return its Receipt once committed
        (SubmissionRefused with the reason otherwise)."""
        return self._seq().submit(entry).result(timeout)

    def submit_many(self, entries: list[bytes], timeout: float | None = 600) -> list[Outcome]:
        """Sequence many entries; a list of Receipt or SubmissionRefused, in order."""
        return self._seq().submit_many(entries).wait(timeout)

    # ---------------------------------------------------------------- officials
    def add_official(self, name: str, official_passphrase: str) -> str:
        """Register a new official: key file under their passphrase + official-add entry
        signed by the admin key. Returns the official's verifier key."""
        try:
            check_official_name(name)
        except KeystoreError as exc:
            raise NodeError(str(exc)) from None
        known = next((o for o in self.store.officials(self.origin) if o["name"] == name), None)
        if known is not None:
            raise NodeError(
                f"official {name!r} was already registered at index "
                f"{known['added_index']}; names are never reused"
            )
        admin = signing_key(self._city_key("admin"))
        skey, vkey = generate_key(name)
        record = {
            "type": "official-add",
            "subject": {"name": name, "key": vkey},
            "time": _now_rfc3339(),
            "official": self.admin_name,
            "prev": None,
        }
        entry = sign_entry(record, admin)
        path = self.keystore.official_path(name)
        self.keystore.add_official(name, skey, vkey, official_passphrase)
        try:
            self.submit(entry)
        except BaseException:
            path.unlink(missing_ok=True)  # no orphan key for an official the log refused
            raise
        return vkey

    def revoke_official(self, name: str, reason: str = "revoked by the city") -> Receipt:
        row = next((o for o in self.officials() if o["name"] == name), None)
        if row is None:
            raise NodeError(f"no official {name!r} in {self.origin}")
        record = {
            "type": "official-revoke",
            "subject": {"name": name},
            "reason": reason,
            "time": _now_rfc3339(),
            "official": self.admin_name,
            "prev": row["added_index"],
        }
        return self.submit(sign_entry(record, signing_key(self._city_key("admin"))))

    def officials(self) -> list[dict[str, Any]]:
        """Officials of this city's log: name, vkey, added_index, revoked_index, active."""
        size = self.size()
        return [
            {**o, "active": official_active(o, size)} for o in self.store.officials(self.origin)
        ]

    def _official_key(self, official: str, passphrase: str) -> SigningKey:
        """The official's signing key; argon2id runs once per official and process, later
        calls check the passphrase against a salted digest kept in memory."""
        digest = hashlib.blake2b(passphrase.encode(), key=self._pass_salt).digest()
        with self._lock:
            cached = self._official_keys.get(official)
        if cached is not None:
            if not secrets.compare_digest(cached[0], digest):
                raise KeystoreError(f"wrong passphrase for official {official!r}")
            return cached[1]
        key = signing_key(self.keystore.unlock_official(official, passphrase))
        with self._lock:
            self._official_keys[official] = (digest, key)
        return key

    # ---------------------------------------------------------------- records
    def make_entry(self, official: str, official_passphrase: str, record: dict[str, Any]) -> bytes:
        """Sign `record` (without time/official: they are filled in) as `official`."""
        key = self._official_key(official, official_passphrase)
        return sign_entry({**record, "time": _now_rfc3339(), "official": official}, key)

    def issue_record(
        self,
        asset_class: str,
        name: str,
        geometry: dict[str, Any] | None,
        attributes: Mapping[str, Any] | None = None,
        owner: str | None = None,
        code: str | None = None,
    ) -> dict[str, Any]:
        """The unsigned issue record for a new code (a fresh random serial unless given)."""
        c = parse_code(code) if code else make_code(self.city_code, asset_class)
        rec: dict[str, Any] = {
            "type": "issue",
            "code": str(c),
            "prev": None,
            "asset": {
                "class": c.asset_class,
                "name": name,
                "geometry": bound_geometry(geometry) if geometry else None,
                "attributes": dict(attributes or {}),
            },
        }
        if rec["asset"]["geometry"] is None:
            raise NodeError("an issued asset needs a geometry")
        if owner:
            rec["owner"] = owner
        return rec

    def issue(
        self,
        official: str,
        official_passphrase: str,
        asset_class: str,
        name: str,
        geometry: dict[str, Any] | None,
        attributes: Mapping[str, Any] | None = None,
        owner: str | None = None,
        code: str | None = None,
    ) -> Receipt:
        rec = self.issue_record(asset_class, name, geometry, attributes, owner, code)
        return self.submit(self.make_entry(official, official_passphrase, rec))

    def issue_many(
        self,
        official: str,
        official_passphrase: str,
        items: Iterable[Mapping[str, Any]],
        timeout: float | None = 600,
    ) -> list[Outcome]:
        """Issue one code per item (dict with asset_class, name, geometry, attributes?,
        owner?, code?); returns Receipt or SubmissionRefused per item, in order.

        Entries are signed and handed to the sequencer chunk by chunk, so signing the
        next chunk overlaps with sequencing the previous one. Chunks of at least the
        signing pool's threshold are signed in its worker processes while the next chunk
        is being built."""
        key = self._official_key(official, official_passphrase)
        seq, pool = self._seq(), self.signing_pool
        groups: list[Submission] = []
        pending: _Pending | None = None  # a chunk whose signatures are made in the pool
        chunk: list[dict[str, Any]] = []

        def flush(recs: list[dict[str, Any]]) -> None:
            nonlocal pending
            now = _now_rfc3339()  # one timestamp per chunk: the records are issued together
            for rec in recs:
                rec["time"], rec["official"] = now, official
            if pending is None and not pool.worth_it(len(recs)):
                entries = []
                for rec in recs:
                    entry = sign_entry(rec, key)  # validates the record (core)
                    rec["sig"] = split_signature(entry)[1]
                    entries.append(entry)
                groups.append(seq.submit_many(entries, recs))
                return
            unsigned = [_unsigned(rec) for rec in recs]
            futures = pool.sign_later(bytes(key), [ENTRY_DOMAIN + u for u in unsigned])
            if pending is not None:
                groups.append(seq.submit_many(*_signed(pool, key, *pending)))
            pending = (recs, unsigned, futures)

        for it in items:
            chunk.append(
                self.issue_record(
                    it["asset_class"],
                    it["name"],
                    it["geometry"],
                    it.get("attributes"),
                    it.get("owner"),
                    it.get("code"),
                )
            )
            if len(chunk) == self.batch_size:
                flush(chunk)
                chunk = []
        if chunk:
            flush(chunk)
        if pending is not None:
            groups.append(seq.submit_many(*_signed(pool, key, *pending)))
        return [r for g in groups for r in g.wait(timeout)]

    def _current(self, code: str) -> CodeState:
        try:
            canonical = str(parse_code(code))
        except CoreError as exc:
            raise NodeError(str(exc)) from None
        state = self.store.code_state(canonical)
        if state is None or state.origin != self.origin:
            raise NodeError(f"code {canonical} is not in this city's log")
        return state

    def change_record(
        self, change: life.Change, official: str | None = None
    ) -> dict[str, Any] | life.Done | life.NotApplicable:
        """The unsigned record of a later change to a code (app/ledger/life.py), or why
        none is needed (Done: the log already says it) or possible here."""
        try:
            canonical = str(parse_code(change.code))
        except CoreError as exc:
            return life.NotApplicable(change.code, life.UNKNOWN_CODE, str(exc))
        state = self.store.code_state(canonical)
        if state is None:
            hint = " (sync the city that transferred it first)" * (change.kind == life.TRANSFER_IN)
            return life.NotApplicable(canonical, life.UNKNOWN_CODE, "no such code here" + hint)
        if change.kind == life.TRANSFER_IN:
            if state.origin == self.origin and state.status != "transferred":
                first = json.loads(self.store.entry(state.origin, state.first_index))
                if first.get("type") == life.TRANSFER_IN:  # taken over by an earlier run
                    return life.Done(canonical, state.first_index)
                return life.NotApplicable(canonical, life.NOT_MOVING_HERE, "issued here")
            if state.status != "transferred" or state.moved_to != self.city_code:
                return life.NotApplicable(
                    canonical,
                    life.NOT_MOVING_HERE,
                    f"{state.origin} has not transferred it to city {self.city_code}",
                )
        elif state.origin != self.origin:
            return life.NotApplicable(canonical, life.NOT_HERE, f"held by {state.origin}")
        if change.kind == life.UPDATE and not change.members:
            return life.NotApplicable(canonical, life.NO_CHANGE, "nothing to update")
        record = life.record_for(state, change, self.origin)
        if change.kind != life.TRANSFER_IN:
            latest = json.loads(self.store.entry(state.origin, state.latest_index))
            if life.already_done(state, latest, record, official, _now_rfc3339()[:10]):
                return life.Done(canonical, state.latest_index)
        return record

    def change(self, official: str, official_passphrase: str, change: life.Change) -> Receipt:
        """Sign and sequence one change (NodeError if none is possible or needed)."""
        record = self.change_record(change, official)
        if isinstance(record, life.NotApplicable):
            raise NodeError(str(record))
        if isinstance(record, life.Done):
            raise NodeError(
                f"{record.code}: the log already holds this change (index {record.index})"
            )
        return self.submit(self.make_entry(official, official_passphrase, record))

    def change_many(
        self,
        official: str,
        official_passphrase: str,
        changes: Iterable[life.Change],
        timeout: float | None = 600,
    ) -> list[Outcome | life.Done | life.NotApplicable]:
        """Many changes, in order: Receipt, SubmissionRefused, Done (already in the log:
        a batch run again) or NotApplicable per change. A code takes one change per call
        (each record names the code's latest record as its prev)."""
        key = self._official_key(official, official_passphrase)
        out: list[Outcome | life.Done | life.NotApplicable | None] = []
        entries: list[bytes] = []
        slots: list[int] = []
        seen: set[str] = set()
        now = _now_rfc3339()
        for change in changes:
            record = self.change_record(change, official)
            if isinstance(record, dict):
                if record["code"] in seen:
                    out.append(
                        life.NotApplicable(
                            record["code"], life.NO_CHANGE, "second change in a batch"
                        )
                    )
                    continue
                seen.add(record["code"])
                entries.append(sign_entry({**record, "time": now, "official": official}, key))
                slots.append(len(out))
                out.append(None)
            else:
                out.append(record)
        for slot, outcome in zip(slots, self.submit_many(entries, timeout) if entries else []):
            out[slot] = outcome
        return [o for o in out if o is not None]

    def update(
        self,
        official: str,
        official_passphrase: str,
        code: str,
        name: str | None = None,
        geometry: dict[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
        service: str | None = None,
    ) -> Receipt:
        members = life.update_members(name, geometry, attributes, service)
        if not members:
            raise NodeError("an update needs a new name, geometry, attributes or service status")
        return self.change(official, official_passphrase, life.Change(life.UPDATE, code, members))

    def inspect(
        self,
        official: str,
        official_passphrase: str,
        code: str,
        grade: int,
        note: str,
        attachments: list[str] | None = None,
    ) -> Receipt:
        members = life.inspection_members(grade, note, attachments)
        return self.change(official, official_passphrase, life.Change(life.INSPECT, code, members))

    def transfer(self, official: str, official_passphrase: str, code: str, owner: str) -> Receipt:
        change = life.Change(life.TRANSFER, code, {"owner": owner})
        return self.change(official, official_passphrase, change)

    def transfer_out(
        self, official: str, official_passphrase: str, code: str, to_city: str
    ) -> Receipt:
        change = life.Change(life.TRANSFER_OUT, code, {"to": to_city})
        return self.change(official, official_passphrase, change)

    def transfer_in(self, official: str, official_passphrase: str, code: str) -> Receipt:
        """Take over a code another member city transferred to this one (its transfer-out
        must be in this node's replica of that city's log)."""
        return self.change(official, official_passphrase, life.Change(life.TRANSFER_IN, code))

    def revoke(self, official: str, official_passphrase: str, code: str, reason: str) -> Receipt:
        change = life.Change(life.REVOKE, code, {"reason": reason})
        return self.change(official, official_passphrase, change)

    def queue_entry(self, entry: bytes, code: str | None = None) -> int:
        """Keep a signed entry in the durable outbox (for a remote sequencer)."""
        return self.store.outbox_add(self.origin, code, entry)

    # ---------------------------------------------------------------- reading
    def size(self, origin: str | None = None) -> int:
        info = self.store.log_info(origin or self.origin)
        return 0 if info is None else info.size

    def latest_checkpoint(self, origin: str | None = None) -> StoredCheckpoint | None:
        return self.store.latest_checkpoint(origin or self.origin)

    def checkpoint_note(self, origin: str | None = None) -> bytes:
        """The latest signed checkpoint of a log, with every stored cosignature."""
        cp = self.latest_checkpoint(origin)
        if cp is None:
            raise NodeError(f"no checkpoint of {origin or self.origin} is stored")
        return cp.with_cosignatures()

    def code_state(self, code: str) -> CodeState | None:
        try:
            canonical = str(parse_code(code))
        except CoreError:
            return None
        return self.store.code_state(canonical)

    def history(self, code: str) -> list[tuple[int, dict[str, Any]]]:
        """Every record of `code`, oldest first, following the `prev` chain (indices of
        records in the log that held the code then: see `chain` for their origins)."""
        return [(index, rec) for _, index, rec in self.chain(code)]

    def chain(self, code: str) -> list[tuple[str, int, dict[str, Any]]]:
        """(origin, index, record) of every record of `code`, oldest first (life.chain)."""
        state = self.code_state(code)
        return [] if state is None else life.chain(self.store, state)

    def read_tile(self, origin: str, tile: Tile | tuple[int, ...]) -> bytes | None:
        """Serve a hash tile: `tile` is a core Tile (l, n, w) or a (level, n[, width]) tuple."""
        level, n, width = _tile_coords(tile)
        return self.store.read_tile(origin, level, n, width)

    def read_entries(self, origin: str, n: int, w: int | None = None) -> bytes | None:
        """Serve entry bundle `n` (first `w` entries for a partial bundle)."""
        return self.store.read_entry_bundle(origin, n, None if w in (None, TILE_WIDTH) else w)

    def codes_in_bbox(
        self,
        minx: float,
        miny: float,
        maxx: float,
        maxy: float,
        origin: str | None = None,
        limit: int | None = None,
    ) -> list[CodeState]:
        return self.store.codes_in_bbox(minx, miny, maxx, maxy, origin, limit)

    def list_codes(self, **filters: Any) -> list[CodeState]:
        return self.store.list_codes(**filters)

    def code_counts(self, origin: str | None = None) -> dict[tuple[str, str], int]:
        return self.store.code_counts(origin)

    def recent_codes(self, limit: int = 20, origin: str | None = None) -> list[CodeState]:
        return self.store.list_codes(origin=origin, limit=limit)
