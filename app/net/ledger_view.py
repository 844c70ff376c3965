"""What the network layer needs from the node's store, in one place.

Wraps app.ledger.store.Store (the node's own log and its replicas, keyed by origin):
checkpoints with their cosignatures, replica appends in verified chunks, fork evidence,
peer health, and tile/bundle reads for serving.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app.core import cosignature as _cosignature
from app.core import merkle
from app.core import note as _note
from app.core import tiles as _tiles
from app.core.errors import CoreError
from app.ledger.store import Store, StoredCheckpoint
from app.net.legacy_resolutions import import_legacy_resolutions
from app.net.paths import TILE_HEIGHT
from app.net.verify import CheckpointView


def checkpoint_record(s: StoredCheckpoint) -> CheckpointView:
    """A stored checkpoint as the CheckpointView sync and witnessing work with."""
    cosigners = {}
    for line in s.cosignatures:
        parts = line.strip().split(" ")
        if len(parts) == 3:
            cosigners[parts[1]] = line.rstrip("\n") + "\n"
    body = _note.note_text(s.note)
    return CheckpointView(s.origin, s.size, s.root_hash, body, s.note, cosigners)


def _line_timestamp(line: str) -> int | None:
    try:
        sig = _note.parse_signature_line(line.rstrip("\n"))
        return _cosignature.signature_timestamp(sig)
    except CoreError:
        return None


class StoreTiles:
    """A tile reader over the store's tiles of one log (for TileHashReader)."""

    height = TILE_HEIGHT

    def __init__(self, store: Store, origin: str):
        self.store, self.origin = store, origin

    def read_tiles(self, tiles) -> list[bytes]:
        out = []
        for t in tiles:
            data = self.store.read_tile(self.origin, t.l, t.n, t.w)
            if data is None:
                raise CoreError(f"tile {t.l}/{t.n} (width {t.w}) of {self.origin} is not stored")
            out.append(data)
        return out

    def save_tiles(self, tiles, data) -> None:
        pass


