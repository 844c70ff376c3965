"""Replicas: another city's log stored as verified, and folded into the codes index.

Storing a replica is a blob copy (tiles and entry bundles, behind the compare-and-swap on
the log's size); folding its entries into the codes index may lag behind
(`logs.indexed_size`) and catches up in chunks.

Every entry is judged by the entry rules (app/ledger/rules.py) before it is folded. One
that breaks a rule is never folded: it becomes misbehaviour evidence against the city
that logged it, and the city's later entries are held back (stored, not folded) until an
operator resolves that evidence; then folding resumes past it. The log's Merkle data is
kept as it is either way: the log is what it is, the index is what we believe.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from app.core import merkle as _merkle
from app.core import tiles as _tiles
from app.ledger import codes_index, rules
from app.ledger.db import StoreError
from app.ledger.map_state import MapCache, build_map
from app.ledger.schema import entry_bundles, logs
from app.ledger.stores.base import ConflictError
from app.ledger.stores.codes import CodesIndex
from app.ledger.stores.logs import LogData
from app.ledger.stores.peers import PeersAndEvidence
from app.ledger.tilelog import HASH_SIZE, TILE_WIDTH, bundle_width, decode_entries, tile_width_at


class Replicas(LogData, CodesIndex, PeersAndEvidence):
    @property
    def map_cache(self) -> MapCache:
        """Each folded log's code map at its indexed size (rules check its code-map
        entries against it)."""
        cache: MapCache | None = self.__dict__.get("_map_cache")
        if cache is None:
            cache = self.__dict__.setdefault("_map_cache", MapCache())
        assert cache is not None
        return cache

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
    ) -> int:
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
        reading them back for the index. Returns how many entries were folded.
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
        # Tiles verified against a larger checkpoint may reach past `size`: keep only the
        # hashes of the tree stored here (their prefixes are final), as the audit expects.
        within = {}
        for (level, n), data in tile_data.items():
            width = tile_width_at(size, level, n)
            if width:
                within[(level, n)] = data[: width * HASH_SIZE]
        with self.write() as conn:
            self.write_tiles(conn, origin, within, bundles)
            if note is not None and not self.has_checkpoint(conn, origin, size):
                self.insert_checkpoint(conn, origin, size, root, note)
            self.compare_and_swap(conn, origin, old_size, size, root)
            if index_codes:
                start, target = self._index_bounds(conn, origin)
                known = None
                if entries is not None and start == old_size and target == size:
                    known = list(zip(range(old_size, size), entries))
                folded = self._index_range(conn, origin, start, target, known) - start
                self._resume_transfers(conn, origin)
                return folded
        return 0

    def index_replica(self, origin: str, chunk: int = 65536) -> int:
        """Fold stored but not yet indexed entries of `origin` into the codes index, one
        transaction per `chunk` entries, as far as a stored checkpoint covers them and
        no open misbehaviour evidence holds the city back; returns the indexed size."""
        while True:
            with self.write() as conn:
                start, target = self._index_bounds(conn, origin)
                stop = min(target, start + chunk)
                if stop <= start or self._index_range(conn, origin, start, stop) < stop:
                    self._resume_transfers(conn, origin)
                    return start if stop <= start else self._indexed_size(conn, origin)

    def _resume_transfers(self, conn: sa.Connection, source: str) -> None:
        """Fold on the logs held back at a transfer-in whose transfer-out is in `source`'s
        log (rules.TRANSFER_PENDING), now that `source` has been folded further."""
        rows = conn.execute(
            sa.select(logs.c.origin, logs.c.indexed_size).where(
                logs.c.origin != source, logs.c.indexed_size < logs.c.size
            )
        ).all()
        for origin, indexed in rows:
            data = self._bundle_row(conn, origin, indexed // TILE_WIDTH)
            entries = decode_entries(data) if data else []
            if indexed % TILE_WIDTH >= len(entries):
                continue
            rec = codes_index.decode_record(entries[indexed % TILE_WIDTH])
            if rec and rec.get("type") == "transfer-in" and rec.get("from") == source:
                start, target = self._index_bounds(conn, origin)
                self._index_range(conn, origin, start, target)

    # ---------------------------------------------------------------- folding
    def _indexed_size(self, conn: sa.Connection, origin: str) -> int:
        row = conn.execute(sa.select(logs.c.indexed_size).where(logs.c.origin == origin)).first()
        if row is None:
            raise StoreError(f"no log {origin!r} in this store")
        return int(row.indexed_size)

    def _index_bounds(self, conn: sa.Connection, origin: str) -> tuple[int, int]:
        """(indexed size, size up to which entries may be folded): the index believes only
        entries that a stored signed checkpoint covers."""
        row = conn.execute(
            sa.select(logs.c.size, logs.c.indexed_size).where(logs.c.origin == origin)
        ).first()
        if row is None:
            raise StoreError(f"no log {origin!r} in this store")
        covered = self.latest_checkpoint_size(conn, origin, at_most=row.size) or 0
        return int(row.indexed_size), max(int(row.indexed_size), covered)

    def _index_range(
        self,
        conn: sa.Connection,
        origin: str,
        start: int,
        stop: int,
        pairs: list[tuple[int, bytes]] | None = None,
    ) -> int:
        """Fold entries [start, stop) (read from the stored bundles unless given) and
        move the indexed size to where folding stopped: `stop`, or the first entry that
        breaks a rule (recorded as misbehaviour evidence), or `start` while open evidence
        holds the city back. Returns the new indexed size."""
        if stop <= start or self.open_misbehaviour(conn, origin):
            return start
        if pairs is None:
            pairs = self._stored_pairs(conn, origin, start, stop)
        with _no_cyclic_gc():
            upto, refused = self._fold_entries(conn, origin, pairs)
        if refused is not None:
            index, entry, refusal = refused
            self._record_misbehaviour(conn, origin, index, entry, refusal)
        if upto != start:
            res = conn.execute(
                sa.update(logs)
                .where(logs.c.origin == origin, logs.c.indexed_size == start)
                .values(indexed_size=upto)
            )
            if res.rowcount != 1:
                raise ConflictError(f"log {origin}: the codes index moved past {start} meanwhile")
        return upto

    def _stored_pairs(
        self, conn: sa.Connection, origin: str, start: int, stop: int
    ) -> list[tuple[int, bytes]]:
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
        return pairs

    def _fold_entries(
        self, conn: sa.Connection, origin: str, pairs: list[tuple[int, bytes]]
    ) -> tuple[int, tuple[int, bytes, rules.Refusal] | None]:
        """Judge and fold consecutive entries with the entry rules, up to the first one
        that breaks a rule; write the changed codes and officials rows. Entries whose
        evidence an operator has resolved are skipped (never folded). Returns the index
        folding stopped at and, if a rule stopped it, (index, entry, refusal).

        Each entry is decoded once; the chunk's latest row per code is built in memory
        (the codes it touches are read back in bulk) and written with one executemany,
        in key order."""
        city = conn.execute(sa.select(logs.c.city_code).where(logs.c.origin == origin)).scalar()
        ctx = rules.LogContext(origin, city or "")
        skip = self.resolved_misbehaviour(conn, origin)
        decode = codes_index.decode_record
        decoded = [(idx, data, decode(data)) for idx, data in pairs]
        state = rules.LedgerState(
            self.load_code_rows(
                conn,
                {c for _, _, r in decoded if r is not None and isinstance(c := r.get("code"), str)},
            ),
            self.official_rows(conn, origin),
            self.transfer_source(conn),
        )
        start = pairs[0][0] if pairs else 0
        state.code_map = self.map_cache.get(
            origin, start, lambda: build_map(self.bundle_rows, origin, start, skip)
        )
        changed_codes: set[str] = set()
        changed_offs: dict[str, dict[str, Any]] = {}
        apply, official_types = rules.apply, codes_index.OFFICIAL_TYPES
        upto = pairs[-1][0] + 1 if pairs else 0
        refused = None
        for idx, data, rec in decoded:
            if idx in skip:
                continue
            if rec is None:
                refusal = rules.Refusal(rules.RECORD_SYNTAX, f"entry {idx} is not a JSON object")
                upto, refused = idx, (idx, data, refusal)
                break
            result = apply(ctx, state, rec, idx)
            if isinstance(result, rules.Refusal):
                # a transfer-in whose transfer-out is not held yet waits, with no evidence
                pending = result.rule == rules.TRANSFER_PENDING
                upto, refused = idx, None if pending else (idx, data, result)
                break
            if rec["type"] in official_types:
                changed_offs[result["name"]] = result
            elif result:  # a code-map entry changes no row
                changed_codes.add(result["code"])
        state.map_root()  # fold the pending codes in before the map is kept
        self.map_cache.put(origin, upto, state.code_map)
        self.upsert_codes(conn, [state.codes[c] for c in sorted(changed_codes)])
        self.upsert_officials(conn, list(changed_offs.values()))
        return upto, refused

    def _record_misbehaviour(
        self, conn: sa.Connection, origin: str, index: int, entry: bytes, refusal: rules.Refusal
    ) -> int:
        """Keep portable evidence that `origin` logged `entry` at `index` against a rule:
        the signed checkpoint covering it (note_a) and a tlog-proof bundle of the entry
        under that checkpoint (note_b), which anyone can check with the trust file."""
        # proof_bundle reads stores for its export helpers: imported here, not at the top
        from app.ledger.proof_bundle import ProofBundle

        size = self.latest_checkpoint_size(conn, origin)
        cp = self.checkpoint_in(conn, origin, size) if size is not None else None
        if cp is None or cp.size <= index:
            raise StoreError(f"log {origin}: no stored checkpoint covers entry {index}")
        reader = _tiles.TileHashReader(cp.size, cp.root_hash, _ConnTiles(self, conn, origin))
        proof = _merkle.prove_record(cp.size, index, reader)
        signed = cp.with_cosignatures()
        bundle = ProofBundle(entry=entry, index=index, proof=tuple(proof), checkpoint=signed)
        return self.insert_evidence(
            conn,
            origin,
            "misbehaviour",
            signed,
            bundle.encode(),
            f"entry {index} of {origin} breaks rule {refusal.rule}: {refusal.reason}",
            entry_index=index,
            rule=refusal.rule,
        )


class _ConnTiles:
    """Tile reads inside the caller's transaction (it may have just written them)."""

    def __init__(self, store: LogData, conn: sa.Connection, origin: str):
        self.store, self.conn, self.origin = store, conn, origin

    def __call__(self, t: _tiles.Tile) -> bytes | None:
        data = self.store._tile_row(self.conn, self.origin, t.l, t.n)
        if data is None or len(data) < t.w * HASH_SIZE:
            return None
        return data[: t.w * HASH_SIZE]


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
