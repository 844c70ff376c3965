"""Bulk-drawn map layers: never one Qt item per asset.

PointLayer rasterises the visible points with numpy straight into a QImage the size of
the viewport (one drawImage per frame).  Dense views become a per-pixel density image
(count → opacity), sparse views stamp small discs, with a status ring and a selection
ring.  ShapeLayer draws lines or polygons as one QPainterPath per colour, built from
NaN-separated numpy arrays (pyqtgraph's connect='finite' layout) at a level of detail
chosen from the pixel size, for only the shapes inside the view.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6 import QtCore, QtGui

from app.gis.assets import STATUSES, AssetTable

STATUS_COLORS = {
    "none": "#9e9e9e",
    "pending": "#f5a623",
    "issued": "#2ca02c",
    "revoked": "#d62728",
    "unverified": "#9467bd",
}
SELECTION_COLOR = "#ffeb3b"
DENSE_POINTS = 150_000  # above this many visible points: 1-px density image
SPARSE_POINTS = 25_000  # below: discs with status rings
AGG_BASE = 1e-4  # degrees: finest cell of the zoomed-out aggregation pyramid


def argb(color: str, alpha: int = 255) -> np.uint32:
    """Premultiplied ARGB32 for '#rrggbb'."""
    c = QtGui.QColor(color)
    f = alpha / 255
    return np.uint32(
        (alpha << 24) | (int(c.red() * f) << 16) | (int(c.green() * f) << 8) | int(c.blue() * f)
    )


_DENSITY_ALPHA = np.array([160, 200, 230, 255], np.uint32)
_DENSITY_LEVEL = np.minimum(3, np.log2(np.maximum(np.arange(64), 1)).astype(np.int64) // 1)


def _with_alpha(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Premultiplied ARGB32 colours (opaque) scaled to per-element alpha."""
    a = alpha.astype(np.uint32)
    r = ((color >> 16) & 255) * a // 255
    g = ((color >> 8) & 255) * a // 255
    b = (color & 255) * a // 255
    return (a << 24) | (r << 16) | (g << 8) | b


def _disc(radius: int) -> tuple[np.ndarray, np.ndarray]:
    r = np.arange(-radius, radius + 1)
    ox, oy = np.meshgrid(r, r)
    keep = ox**2 + oy**2 <= radius**2 + radius * 0.8
    return ox[keep], oy[keep]


_OUTLINE = argb("#202020")


def _stamp(img, w, h, px, py, colors, radius, outline=None, ring=1):
    """Draw a disc of ``radius`` px per point into the flat image, in point order (a
    later point covers an earlier one); with ``outline``, inside a ring of ``ring`` px.
    One scatter for all points clear of the edges, a clipped loop for the few others."""
    if len(px) == 0:
        return
    r_out = radius + ring if outline is not None else radius
    ox, oy = _disc(r_out)
    inner = ox**2 + oy**2 <= radius**2 + radius * 0.8
    clear = (px >= r_out) & (px < w - r_out) & (py >= r_out) & (py < h - r_out)
    base = py[clear].astype(np.int64) * w + px[clear]
    flat = (base[:, None] + (oy * w + ox)[None, :]).ravel()
    col = colors[clear]
    if outline is None:
        img[flat] = np.repeat(col, len(ox))
    else:
        img[flat] = np.where(inner[None, :], col[:, None], np.uint32(outline)).ravel()
    edge = np.flatnonzero(~clear)
    for i in edge:
        qx, qy = px[i] + ox, py[i] + oy
        ok = (qx >= 0) & (qx < w) & (qy >= 0) & (qy < h)
        img[qy[ok] * w + qx[ok]] = np.where(
            inner[ok] | (outline is None), colors[i], np.uint32(0 if outline is None else outline)
        )


