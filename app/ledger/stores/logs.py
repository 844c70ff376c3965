"""Log data: every log the node holds (its own and replicas), keyed by origin.

Reads used for serving (tiles, entry bundles, checkpoints) are plain row reads; nothing is
recomputed. Writes that grow a log go through a compare-and-swap on `logs.size` inside the
same transaction as its tiles, bundles and codes-index rows, so a log is always exactly as
large as its stored hashes and entries, and two writers can never interleave.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.ledger import codes_index
from app.ledger.db import StoreError, upsert
from app.ledger.schema import checkpoints, cosignatures, entry_bundles, logs, tiles
from app.ledger.stores.base import ConflictError, Database, now
from app.ledger.tilelog import (
    EMPTY_ROOT,
    HASH_SIZE,
    TILE_WIDTH,
    bundle_prefix,
    bundle_width,
    decode_entries,
    partial_tile_coords,
)


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


class LogData(Database):
    def __init__(self, url: str):
        super().__init__(url)
        self._bundle_cache: OrderedDict[tuple[str, int], list[bytes]] = OrderedDict()
        self._cache_lock = threading.Lock()

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
            "updated_at": now(),
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
        info = self.log_info(origin)
        if info is None:
            raise StoreError(f"log {origin!r} vanished while it was registered")
        return info

    def log_info(self, origin: str) -> LogInfo | None:
        with self.read() as conn:
            row = conn.execute(sa.select(logs).where(logs.c.origin == origin)).first()
        return None if row is None else self._log(row)

    def logs(self) -> list[LogInfo]:
        with self.read() as conn:
            return [self._log(r) for r in conn.execute(sa.select(logs).order_by(logs.c.origin))]

    @staticmethod
    def _log(row: sa.Row[Any]) -> LogInfo:
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

    def log_state(
        self, conn: sa.Connection, origin: str
    ) -> tuple[int, list[bytes], dict[int, bytes], list[bytes]]:
        """(size, frontier hashes, partial tiles {level: data}, partial bundle entries)."""
        row = conn.execute(
            sa.select(logs.c.size, logs.c.frontier).where(logs.c.origin == origin)
        ).first()
        if row is None:
            raise StoreError(f"no log {origin!r} in this store")
        size, blob = row.size, bytes(row.frontier)
        frontier = [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
        partial: dict[int, bytes] = {}
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
        return int(size)

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
        values = {"size": new_size, "root_hash": root, "updated_at": now()}
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
        conn: sa.Connection,
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
    def _tile_row(conn: sa.Connection, origin: str, level: int, n: int) -> bytes | None:
        row = conn.execute(
            sa.select(tiles.c.data).where(
                tiles.c.origin == origin, tiles.c.level == level, tiles.c.n == n
            )
        ).first()
        return None if row is None else bytes(row.data)

    @staticmethod
    def _bundle_row(conn: sa.Connection, origin: str, n: int) -> bytes | None:
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

    def folded_entry(self, conn: sa.Connection, origin: str, index: int) -> bytes | None:
        """The entry at `index` of `origin` if this store holds that log and has judged
        and folded it into the codes index (indexed_size beyond it), else None."""
        indexed = conn.execute(
            sa.select(logs.c.indexed_size).where(logs.c.origin == origin)
        ).scalar()
        if indexed is None or index >= indexed:
            return None
        data = self._bundle_row(conn, origin, index // TILE_WIDTH)
        entries = decode_entries(data) if data else []
        i = index % TILE_WIDTH
        return entries[i] if i < len(entries) else None

    def transfer_source(self, conn: sa.Connection) -> Callable[[str, int], dict[str, Any] | None]:
        """rules.LedgerState.source over this store, inside the caller's transaction."""

        def source(origin: str, index: int) -> dict[str, Any] | None:
            if type(index) is not int:
                return None
            entry = self.folded_entry(conn, origin, index)
            return None if entry is None else codes_index.decode_record(entry)

        return source

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
    def insert_checkpoint(
        self, conn: sa.Connection, origin: str, size: int, root: bytes, note: bytes
    ) -> None:
        conn.execute(
            sa.insert(checkpoints),
            {"origin": origin, "size": size, "root_hash": root, "note": note, "created_at": now()},
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
            return self.checkpoint_in(conn, origin, size)

    def checkpoint_in(self, conn: sa.Connection, origin: str, size: int) -> StoredCheckpoint | None:
        """Checkpoint `size` of `origin` with its cosignatures, in the caller's transaction."""
        row = conn.execute(
            sa.select(checkpoints).where(checkpoints.c.origin == origin, checkpoints.c.size == size)
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

    def _checkpoint(self, conn: sa.Connection, row: sa.Row[Any]) -> StoredCheckpoint:
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
                        "received_at": now(),
                    }
                ],
                ["origin", "size", "witness"],
            )

    def has_checkpoint(self, conn: sa.Connection, origin: str, size: int) -> bool:
        return (
            conn.execute(
                sa.select(checkpoints.c.size).where(
                    checkpoints.c.origin == origin, checkpoints.c.size == size
                )
            ).first()
            is not None
        )

    def save_checkpoint(
        self, origin: str, size: int, root: bytes, note: bytes, expected_size: int
    ) -> bool:
        """Store a verified checkpoint iff the latest stored size is still
        `expected_size` and this size is not known yet (atomic: the witness's
        check-and-save and sync share it); False if not stored."""
        with self.write() as conn:
            # Row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
            conn.execute(sa.select(logs.c.origin).where(logs.c.origin == origin).with_for_update())
            latest = self.latest_checkpoint_size(conn, origin) or 0
            if latest != expected_size or self.has_checkpoint(conn, origin, size):
                return False
            self.insert_checkpoint(conn, origin, size, root, note)
        return True

    @staticmethod
    def latest_checkpoint_size(
        conn: sa.Connection, origin: str, at_most: int | None = None
    ) -> int | None:
        """The largest stored checkpoint size of `origin` (not above `at_most`)."""
        q = sa.select(sa.func.max(checkpoints.c.size)).where(checkpoints.c.origin == origin)
        if at_most is not None:
            q = q.where(checkpoints.c.size <= at_most)
        size: int | None = conn.execute(q).scalar()
        return size

    def served_checkpoint(self, origin: str, held: int) -> StoredCheckpoint | None:
        """The newest checkpoint whose entries are held (`held` of them)."""
        with self.read() as conn:
            size = self.latest_checkpoint_size(conn, origin, at_most=held)
        return None if size is None else self.checkpoint(origin, size)

    def cosigned_checkpoints(self, origin: str, above: int) -> list[tuple[int, int]]:
        """(size, number of cosignature lines) of every checkpoint of `origin` larger
        than `above`, largest first: one grouped query, however many there are."""
        count = sa.func.count(cosignatures.c.witness)
        q = (
            sa.select(checkpoints.c.size, count.label("n"))
            .select_from(
                checkpoints.outerjoin(
                    cosignatures,
                    sa.and_(
                        cosignatures.c.origin == checkpoints.c.origin,
                        cosignatures.c.size == checkpoints.c.size,
                    ),
                )
            )
            .where(checkpoints.c.origin == origin, checkpoints.c.size > above)
            .group_by(checkpoints.c.size)
            .order_by(checkpoints.c.size.desc())
        )
        with self.read() as conn:
            return [(r.size, r.n) for r in conn.execute(q)]

    # ---------------------------------------------------------------- audit reads
    def bundle_rows(self, origin: str, first: int, stop: int) -> dict[int, bytes]:
        """Stored entry bundles n in [first, stop) of `origin`, as {n: encoded bundle}."""
        with self.read() as conn:
            return {
                r.n: bytes(r.data)
                for r in conn.execute(
                    sa.select(entry_bundles.c.n, entry_bundles.c.data).where(
                        entry_bundles.c.origin == origin,
                        entry_bundles.c.n >= first,
                        entry_bundles.c.n < stop,
                    )
                )
            }

    def tile_row(self, origin: str, level: int, n: int) -> bytes | None:
        """Tile `level/n` of `origin` as stored (its widest version), None if absent."""
        with self.read() as conn:
            return self._tile_row(conn, origin, level, n)

    def stored_widths(self, origin: str) -> Iterator[tuple[str, int, int, int]]:
        """("tile", level, n, width) of every stored tile and ("bundle", 0, n, width)
        of every stored entry bundle of `origin`."""
        with self.read() as conn:
            tile_rows = conn.execute(
                sa.select(tiles.c.level, tiles.c.n, tiles.c.width).where(tiles.c.origin == origin)
            ).all()
            bundle_rows = conn.execute(
                sa.select(entry_bundles.c.n, entry_bundles.c.width).where(
                    entry_bundles.c.origin == origin
                )
            ).all()
        for t in tile_rows:
            yield "tile", t.level, t.n, t.width
        for b in bundle_rows:
            yield "bundle", 0, b.n, b.width
