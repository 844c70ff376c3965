"""Growing a log's tiles in memory: the sequencer's Merkle bookkeeping.

The hashing is core's: app.core.merkle.Appender keeps the compact range (one perfect-
subtree hash per set bit of the tree size, so the root costs O(log n)) and returns the
new nodes of every level; app.core.tiles.tile_data_for_append cuts them into the tile
blobs tlog-tiles stores. Each appended leaf costs its leaf hash plus, on average, one
node hash; nothing is recomputed.

Only the partial (rightmost) tile of each level and the partial entry bundle are kept in
memory; `append` returns the tile and bundle rows that changed, ready to be upserted.
"""

from __future__ import annotations

import struct

from app.core.merkle import EMPTY_HASH as EMPTY_ROOT
from app.core.merkle import HASH_SIZE, Appender, leaf_hashes, node_hash
from app.core.merkle import record_hash as leaf_hash
from app.core.tiles import TILE_HEIGHT, TILE_WIDTH, Tile, tile_data_for_append
from app.core.tiles import decode_entry_bundle as decode_entries
from app.core.tiles import encode_entry_bundle as encode_entries

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileLog",
    "bundle_prefix",
    "bundle_width",
    "decode_entries",
    "encode_entries",
    "leaf_hash",
    "node_hash",
    "partial_tile_coords",
]


def bundle_prefix(data: bytes, width: int) -> bytes | None:
    """The first `width` entries of an encoded bundle (serving `.p/W`), or None if shorter."""
    pos = 0
    for _ in range(width):
        if pos + 2 > len(data):
            return None
        pos += 2 + struct.unpack_from(">H", data, pos)[0]
    return data[:pos] if pos <= len(data) else None


def bundle_width(data: bytes) -> int:
    """How many entries an encoded bundle holds (a truncated last one counts)."""
    count, pos = 0, 0
    while pos < len(data):
        pos += 2 + struct.unpack_from(">H", data, pos)[0] if pos + 2 <= len(data) else 2
        count += 1
    return count


class TileLog:
    """The Merkle state of one log: size, compact range, partial tiles and partial bundle."""

    def __init__(
        self,
        size: int,
        frontier: list[bytes],
        partial_tiles: dict[int, bytes],
        partial_bundle: list[bytes],
    ):
        if len(frontier) != bin(size).count("1"):
            raise ValueError(
                f"compact range has {len(frontier)} hashes, size {size} needs "
                f"{bin(size).count('1')}"
            )
        self._appender = Appender(size, frontier)
        self._tiles = {lvl: bytes(data) for lvl, data in partial_tiles.items() if data}
        self._bundle = list(partial_bundle)

    @classmethod
    def empty(cls) -> TileLog:
        return cls(0, [], {}, [])

    @property
    def size(self) -> int:
        return self._appender.size

    @property
    def frontier(self) -> list[bytes]:
        return list(self._appender.edge)

    def root(self) -> bytes:
        return self._appender.root()

    def append(self, entries: list[bytes]) -> tuple[dict[tuple[int, int], bytes], dict[int, bytes]]:
        """Append entries; return changed tiles {(level, n): data} and bundles {n: data}."""
        if not entries:
            return {}, {}
        old_size = self.size
        result = self._appender.append(leaf_hashes(entries))
        tiles_out: dict[tuple[int, int], bytes] = {}
        for tile, data in tile_data_for_append(old_size, result, self._old_tile).items():
            tiles_out[(tile.l, tile.n)] = data
            if tile.w == TILE_WIDTH:
                self._tiles.pop(tile.l, None)
            else:
                self._tiles[tile.l] = data
        return tiles_out, self._append_bundles(old_size, entries)

    def _old_tile(self, tile: Tile) -> bytes:
        """The stored prefix of a partial tile that this append extends."""
        return self._tiles.get(tile.l, b"")

    def _append_bundles(self, old_size: int, entries: list[bytes]) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        bundle, n, pos = self._bundle, old_size // TILE_WIDTH, 0
        while pos < len(entries):
            take = TILE_WIDTH - len(bundle)
            bundle.extend(entries[pos : pos + take])
            pos += take
            out[n] = encode_entries(bundle)
            if len(bundle) == TILE_WIDTH:
                bundle.clear()
                n += 1
        return out


def tile_width_at(size: int, level: int, n: int) -> int:
    """How many hashes tile `level/n` holds in a tree of `size` entries (0: none yet)."""
    count = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - n * TILE_WIDTH))


def partial_tile_coords(size: int) -> list[tuple[int, int, int]]:
    """(level, n, width) of every partial tile a tree of `size` has (what a reload needs)."""
    out, level = [], 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        if count % TILE_WIDTH:
            out.append((level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return out
