"""Lines and polygons as NaN-separated coordinate arrays at several levels of detail
(Qt-free).

Polygons are oriented first (exterior rings counter-clockwise, holes clockwise,
shapely.orient_polygons), so a renderer filling with the non-zero winding rule fills
every polygon, where two overlap too, and leaves holes empty.  Coordinates are float32
offsets from an origin (a centimetre over a province) and become pixels only for the
shapes of the block being drawn.

Each level is Douglas-Peucker simplified to a tolerance in degrees; a level is only
used when a pixel is at least its tolerance, and a shape only drawn as a path when it
spans a few pixels (marks.py draws the smaller ones), so the coarser levels only hold
the few large shapes.  :meth:`ShapeSet.build` makes the levels, coarsest first, and is
meant to run in a background thread (shapely's vectorised functions release the GIL):
the map draws what is ready and refines.
"""

from __future__ import annotations

import threading

import numpy as np
import shapely

from app.gis.render.marks import SMALL_PX
from app.gis.render.viewport import Block

TOLERANCES = (0.0, 0.0001, 0.0005, 0.002, 0.008)  # degrees


class LevelOfDetail:
    """NaN-separated float32 coordinates (offsets from ``origin``) of some geometries
    at one simplification tolerance, with the slice of each geometry (-1: not held)."""

    def __init__(
        self,
        geoms: np.ndarray,
        which: np.ndarray,
        n_total: int,
        tolerance: float,
        rings: bool,
        origin: tuple[float, float],
    ):
        self.tolerance = tolerance
        g = geoms[which]
        if rings:
            g = shapely.boundary(shapely.orient_polygons(g))
        if tolerance > 0 and len(g):
            # Plain Douglas-Peucker on lines/rings: ~10x faster than the topology-
            # preserving variant; a ring may collapse, and is then drawn as its box.
            simple = shapely.simplify(g, tolerance, preserve_topology=False)
            lost = shapely.get_num_coordinates(simple) < (4 if rings else 2)
            if lost.any():
                simple[lost] = shapely.boundary(shapely.envelope(g[lost])) if rings else g[lost]
            g = simple
        parts, part_geom = shapely.get_parts(g, return_index=True)
        coords, coord_part = shapely.get_coordinates(parts, return_index=True)
        per_part = np.bincount(coord_part, minlength=len(parts))
        # Each part's coordinates, then one NaN.
        part_start = np.concatenate([[0], np.cumsum(per_part + 1)[:-1]]).astype(np.int64)
        total = int((per_part + 1).sum())
        self.x = np.full(total, np.nan, np.float32)
        self.y = np.full(total, np.nan, np.float32)
        first_coord = np.concatenate([[0], np.cumsum(per_part)[:-1]])
        pos = part_start[coord_part] + (np.arange(len(coords)) - first_coord[coord_part])
        self.x[pos] = coords[:, 0] - origin[0]
        self.y[pos] = coords[:, 1] - origin[1]
        del coords, coord_part, pos
        part_end = part_start + per_part + 1
        k = len(g)
        first = np.searchsorted(part_geom, np.arange(k), side="left")
        last = np.searchsorted(part_geom, np.arange(k), side="right") - 1
        has = last >= first
        self.start = np.full(n_total, -1, np.int64)
        self.end = np.full(n_total, -1, np.int64)
        self.start[which[has]] = part_start[first[has]]
        self.end[which[has]] = part_end[last[has]]

    def gather(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of the geometries ``which`` (those held), NaN-separated."""
        start, end = self.start[which], self.end[which]
        held = start >= 0
        start, end = start[held], end[held]
        lengths = end - start
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, np.float32), np.empty(0, np.float32)
        offs = np.repeat(start - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        pos = offs + np.arange(total)
        return self.x[pos], self.y[pos]


class ShapeSet:
    """Lines or polygons (``rings=True``) of a table, by position in ``geoms``."""

    def __init__(self, geoms: np.ndarray, rings: bool, origin: tuple[float, float]):
        self.geoms = geoms
        self.rings = rings
        self.origin = origin
        self.bounds = shapely.bounds(geoms) if len(geoms) else np.empty((0, 4))
        self.extent = (
            np.maximum(self.bounds[:, 2] - self.bounds[:, 0], self.bounds[:, 3] - self.bounds[:, 1])
            if len(geoms)
            else np.empty(0)
        )
        self.lods: dict[int, LevelOfDetail] = {}
        self._thread: threading.Thread | None = None

    def __len__(self) -> int:
        return len(self.geoms)

    @staticmethod
    def level_for(deg_per_px: float) -> int:
        """Coarsest tolerance still under one pixel."""
        return max(i for i, t in enumerate(TOLERANCES) if t <= deg_per_px)

    def build(self) -> None:
        """Every level, coarsest first (each becomes usable as soon as it is done)."""
        for level in range(len(TOLERANCES) - 1, -1, -1):
            t = TOLERANCES[level]
            # Shapes drawn as paths at this level span at least SMALL_PX / 2 pixels of
            # at least ``t`` degrees (see Marks.small_limit).
            which = np.flatnonzero(self.extent >= SMALL_PX / 2 * t)
            self.lods[level] = LevelOfDetail(
                self.geoms, which, len(self.geoms), t, self.rings, self.origin
            )

    def build_in_background(self) -> None:
        self._thread = threading.Thread(target=self.build, name="map-lod", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def lod(self, level: int) -> LevelOfDetail | None:
        return self.lods.get(level)

    def in_block(self, block: Block, min_extent: float, margin_px: float) -> np.ndarray:
        """Positions of the shapes at least ``min_extent`` wide that touch the block."""
        if len(self.geoms) == 0:
            return np.empty(0, np.int64)
        x0, y0, x1, y1 = block.bbox(margin_px)
        b = self.bounds
        return np.flatnonzero(
            (self.extent >= min_extent)
            & (b[:, 2] >= x0)
            & (b[:, 0] <= x1)
            & (b[:, 3] >= y0)
            & (b[:, 1] <= y1)
        )

    def pixels(
        self, block: Block, lod: LevelOfDetail, which: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Block pixel coordinates (float64, NaN-separated) of the shapes ``which``."""
        fx, fy = lod.gather(which)
        ox, oy = self.origin
        return (
            fx.astype(np.float64) * block.sx + (ox * block.sx - block.gx),
            fy.astype(np.float64) * block.sy + (oy * block.sy - block.gy),
        )


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
