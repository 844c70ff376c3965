"""Growing a log's tiles in memory: the sequencer's Merkle bookkeeping.

A compact range (one perfect-subtree hash per set bit of the tree size) gives the root in
O(log n) and, as a by-product of its merges, exactly the hashes tlog-tiles stores at levels
above 0: a merge producing a subtree of height 8·L is hash number i of level L. So each
appended leaf costs its leaf hash plus, on average, one node hash; nothing is recomputed.

Only the partial (rightmost) tile of each level and the partial entry bundle are kept in
memory; `append` returns the tile and bundle rows that changed, ready to be upserted.
"""
from __future__ import annotations

import hashlib
import struct

from app.core.merkle import EMPTY_HASH as EMPTY_ROOT
from app.core.merkle import HASH_SIZE, node_hash, record_hash as leaf_hash
from app.core.tiles import decode_bundle as decode_entries
from app.core.tiles import encode_bundle as encode_entries

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
_sha256 = hashlib.sha256

__all__ = ["EMPTY_ROOT", "HASH_SIZE", "TILE_HEIGHT", "TILE_WIDTH", "TileLog", "bundle_prefix",
           "decode_entries", "encode_entries", "frontier_heights", "leaf_hash", "node_hash",
           "partial_tile_coords", "root_from_frontier"]


def frontier_heights(size: int) -> list[int]:
    """Heights of the compact range's subtrees for a tree of `size` leaves, largest first."""
    return [b for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1]


def root_from_frontier(frontier: list[bytes]) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    h = frontier[-1]
    for left in reversed(frontier[:-1]):
        h = node_hash(left, h)
    return h


def bundle_prefix(data: bytes, width: int) -> bytes | None:
    """The first `width` entries of an encoded bundle (serving `.p/W`), or None if shorter."""
    pos = 0
    for _ in range(width):
        if pos + 2 > len(data):
            return None
        pos += 2 + struct.unpack_from(">H", data, pos)[0]
    return data[:pos] if pos <= len(data) else None


class TileLog:
    """The Merkle state of one log: size, compact range, partial tiles and partial bundle."""

    def __init__(self, size: int, frontier: list[bytes], partial_tiles: dict[int, bytes],
                 partial_bundle: list[bytes]):
        if len(frontier) != bin(size).count("1"):
            raise ValueError(f"compact range has {len(frontier)} hashes, size {size} needs "
                             f"{bin(size).count('1')}")
        self.size = size
        self._frontier = list(zip(frontier_heights(size), frontier))
        self._tiles = {lvl: bytearray(data) for lvl, data in partial_tiles.items()}
        self._bundle = list(partial_bundle)

    @classmethod
    def empty(cls) -> "TileLog":
        return cls(0, [], {}, [])

    @property
    def frontier(self) -> list[bytes]:
        return [h for _, h in self._frontier]

    def root(self) -> bytes:
        return root_from_frontier(self.frontier)

    def append(self, entries: list[bytes]) -> tuple[dict[tuple[int, int], bytes],
                                                     dict[int, bytes]]:
        """Append entries; return changed tiles {(level, n): data} and bundles {n: data}."""
        touched: set[int] = set()
        tiles_out: dict[tuple[int, int], bytes] = {}
        bundles_out: dict[int, bytes] = {}
        frontier, tiles, bundle = self._frontier, self._tiles, self._bundle
        size = self.size
        for entry in entries:
            h = _sha256(b"\x00" + entry).digest()
            height = 0
            self._tile_append(0, size, h, tiles, tiles_out, touched)
            while frontier and frontier[-1][0] == height:
                h = _sha256(b"\x01" + frontier.pop()[1] + h).digest()
                height += 1
                if height % TILE_HEIGHT == 0:
                    level = height // TILE_HEIGHT
                    self._tile_append(level, size >> height, h, tiles, tiles_out, touched)
            frontier.append((height, h))
            bundle.append(entry)
            if len(bundle) == TILE_WIDTH:
                bundles_out[size // TILE_WIDTH] = encode_entries(bundle)
                bundle.clear()
            size += 1
        self.size = size
        for level in touched:
            data = tiles.get(level)
            if data:
                tiles_out[(level, (size >> (TILE_HEIGHT * level)) // TILE_WIDTH)] = bytes(data)
        if bundle:
            bundles_out[size // TILE_WIDTH] = encode_entries(bundle)
        return tiles_out, bundles_out

    @staticmethod
    def _tile_append(level, index, h, tiles, tiles_out, touched) -> None:
        """Add hash number `index` of `level`; a completed tile goes to tiles_out at once."""
        buf = tiles.setdefault(level, bytearray())
        buf += h
        touched.add(level)
        if len(buf) == TILE_WIDTH * HASH_SIZE:
            tiles_out[(level, index // TILE_WIDTH)] = bytes(buf)
            buf.clear()


def partial_tile_coords(size: int) -> list[tuple[int, int, int]]:
    """(level, n, width) of every partial tile a tree of `size` has (what a reload needs)."""
    out, level = [], 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        if count % TILE_WIDTH:
            out.append((level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return out
