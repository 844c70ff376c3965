"""URL paths of C2SP tlog-tiles v0.1.0: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`.

Unlike golang.org/x/mod/sumdb/tlog (which puts the tile height in the path), tlog-tiles
fixes the height at 8 and leaves it out of the URL.
"""
from __future__ import annotations

import re

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes in a full tile, entries in a full bundle
HASH_SIZE = 32

_ELEMENT = re.compile(r"^(x\d{3}/)*\d{3}$")


class TilePathError(ValueError):
    """A URL path that is not a tlog-tiles resource."""


def encode_index(n: int) -> str:
    """1234067 -> 'x001/x234/067' (3-digit groups, all but the last prefixed with x)."""
    if n < 0:
        raise ValueError(f"negative tile index {n}")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def _suffix(width: int | None) -> str:
    if width is None or width == TILE_WIDTH:
        return ""
    if not 1 <= width < TILE_WIDTH:
        raise ValueError(f"tile width {width} outside 1..255")
    return f".p/{width}"


def tile_path(level: int, n: int, width: int | None = None) -> str:
    return f"tile/{level}/{encode_index(n)}{_suffix(width)}"


def bundle_path(n: int, width: int | None = None) -> str:
    return f"tile/entries/{encode_index(n)}{_suffix(width)}"


def parse_resource(path: str) -> tuple[str, int | None, int, int | None]:
    """Parse 'tile/…' into (kind, level, n, width): kind 'tile' or 'entries'.

    Level is None for entry bundles; width None means a full tile/bundle.
    """
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise TilePathError(f"not a tile path: {path!r}")
    if parts[1] == "entries":
        kind, level = "entries", None
    elif re.fullmatch(r"0|[1-9]\d?", parts[1]) and int(parts[1]) <= 63:
        kind, level = "tile", int(parts[1])
    else:
        raise TilePathError(f"bad tile level {parts[1]!r} in {path!r}")
    rest = parts[2:]
    width = None
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        w = rest[-1]
        if not re.fullmatch(r"[1-9]\d{0,2}", w) or int(w) >= TILE_WIDTH:
            raise TilePathError(f"bad partial width {w!r} in {path!r}")
        width = int(w)
        rest = rest[:-2] + [rest[-2][:-2]]
    index = "/".join(rest)
    if not _ELEMENT.match(index):
        raise TilePathError(f"bad tile index {index!r} in {path!r}")
    n = int("".join(g.lstrip("x") for g in rest))
    if encode_index(n) != index:  # no extra leading groups like x000/001
        raise TilePathError(f"non-canonical tile index {index!r} in {path!r}")
    return kind, level, n, width
