"""Drawing marks into a flat uint32 ARGB32-premultiplied image with numpy."""

from __future__ import annotations

from functools import cache

import numpy as np

from app.gis.render.palette import with_alpha
from app.gis.render.ranges import concat_ranges

# Opacity of a density pixel by the number of points in it (1, 2-3, 4-7, 8+).
DENSITY_ALPHA = np.array([160, 200, 230, 255], np.uint32)
_SHORT = (1, 2, 4, 8)  # segments up to this many pixels long: sampled by broadcasting
_DENSITY_LEVEL = np.minimum(3, np.log2(np.maximum(np.arange(64), 1)).astype(np.int64))


class Scratch:
    """A reusable image buffer: a fresh multi-megabyte array pays its page faults on
    every band.  One user at a time (the UI thread)."""

    def __init__(self) -> None:
        self._buf = np.empty(0, np.uint32)

    def zeros(self, n: int, value: int = 0) -> np.ndarray:
        """``n`` pixels set to ``value`` (0: transparent)."""
        if len(self._buf) < n:
            self._buf = np.empty(n, np.uint32)
        out = self._buf[:n]
        out.fill(value)
        return out


@cache
def disc(radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (dx, dy) of a filled disc."""
    r = np.arange(-radius, radius + 1)
    ox, oy = np.meshgrid(r, r)
    keep = ox**2 + oy**2 <= radius**2 + radius * 0.8
    return ox[keep], oy[keep]


def stamp(
    img: np.ndarray,
    w: int,
    h: int,
    px: np.ndarray,
    py: np.ndarray,
    colors: np.ndarray,
    radius: int,
    outline: np.uint32 | None = None,
    ring: int = 1,
) -> None:
    """A disc of ``radius`` px per point into the flat image ``img`` (h * w), in point
    order (a later point covers an earlier one, also across the edge of a block, so a
    view cut into blocks gives the same pixels); with ``outline``, inside a ring of
    ``ring`` px."""
    if len(px) == 0:
        return
    r_out = radius + ring if outline is not None else radius
    ox, oy = disc(r_out)
    per_point = (
        np.broadcast_to(colors[:, None], (len(px), len(ox)))
        if outline is None
        else np.where(
            (ox**2 + oy**2 <= radius**2 + radius * 0.8)[None, :],
            colors[:, None],
            np.uint32(outline),
        )
    )
    qx = px.astype(np.int64)[:, None] + ox[None, :]
    qy = py.astype(np.int64)[:, None] + oy[None, :]
    clear = (px >= r_out) & (px < w - r_out) & (py >= r_out) & (py < h - r_out)
    if clear.all():
        img[(qy * w + qx).ravel()] = per_point.ravel()
        return
    ok = (qx >= 0) & (qx < w) & (qy >= 0) & (qy < h)
    img[(qy * w + qx)[ok]] = per_point[ok]


def density(
    img: np.ndarray,
    w: int,
    h: int,
    px: np.ndarray,
    py: np.ndarray,
    key: np.ndarray,
    palette: np.ndarray,
    weight: np.ndarray | None = None,
) -> None:
    """One pixel per point (or per weighted cell), its opacity growing with the number
    of points in the pixel: a density image without a pass over every pixel."""
    inb = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    if not inb.all():
        px, py, key = px[inb], py[inb], key[inb]
        weight = None if weight is None else weight[inb]
    flat = py.astype(np.int64) * w + px
    counts = np.bincount(flat, weights=weight, minlength=h * w)
    level = _DENSITY_LEVEL[np.minimum(counts[flat], len(_DENSITY_LEVEL) - 1).astype(np.intp)]
    shaded = with_alpha(
        np.repeat(palette, len(DENSITY_ALPHA)), np.tile(DENSITY_ALPHA, len(palette))
    )
    img[flat] = shaded[key.astype(np.intp) * len(DENSITY_ALPHA) + level]


def polylines(
    img: np.ndarray,
    w: int,
    h: int,
    x: np.ndarray,
    y: np.ndarray,
    joins_previous: np.ndarray,
    colors: np.ndarray,
) -> None:
    """1-px polylines into the flat image: each segment (a vertex joined to the one
    before) sampled at least once per pixel of its longer side, in the colour of its end
    vertex.  Costs the pixels drawn, where QPainter costs a path element per vertex.

    Zoomed out, most segments of a merged line are at most a pixel long, so every vertex
    is plotted first (that draws those segments whole); longer ones get their inner
    samples by length class with broadcasting, and only the few longer than 8 px are
    clipped and walked pixel by pixel."""
    if len(x) == 0:
        return
    _plot(img, w, h, x, y, colors)
    dx, dy = np.diff(x), np.diff(y)
    length = np.maximum(np.abs(dx), np.abs(dy))
    seg = np.flatnonzero((joins_previous[1:] != 0) & (length > 1))  # from seg to seg + 1
    if len(seg) == 0:
        return
    x0, y0, dx, dy, length = x[seg], y[seg], dx[seg], dy[seg], length[seg]
    c = colors[seg + 1]
    # A class of n samples takes lengths below n: steps of exactly one pixel let
    # rounding skip one (floor(225 - 118.00000000000001) is 106).
    lo = 1.0
    for n in _SHORT[1:]:
        cls = (
            np.flatnonzero(length < n)
            if n == _SHORT[1]
            else np.flatnonzero((length >= lo) & (length < n))
        )
        lo = n
        if len(cls) == 0:
            continue
        t = np.arange(1, n) / n  # the inner samples; the ends are vertices
        _plot(
            img,
            w,
            h,
            x0[cls, None] + dx[cls, None] * t,
            y0[cls, None] + dy[cls, None] * t,
            np.broadcast_to(c[cls, None], (len(cls), n - 1)),
        )
    long = np.flatnonzero(length >= lo)
    if len(long):
        _long_segments(img, w, h, x0[long], y0[long], dx[long], dy[long], c[long])


def _plot(img: np.ndarray, w: int, h: int, fx: np.ndarray, fy: np.ndarray, c: np.ndarray) -> None:
    """Pixels at floor(fx), floor(fy) set to c, those inside the image only."""
    px = np.floor(fx).astype(np.int64).ravel()
    py = np.floor(fy).astype(np.int64).ravel()
    ok = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    img[(py * w + px)[ok]] = np.ravel(c)[ok]


def _long_segments(img, w, h, x0, y0, dx, dy, colors) -> None:
    """Segments clipped to the image (Liang-Barsky), then one sample per pixel: a long
    segment far off the block (a zoomed-in view) costs its visible pixels only."""
    lo, hi = np.zeros(len(x0)), np.ones(len(x0))
    for p0, d, size in ((x0, dx, w), (y0, dy, h)):
        with np.errstate(divide="ignore", invalid="ignore"):
            ta, tb = (-1 - p0) / d, (size + 1 - p0) / d
        flat = d == 0
        inside = (p0 >= -1) & (p0 <= size + 1)
        ta = np.where(flat, np.where(inside, -np.inf, np.inf), ta)
        tb = np.where(flat, np.where(inside, np.inf, -np.inf), tb)
        lo = np.maximum(lo, np.minimum(ta, tb))
        hi = np.minimum(hi, np.maximum(ta, tb))
    vis = lo <= hi
    if not vis.any():
        return
    x0, y0 = x0[vis] + lo[vis] * dx[vis], y0[vis] + lo[vis] * dy[vis]
    span = hi[vis] - lo[vis]
    dx, dy, colors = dx[vis] * span, dy[vis] * span, colors[vis]
    n = np.ceil(np.maximum(np.abs(dx), np.abs(dy))).astype(np.int64) + 2  # steps < 1 px
    first = np.concatenate([[0], np.cumsum(n)[:-1]])
    t = (np.arange(int(n.sum())) - np.repeat(first, n)) / np.repeat(np.maximum(n - 1, 1), n)
    _plot(
        img,
        w,
        h,
        np.repeat(x0, n) + t * np.repeat(dx, n),
        np.repeat(y0, n) + t * np.repeat(dy, n),
        np.repeat(colors, n),
    )


def fill_polygons(
    img: np.ndarray,
    w: int,
    h: int,
    x: np.ndarray,
    y: np.ndarray,
    joins_previous: np.ndarray,
    group: np.ndarray,
    colors: np.ndarray,
) -> None:
    """Closed rings filled with the non-zero winding rule, one union per group, each
    group blended over the image in turn with its premultiplied colour ``colors[g]``
    (what QPainter does with one winding-filled path per colour).  ``group`` is per
    vertex; a pixel is inside when its centre is (scanlines at row + 0.5).  Rings
    oriented with exteriors one way and holes the other: overlapping polygons are each
    filled, holes stay holes."""
    edge = np.flatnonzero(joins_previous[1:] != 0) + 1  # edge from edge-1 to edge
    if len(edge) == 0:
        return
    xa, ya, xb, yb = x[edge - 1], y[edge - 1], x[edge], y[edge]
    # Rows whose centre an edge crosses: r + 0.5 in [min y, max y).
    r0 = np.maximum(np.ceil(np.minimum(ya, yb) - 0.5), 0)
    r1 = np.minimum(np.ceil(np.maximum(ya, yb) - 0.5), h)
    n = np.maximum(r1 - r0, 0).astype(np.int64)
    if n.sum() == 0:
        return
    keep = np.flatnonzero(n)
    xa, ya, xb, yb, r0, n = xa[keep], ya[keep], xb[keep], yb[keep], r0[keep], n[keep]
    g = group[edge[keep]]
    wind = np.where(yb > ya, 1, -1).astype(np.int32)
    slope = (xb - xa) / (yb - ya)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    of = np.repeat(np.arange(len(n)), n)
    row = (np.arange(int(n.sum())) - start[of] + r0[of]).astype(np.int64)
    cx = xa[of] + (row + 0.5 - ya[of]) * slope[of]
    g, wind = g[of], wind[of]
    # Crossings by (group, row, x); the winding number after each crossing says whether
    # the span to the next crossing of the same row is inside.
    order = np.lexsort((cx, row, g))
    g, row, cx, wind = g[order], row[order], cx[order], wind[order]
    inside = np.cumsum(wind)
    line = (g[1:] == g[:-1]) & (row[1:] == row[:-1])
    # cumsum runs across rows: the winding is 0 again at each row's end (every ring
    # crosses a row's centre line as often up as down), so no reset is needed.
    span = np.flatnonzero(line & (inside[:-1] != 0))
    c0 = np.clip(np.ceil(cx[span] - 0.5), 0, w).astype(np.int64)
    c1 = np.clip(np.ceil(cx[span + 1] - 0.5), 0, w).astype(np.int64)
    ok = c1 > c0
    span, c0, c1 = span[ok], c0[ok], c1[ok]
    if len(span) == 0:
        return
    lengths = c1 - c0
    pix = concat_ranges(row[span] * w + c0, row[span] * w + c1)
    pg = np.repeat(g[span], lengths)
    for k in np.unique(pg):
        at = pix[pg == k]
        img[at] = _over(colors[k], img[at])


def _over(color: np.uint32, under: np.ndarray) -> np.ndarray:
    """Premultiplied ``color`` composited over the pixels ``under`` (source-over)."""
    inv = np.uint32(255 - (int(color) >> 24))
    out = np.full(len(under), color, np.uint32)
    for shift in (0, 8, 16, 24):
        ch = (under >> np.uint32(shift)) & np.uint32(255)
        out += ((ch * inv + np.uint32(127)) // np.uint32(255)) << np.uint32(shift)
    return out