class _BulkLayer(pg.GraphicsObject):
    """A layer drawn in one go from numpy arrays; maps data to device pixels from the
    painter's transform (scale + translate, the view is never rotated)."""

    def __init__(self):
        super().__init__()
        self.table: AssetTable | None = None
        self.color_mode = "class"
        self._rect = QtCore.QRectF()
        self._selected = np.empty(0, np.int64)
        self.rows = np.empty(0, np.int64)
        self.last_stats = {}

    def boundingRect(self):
        return self._rect

    def _index_rows(self, n_table: int) -> None:
        """Map table rows to this layer's positions (-1: not in this layer)."""
        self._pos_of_row = np.full(n_table, -1, np.int32)
        self._pos_of_row[self.rows] = np.arange(len(self.rows))
        self._selected = np.empty(0, np.int64)

    def set_selected_rows(self, rows) -> None:
        if self.table is None:
            return
        pos = self._pos_of_row[np.asarray(rows, np.int64)]
        self._selected = pos[pos >= 0].astype(np.int64)
        self.invalidate()

    def invalidate(self) -> None:
        self.update()

    def device_frame(self, p: QtGui.QPainter):
        """Prepare ``p`` and describe the part of the device to draw, or None.

        Returns ((sx, sy, dx, dy), QRect of device pixels, data bbox of that rect).  The
        view box clips its children with a path in data units, which sends every draw
        through Qt's slow path clipper; it is replaced by the same area as a rectangle
        in device pixels (also what limits the point raster when the device is a whole
        window being grabbed).  Call inside p.save()/p.restore().
        """
        if self.table is None or len(self.rows) == 0:
            return None
        tr = p.transform()
        sx, sy, dx, dy = tr.m11(), tr.m22(), tr.dx(), tr.dy()
        if sx == 0 or sy == 0:
            return None
        dev = p.device()
        rect = QtCore.QRect(0, 0, dev.width(), dev.height())
        if p.hasClipping():
            rect = rect.intersected(tr.mapRect(p.clipBoundingRect()).toAlignedRect())
        if rect.isEmpty():
            return None
        p.setClipping(False)
        p.resetTransform()
        p.setClipRect(rect)
        p.setTransform(tr)
        xa, xb = (rect.left() - dx) / sx, (rect.left() + rect.width() - dx) / sx
        ya, yb = (rect.top() - dy) / sy, (rect.top() + rect.height() - dy) / sy
        return (sx, sy, dx, dy), rect, (min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))


