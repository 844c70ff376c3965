"""Replicas: another city's log stored as verified, and folded into the codes index.

Storing a replica is a blob copy (tiles and entry bundles, behind the compare-and-swap on
the log's size); folding its entries into the codes index may lag behind
(`logs.indexed_size`) and catches up in chunks.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

import sqlalchemy as sa

from app.ledger import codes_index
from app.ledger.db import StoreError
from app.ledger.schema import entry_bundles, logs
from app.ledger.stores.base import ConflictError
from app.ledger.stores.codes import CodesIndex
from app.ledger.stores.logs import LogData
from app.ledger.stores.peers import PeersAndEvidence
from app.ledger.tilelog import TILE_WIDTH, bundle_width, decode_entries


class Replicas(LogData, CodesIndex, PeersAndEvidence):
    def append_replica(
        self,
        origin: str,
        old_size: int,
        size: int,
        root: bytes,
        note: bytes | None,
        bundles: dict[int, bytes],
        tile_data: dict[tuple[int, int], bytes],
        index_codes: bool = True,
        entries: list[bytes] | None = None,
    ) -> None:
        """Store a replica's growth from `old_size` to `size` in one transaction.

        The caller (sync) has verified `root` (and `note`, the signed checkpoint for `size`,
        stored in the same transaction when given), that
        `tile_data` ({(level, n): hashes}) is consistent with it and that the entries in
        `bundles` ({n: encoded bundle}) hash to the level-0 tiles. Bundles must cover the
        entries [old_size, size); bundles or tiles may be wider versions of stored ones.
        The log's size moves by compare-and-swap (ConflictError if it is not `old_size`).

        With index_codes the new entries are folded into the codes/officials index in
        the same transaction. For bulk catch-up pass index_codes=False and call
        `index_replica` afterwards (e.g. from a background thread): storing stays a
        blob copy, and the index catches up in chunks (LogInfo.indexed_size says how far).
        `entries` (the new entries [old_size, size), already decoded from the bundles) saves
        reading them back for the index.
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
            if note is not None and not self.has_checkpoint(conn, origin, size):
                self.insert_checkpoint(conn, origin, size, root, note)
            if index_codes and entries is not None:
                self._index_entries(conn, origin, list(zip(range(old_size, size), entries)))
            self.compare_and_swap(conn, origin, old_size, size, root)
            if index_codes and entries is None:
                indexed = conn.execute(
                    sa.select(logs.c.indexed_size).where(logs.c.origin == origin)
                ).scalar()
                if indexed is None:
                    raise StoreError(f"no log {origin!r} in this store")
                self._index_range(conn, origin, int(indexed), size)

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
                    return int(row.indexed_size)
                self._index_range(
                    conn, origin, row.indexed_size, min(row.size, row.indexed_size + chunk)
                )

    def _index_range(self, conn: sa.Connection, origin: str, start: int, stop: int) -> None:
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

    def _index_entries(
        self, conn: sa.Connection, origin: str, indexed: list[tuple[int, bytes]]
    ) -> None:
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

    def _fold_entries(
        self, conn: sa.Connection, origin: str, indexed: list[tuple[int, bytes]]
    ) -> None:
        """Fold replica entries into the codes/officials index (malformed ones are skipped:
        the replica must mirror the log as it is, and the verifier reports bad entries).

        Each entry is decoded once; the chunk's latest row per code is built in memory
        (only codes updated here but issued in an earlier chunk are read back, in bulk)
        and written with one executemany, in key order."""
        with _no_cyclic_gc():
            self._fold_decoded(conn, origin, indexed)

    def _fold_decoded(
        self, conn: sa.Connection, origin: str, indexed: list[tuple[int, bytes]]
    ) -> None:
        decode = codes_index.decode_record
        parsed = [(idx, rec) for idx, data in indexed if (rec := decode(data)) is not None]
        code_types, official_types = codes_index.CODE_TYPES, codes_index.OFFICIAL_TYPES
        issued = {r.get("code") for _, r in parsed if r.get("type") == "issue"}
        code_rows = self.load_code_rows(
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
                        off = self.official_rows(conn, origin)
                    row = codes_index.fold_official(off, rec, idx, origin)
                    changed_off[row["name"]] = row
            except (KeyError, ValueError, TypeError, AttributeError, IndexError):
                continue
        self.upsert_codes(conn, [code_rows[c] for c in sorted(code_rows)])
        self.upsert_officials(conn, list(changed_off.values()))


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
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
