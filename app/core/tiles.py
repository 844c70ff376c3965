"""C2SP tlog-tiles v0.1.0 math — a port of golang.org/x/mod/sumdb/tlog (tile.go) —
and entry bundles.

tlog-tiles fixes the tile height at 8 (256 hashes a tile) and drops the height
from paths: ``tile/<L>/<N>[.p/<W>]`` for hash tiles and ``tile/entries/<N>[.p/<W>]``
for entry bundles (level -1 here). ``Tile.sumdb_path()`` / ``parse_tile_path(...,
sumdb=True)`` give Go's sumdb form ``tile/<H>/<L|data>/<N>[.p/<W>]``.

A tile reader is an object with ``read_tiles(tiles) -> list[bytes]`` and optionally
``save_tiles(tiles, data)`` (called once the tiles are authenticated).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from app.core.errors import EntryBundleError, TileError
from app.core.merkle import (
    HASH_SIZE,
    MAX_TREE_SIZE,
    AppendResult,
    HashReader,
    _pair_up,
    node_hash,
    split_stored_hash_index,
    stored_hash_index,
    subtree_indexes,
)

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
ENTRIES_LEVEL = -1
MAX_BUNDLE_ENTRY = 0xFFFF
_PATH_BASE = 1000


@dataclass(frozen=True, order=True)
class Tile:
    """Tile of height h at level l, number n, width w (w == 2**h: full).
    Level -1 is the entry bundle with the same n and w as the level-0 tile."""

    h: int
    l: int
    n: int
    w: int

    @property
    def full(self) -> bool:
        return self.w == 1 << self.h

    def _n_path(self) -> str:
        n = self.n
        s = f"{n % _PATH_BASE:03d}"
        while n >= _PATH_BASE:
            n //= _PATH_BASE
            s = f"x{n % _PATH_BASE:03d}/{s}"
        return s + ("" if self.full else f".p/{self.w}")

    def path(self) -> str:
        """tlog-tiles path: ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``."""
        if self.h != TILE_HEIGHT:
            raise TileError(f"tlog-tiles paths are for height {TILE_HEIGHT}, not {self.h}")
        level = "entries" if self.l == ENTRIES_LEVEL else str(self.l)
        return f"tile/{level}/{self._n_path()}"

    def sumdb_path(self) -> str:
        """Go sumdb path: ``tile/<H>/<L>/<N>[.p/<W>]`` (``data`` for level -1)."""
        level = "data" if self.l == ENTRIES_LEVEL else str(self.l)
        return f"tile/{self.h}/{level}/{self._n_path()}"

    def entries(self) -> Tile:
        """The entry bundle matching this level-0 tile."""
        return Tile(self.h, ENTRIES_LEVEL, self.n, self.w)

    def full_tile(self) -> Tile:
        return Tile(self.h, self.l, self.n, 1 << self.h)


def _decimal(s: str, path: str) -> int:
    if not s.isascii() or not s.isdigit() or (len(s) > 1 and s[0] == "0"):
        raise TileError(f"malformed tile path {path!r}: {s!r} is not a plain decimal")
    return int(s)


def parse_tile_path(path: str, sumdb: bool = False) -> Tile:
    """Parse a tlog-tiles path (or, with ``sumdb=True``, a Go sumdb tile path)."""
    if not isinstance(path, str):
        raise TileError("tile path must be text")
    f = path.split("/")
    min_len = 4 if sumdb else 3
    if len(f) < min_len or f[0] != "tile":
        raise TileError(f"malformed tile path {path!r}")
    if sumdb:
        h = _decimal(f[1], path)
        f = f[:1] + f[2:]
        if not 1 <= h <= 30:
            raise TileError(f"malformed tile path {path!r}: height {h} outside 1..30")
    else:
        h = TILE_HEIGHT
    level_s = f[1]
    if level_s == ("data" if sumdb else "entries"):
        level = ENTRIES_LEVEL
    else:
        level = _decimal(level_s, path)
        if level > 63:
            raise TileError(f"malformed tile path {path!r}: level {level} above 63")
    w = 1 << h
    rest = f[2:]
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        ww = _decimal(rest[-1], path)
        if not 0 < ww < w:
            raise TileError(f"malformed tile path {path!r}: partial width {ww} outside 1..{w - 1}")
        w = ww
        rest = rest[:-2] + [rest[-2][:-2]]
    if not rest:
        raise TileError(f"malformed tile path {path!r}")
    n = 0
    for i, s in enumerate(rest):
        last = i == len(rest) - 1
        if (not last) != s.startswith("x"):
            raise TileError(f"malformed tile path {path!r}: element {s!r}")
        digits = s[1:] if not last else s
        if len(digits) != 3 or not digits.isascii() or not digits.isdigit():
            raise TileError(f"malformed tile path {path!r}: element {s!r} is not 3 digits")
        n = n * _PATH_BASE + int(digits)
    if n > MAX_TREE_SIZE >> h:  # no tree this large; keeps every index a signed 64-bit int
        raise TileError(f"malformed tile path {path!r}: tile index out of range")
    tile = Tile(h, level, n, w)
    if (tile.sumdb_path() if sumdb else tile.path()) != path:
        raise TileError(f"malformed tile path {path!r}: not canonical")
    return tile


def _tile_for_index(h: int, index: int) -> tuple[Tile, int, int]:
    level, n = split_stored_hash_index(index)
    tl = level // h
    level -= tl * h
    tn = (n << level) >> h
    n -= (tn << h) >> level
    return (
        Tile(h, tl, tn, (n + 1) << level),
        (n << level) * HASH_SIZE,
        ((n + 1) << level) * HASH_SIZE,
    )


def tile_for_index(index: int, h: int = TILE_HEIGHT) -> Tile:
    """The least-width tile of height h holding stored-hash ``index``."""
    if h <= 0:
        raise TileError(f"invalid tile height {h}")
    return _tile_for_index(h, index)[0]


def tile_hash(data: bytes) -> bytes:
    """Subtree hash of the 2**k hashes in ``data`` (perfect subtree)."""
    hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    if not hashes or len(hashes) & (len(hashes) - 1):
        raise TileError(f"tile data of {len(hashes)} hashes is not a power of two")
    while len(hashes) > 1:
        hashes = _pair_up(hashes)
    return hashes[0]


def hash_from_tile(tile: Tile, data: bytes, index: int) -> bytes:
    """The hash at stored ``index``, from ``tile`` (or a wider version) and its data."""
    t = tile
    if not (1 <= t.h <= 30 and 0 <= t.l < 64 and 1 <= t.w <= 1 << t.h):
        raise TileError(f"invalid tile {t}")
    if len(data) < t.w * HASH_SIZE:
        raise TileError(f"data length {len(data)} too short for tile {t.sumdb_path()}")
    t1, start, end = _tile_for_index(t.h, index)
    if t.l != t1.l or t.n != t1.n or t.w < t1.w:
        raise TileError(f"index {index} is in {t1.sumdb_path()}, not {t.sumdb_path()}")
    return tile_hash(data[start:end])


def new_tiles(old_size: int, new_size: int, h: int = TILE_HEIGHT) -> list[Tile]:
    """Tiles to publish when growing the tree from old_size to new_size (full tiles
    completed and the new partial tile at each level)."""
    if h <= 0:
        raise TileError(f"invalid tile height {h}")
    tiles = []
    level = 0
    while new_size >> (h * level) > 0:
        old_n = old_size >> (h * level)
        new_n = new_size >> (h * level)
        if old_n != new_n:
            for n in range(old_n >> h, new_n >> h):
                tiles.append(Tile(h, level, n, 1 << h))
            n = new_n >> h
            w = new_n - (n << h)
            if w > 0:
                tiles.append(Tile(h, level, n, w))
        level += 1
    return tiles


def tiles_for_size(size: int, h: int = TILE_HEIGHT) -> list[Tile]:
    """Every tile (full and partial) of a tree of ``size``."""
    return new_tiles(0, size, h)


def read_tile_data(tile: Tile, reader: HashReader) -> bytes:
    """Tile data assembled from a stored-hash reader."""
    start = tile.n << tile.h
    indexes = [stored_hash_index(tile.h * tile.l, start + i) for i in range(tile.w)]
    hashes = reader.read_hashes(indexes)
    if len(hashes) != len(indexes):
        raise TileError(f"read_hashes({len(indexes)} indexes) returned {len(hashes)} hashes")
    return b"".join(hashes)


def tile_data_for_append(
    old_size: int,
    result: AppendResult,
    read_tile: Callable[[Tile], bytes] | Mapping[Tile, bytes] | None = None,
    h: int = TILE_HEIGHT,
) -> dict[Tile, bytes]:
    """Tile blobs to write after an Appender.append ``result`` (from old_size).

    For each tile of new_tiles(old_size, new_size), its data is the old partial
    tile's hashes (from ``read_tile(tile)``, called only for tiles whose old width is
    non-zero; or a dict Tile -> bytes) followed by the new hashes at that level.
    """
    new_size = result.new_size
    out: dict[Tile, bytes] = {}
    for t in new_tiles(old_size, new_size, h):
        lvl = t.l * h
        start = t.n << h  # first position of the tile at tree level lvl
        old_count = old_size >> lvl
        base = b""
        old_w = old_count - start
        if old_w > 0:
            old_tile = Tile(h, t.l, t.n, min(old_w, 1 << h))
            if read_tile is None:
                raise TileError(f"old partial tile {old_tile.sumdb_path()} is needed")
            base = read_tile[old_tile] if isinstance(read_tile, Mapping) else read_tile(old_tile)
            if len(base) != old_tile.w * HASH_SIZE:
                raise TileError(
                    f"old tile {old_tile.sumdb_path()} has {len(base)} bytes, "
                    f"expected {old_tile.w * HASH_SIZE}"
                )
        new_hashes = result.level_hashes(lvl)
        lo = max(start, old_count) - old_count
        out[t] = base + b"".join(new_hashes[lo : start + t.w - old_count])
        if len(out[t]) != t.w * HASH_SIZE:
            raise TileError(f"bad math building tile {t.sumdb_path()}")
    return out


def _tile_parent(t: Tile, k: int, n: int) -> Tile | None:
    level = t.l + k
    tn = t.n >> (k * t.h)
    w = 1 << t.h
    mx = n >> (level * t.h)
    if (tn << t.h) + w >= mx:
        if (tn << t.h) >= mx:
            return None
        w = mx - (tn << t.h)
    return Tile(t.h, level, tn, w)


@runtime_checkable
class TileReader(Protocol):
    """A source of tiles in bulk: a peer or a store (see the module docstring)."""

    def read_tiles(self, tiles: list[Tile]) -> list[bytes]: ...


def _parent(t: Tile, k: int, n: int) -> Tile:
    """_tile_parent for a tile known to be in the tree of size n."""
    p = _tile_parent(t, k, n)
    if p is None:
        raise TileError(f"bad math: tile {t} has no level-{k} parent in a tree of size {n}")
    return p


class TileHashReader:
    """A hash reader that loads tiles of the tree (tree_size, root) from
    ``tile_reader`` and authenticates every tile it uses against the root before
    returning any hash (tile.go TileHashReader)."""

    def __init__(
        self,
        tree_size: int,
        root: bytes,
        tile_reader: TileReader | Callable[[Tile], bytes | None],
        h: int = TILE_HEIGHT,
    ) -> None:
        self.tree_size = tree_size
        self.root = root
        self.tile_reader = tile_reader
        self.h: int = getattr(tile_reader, "height", h)

    def _read_tiles(self, tiles: list[Tile]) -> list[bytes | None]:
        r = self.tile_reader
        if isinstance(r, TileReader):
            return list(r.read_tiles(tiles))
        return [r(t) for t in tiles]

    def read_hashes(self, indexes: list[int]) -> list[bytes]:
        h, size = self.h, self.tree_size
        order: dict[Tile, int] = {}
        tiles: list[Tile] = []
        stx = subtree_indexes(size)
        stx_order = []
        for x in stx:
            t = _parent(_tile_for_index(h, x)[0], 0, size)
            if t not in order:
                order[t] = len(tiles)
                tiles.append(t)
            stx_order.append(order[t])
        index_order = []
        limit = stored_hash_index(0, size)
        for x in indexes:
            if not 0 <= x < limit:
                raise TileError(f"hash index {x} is not in the tree of size {size}")
            tile = _tile_for_index(h, x)[0]
            k = 0
            while True:
                p = _tile_parent(tile, k, size)
                if p is None:
                    raise TileError(f"bad math: no parent tile for index {x} in tree {size}")
                if p in order:
                    break
                k += 1
            for kk in range(k - 1, -1, -1):
                p = _parent(tile, kk, size)
                if not p.full:
                    raise TileError(f"bad math in TileHashReader: {size} {x} {p}")
                order[p] = len(tiles)
                tiles.append(p)
            index_order.append(order[_parent(tile, 0, size)])
        fetched = self._read_tiles(tiles)
        if len(fetched) != len(tiles):
            raise TileError(f"tile reader returned {len(fetched)} tiles, want {len(tiles)}")
        data: list[bytes] = []
        for t, d in zip(tiles, fetched):
            if not isinstance(d, (bytes, bytearray)) or len(d) != t.w * HASH_SIZE:
                raise TileError(
                    f"tile {t.sumdb_path()} has {len(d) if d else 0} bytes, want {t.w * HASH_SIZE}"
                )
            data.append(bytes(d))
        # Authenticate the tiles holding the tree's subtree roots against the root.
        if stx:
            th = hash_from_tile(tiles[stx_order[-1]], data[stx_order[-1]], stx[-1])
            for i in range(len(stx) - 2, -1, -1):
                th = node_hash(hash_from_tile(tiles[stx_order[i]], data[stx_order[i]], stx[i]), th)
            if th != self.root:
                raise TileError("downloaded inconsistent tile: tiles do not hash to the tree root")
        # Then each further (full) tile against its parent, parents first. Start right
        # after the subtree-root tiles: tile.go starts at len(stx), which skips a tile
        # whenever two subtree roots share one (e.g. size 259, leaf 5 -- see
        # test_tile_hash_reader_rejects_tampered_tiles).
        for i in range(len(stx_order) and max(stx_order) + 1, len(tiles)):
            t = tiles[i]
            p = _tile_parent(t, 1, size)
            j = order.get(p) if p is not None else None
            if p is None or j is None:
                raise TileError(f"bad math in TileHashReader: lost parent of {t}")
            ph = hash_from_tile(p, data[j], stored_hash_index(p.l * p.h, t.n))
            if ph != tile_hash(data[i]):
                raise TileError(f"downloaded inconsistent tile {t.sumdb_path()}")
        save = getattr(self.tile_reader, "save_tiles", None)
        if save is not None:
            save(tiles, data)
        return [hash_from_tile(tiles[j], data[j], x) for j, x in zip(index_order, indexes)]


# --- entry bundles ------------------------------------------------------------------


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Concatenate entries, each prefixed by its big-endian uint16 length."""
    parts = []
    pack = struct.Struct(">H").pack
    for i, e in enumerate(entries):
        if len(e) > MAX_BUNDLE_ENTRY:
            raise EntryBundleError(
                f"entry {i} is {len(e)} bytes; bundles hold at most {MAX_BUNDLE_ENTRY}"
            )
        parts.append(pack(len(e)))
        parts.append(bytes(e))
    return b"".join(parts)


def decode_entry_bundle(data: bytes, count: int | None = None) -> list[bytes]:
    """Split a bundle into entries; ``count`` (if given) must match exactly."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise EntryBundleError("bundle data must be bytes")
    data = bytes(data)
    out: list[bytes] = []
    pos, end = 0, len(data)
    while pos < end:
        if pos + 2 > end:
            raise EntryBundleError(
                f"bundle truncated in the length of entry {len(out)} at byte {pos}"
            )
        n = (data[pos] << 8) | data[pos + 1]
        pos += 2
        if pos + n > end:
            raise EntryBundleError(f"entry {len(out)} claims {n} bytes but only {end - pos} remain")
        out.append(data[pos : pos + n])
        pos += n
        if count is not None and len(out) > count:
            raise EntryBundleError(f"bundle has more than the {count} entries expected")
    if count is not None and len(out) != count:
        raise EntryBundleError(f"bundle has {len(out)} entries, expected {count}")
    return out
