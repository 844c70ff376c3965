"""The node's durable store: every log it holds (its own and replicas), keyed by origin.

Reads used for serving (tiles, entry bundles, checkpoints) are plain row reads; nothing is
recomputed. Writes that grow a log go through a compare-and-swap on `logs.size` inside the
same transaction as the tiles, bundles and codes index rows, so a log is always exactly as
large as its stored hashes and entries, and two writers can never interleave.

For the net helper (replication and serving), the entry points are:
  ensure_replica(origin, ...)          register another city's log
  append_replica(origin, ...)          store a verified checkpoint + entry bundles + tiles
  index_replica(origin)                fold stored replica entries into the codes index
  record_checkpoint(origin, ...)       store a verified checkpoint without entries
  read_tile / read_entry_bundle        serve tlog-tiles paths (None = not held)
  latest_checkpoint / checkpoint       signed notes, with cosignatures
  add_cosignature, add_evidence, resolve_evidence, peer_update, outbox_*
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa

from app.ledger import codes_index
from app.ledger.codes_index import CodeState
from app.ledger.db import StoreError, make_engine, migrate, read_tx, upsert, write_tx
from app.ledger.schema import (
    checkpoints,
    codes,
    cosignatures,
    entry_bundles,
    evidence,
    logs,
    officials,
    outbox,
    peers,
    tiles,
)
from app.ledger.tilelog import (
    EMPTY_ROOT,
    HASH_SIZE,
    TILE_WIDTH,
    bundle_prefix,
    bundle_width,
    decode_entries,
    partial_tile_coords,
)


class ConflictError(StoreError):
    """Another writer changed the log first (the compare-and-swap on its size failed)."""


@dataclass(frozen=True)
class LogInfo:
    origin: str
    kind: str
    city_code: str | None
    size: int
    root_hash: bytes
    log_vkey: str | None
    witness_vkey: str | None
    admin_vkey: str | None
    indexed_size: int = 0


@dataclass(frozen=True)
class StoredCheckpoint:
    origin: str
    size: int
    root_hash: bytes
    note: bytes  # as signed by the log key
    cosignatures: tuple[str, ...] = ()  # signature lines, "— name base64"

    def with_cosignatures(self) -> bytes:
        """The note with every stored cosignature line appended (C2SP signed-note)."""
        if not self.cosignatures:
            return self.note
        return self.note + "".join(line.rstrip("\n") + "\n" for line in self.cosignatures).encode(
            "utf-8"
        )


def _now() -> float:
    return time.time()


class Store:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        try:
            migrate(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open the store at {url}: {exc}") from None
        self._bundle_cache: OrderedDict[tuple[str, int], list[bytes]] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def write(self):
        """A write transaction context (BEGIN IMMEDIATE on SQLite)."""
        return write_tx(self.engine)

    def read(self):
        return read_tx(self.engine)

    # ---------------------------------------------------------------- logs
    def create_log(
        self,
        origin: str,
        kind: str,
        city_code: str | None = None,
        log_vkey: str | None = None,
        witness_vkey: str | None = None,
        admin_vkey: str | None = None,
        conn: sa.Connection | None = None,
    ) -> None:
        row = {
            "origin": origin,
            "kind": kind,
            "city_code": city_code,
            "size": 0,
            "indexed_size": 0,
            "root_hash": EMPTY_ROOT,
            "frontier": b"",
            "log_vkey": log_vkey,
            "witness_vkey": witness_vkey,
            "admin_vkey": admin_vkey,
            "updated_at": _now(),
        }
        if conn is not None:
            conn.execute(sa.insert(logs), row)
            return
        with self.write() as c:
            c.execute(sa.insert(logs), row)

    def ensure_replica(
        self,
        origin: str,
        city_code: str | None,
        log_vkey: str | None,
        witness_vkey: str | None = None,
    ) -> LogInfo:
        """Register another city's log (idempotent; updates keys on rotation)."""
        with self.write() as conn:
            row = conn.execute(sa.select(logs.c.kind).where(logs.c.origin == origin)).first()
            if row is None:
                self.create_log(origin, "replica", city_code, log_vkey, witness_vkey, conn=conn)
            elif row.kind != "replica":
                raise StoreError(f"{origin} is this node's own log, not a replica")
            else:
                conn.execute(
                    sa.update(logs)
                    .where(logs.c.origin == origin)
                    .values(city_code=city_code, log_vkey=log_vkey, witness_vkey=witness_vkey)
                )
        return self.log_info(origin)

    def log_info(self, origin: str) -> LogInfo | None:
        with self.read() as conn:
            row = conn.execute(sa.select(logs).where(logs.c.origin == origin)).first()
        return None if row is None else self._log(row)

    def logs(self) -> list[LogInfo]:
        with self.read() as conn:
            return [self._log(r) for r in conn.execute(sa.select(logs).order_by(logs.c.origin))]

    @staticmethod
    def _log(row) -> LogInfo:
        return LogInfo(
            row.origin,
            row.kind,
            row.city_code,
            row.size,
            bytes(row.root_hash),
            row.log_vkey,
            row.witness_vkey,
            row.admin_vkey,
            row.indexed_size,
        )

    def log_state(self, conn: sa.Connection, origin: str):
        """(size, frontier hashes, partial tiles {level: data}, partial bundle entries)."""
        row = conn.execute(
            sa.select(logs.c.size, logs.c.frontier).where(logs.c.origin == origin)
        ).first()
        if row is None:
            raise StoreError(f"no log {origin!r} in this store")
        size, blob = row.size, bytes(row.frontier)
        frontier = [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
        partial = {}
        for level, n, width in partial_tile_coords(size):
            data = self._tile_row(conn, origin, level, n)
            if data is None or len(data) < width * HASH_SIZE:
                raise StoreError(f"log {origin}: tile {level}/{n} missing or short for size {size}")
            partial[level] = data[: width * HASH_SIZE]
        bundle: list[bytes] = []
        if size % TILE_WIDTH:
            data = self._bundle_row(conn, origin, size // TILE_WIDTH)
            bundle = decode_entries(data or b"")[: size % TILE_WIDTH]
            if len(bundle) != size % TILE_WIDTH:
                raise StoreError(f"log {origin}: entry bundle {size // TILE_WIDTH} is short")
        return size, frontier, partial, bundle

    @staticmethod
    def stored_size(conn: sa.Connection, origin: str, lock: bool = False) -> int:
        """The log's stored size; with lock, its row stays locked until the transaction
        ends (PostgreSQL FOR UPDATE; SQLite write transactions already hold the lock)."""
        q = sa.select(logs.c.size).where(logs.c.origin == origin)
        size = conn.execute(q.with_for_update() if lock else q).scalar()
        if size is None:
            raise StoreError(f"no log {origin!r} in this store")
        return size

    @staticmethod
    def upsert_codes(conn: sa.Connection, rows: list[dict]) -> None:
        upsert(conn, codes, rows, ["code"])

    @staticmethod
    def upsert_officials(conn: sa.Connection, rows: list[dict]) -> None:
        upsert(conn, officials, rows, ["origin", "name"])

    def compare_and_swap(
        self,
        conn: sa.Connection,
        origin: str,
        old_size: int,
        new_size: int,
        root: bytes,
        frontier: bytes | None = None,
        indexed: bool = False,
    ) -> None:
        """Publish a new size for `origin` iff it is still `old_size`; else ConflictError.
        With indexed, the codes index is also declared folded up to `new_size`."""
        values = {"size": new_size, "root_hash": root, "updated_at": _now()}
        if frontier is not None:
            values["frontier"] = frontier
        if indexed:
            values["indexed_size"] = new_size
        res = conn.execute(
            sa.update(logs).where(logs.c.origin == origin, logs.c.size == old_size).values(**values)
        )
        if res.rowcount != 1:
            raise ConflictError(
                f"log {origin} is no longer at size {old_size}: another writer appended first"
            )

    def write_tiles(
        self,
        conn,
        origin: str,
        tile_rows: dict[tuple[int, int], bytes],
        bundle_rows: dict[int, bytes],
    ) -> None:
        upsert(
            conn,
            tiles,
            [
                {"origin": origin, "level": lvl, "n": n, "width": len(d) // HASH_SIZE, "data": d}
                for (lvl, n), d in tile_rows.items()
            ],
            ["origin", "level", "n"],
        )
        upsert(
            conn,
            entry_bundles,
            [
                {"origin": origin, "n": n, "width": bundle_width(d), "data": d}
                for n, d in bundle_rows.items()
            ],
            ["origin", "n"],
        )
        with self._cache_lock:
            for n in bundle_rows:
                self._bundle_cache.pop((origin, n), None)

    # ---------------------------------------------------------------- serving
    @staticmethod
    def _tile_row(conn, origin, level, n) -> bytes | None:
        row = conn.execute(
            sa.select(tiles.c.data).where(
                tiles.c.origin == origin, tiles.c.level == level, tiles.c.n == n
            )
        ).first()
        return None if row is None else bytes(row.data)

    @staticmethod
    def _bundle_row(conn, origin, n) -> bytes | None:
        row = conn.execute(
            sa.select(entry_bundles.c.data).where(
                entry_bundles.c.origin == origin, entry_bundles.c.n == n
            )
        ).first()
        return None if row is None else bytes(row.data)

    def read_tile(self, origin: str, level: int, n: int, width: int | None = None) -> bytes | None:
        """Hash tile `level/n` (full, or its first `width` hashes); None if not held."""
        with self.read() as conn:
            data = self._tile_row(conn, origin, level, n)
        if data is None:
            return None
        if width is None:
            return data if len(data) == TILE_WIDTH * HASH_SIZE else None
        return data[: width * HASH_SIZE] if len(data) >= width * HASH_SIZE else None

    def read_entry_bundle(self, origin: str, n: int, width: int | None = None) -> bytes | None:
        """Entry bundle `n` (full, or its first `width` entries); None if not held."""
        with self.read() as conn:
            data = self._bundle_row(conn, origin, n)
        if data is None:
            return None
        return bundle_prefix(data, TILE_WIDTH if width is None else width)

    def entry(self, origin: str, index: int) -> bytes:
        """The entry at `index` of `origin` (IndexError if the store does not hold it)."""
        n, i = divmod(index, TILE_WIDTH)
        key = (origin, n)
        with self._cache_lock:
            cached = self._bundle_cache.get(key)
            if cached is not None:
                self._bundle_cache.move_to_end(key)
        if cached is None or i >= len(cached):
            with self.read() as conn:
                data = self._bundle_row(conn, origin, n)
            cached = decode_entries(data) if data else []
            with self._cache_lock:
                self._bundle_cache[key] = cached
                while len(self._bundle_cache) > 64:
                    self._bundle_cache.popitem(last=False)
        if i >= len(cached):
            raise IndexError(f"log {origin} has no stored entry {index}")
        return cached[i]

    def entries(self, origin: str, start: int, stop: int) -> list[bytes]:
        """Entries [start, stop) of `origin`, read bundle by bundle."""
        out: list[bytes] = []
        with self.read() as conn:
            rows = conn.execute(
                sa.select(entry_bundles.c.n, entry_bundles.c.data)
                .where(
                    entry_bundles.c.origin == origin,
                    entry_bundles.c.n >= start // TILE_WIDTH,
                    entry_bundles.c.n <= max(stop - 1, 0) // TILE_WIDTH,
                )
                .order_by(entry_bundles.c.n)
            )
            for row in rows:
                base = row.n * TILE_WIDTH
                for j, e in enumerate(decode_entries(bytes(row.data))):
                    if start <= base + j < stop:
                        out.append(e)
        if len(out) != max(stop - start, 0):
            raise IndexError(f"log {origin} holds only {len(out)} of entries [{start}, {stop})")
        return out

    # ---------------------------------------------------------------- checkpoints
    def insert_checkpoint(self, conn, origin: str, size: int, root: bytes, note: bytes) -> None:
        conn.execute(
            sa.insert(checkpoints),
            {"origin": origin, "size": size, "root_hash": root, "note": note, "created_at": _now()},
        )

    def latest_checkpoint(self, origin: str) -> StoredCheckpoint | None:
        with self.read() as conn:
            row = conn.execute(
                sa.select(checkpoints)
                .where(checkpoints.c.origin == origin)
                .order_by(checkpoints.c.size.desc())
                .limit(1)
            ).first()
            return None if row is None else self._checkpoint(conn, row)

    def checkpoint(self, origin: str, size: int) -> StoredCheckpoint | None:
        with self.read() as conn:
            row = conn.execute(
                sa.select(checkpoints).where(
                    checkpoints.c.origin == origin, checkpoints.c.size == size
                )
            ).first()
            return None if row is None else self._checkpoint(conn, row)

    def checkpoints(self, origin: str) -> list[StoredCheckpoint]:
        with self.read() as conn:
            rows = conn.execute(
                sa.select(checkpoints)
                .where(checkpoints.c.origin == origin)
                .order_by(checkpoints.c.size)
            ).all()
            return [self._checkpoint(conn, r) for r in rows]

    def _checkpoint(self, conn, row) -> StoredCheckpoint:
        lines = (
            conn.execute(
                sa.select(cosignatures.c.line)
                .where(cosignatures.c.origin == row.origin, cosignatures.c.size == row.size)
                .order_by(cosignatures.c.witness)
            )
            .scalars()
            .all()
        )
        return StoredCheckpoint(
            row.origin, row.size, bytes(row.root_hash), bytes(row.note), tuple(lines)
        )

    def add_cosignature(
        self, origin: str, size: int, witness: str, line: str, timestamp: int | None = None
    ) -> None:
        """Store (or refresh) one witness's cosignature line for checkpoint `size`.

        The caller verifies it; a newer timestamp from the same witness replaces the old."""
        with self.write() as conn:
            if (
                conn.execute(
                    sa.select(checkpoints.c.size).where(
                        checkpoints.c.origin == origin, checkpoints.c.size == size
                    )
                ).first()
                is None
            ):
                raise StoreError(f"no checkpoint of {origin} at size {size} to cosign")
            upsert(
                conn,
                cosignatures,
                [
                    {
                        "origin": origin,
                        "size": size,
                        "witness": witness,
                        "line": line,
                        "timestamp": timestamp,
                        "received_at": _now(),
                    }
                ],
                ["origin", "size", "witness"],
            )

    def record_checkpoint(self, origin: str, size: int, root: bytes, note: bytes) -> bool:
        """Store a verified checkpoint of a replica without its entries; False if known."""
        with self.write() as conn:
            if conn.execute(
                sa.select(checkpoints.c.size).where(
                    checkpoints.c.origin == origin, checkpoints.c.size == size
                )
            ).first():
                return False
            self.insert_checkpoint(conn, origin, size, root, note)
            return True

    # ---------------------------------------------------------------- replicas
    def append_replica(
        self,
        origin: str,
        old_size: int,
        size: int,
        root: bytes,
        note: bytes,
        bundles: dict[int, bytes],
        tile_data: dict[tuple[int, int], bytes],
        index_codes: bool = True,
    ) -> None:
        """Store a replica's growth from `old_size` to `size` in one transaction.

        The caller (sync) has verified `note` (the checkpoint for `size` with `root`), that
        `tile_data` ({(level, n): hashes}) is consistent with it and that the entries in
        `bundles` ({n: encoded bundle}) hash to the level-0 tiles. Bundles must cover the
        entries [old_size, size); bundles or tiles may be wider versions of stored ones.
        The log's size moves by compare-and-swap (ConflictError if it is not `old_size`).

        With index_codes the new entries are folded into the codes/officials index in
        the same transaction. For bulk catch-up pass index_codes=False and call
        `index_replica` afterwards (e.g. from a background thread): storing stays a
        blob copy, and the index catches up in chunks (LogInfo.indexed_size says how far).
        """
        if size < old_size:
            raise StoreError(f"replica {origin}: new size {size} is below {old_size}")
        have = 0
        for n, data in bundles.items():
            width = bundle_width(data)
            have += max(0, min(size, n * TILE_WIDTH + width) - max(old_size, n * TILE_WIDTH))
        if have != size - old_size:
            raise StoreError(
                f"replica {origin}: bundles hold {have} of the "
                f"{size - old_size} new entries [{old_size}, {size})"
            )
        with self.write() as conn:
            self.write_tiles(conn, origin, tile_data, bundles)
            if (
                conn.execute(
                    sa.select(checkpoints.c.size).where(
                        checkpoints.c.origin == origin, checkpoints.c.size == size
                    )
                ).first()
                is None
            ):
                self.insert_checkpoint(conn, origin, size, root, note)
            self.compare_and_swap(conn, origin, old_size, size, root)
            if index_codes:
                indexed = conn.execute(
                    sa.select(logs.c.indexed_size).where(logs.c.origin == origin)
                ).scalar()
                self._index_range(conn, origin, indexed, size)

    def index_replica(self, origin: str, chunk: int = 65536) -> int:
        """Fold stored but not yet indexed entries of `origin` into the codes index, one
        transaction per `chunk` entries; returns the new indexed size (= log size)."""
        while True:
            with self.write() as conn:
                row = conn.execute(
                    sa.select(logs.c.size, logs.c.indexed_size).where(logs.c.origin == origin)
                ).first()
                if row is None:
                    raise StoreError(f"no log {origin!r} in this store")
                if row.indexed_size >= row.size:
                    return row.indexed_size
                self._index_range(
                    conn, origin, row.indexed_size, min(row.size, row.indexed_size + chunk)
                )

    def _index_range(self, conn, origin: str, start: int, stop: int) -> None:
        if stop <= start:
            return
        pairs: list[tuple[int, bytes]] = []
        for row in conn.execute(
            sa.select(entry_bundles.c.n, entry_bundles.c.data)
            .where(
                entry_bundles.c.origin == origin,
                entry_bundles.c.n >= start // TILE_WIDTH,
                entry_bundles.c.n <= (stop - 1) // TILE_WIDTH,
            )
            .order_by(entry_bundles.c.n)
        ):
            base = row.n * TILE_WIDTH
            for j, e in enumerate(decode_entries(bytes(row.data))):
                if start <= base + j < stop:
                    pairs.append((base + j, e))
        if len(pairs) != stop - start:
            raise StoreError(
                f"log {origin}: only {len(pairs)} of entries [{start}, {stop}) are stored"
            )
        self._fold_entries(conn, origin, pairs)
        res = conn.execute(
            sa.update(logs)
            .where(logs.c.origin == origin, logs.c.indexed_size == start)
            .values(indexed_size=stop)
        )
        if res.rowcount != 1:
            raise ConflictError(f"log {origin}: the codes index moved past {start} meanwhile")

    def index_entries(self, conn, origin: str, indexed: list[tuple[int, bytes]]) -> None:
        """Fold (index, entry) pairs of a replica into the codes/officials index inside the
        caller's transaction, and advance the log's indexed_size past them. Entries below
        the indexed size are skipped; a gap before them is first folded from the stored
        bundles (so write the bundles first)."""
        if not indexed:
            return
        done = conn.execute(sa.select(logs.c.indexed_size).where(logs.c.origin == origin)).scalar()
        if done is None:
            raise StoreError(f"no log {origin!r} in this store")
        first = indexed[0][0]
        if done < first:
            self._index_range(conn, origin, done, first)
            done = first
        todo = [(i, e) for i, e in indexed if i >= done]
        if not todo:
            return
        if [i for i, _ in todo] != list(range(done, done + len(todo))):
            raise StoreError(f"log {origin}: entries to index are not consecutive from {done}")
        self._fold_entries(conn, origin, todo)
        conn.execute(
            sa.update(logs).where(logs.c.origin == origin).values(indexed_size=done + len(todo))
        )

    def _fold_entries(self, conn, origin: str, indexed: list[tuple[int, bytes]]) -> None:
        """Fold replica entries into the codes/officials index (malformed ones are skipped:
        the replica must mirror the log as it is, and the verifier reports bad entries).

        Each entry is decoded once; the chunk's latest row per code is built in memory
        (only codes updated here but issued in an earlier chunk are read back, in bulk)
        and written with one executemany, in key order."""
        with _no_cyclic_gc():
            self._fold_decoded(conn, origin, indexed)

    def _fold_decoded(self, conn, origin: str, indexed: list[tuple[int, bytes]]) -> None:
        decode = codes_index.decode_record
        parsed = [(idx, rec) for idx, data in indexed if (rec := decode(data)) is not None]
        code_types, official_types = codes_index.CODE_TYPES, codes_index.OFFICIAL_TYPES
        issued = {r.get("code") for _, r in parsed if r.get("type") == "issue"}
        code_rows = codes_index.load_rows(
            conn,
            {
                c
                for _, r in parsed
                if r.get("type") in code_types
                and isinstance(c := r.get("code"), str)
                and c not in issued
            },
        )
        off = None
        changed_off = {}
        fold = codes_index.fold
        for idx, rec in parsed:
            kind = rec.get("type")
            try:
                if kind in code_types:
                    code = rec["code"]
                    code_rows[code] = fold(code_rows.get(code), rec, idx, origin)
                elif kind in official_types:
                    if off is None:
                        off = {
                            r.name: dict(r._mapping)
                            for r in conn.execute(
                                sa.select(officials).where(officials.c.origin == origin)
                            )
                        }
                    row = codes_index.fold_official(off, rec, idx, origin)
                    changed_off[row["name"]] = row
            except (KeyError, ValueError, TypeError, AttributeError, IndexError):
                continue
        self.upsert_codes(conn, [code_rows[c] for c in sorted(code_rows)])
        self.upsert_officials(conn, list(changed_off.values()))

    # ---------------------------------------------------------------- codes and officials
    def code_state(self, code: str) -> CodeState | None:
        with self.read() as conn:
            row = conn.execute(sa.select(codes).where(codes.c.code == code)).first()
        return None if row is None else CodeState.from_row(row)

    def codes_in_bbox(
        self,
        minx: float,
        miny: float,
        maxx: float,
        maxy: float,
        origin: str | None = None,
        limit: int | None = None,
    ) -> list[CodeState]:
        """Codes whose geometry's bbox intersects the given box (EPSG:4326 degrees)."""
        q = sa.select(codes).where(
            codes.c.minx <= maxx, codes.c.maxx >= minx, codes.c.miny <= maxy, codes.c.maxy >= miny
        )
        if origin:
            q = q.where(codes.c.origin == origin)
        q = q.order_by(codes.c.code)
        if limit:
            q = q.limit(limit)
        with self.read() as conn:
            return [CodeState.from_row(r) for r in conn.execute(q)]

    def list_codes(
        self,
        origin: str | None = None,
        asset_class: str | None = None,
        status: str | None = None,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[CodeState]:
        """Codes filtered by origin, class, status and a case-insensitive code/name search."""
        q = sa.select(codes)
        if origin:
            q = q.where(codes.c.origin == origin)
        if asset_class:
            q = q.where(codes.c.asset_class == asset_class)
        if status:
            q = q.where(codes.c.status == status)
        if search:
            pat = f"%{search.strip()}%"
            q = q.where(sa.or_(codes.c.code.ilike(pat), codes.c.name.ilike(pat)))
        order = codes.c.latest_index.desc() if newest_first else codes.c.latest_index
        q = q.order_by(order, codes.c.code).limit(limit).offset(offset)
        with self.read() as conn:
            return [CodeState.from_row(r) for r in conn.execute(q)]

    def code_counts(self, origin: str | None = None) -> dict[tuple[str, str], int]:
        """{(asset_class, status): count}, for dashboards."""
        q = sa.select(codes.c.asset_class, codes.c.status, sa.func.count()).group_by(
            codes.c.asset_class, codes.c.status
        )
        if origin:
            q = q.where(codes.c.origin == origin)
        with self.read() as conn:
            return {(c, s): n for c, s, n in conn.execute(q)}

    def officials(self, origin: str) -> list[dict]:
        with self.read() as conn:
            return [
                dict(r._mapping)
                for r in conn.execute(
                    sa.select(officials)
                    .where(officials.c.origin == origin)
                    .order_by(officials.c.added_index)
                )
            ]

    # ---------------------------------------------------------------- outbox
    def outbox_add(self, origin: str, code: str | None, entry: bytes) -> int:
        """Keep a signed entry durably until it is delivered to `origin`'s sequencer."""
        with self.write() as conn:
            return conn.execute(
                sa.insert(outbox).values(
                    origin=origin,
                    code=code,
                    entry=entry,
                    state="pending",
                    attempts=0,
                    created_at=_now(),
                    updated_at=_now(),
                )
            ).inserted_primary_key[0]

    def outbox_items(
        self, state: str = "pending", origin: str | None = None, limit: int = 1000
    ) -> list[dict]:
        q = sa.select(outbox).where(outbox.c.state == state)
        if origin:
            q = q.where(outbox.c.origin == origin)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(outbox.c.id).limit(limit))]

    def outbox_mark(
        self, item_id: int, state: str, error: str | None = None, log_index: int | None = None
    ) -> None:
        """Record a delivery attempt: 'delivered' (with log_index), 'refused', or 'pending'
        again with the error (attempts is incremented)."""
        if state not in ("pending", "delivered", "refused"):
            raise ValueError(f"unknown outbox state {state!r}")
        with self.write() as conn:
            conn.execute(
                sa.update(outbox)
                .where(outbox.c.id == item_id)
                .values(
                    state=state,
                    last_error=error,
                    log_index=log_index,
                    attempts=outbox.c.attempts + 1,
                    updated_at=_now(),
                )
            )

    # ---------------------------------------------------------------- peers and evidence
    def peer_update(
        self,
        url: str,
        origin: str | None = None,
        ok: bool = True,
        size: int | None = None,
        error: str | None = None,
    ) -> None:
        with self.write() as conn:
            row = conn.execute(sa.select(peers).where(peers.c.url == url)).first()
            failures = 0 if ok else (row.failures + 1 if row else 1)
            values = {
                "url": url,
                "origin": origin or (row.origin if row else None),
                "state": "ok" if ok else "failing",
                "last_size": size if size is not None else (row.last_size if row else None),
                "last_seen": _now() if ok else (row.last_seen if row else None),
                "failures": failures,
                "last_error": None if ok else error,
            }
            upsert(conn, peers, [values], ["url"])

    def peers(self) -> list[dict]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(peers).order_by(peers.c.url))]

    def add_evidence(
        self, origin: str, kind: str, note_a: bytes, note_b: bytes, detail: str
    ) -> int:
        """Keep proof of misbehaviour (e.g. two inconsistent signed checkpoints)."""
        with self.write() as conn:
            return conn.execute(
                sa.insert(evidence).values(
                    origin=origin,
                    kind=kind,
                    note_a=note_a,
                    note_b=note_b,
                    detail=detail,
                    created_at=_now(),
                )
            ).inserted_primary_key[0]

    def resolve_evidence(self, evidence_id: int, note: str, at: float | None = None) -> None:
        """Record the operator's decision on evidence `evidence_id` (with why, and when:
        now unless `at` is given). Unknown or already resolved evidence is refused and
        nothing changes: a decision, once made, is not silently overwritten."""
        if not isinstance(note, str) or not note.strip():
            raise StoreError(f"evidence #{evidence_id}: the resolution needs a note saying why")
        with self.write() as conn:
            done = conn.execute(
                sa.update(evidence)
                .where(evidence.c.id == evidence_id, evidence.c.resolved_at.is_(None))
                .values(resolved_at=_now() if at is None else float(at), resolution=note)
            )
            if done.rowcount == 1:
                return
            row = conn.execute(
                sa.select(evidence.c.resolved_at, evidence.c.resolution).where(
                    evidence.c.id == evidence_id
                )
            ).first()
        if row is None:
            raise StoreError(f"no evidence #{evidence_id}")
        raise StoreError(
            f"evidence #{evidence_id} is already resolved "
            f"(at {row.resolved_at:.0f}: {row.resolution})"
        )

    def evidence(self, origin: str | None = None) -> list[dict]:
        """Every piece of evidence (oldest first), with `resolved_at` and `resolution`
        (both None while it is open)."""
        q = sa.select(evidence).order_by(evidence.c.id)
        if origin:
            q = q.where(evidence.c.origin == origin)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]


@contextlib.contextmanager
def _no_cyclic_gc():
    """Pause the cyclic garbage collector: folding a chunk creates hundreds of thousands
    of acyclic dicts, and the collector's repeated passes over them cost more than the
    decoding itself (reference counting still frees everything)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
