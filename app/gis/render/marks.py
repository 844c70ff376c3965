"""Every asset as a mark at one point, rasterised with numpy (Qt-free).

Points are their own mark; a line or polygon is drawn as a mark at its representative
point while it is smaller than a few pixels (see :meth:`Marks.small_limit`), and as a
path (shapes.py) once it is larger.  The marks are kept as compact columns — float32
offsets from an origin, int8 keys — sorted into the cells of a 256 x 256 bucket grid,
so the marks of any rectangle (a band, a strip exposed by a pan) are a few contiguous
slices: the cost of a render is the number of marks in the rectangle, not in the table.

Zoomed far out, a view can hold millions of marks; there the :class:`Pyramid` (marks
merged per cell of ``base * 2**k`` degrees, each cell coloured by its most common key)
stands in for them.  It is built once per change of the data, filters or colouring,
off the UI thread (numpy sorts release the GIL), and used only once it is ready.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.gis.bucket_grid import BucketGrid
from app.gis.render import raster
from app.gis.render.palette import OUTLINE_COLOR, SELECTION_COLOR, argb
from app.gis.render.ranges import concat_ranges
from app.gis.render.viewport import Block

PYRAMID_CELLS = 8192  # cells across the data at the pyramid's finest level
DENSE_MARKS = 150_000  # more marks than this in the first view: a density image
SPARSE_MARKS = 25_000  # fewer: discs with status rings
SMALL_PX = 3.0  # shapes narrower than this many pixels are drawn as marks
_FLOAT64_BELOW = 1 << 18  # fewer marks than this: pixel maths in float64 (deep zoom)
_OUTLINE = argb(OUTLINE_COLOR)
_CODED_RING = argb("#ffffff")
_SELECTED = argb(SELECTION_COLOR)


@dataclass
class Level:
    """Marks merged per cell of ``cell`` degrees, sorted by (row, column) of the cell."""

    cell: float
    cx: np.ndarray  # int32 column of the cell (from the origin)
    cy: np.ndarray  # int32 row
    key: np.ndarray  # uint8 most common key in the cell
    count: np.ndarray  # int32 marks in the cell
    packed: np.ndarray  # int64 cy * stride + cx (sorted), for rectangle queries
    stride: int


class Pyramid:
    def __init__(self, generation: int, base: float, levels: list[Level | None]):
        self.generation = generation
        self.base = base
        self.levels = levels


class Marks:
    """The marks of a table: ``x``/``y`` per row (representative points of shapes),
    ``extent`` per row in degrees (0 for points)."""

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        extent: np.ndarray,
        origin: tuple[float, float] | None = None,
    ):
        n = len(x)
        self.n = n
        self.grid = BucketGrid(x, y, origin)
        self.origin, self.span = self.grid.origin, self.grid.span
        self.order = order = self.grid.order  # position -> table row
        ox, oy = self.origin
        self.fx = (x[order] - ox).astype(np.float32)
        self.fy = (y[order] - oy).astype(np.float32)
        self.extent = np.asarray(extent, np.float32)[order]
        self.is_shape = self.extent > 0
        self.has_shapes = bool(self.is_shape.any())
        self._pos_of_row: np.ndarray | None = None
        self._coded: tuple[int, np.ndarray] | None = None  # (generation, coded positions)
        self.base = max(self.span) / PYRAMID_CELLS
        self.key = np.zeros(n, np.uint8)
        self.status = np.zeros(n, np.uint8)
        self.visible: np.ndarray | None = None  # None: every mark passes the filters
        self.palette = np.zeros(1, np.uint32)
        self.status_palette = np.zeros(1, np.uint32)
        self.ring_status = False  # discs get a status ring (class colouring)
        self.generation = 0
        self.pyramid: Pyramid | None = None
        self._scratch = raster.Scratch()

    @property
    def pos_of_row(self) -> np.ndarray:
        """Position of each table row (made on first use: selections only)."""
        if self._pos_of_row is None:
            pos = np.empty(self.n, np.int32)
            pos[self.order] = np.arange(self.n, dtype=np.int32)
            self._pos_of_row = pos
        return self._pos_of_row

    # ---- styling (per table row; each bumps the generation) -----------------------------
    def set_style(
        self,
        key: np.ndarray,
        palette: np.ndarray,
        status: np.ndarray,
        status_palette: np.ndarray,
        ring_status: bool,
    ) -> None:
        self.key = np.asarray(key, np.uint8)[self.order]
        self.palette = palette
        self.status = np.asarray(status, np.uint8)[self.order]
        self.status_palette = status_palette
        self.ring_status = ring_status
        self.generation += 1

    def set_visible(self, row_mask: np.ndarray | None) -> None:
        self.visible = None if row_mask is None or row_mask.all() else row_mask[self.order]
        self.generation += 1

    # ---- geometry ------------------------------------------------------------------------
    def level_of(self, deg_per_px: float) -> int:
        """Pyramid level for a pixel size: its cells are at most one pixel (-1: none)."""
        if deg_per_px < self.base:
            return -1
        return int(math.floor(math.log2(deg_per_px / self.base) + 1e-9))

    def small_limit(self, deg_per_px: float) -> float:
        """Shapes with an extent below this (degrees) are marks at this pixel size;
        stepped with the pyramid's levels so the pyramid and the paths agree."""
        level = self.level_of(deg_per_px)
        unit = deg_per_px if level < 0 else self.base * 2.0**level
        return SMALL_PX * unit

    def count_in(self, bbox) -> int:
        """Marks in the grid cells under bbox (an upper bound, filters ignored)."""
        return self.grid.count_in(bbox)

    def positions(self, bbox) -> np.ndarray | None:
        """Positions of the visible marks inside bbox; None means every position."""
        x0, y0, x1, y1 = bbox
        ox, oy = self.origin
        if x0 <= ox and y0 <= oy and x1 >= ox + self.span[0] and y1 >= oy + self.span[1]:
            return None if self.visible is None else np.flatnonzero(self.visible)
        pos = self.grid.candidates(bbox)
        fx, fy = self.fx[pos], self.fy[pos]
        keep = (
            (fx >= np.float32(x0 - ox))
            & (fx <= np.float32(x1 - ox))
            & (fy >= np.float32(y0 - oy))
            & (fy <= np.float32(y1 - oy))
        )
        if self.visible is not None:
            keep &= self.visible[pos]
        return pos[keep]

    def _pixels(self, block: Block, fx: np.ndarray, fy: np.ndarray):
        ox, oy = self.origin
        cx, cy = ox * block.sx - block.gx, oy * block.sy - block.gy
        if len(fx) < _FLOAT64_BELOW:
            px = np.floor(fx.astype(np.float64) * block.sx + cx)
            py = np.floor(fy.astype(np.float64) * block.sy + cy)
        else:
            px = np.floor(fx * np.float32(block.sx) + np.float32(cx))
            py = np.floor(fy * np.float32(block.sy) + np.float32(cy))
        return px.astype(np.int32), py.astype(np.int32)

    # ---- rendering -----------------------------------------------------------------------
    def choose_mode(self, bbox) -> str:
        """'density', 'dots' or 'discs' for a view of bbox; a scale keeps its mode, so
        the strips a pan adds match the rest of the image."""
        n = self.count_in(bbox)
        if n > DENSE_MARKS:
            return "density"
        return "discs" if n <= SPARSE_MARKS else "dots"

    def render(self, block: Block, mode: str) -> np.ndarray:
        """The marks of ``block`` as an (h, w) ARGB32-premultiplied image (a buffer
        reused by the next call: draw or copy it before)."""
        w, h = block.width, block.height
        img = self._scratch.zeros(h * w)
        if self.n == 0:
            return img.reshape(h, w)
        deg = block.deg_per_px
        level = self.level_of(deg)
        pyramid = self.pyramid
        cells = (
            pyramid.levels[level]
            if (
                mode == "density"
                and level >= 0
                and pyramid is not None
                and pyramid.generation == self.generation
                and level < len(pyramid.levels)
            )
            else None
        )
        if cells is not None:
            self._render_cells(img, block, cells)
            return img.reshape(h, w)
        margin = {"density": 0, "dots": 1, "discs": 6}[mode]
        pos = self.positions(block.bbox(margin + 1))
        if pos is None:
            pos = np.arange(self.n)
        if self.has_shapes:
            shape = self.is_shape[pos]
            small = self.extent[pos] < self.small_limit(deg)
            pos = pos[~shape | small]
        px, py = self._pixels(block, self.fx[pos], self.fy[pos])
        key = self.key[pos]
        if mode == "density":
            raster.density(img, w, h, px, py, key, self.palette)
        elif mode == "dots":
            raster.stamp(img, w, h, px, py, self.palette[key], 1)
        else:
            shape = self.is_shape[pos] if self.has_shapes else np.zeros(len(pos), bool)
            raster.stamp(img, w, h, px[shape], py[shape], self.palette[key[shape]], 1)
            pt = ~shape
            px, py, key = px[pt], py[pt], key[pt]
            if self.ring_status:
                st = self.status[pos[pt]]
                ring = st != 0
                raster.stamp(img, w, h, px[ring], py[ring], self.status_palette[st[ring]], 5)
            raster.stamp(img, w, h, px, py, self.palette[key], 3, outline=_OUTLINE)
        return img.reshape(h, w)

    def _render_cells(self, img: np.ndarray, block: Block, level: Level) -> None:
        x0, y0, x1, y1 = block.bbox(1)
        ox, oy = self.origin
        c = level.cell
        c0, c1 = math.floor((x0 - ox) / c), math.floor((x1 - ox) / c)
        r0, r1 = max(math.floor((y0 - oy) / c), 0), math.floor((y1 - oy) / c)
        if r1 < r0 or c1 < 0:
            return
        rows = np.arange(r0, r1 + 1, dtype=np.int64) * level.stride
        at = concat_ranges(
            np.searchsorted(level.packed, rows + max(c0, 0)),
            np.searchsorted(level.packed, rows + c1 + 1),
        )
        fx = ((level.cx[at] + 0.5) * c).astype(np.float32)
        fy = ((level.cy[at] + 0.5) * c).astype(np.float32)
        px, py = self._pixels(block, fx, fy)
        raster.density(
            img, block.width, block.height, px, py, level.key[at], self.palette, level.count[at]
        )

    def render_selection(self, block: Block, rows: np.ndarray) -> np.ndarray | None:
        """Selected point rows as discs in a selection ring (None if none in the block);
        a huge box selection is tinted, not given 80 pixels per point."""
        pos = self.pos_of_row[rows]
        return self._overlay(
            block,
            pos[~self.is_shape[pos]],
            lambda pos: self.palette[self.key[pos]],
            _SELECTED,
            ring=2,
            tint=True,
        )

    def render_coded(self, block: Block) -> np.ndarray | None:
        """Visible marks that have a code (status not 'none'), as discs of their
        status colour in a white ring over every other mark: the default style makes
        the ~100 coded assets of a city stand out among 100,000 uncoded dots (issue 12).
        None if none is in the block."""
        if self._coded is None or self._coded[0] != self.generation:
            coded = self.status != 0
            if self.visible is not None:
                coded &= self.visible
            self._coded = (self.generation, np.flatnonzero(coded))
        pos = self._coded[1]
        if self.has_shapes:
            # A coded line or polygon drawn as a mark at this scale stands out like a
            # point; larger ones are drawn as paths in their own colour.
            shape = self.is_shape[pos]
            pos = pos[~shape | (self.extent[pos] < self.small_limit(block.deg_per_px))]
        return self._overlay(
            block, pos, lambda pos: self.status_palette[self.status[pos]], _CODED_RING
        )

    def _overlay(
        self, block: Block, pos: np.ndarray, colors_of, outline, ring: int = 1, tint: bool = False
    ) -> np.ndarray | None:
        """Marks at positions ``pos`` as discs in an ``outline`` ring, in an image of their
        own drawn over the canvas; above SPARSE_MARKS in the block, one pixel each (in
        the outline colour with ``tint``). None if none is in the block."""
        if len(pos) == 0:
            return None
        px, py = self._pixels(block, self.fx[pos], self.fy[pos])
        w, h = block.width, block.height
        inb = (px > -8) & (px < w + 8) & (py > -8) & (py < h + 8)
        if not inb.any():
            return None
        img = np.zeros(h * w, np.uint32)
        px, py, pos = px[inb], py[inb], pos[inb]
        if len(pos) <= SPARSE_MARKS:
            raster.stamp(img, w, h, px, py, colors_of(pos), 3, outline=outline, ring=ring)
        elif tint:
            raster.stamp(img, w, h, px, py, np.full(len(pos), outline, np.uint32), 1)
        else:
            raster.stamp(img, w, h, px, py, colors_of(pos), 1)
        return img.reshape(h, w)

    # ---- the pyramid ---------------------------------------------------------------------
    def build_pyramid(self) -> Pyramid:
        """Merge the visible marks per cell at every level; safe to run in a thread (it
        reads a snapshot of the columns and stamps the generation it was built for)."""
        generation, key, visible, extent = self.generation, self.key, self.visible, self.extent
        fx, fy = self.fx, self.fy
        n_marks = self.n if visible is None else int(visible.sum())
        levels: list[Level | None] = []
        stride = PYRAMID_CELLS * 2 + 2
        table: tuple[np.ndarray, np.ndarray] | None = None  # (packed cell<<8|key, count)
        lo = 0.0
        k = 0
        while True:
            cell = self.base * 2.0**k
            hi = SMALL_PX * cell
            # Marks entering at this level: points at level 0, then the shapes that
            # have just become small enough to be marks.
            take = (extent < hi) & (extent >= lo) if k else extent < hi
            if visible is not None:
                take &= visible
            idx = np.flatnonzero(take)
            if len(idx):
                cx = (fx[idx] / np.float32(cell)).astype(np.int64)
                cy = (fy[idx] / np.float32(cell)).astype(np.int64)
                fresh = ((cy * stride + cx) << 8) | key[idx]
                packed, count = np.unique(fresh, return_counts=True)
            else:
                packed, count = np.empty(0, np.int64), np.empty(0, np.int64)
            if table is not None:
                old_packed, old_count = table
                cellid, kk = old_packed >> 8, old_packed & 255
                merged = (((cellid // stride >> 1) * stride + (cellid % stride >> 1)) << 8) | kk
                allp = np.concatenate([merged, packed])
                allc = np.concatenate([old_count, count])
                packed, inverse = np.unique(allp, return_inverse=True)
                count = np.bincount(inverse, weights=allc).astype(np.int64)
            table = (packed, count)
            levels.append(self._level(cell, packed, count, stride, n_marks))
            lo = hi
            if max(self.span) / cell < 64 or len(packed) == 0:
                break
            k += 1
        return Pyramid(generation, self.base, levels)

    @staticmethod
    def _level(
        cell: float, packed: np.ndarray, count: np.ndarray, stride: int, n_marks: int
    ) -> Level | None:
        """The drawable level, or None when merging saves too little to be worth it."""
        cellid = packed >> 8
        first = np.flatnonzero(np.r_[True, cellid[1:] != cellid[:-1]])
        if len(first) > n_marks // 2:
            return None
        total = np.add.reduceat(count, first)
        # The most common key of each cell: the last after sorting by (cell, count).
        order = np.lexsort((count, cellid))
        last = order[np.r_[first[1:], len(order)] - 1]
        best = packed[last]
        ids = best >> 8
        return Level(
            cell=cell,
            cx=(ids % stride).astype(np.int32),
            cy=(ids // stride).astype(np.int32),
            key=(best & 255).astype(np.uint8),
            count=total.astype(np.int32),
            packed=ids,
            stride=stride,
        )
