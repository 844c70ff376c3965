"""Logs as static tlog-tiles files: what a CDN or `python -m http.server` can serve.

- export_static(store, origin, out_dir): copy a log the node holds (own or replica).
- write_static_log(out_dir, origin, entries, signer): build a log from entries directly
  (benchmarks and test fixtures), hashing with the same TileLog the sequencer uses.
"""

from __future__ import annotations

from pathlib import Path

from app.core.checkpoint import Checkpoint
from app.core.note import sign_note
from app.ledger.tilelog import TileLog
from app.net.paths import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, bundle_path, tile_path


def _write(root: Path, rel: str, data: bytes) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)


def _tile_coords(size: int):
    """(level, n, width) of every tile (full and partial) a tree of `size` has."""
    level = 0
    while True:
        count = size >> (TILE_HEIGHT * level)
        if count == 0:
            break
        for n in range(count // TILE_WIDTH):
            yield level, n, TILE_WIDTH
        if count % TILE_WIDTH:
            yield level, count // TILE_WIDTH, count % TILE_WIDTH
        level += 1


def export_static(store, origin: str, out_dir, checkpoint_note: bytes | None = None) -> int:
    """Write the log `origin` at its latest held checkpoint; returns its size."""
    out = Path(out_dir)
    info = store.log_info(origin)
    if info is None:
        raise ValueError(f"the store holds no log {origin!r}")
    cp = None
    for c in reversed(store.checkpoints(origin)):
        if c.size <= info.size:
            cp = c
            break
    if cp is None:
        raise ValueError(f"no checkpoint of {origin} covers the entries held")
    for level, n, w in _tile_coords(cp.size):
        data = store.read_tile(origin, level, n, None if w == TILE_WIDTH else w)
        _write(out, tile_path(level, n, w), data)
        if level == 0:
            bundle = store.read_entry_bundle(origin, n, None if w == TILE_WIDTH else w)
            _write(out, bundle_path(n, w), bundle)
    _write(out, "checkpoint", checkpoint_note or cp.with_cosignatures())
    return cp.size


def write_static_log(out_dir, origin: str, entries, signer, batch: int = 65536) -> bytes:
    """Build a log of `entries` as static files signed by `signer`; returns the checkpoint."""
    out = Path(out_dir)
    log = TileLog.empty()
    pending: list[bytes] = []

    def flush():
        tiles, bundles = log.append(pending)
        for (level, n), data in tiles.items():
            w = len(data) // HASH_SIZE
            _write(out, tile_path(level, n, w), data)
        for n, data in bundles.items():
            w = min(TILE_WIDTH, log.size - n * TILE_WIDTH)
            _write(out, bundle_path(n, w), data)
        pending.clear()

    for e in entries:
        pending.append(e)
        if len(pending) >= batch:
            flush()
    flush()
    note = sign_note(Checkpoint(origin, log.size, log.root()).to_text(), signer)
    _write(out, "checkpoint", note)
    return note