class LedgerView:
    def __init__(self, store: Store, own_origin: str | None, data_dir: Path | str | None = None):
        self.store = store
        self.own_origin = own_origin
        self.data_dir = Path(data_dir) if data_dir else None
        self._known_origins: set[str] = set()
        if self.data_dir is not None:
            import_legacy_resolutions(store, self.data_dir)

    # --- checkpoints --------------------------------------------------------------
    def latest_checkpoint(self, origin: str) -> CheckpointView | None:
        s = self.store.latest_checkpoint(origin)
        return None if s is None else checkpoint_record(s)

    def served_checkpoint(self, origin: str) -> bytes | None:
        """The newest checkpoint whose entries this node holds, with its cosignatures."""
        if origin == self.own_origin:
            s = self.store.latest_checkpoint(origin)
            return None if s is None else s.with_cosignatures()
        s = self.store.served_checkpoint(origin, self.held_size(origin))
        return None if s is None else s.with_cosignatures()

    def ensure_replica(self, city) -> None:
        info = self.store.log_info(city.origin)
        if (
            info is not None
            and info.log_vkey == city.log_vkey
            and info.witness_vkey == city.witness_vkey
        ):
            return
        try:
            self.store.ensure_replica(city.origin, city.code, city.log_vkey, city.witness_vkey)
        except sa.exc.IntegrityError:
            # Another process (or thread) registered it at the same moment: fine if it is there.
            if self.store.log_info(city.origin) is None:
                raise

    def save_checkpoint(self, origin: str, cp, expected_size: int) -> bool:
        """Store verified checkpoint `cp` iff the latest stored size is still
        `expected_size` (atomic: the witness's check-and-save and sync share it)."""
        if not self.store.save_checkpoint(origin, cp.size, cp.root, cp.log_note, expected_size):
            return False
        if cp.cosigners:
            self.add_cosignatures(origin, cp.size, cp.cosigners)
        return True

    def witnessed(self, origin: str):
        """The latest checkpoint of `origin` this node co-signed as a witness, or None."""
        return self.store.witnessed(origin)

    def save_witnessed(self, origin: str, cp, cosignature: str, expected_size: int | None) -> bool:
        """Record co-signing `cp` iff the witnessed size is still `expected_size`."""
        return self.store.save_witnessed(
            origin, cp.size, cp.root, cp.log_note, cosignature, expected_size
        )

    def add_cosignatures(self, origin: str, size: int, lines: dict[str, str]) -> None:
        for name, line in lines.items():
            self.store.add_cosignature(
                origin, size, name, line.rstrip("\n") + "\n", _line_timestamp(line)
            )

    # --- replica entries ----------------------------------------------------------
    def held_size(self, origin: str) -> int:
        info = self.store.log_info(origin)
        return info.size if info else 0

    def append_entries(
        self,
        origin: str,
        held: int,
        entries: list[bytes],
        root: bytes,
        bundles: dict[int, bytes],
        tile_data: dict[tuple[int, int], bytes],
        index: bool = True,
        checkpoint=None,
    ) -> int:
        """Append verified entries [held, held+len) with their tiles, and `checkpoint`
        (a verified CheckpointView of the new size) in the same transaction: a checkpoint
        is never stored before the entries it covers. Returns the number of entries
        folded into the codes index (0 when `index` is off: a bulk catch-up stores blobs
        first and calls `index_pending` after)."""
        folded = self.store.append_replica(
            origin,
            held,
            held + len(entries),
            root,
            None if checkpoint is None else checkpoint.log_note,
            bundles,
            tile_data,
            index_codes=index,
            entries=entries,
        )
        if checkpoint is not None and checkpoint.cosigners:
            self.add_cosignatures(origin, checkpoint.size, checkpoint.cosigners)
        return folded

    def index_pending(self, origin: str) -> int:
        """Fold stored but not yet indexed entries into the codes index; returns how many."""
        info = self.store.log_info(origin)
        if info is None or info.indexed_size >= info.size:
            return 0
        return self.store.index_replica(origin) - info.indexed_size

    def misbehaviour(self, origin: str | None = None) -> list[dict]:
        """Open misbehaviour evidence (against `origin`): entries that break an entry
        rule; the city's later records are held back until an operator resolves it."""
        return [
            e
            for e in self.store.evidence(origin)
            if e["kind"] == "misbehaviour" and e["resolved_at"] is None
        ]

    def hash_reader(self, origin: str, size: int | None = None, root: bytes | None = None):
        """A verifying hash reader over the stored tiles of `origin` (at its latest
        checkpoint unless size/root are given)."""
        if size is None or root is None:
            latest = self.latest_checkpoint(origin)
            if latest is None:
                raise CoreError(f"no checkpoint of {origin}")
            size, root = latest.size, latest.root
        return _tiles.TileHashReader(size, root, StoreTiles(self.store, origin))

    def own_hash_reader(self):
        return self.hash_reader(self.own_origin)

    def root_at(self, origin: str, size: int) -> bytes | None:
        """Root of the first `size` entries as stored (None if the store cannot tell)."""
        info = self.store.log_info(origin)
        if info is None or info.size < size:
            return None
        if info.size == size:
            return info.root_hash
        try:
            return merkle.tree_hash(size, self.hash_reader(origin, info.size, info.root_hash))
        except CoreError:
            return None

    # --- evidence and peers -------------------------------------------------------
    def add_evidence(self, origin, kind, note_a, note_b, detail) -> int:
        return self.store.add_evidence(origin, kind, note_a, note_b, detail)

    def resolve_evidence(self, evidence_id: int, note: str) -> None:
        """Operator decision: stop refusing the city's checkpoints for this evidence
        (StoreError for unknown or already resolved evidence)."""
        self.store.resolve_evidence(evidence_id, note)

    def evidence(self, origin: str | None = None) -> list[dict]:
        return self.store.evidence(origin)

    def fork_evidence(self, origin: str) -> list[dict]:
        """Unresolved fork evidence against `origin` (non-empty = refuse its checkpoints)."""
        return [
            e
            for e in self.store.evidence(origin)
            if e["kind"] == "fork" and e["resolved_at"] is None
        ]

    def record_peer(self, url, origin, state, size, error) -> None:
        if url:
            self.store.peer_update(url, origin, ok=(state == "ok"), size=size, error=error)

    # --- serving ------------------------------------------------------------------
    def source(self, origin: str) -> StoreSource:
        return StoreSource(self, origin)

    def find_source(self, origin: str) -> StoreSource | None:
        """The log held under `origin`, or None; one look-up, not a listing of every log
        (a server answers this for every request). Logs are never deleted, so a known
        origin stays known."""
        if origin not in self._known_origins:
            if self.store.log_info(origin) is None:
                return None
            self._known_origins.add(origin)
        return StoreSource(self, origin)

    def sources(self) -> dict[str, StoreSource]:
        return {info.origin: StoreSource(self, info.origin) for info in self.store.logs()}


class StoreSource:
    """server.LogSource over the store for one origin."""

    def __init__(self, view: LedgerView, origin: str):
        self.view, self.origin = view, origin

    def checkpoint(self) -> bytes | None:
        return self.view.served_checkpoint(self.origin)

    def tile(self, level, n, width):
        return self.view.store.read_tile(self.origin, level, n, width)

    def bundle(self, n, width):
        return self.view.store.read_entry_bundle(self.origin, n, width)