class PointLayer(_BulkLayer):
    """Points; ``_selected`` holds positions in the point index's order."""

    def set_table(self, table: AssetTable, class_colors: list[str]) -> None:
        self.prepareGeometryChange()
        self.table = table
        idx = table.point_index
        self.rows = idx.rows
        # float32 offsets from an origin: half the memory traffic per frame, and still
        # ~0.1 m resolution over a province.
        self.origin = (float(idx.x.min()), float(idx.y.min())) if len(self.rows) else (0.0, 0.0)
        self.fx = (idx.x - self.origin[0]).astype(np.float32)
        self.fy = (idx.y - self.origin[1]).astype(np.float32)
        self.class_s = table.class_idx[self.rows]
        self.status_s = table.status[self.rows]
        self.class_argb = np.array([argb(c) for c in class_colors], np.uint32)
        self.status_argb = np.array([argb(STATUS_COLORS[s]) for s in STATUSES], np.uint32)
        self.visible = np.ones(len(self.rows), bool)
        self.visible_pos = None  # None: every point passes the filters
        self._agg = {}
        self._index_rows(len(table))
        if len(self.rows):
            self._rect = QtCore.QRectF(
                idx.x.min(), idx.y.min(), max(np.ptp(idx.x), 1e-9), max(np.ptp(idx.y), 1e-9)
            )
        else:
            self._rect = QtCore.QRectF()
        self.update()

    def set_visible_mask(self, row_mask: np.ndarray) -> None:
        if self.table is not None:
            self.visible = row_mask[self.rows]
            self.visible_pos = None if self.visible.all() else np.flatnonzero(self.visible)
            self.status_s = self.table.status[self.rows]
            self._agg = {}
            self.update()

    def paint(self, p, *args):
        p.save()
        try:
            frame = self.device_frame(p)
            if frame is None:
                return
            (sx, sy, dx, dy), rect, bbox = frame
            w, h = rect.width(), rect.height()
            img = self.rasterize(sx, sy, dx - rect.left(), dy - rect.top(), w, h, bbox)
            qimg = QtGui.QImage(
                img.data, w, h, w * 4, QtGui.QImage.Format.Format_ARGB32_Premultiplied
            )
            p.resetTransform()
            p.drawImage(rect.topLeft(), qimg)
        finally:
            p.restore()

    def _visible_positions(self, x0, y0, x1, y1):
        """Positions of filtered points in the box; None means all points."""
        r = self._rect
        if x0 <= r.left() and y0 <= r.top() and x1 >= r.right() and y1 >= r.bottom():
            return self.visible_pos
        if (x1 - x0) * (y1 - y0) < 0.5 * r.width() * r.height():
            pos = self.table.point_index.positions(x0, y0, x1, y1)
        else:
            ox, oy = self.origin
            fx, fy = self.fx, self.fy
            m = (fx >= x0 - ox) & (fx <= x1 - ox) & (fy >= y0 - oy) & (fy <= y1 - oy)
            if self.visible_pos is not None:
                m &= self.visible
            return np.flatnonzero(m)
        return pos if self.visible_pos is None else pos[self.visible[pos]]

    def _keys(self, pos):
        """(palette index per point, palette) for the colour mode."""
        if self.color_mode == "status":
            return (self.status_s if pos is None else self.status_s[pos]), self.status_argb
        return (self.class_s if pos is None else self.class_s[pos]), self.class_argb

    def _colors(self, pos):
        key, palette = self._keys(pos)
        return palette[key]

    def _aggregate(self, level: int):
        """Filtered points merged per grid cell of AGG_BASE * 2**level degrees (at most a
        pixel): (x, y offsets of cell centres, palette key of the cell's most common
        class or status, number of points).  Cached until filters, statuses or the
        colour mode change."""
        ck = (level, self.color_mode)
        if ck not in self._agg:
            cell = AGG_BASE * 2.0**level
            pos = self.visible_pos
            fx, fy = (self.fx, self.fy) if pos is None else (self.fx[pos], self.fy[pos])
            key, _ = self._keys(pos)
            cx = (fx / cell).astype(np.int64)
            cy = (fy / cell).astype(np.int64)
            packed = (cx << 36) | (cy << 8) | key.astype(np.int64)
            uniq, count = np.unique(packed, return_counts=True)  # sorted by cell, key
            cell_id = uniq >> 8
            first = np.flatnonzero(np.r_[True, cell_id[1:] != cell_id[:-1]])
            total = np.add.reduceat(count, first)
            # The most common key of each cell: the last after sorting by (cell, count).
            order = np.lexsort((count, cell_id))
            last = order[np.r_[first[1:], len(order)] - 1]
            uniq = uniq[last]
            # Sparsest first, so where cells share a pixel the densest colours it.
            order = np.argsort(total, kind="stable")
            uniq, total = uniq[order], total[order]
            ax = (((uniq >> 36) + 0.5) * cell).astype(np.float32)
            ay = ((((uniq >> 8) & ((1 << 28) - 1)) + 0.5) * cell).astype(np.float32)
            self._agg[ck] = (ax, ay, (uniq & 255).astype(np.int8), total.astype(np.int32))
            if len(self._agg) > 4:  # a few MB a level at 1M points
                self._agg.pop(next(iter(self._agg)))
        return self._agg[ck]

    def rasterize(self, sx, sy, dx, dy, w, h, bbox) -> np.ndarray:
        """The viewport image (h, w) uint32 ARGB32 premultiplied."""
        ox, oy = self.origin
        x0, y0, x1, y1 = bbox
        weight = None
        total = len(self.rows) if self.visible_pos is None else len(self.visible_pos)
        level = int(np.floor(np.log2((1.0 / abs(sx)) / AGG_BASE))) if total > DENSE_POINTS else -1
        if level >= 0:
            ax, ay, akey, acount = self._aggregate(level)
            m = (ax >= x0 - ox) & (ax <= x1 - ox) & (ay >= y0 - oy) & (ay <= y1 - oy)
            if acount[m].sum() > DENSE_POINTS:
                fx, fy, key, weight = ax[m], ay[m], akey[m], acount[m]
                n = int(weight.sum())
                palette = self._keys(None)[1]
        if weight is None:
            pos = self._visible_positions(*bbox)
            fx, fy = (self.fx, self.fy) if pos is None else (self.fx[pos], self.fy[pos])
            n = len(fx)
            key, palette = self._keys(pos)
        img = np.zeros(h * w, np.uint32)
        px = (fx * np.float32(sx) + np.float32(dx + sx * ox)).astype(np.int32)
        py = (fy * np.float32(sy) + np.float32(dy + sy * oy)).astype(np.int32)
        if n > DENSE_POINTS:
            inb = (px >= 0) & (px < w) & (py >= 0) & (py < h)
            if not inb.all():
                px, py, key = px[inb], py[inb], key[inb]
                weight = None if weight is None else weight[inb]
            flat = py * w + px
            # Opacity grows with the number of points in the pixel: a density image
            # without a per-pixel pass over the whole viewport.
            counts = np.bincount(flat, weights=weight, minlength=h * w)
            level = _DENSITY_LEVEL[
                np.minimum(counts[flat], len(_DENSITY_LEVEL) - 1).astype(np.intp)
            ]
            shaded = _with_alpha(
                np.repeat(palette, len(_DENSITY_ALPHA)), np.tile(_DENSITY_ALPHA, len(palette))
            )
            img[flat] = shaded[key.astype(np.intp) * len(_DENSITY_ALPHA) + level]
            mode = "density" if weight is None else "aggregated"
        else:
            color = palette[key]
            if n <= SPARSE_POINTS:
                if self.color_mode == "class":
                    st = self.status_s if pos is None else self.status_s[pos]
                    ring = st != 0
                    _stamp(img, w, h, px[ring], py[ring], self.status_argb[st[ring]], 5)
                _stamp(img, w, h, px, py, color, 3, outline=_OUTLINE)
                mode = "discs"
            else:
                _stamp(img, w, h, px, py, color, 1)
                mode = "dots"
        sel = self._selected
        if len(sel):
            spx = (self.fx[sel] * np.float32(sx) + np.float32(dx + sx * ox)).astype(np.int32)
            spy = (self.fy[sel] * np.float32(sy) + np.float32(dy + sy * oy)).astype(np.int32)
            if len(sel) <= SPARSE_POINTS:
                _stamp(
                    img, w, h, spx, spy, self._colors(sel), 3, outline=argb(SELECTION_COLOR), ring=2
                )
            else:  # a huge box selection: tint, don't build 80 pixels per point
                _stamp(img, w, h, spx, spy, np.full(len(sel), argb(SELECTION_COLOR), np.uint32), 1)
        self.last_stats = {"visible": n, "mode": mode}
        return img.reshape(h, w)


