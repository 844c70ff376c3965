"""Pixels of the map at one scale, Qt-free.

A *scale* maps lon/lat to an unbounded grid of "global" pixels: column = floor(x * sx),
row = floor(y * sy) (sy < 0: rows grow southwards).  A :class:`Block` is a rectangle of
that grid; every rendered image is one, so images of the same scale line up exactly
when shifted by whole pixels, which is what lets a pan reuse the last frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Rect = tuple[int, int, int, int]  # (gx, gy, width, height) in global pixels


def scale_key(sx: float, sy: float) -> tuple[float, float]:
    """Scales equal to 10 significant digits share images: a pan recomputes the
    transform from the view range and may change its last bits."""
    return float(f"{sx:.10g}"), float(f"{sy:.10g}")


@dataclass(frozen=True)
class Block:
    """``width`` x ``height`` global pixels whose top-left is global pixel (gx, gy)."""

    sx: float  # pixels per degree of longitude (> 0)
    sy: float  # pixels per degree of latitude (< 0)
    gx: int
    gy: int
    width: int
    height: int

    @property
    def rect(self) -> Rect:
        return self.gx, self.gy, self.width, self.height

    def bbox(self, margin_px: float = 0.0) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in degrees covered by the block, grown by a margin."""
        x0 = (self.gx - margin_px) / self.sx
        x1 = (self.gx + self.width + margin_px) / self.sx
        ya = (self.gy - margin_px) / self.sy
        yb = (self.gy + self.height + margin_px) / self.sy
        return x0, min(ya, yb), x1, max(ya, yb)

    def grown(self, margin: int) -> Block:
        return Block(
            self.sx,
            self.sy,
            self.gx - margin,
            self.gy - margin,
            self.width + 2 * margin,
            self.height + 2 * margin,
        )

    @property
    def deg_per_px(self) -> float:
        return 1.0 / max(abs(self.sx), abs(self.sy))


def device_block(
    sx: float, sy: float, dx: float, dy: float, left: int, top: int, width: int, height: int
) -> tuple[Block, float, float]:
    """The block of global pixels behind device pixels [left, left+width) x [top, top+
    height) for the transform device = world * s + d, and the device position of the
    block's top-left (fractional: the caller draws the block there)."""
    gx = math.floor(left - dx)
    gy = math.floor(top - dy)
    return Block(sx, sy, gx, gy, width + 1, height + 1), gx + dx, gy + dy


def subtract(a: Rect, b: Rect) -> list[Rect]:
    """Parts of rectangle a not covered by b (at most four rectangles)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix0, iy0 = max(ax, bx), max(ay, by)
    ix1, iy1 = min(ax + aw, bx + bw), min(ay + ah, by + bh)
    if ix0 >= ix1 or iy0 >= iy1:
        return [a] if aw > 0 and ah > 0 else []
    out = []
    if iy0 > ay:
        out.append((ax, ay, aw, iy0 - ay))
    if iy1 < ay + ah:
        out.append((ax, iy1, aw, ay + ah - iy1))
    if ix0 > ax:
        out.append((ax, iy0, ix0 - ax, iy1 - iy0))
    if ix1 < ax + aw:
        out.append((ix1, iy0, ax + aw - ix1, iy1 - iy0))
    return out


def intersect(a: Rect, b: Rect) -> Rect | None:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    x0, y0 = max(ax, bx), max(ay, by)
    x1, y1 = min(ax + aw, bx + bw), min(ay + ah, by + bh)
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, y0, x1 - x0, y1 - y0
