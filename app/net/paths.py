"""URL paths of C2SP tlog-tiles v0.1.0, as (level, n, width) triples for the HTTP layer.

Thin wrappers over app.core.tiles: `width=None` means a full tile/bundle, `level=None`
an entry bundle.
"""

from __future__ import annotations

from app.core.errors import TileError
from app.core.merkle import HASH_SIZE
from app.core.tiles import ENTRIES_LEVEL, TILE_HEIGHT, TILE_WIDTH, Tile, parse_tile_path

TilePathError = TileError

__all__ = [
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TilePathError",
    "tile_path",
    "bundle_path",
    "parse_resource",
]


def tile_path(level: int, n: int, width: int | None = None) -> str:
    return Tile(TILE_HEIGHT, level, n, width or TILE_WIDTH).path()


def bundle_path(n: int, width: int | None = None) -> str:
    return Tile(TILE_HEIGHT, ENTRIES_LEVEL, n, width or TILE_WIDTH).path()


def parse_resource(path: str) -> tuple[str, int | None, int, int | None]:
    """'tile/…' -> (kind 'tile'|'entries', level or None, n, width or None if full)."""
    t = parse_tile_path(path)
    width = None if t.full else t.w
    if t.l == ENTRIES_LEVEL:
        return "entries", None, t.n, width
    return "tile", t.l, t.n, width