class _LevelOfDetail:
    """NaN-separated coordinates of a set of geometries at one simplification tolerance,
    with the slice of each geometry."""

    def __init__(self, geoms: np.ndarray, tolerance: float, rings: bool):
        g = shapely.boundary(geoms) if rings else geoms
        if tolerance > 0:
            # Plain Douglas-Peucker on lines/rings: ~10x faster than the topology-
            # preserving variant; a ring may collapse, and is then drawn as its box.
            simple = shapely.simplify(g, tolerance, preserve_topology=False)
            lost = shapely.get_num_coordinates(simple) < (4 if rings else 2)
            simple[lost] = shapely.boundary(shapely.envelope(g[lost])) if rings else g[lost]
            g = simple
        parts, part_geom = shapely.get_parts(g, return_index=True)
        coords, coord_part = shapely.get_coordinates(parts, return_index=True)
        n_parts = len(parts)
        per_part = np.bincount(coord_part, minlength=n_parts)
        # Each part's coordinates then one NaN.
        part_start = np.concatenate([[0], np.cumsum(per_part + 1)[:-1]])
        total = int((per_part + 1).sum())
        self.x = np.full(total, np.nan)
        self.y = np.full(total, np.nan)
        pos = part_start[coord_part] + (
            np.arange(len(coords)) - np.concatenate([[0], np.cumsum(per_part)[:-1]])[coord_part]
        )
        self.x[pos] = coords[:, 0]
        self.y[pos] = coords[:, 1]
        part_end = part_start + per_part + 1
        n = len(geoms)
        self.start = np.zeros(n, np.int64)
        self.end = np.zeros(n, np.int64)
        first = np.searchsorted(part_geom, np.arange(n), side="left")
        last = np.searchsorted(part_geom, np.arange(n), side="right") - 1
        has = last >= first
        self.start[has] = part_start[first[has]]
        self.end[has] = part_end[last[has]]

    def gather(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lengths = self.end[which] - self.start[which]
        if lengths.sum() == 0:
            return np.empty(0), np.empty(0)
        offs = np.repeat(
            self.start[which] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths
        )
        pos = offs + np.arange(lengths.sum())
        return self.x[pos], self.y[pos]


class ShapeLayer(_BulkLayer):
    """Lines (kind 1) or polygons (kind 2) of an AssetTable, one path per colour."""

    TOLERANCES = (0.0, 0.0001, 0.0005, 0.002, 0.008)  # degrees

    def __init__(self, kind: int):
        super().__init__()
        self.kind = kind
        self._lods: dict[int, _LevelOfDetail] = {}
        self.geoms = np.empty(0, object)
        self._cache_key = None
        self._paths: list = []
        self._elements = 0

    def set_table(self, table: AssetTable, class_colors: list[str]) -> None:
        self.prepareGeometryChange()
        self.table = table
        pos = np.flatnonzero(table.kind[table.shape_rows] == self.kind)
        self.rows = table.shape_rows[pos]
        self.geoms = table.shapes[pos]
        self._lods = {}
        self.bounds = shapely.bounds(self.geoms) if len(self.geoms) else np.empty((0, 4))
        self.class_colors = list(class_colors)
        self.visible = np.ones(len(self.rows), bool)
        self._index_rows(len(table))
        if len(self.rows):
            b = self.bounds
            self._rect = QtCore.QRectF(
                b[:, 0].min(),
                b[:, 1].min(),
                max(b[:, 2].max() - b[:, 0].min(), 1e-9),
                max(b[:, 3].max() - b[:, 1].min(), 1e-9),
            )
        self.invalidate()

    def invalidate(self):
        self._cache_key = None
        self.update()

    def set_visible_mask(self, row_mask: np.ndarray) -> None:
        if self.table is not None:
            self.visible = row_mask[self.rows]
            self.invalidate()

    def _lod(self, level: int) -> _LevelOfDetail:
        if level not in self._lods:
            self._lods[level] = _LevelOfDetail(
                self.geoms, self.TOLERANCES[level], rings=self.kind == 2
            )
        return self._lods[level]

    def _build(self, bbox, deg_per_px):
        x0, y0, x1, y1 = bbox
        b = self.bounds
        inview = (
            self.visible & (b[:, 2] >= x0) & (b[:, 0] <= x1) & (b[:, 3] >= y0) & (b[:, 1] <= y1)
        )
        # Coarsest tolerance still under one pixel.
        level = max([i for i, t in enumerate(self.TOLERANCES) if t <= deg_per_px] or [0])
        key = (
            level,
            inview.tobytes(),
            self.color_mode,
            self.table.version,
            self._selected.tobytes(),
        )
        if key == self._cache_key:
            return
        lod = self._lod(level)
        tab = self.table
        rows = self.rows
        group = tab.status[rows] if self.color_mode == "status" else tab.class_idx[rows]
        colors = (
            [STATUS_COLORS[s] for s in STATUSES]
            if self.color_mode == "status"
            else self.class_colors
        )
        paths = []
        if self.color_mode == "class":
            ringed = inview & (tab.status[rows] != 0)
            for s in np.unique(tab.status[rows][ringed]):
                which = np.flatnonzero(ringed & (tab.status[rows] == s))
                paths.append(
                    (
                        pg.arrayToQPath(*lod.gather(which), connect="finite"),
                        STATUS_COLORS[STATUSES[s]],
                        4.5,
                        False,
                    )
                )
        for g in np.unique(group[inview]):
            which = np.flatnonzero(inview & (group == g))
            paths.append(
                (pg.arrayToQPath(*lod.gather(which), connect="finite"), colors[g], 1.6, True)
            )
        if len(self._selected):
            sel = self._selected
            paths.append(
                (
                    pg.arrayToQPath(*self._lod(0).gather(sel), connect="finite"),
                    SELECTION_COLOR,
                    3.0,
                    False,
                )
            )
        self._paths = paths
        self._elements = sum(path.elementCount() for path, *_ in paths)
        self._cache_key = key

    def paint(self, p, *args):
        p.save()
        try:
            self._paint(p)
        finally:
            p.restore()

    def _paint(self, p):
        frame = self.device_frame(p)
        if frame is None:
            return
        (sx, sy, *_), _, bbox = frame
        t0 = time.perf_counter()
        self._build(bbox, 1.0 / max(abs(sx), abs(sy)))
        t1 = time.perf_counter()
        # Pens wider than one pixel go through Qt's stroker (10-30x slower): only
        # worth it when few vertices are in view.
        fine = self._elements < 15_000
        for path, color, width, main in self._paths:
            if not main and not fine and color != SELECTION_COLOR:
                continue
            pen = QtGui.QPen(QtGui.QColor(color), width if fine or not main else 0)
            pen.setCosmetic(True)
            p.setPen(pen)
            if self.kind == 2 and main:
                fill = QtGui.QColor(color)
                fill.setAlpha(110)
                p.setBrush(QtGui.QBrush(fill))
            else:
                p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            p.drawPath(path)
        self.last_stats = {"build_ms": (t1 - t0) * 1e3, "draw_ms": (time.perf_counter() - t1) * 1e3}
