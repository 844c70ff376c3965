"""Lines and polygons as flat coordinate arrays, and their paths per block (Qt-free).

A :class:`ShapeSet` holds every vertex once, as float32 offsets from an origin (a
centimetre over a province), with the start of each ring (or line) and the first ring
of each shape: no per-shape Python or GEOS object, and one pass of
``shapely.to_ragged_array`` to build (no temporary geometries).  Polygon rings are
oriented once (exteriors counter-clockwise, holes clockwise), so a renderer filling
with the non-zero winding rule fills every polygon, where two overlap too, and leaves
holes empty.

Level of detail is computed per block, in pixels: consecutive vertices that fall in
the same pixel are merged (a ring or line keeps its ends, and keeps all its vertices
if merging would leave too few).  So the vertices drawn are bounded by the pixels a
shape crosses, at any zoom, with nothing precomputed per zoom level.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from app.gis.render.ranges import concat_ranges
from app.gis.render.viewport import Block, scale_key

Ragged = tuple[Any, np.ndarray, tuple[np.ndarray, ...]]  # shapely.to_ragged_array's


class ShapeSet:
    """Lines or polygons (``rings=True``) of a table, by position in ``geoms``.

    Construction only takes the bounds; :meth:`prepare` (the vertices) may run in a
    background thread — numpy releases the GIL — and sets ``ready``."""

    def __init__(
        self,
        bounds: np.ndarray,
        source: Callable[[], Ragged],
        rings: bool,
        origin: tuple[float, float],
    ):
        """``bounds`` (n, 4) of the shapes; ``source()`` gives their ragged arrays
        (called once, by :meth:`prepare`)."""
        self.rings = rings
        self.origin = origin
        self.n = len(bounds)
        self.bounds = np.asarray(bounds, np.float64).reshape(-1, 4)
        self.extent = np.maximum(
            self.bounds[:, 2] - self.bounds[:, 0], self.bounds[:, 3] - self.bounds[:, 1]
        )
        self._source: Callable[[], Ragged] | None = source
        self.x = self.y = np.empty(0, np.float32)
        self.ring_start = np.zeros(1, np.int64)  # ring r: vertices ring_start[r]:[r+1]
        self.geom_ring = np.zeros(self.n + 1, np.int64)  # shape g: rings geom_ring[g]:[g+1]
        self.ready = self.n == 0
        self._thread: threading.Thread | None = None
        self._large: tuple[float, np.ndarray, np.ndarray] | None = None
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._merged_cache: _MergedCache | None = None
        # The large shapes near the last view: (its bbox, positions, their bounds).
        self._near: tuple[tuple[float, float, float, float], np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, geoms: np.ndarray, rings: bool, origin: tuple[float, float]) -> ShapeSet:
        """From shapely geometries (one family)."""
        return cls(
            shapely.bounds(geoms) if len(geoms) else np.empty((0, 4)),
            lambda: shapely.to_ragged_array(geoms),
            rings,
            origin,
        )

    def __len__(self) -> int:
        return self.n

    def prepare(self) -> None:
        source, self._source = self._source, None
        if self.ready or source is None:
            return
        kind, coords, offsets = source()
        G = shapely.GeometryType
        if kind == G.LINESTRING:
            ring_start, geom_ring = offsets[0], np.arange(self.n + 1)
        elif kind == G.MULTILINESTRING:
            ring_start, geom_ring = offsets
        elif kind == G.POLYGON:
            ring_start, geom_ring = offsets
            part_ring = geom_ring
        elif kind == G.MULTIPOLYGON:
            ring_start, part_ring, geom_part = offsets
            geom_ring = part_ring[geom_part]
        else:
            raise ValueError(f"ShapeSet takes lines or polygons, got {kind!r}")
        ring_start = np.asarray(ring_start, np.int64)
        if self.rings:
            # Exterior: the first ring of each polygon part.
            exterior = np.zeros(len(ring_start) - 1, bool)
            exterior[np.asarray(part_ring[:-1], np.int64)] = True
            coords = _oriented(coords, ring_start, exterior)
        self.x = (coords[:, 0] - self.origin[0]).astype(np.float32)
        self.y = (coords[:, 1] - self.origin[1]).astype(np.float32)
        self.ring_start = ring_start
        self.geom_ring = np.asarray(geom_ring, np.int64)
        self._by_extent()
        self.ready = True

    def prepare_in_background(self) -> None:
        self._thread = threading.Thread(target=self.prepare, name="map-shapes", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def in_block(
        self, block: Block, min_extent: float, margin_px: float, window: Block | None = None
    ) -> np.ndarray:
        """Positions of the shapes at least ``min_extent`` wide that touch the block.

        ``window`` (the view the block is a band of) lets the bands of one view filter
        only the shapes near it: zoomed in, the large shapes are most of the table, and
        testing them all per band was a quarter of a zoom's complete picture."""
        if self.n == 0:
            return np.empty(0, np.int64)
        # The large shapes of the last threshold, with their bounds: a scale's bands
        # all ask with the same one, and zoomed out they are a small share.
        if self._large is None or self._large[0] != min_extent:
            order, neg_extent, bounds = self._by_extent()
            k = int(np.searchsorted(neg_extent, -min_extent, side="right"))
            self._large = (min_extent, order[:k], bounds[:k])
            self._near = None
        _, which, b = self._large
        bbox = block.bbox(margin_px)
        if window is not None:
            near = self._near
            if near is None or not _contains(near[0], bbox):
                # A quarter of the view more on each side: the strips of a pan stay inside.
                grown = window.grown(max(window.width, window.height) // 4).bbox(margin_px)
                at = touching(b, grown)
                near = self._near = (grown, which[at], b[at])
            which, b = near[1], near[2]
        return which[touching(b, bbox)]

    def _by_extent(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions by decreasing extent, their negated extents and their bounds: the
        shapes past a size are a prefix (a view at a new scale took two passes over
        every shape and a gather of their bounds)."""
        if self._sorted is None:
            order = np.argsort(-self.extent, kind="stable")
            self._sorted = (order, -self.extent[order], self.bounds[order])
        return self._sorted

    def path_arrays(
        self, block: Block, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Block pixel coordinates of the shapes ``which`` at one-pixel detail, and per
        vertex 1 if it connects to the one before (0 starts a ring or line)."""
        x, y, joins, _ = self.merged(block, which)
        return x, y, joins

    def merged(
        self, block: Block, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`path_arrays` and, per vertex, its shape's position in ``which``.

        Merging depends on the scale only (the grid of a block is the scale's global
        grid shifted by whole pixels), so each shape is merged once per scale and kept:
        a shape crossing several bands, or strips of a pan, is gathered, not merged
        again (merging every band's shapes was half of a zoomed-out view's cost)."""
        cache = self._merged_cache
        if cache is None or cache.scale != scale_key(block.sx, block.sy) or cache.full():
            cache = self._merged_cache = _MergedCache(block, self.n)
        new = which[cache.start[which] < 0]
        if len(new):
            cache.add(new, *self._merge(block, new), block)
        return cache.take(which, block)

    def _merge(
        self, block: Block, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rings = concat_ranges(self.geom_ring[which], self.geom_ring[which + 1])
        starts, ends = self.ring_start[rings], self.ring_start[rings + 1]
        idx = concat_ranges(starts, ends)
        if len(idx) == 0:
            e = np.empty(0)
            return e, e, np.empty(0, np.int32), np.empty(0, np.int64)
        ox, oy = self.origin
        px = self.x[idx].astype(np.float64) * block.sx + (ox * block.sx - block.gx)
        py = self.y[idx].astype(np.float64) * block.sy + (oy * block.sy - block.gy)
        lengths = ends - starts
        first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        last = first + lengths - 1
        qx, qy = np.floor(px), np.floor(py)
        keep = np.empty(len(idx), bool)
        keep[0] = True
        np.logical_or(qx[1:] != qx[:-1], qy[1:] != qy[:-1], out=keep[1:])
        keep[first] = True
        keep[last] = True
        # A ring merged below 4 vertices keeps them all: it is only drawn as a path
        # when it spans a few pixels, so these are few.  (A line keeps its two ends.)
        if self.rings:
            short = np.add.reduceat(keep, first) < 4
            if short.any():
                keep |= np.repeat(short, lengths)
        connect = np.ones(len(idx), np.int32)
        connect[first] = 0
        rings_per_shape = self.geom_ring[which + 1] - self.geom_ring[which]
        owner = np.repeat(np.repeat(np.arange(len(which)), rings_per_shape), lengths)
        return px[keep], py[keep], connect[keep], owner[keep]


class _MergedCache:
    """Merged vertices of the shapes drawn so far at one scale, in pixels from the
    first block's corner (float32: 9 bytes a vertex; dropped past MAX_VERTICES)."""

    MAX_VERTICES = 4_000_000

    def __init__(self, block: Block, n_shapes: int):
        self.scale = scale_key(block.sx, block.sy)  # a pan may change sx's last bits
        self.gx, self.gy = block.gx, block.gy
        self.start = np.full(n_shapes, -1, np.int64)  # shape -> its vertices [start, end)
        self.end = np.zeros(n_shapes, np.int64)
        self.x = np.empty(1024, np.float32)
        self.y = np.empty(1024, np.float32)
        self.connect = np.empty(1024, np.int8)
        self.size = 0

    def full(self) -> bool:
        return self.size > self.MAX_VERTICES

    def add(
        self,
        which: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        connect: np.ndarray,
        owner: np.ndarray,
        block: Block,
    ) -> None:
        n, end = len(x), self.size + len(x)
        if end > len(self.x):  # grow by doubling: each vertex is copied O(1) times
            cap = max(end, 2 * len(self.x))
            for name in ("x", "y", "connect"):
                old = getattr(self, name)
                grown = np.empty(cap, old.dtype)
                grown[: self.size] = old[: self.size]
                setattr(self, name, grown)
        self.x[self.size : end] = x + (block.gx - self.gx)
        self.y[self.size : end] = y + (block.gy - self.gy)
        self.connect[self.size : end] = connect
        counts = np.bincount(owner, minlength=len(which)) if n else np.zeros(len(which), np.int64)
        first = self.size + np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.start[which] = first
        self.end[which] = first + counts
        self.size = end

    def take(
        self, which: np.ndarray, block: Block
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        s0, s1 = self.start[which], self.end[which]
        v = concat_ranges(s0, s1)
        x = self.x[v].astype(np.float64) - (block.gx - self.gx)
        y = self.y[v].astype(np.float64) - (block.gy - self.gy)
        owner = np.repeat(np.arange(len(which)), s1 - s0)
        return x, y, self.connect[v].astype(np.int32), owner


def touching(b: np.ndarray, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Mask of the (n, 4) bounds ``b`` that meet ``bbox``."""
    x0, y0, x1, y1 = bbox
    return (b[:, 2] >= x0) & (b[:, 0] <= x1) & (b[:, 3] >= y0) & (b[:, 1] <= y1)


def _contains(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and outer[3] >= inner[3]
    )


def _oriented(coords: np.ndarray, ring_start: np.ndarray, exterior: np.ndarray) -> np.ndarray:
    """Coordinates with each exterior ring counter-clockwise and each hole clockwise
    (the ring's signed area decides; reversed rings are rewritten in place order)."""
    x, y = coords[:, 0], coords[:, 1]
    n = len(x)
    if n < 2:
        return coords
    cross = np.zeros(n)
    # Shoelace terms relative to each ring's first vertex (precision far from 0,0).
    ring_of = np.repeat(np.arange(len(ring_start) - 1), np.diff(ring_start))
    rx, ry = x - x[ring_start[:-1]][ring_of], y - y[ring_start[:-1]][ring_of]
    cross[:-1] = rx[:-1] * ry[1:] - rx[1:] * ry[:-1]
    cross[ring_start[1:] - 1] = 0  # no term from one ring's end to the next ring's start
    nonempty = ring_start[:-1] < ring_start[1:]
    area = np.zeros(len(ring_start) - 1)
    area[nonempty] = np.add.reduceat(cross, ring_start[:-1][nonempty])
    flip = np.flatnonzero((area > 0) != exterior)
    if len(flip) == 0:
        return coords
    starts, ends = ring_start[flip], ring_start[flip + 1]
    pos = concat_ranges(starts, ends)
    lengths = ends - starts
    base = np.repeat(starts + ends - 1, lengths)
    out = coords.copy()
    out[pos] = coords[base - pos]
    return out


def segments_in(
    x: np.ndarray, y: np.ndarray, bbox: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The part of a NaN-separated polyline near bbox: the segments whose box meets
    it, still NaN-separated (an outline is drawn band by band, each only its share)."""
    if len(x) < 2:
        return x, y
    x0, y0, x1, y1 = bbox
    ax, bx, ay, by = x[:-1], x[1:], y[:-1], y[1:]
    with np.errstate(invalid="ignore"):
        seg = (
            (np.fmax(ax, bx) >= x0)
            & (np.fmin(ax, bx) <= x1)
            & (np.fmax(ay, by) >= y0)
            & (np.fmin(ay, by) <= y1)
            & np.isfinite(ax + bx + ay + by)
        )
    idx = np.flatnonzero(seg)
    if len(idx) == 0:
        return np.empty(0), np.empty(0)
    # Each run of consecutive kept segments: its vertices, then a break.
    run_end = np.r_[idx[1:] != idx[:-1] + 1, True]
    run = np.concatenate([[0], np.cumsum(run_end)[:-1]])
    at = np.arange(len(idx)) + 2 * run
    n_out = len(idx) + 2 * int(run_end.sum())
    ox = np.full(n_out, np.nan)
    oy = np.full(n_out, np.nan)
    ox[at], oy[at] = x[idx], y[idx]
    last = idx[run_end] + 1
    ox[at[run_end] + 1], oy[at[run_end] + 1] = x[last], y[last]
    return ox, oy
