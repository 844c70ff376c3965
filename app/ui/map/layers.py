"""The assets of the map as one bulk-drawn layer: never one Qt item per asset.

All the work is in app/gis/render (Qt-free): the marks rasterised with numpy, the
lines and polygons prepared as level-of-detail coordinate arrays, the canvases kept per
scale.  This item turns a band of a canvas into pixels — the large shapes' paths drawn
with QPainter into a QImage over the canvas's numpy buffer, then the marks' image on top
— and blits the canvas.  A paint renders bands for at most ``frame_budget`` seconds
right after the view moved (so the frame itself stays near 16 ms), ``budget`` when it
only refines, and asks
for another paint if work is left, so a first view of a million assets shows at once
and refines, and the UI thread never stalls; a pan only renders the exposed strips.
"""

from __future__ import annotations

import functools
import threading
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from app.gis.assets import STATUSES, AssetTable
from app.gis.render import raster
from app.gis.render.canvas import Canvas, CanvasCache, Style
from app.gis.render.marks import Marks
from app.gis.render.memory import trim_heap
from app.gis.render.palette import SELECTION_COLOR, STATUS_COLORS, argb, palette, with_alpha
from app.gis.render.raster import Scratch
from app.gis.render.shapes import ShapeSet, segments_in, touching
from app.gis.render.viewport import Block, device_block

__all__ = ["STATUS_COLORS", "AssetLayer"]

FILL_ALPHA = 110
MARGIN_PX = 8  # a band is drawn this much larger, so discs and pens cross its edges
# Fewer large shapes than this in the first view of a scale: 1.6 px pens and status
# rings.  Pens wider than a pixel go through Qt's stroker, 10-30x slower than 1 px ones:
# with 1,250 shapes in view they were most of a zoom's first frame.
FINE_SHAPES = 400


def qimage(pixels: np.ndarray) -> QtGui.QImage:
    """A QImage over a (h, w) uint32 array (no copy: keep the array alive)."""
    h, w = pixels.shape
    return QtGui.QImage(pixels.data, w, h, w * 4, QtGui.QImage.Format.Format_ARGB32_Premultiplied)


class AssetLayer(pg.GraphicsObject):
    LAYERS = ("provinces", "boundaries", "polygons", "lines", "points")

    def __init__(self, background: str = "#eef1f4") -> None:
        super().__init__()
        self.table: AssetTable | None = None
        self.marks: Marks | None = None
        # Marks built in the background and not installed yet, with the style version
        # they were styled at.
        self._built: tuple[AssetTable, Marks, int] | None = None
        self._style_version = 0
        self.shapes: dict[str, ShapeSet] = {}
        self.shape_rows: dict[str, np.ndarray] = {}
        self.color_mode = "class"
        self.class_colors: list[str] = []
        # 'custom' mode: a key per table row and its colours (a style by the life of the
        # codes, app.gis.life_style); key 0 is "never coded", the rest drawn over it.
        self.custom: tuple[np.ndarray, list[str]] | None = None
        self.opacity = {name: 1.0 for name in self.LAYERS}
        self.budget = 0.04  # seconds of rendering per refining paint
        self.frame_budget = 0.008  # ... per paint of a view that just moved
        self._last_view: tuple[float, float, tuple[int, int, int, int]] | None = None
        self._window: Block | None = None  # the view being rendered, bands are parts of
        self.background = int(argb(background))
        self.canvases = CanvasCache(fill=self.background)
        self.outlines: dict[str, tuple[np.ndarray, np.ndarray, str, float]] = {}
        self.last_stats: dict[str, object] = {}
        self.rendered_px = 0  # pixels rendered so far (a pan adds only its strips)
        self._rect = QtCore.QRectF()
        self._row_mask: np.ndarray | None = None
        self._selected = np.empty(0, np.int64)
        self.show_coded = True  # coded points drawn over the uncoded ones (default style)
        self._pyramid_thread: threading.Thread | None = None
        self._pyramid_wanted = False
        self._scratch = Scratch()
        self._refine = QtCore.QTimer()
        self._refine.setSingleShot(True)
        self._refine.timeout.connect(self.update)

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    # ---- data and style --------------------------------------------------------------
    def set_table(self, table: AssetTable, class_colors: list[str]) -> None:
        """Show ``table``.  Only the shapes' bounds are taken here; the marks' columns
        and the shapes' vertices are built in a Python thread (not a QThread: pyproj
        segfaults creating a CRS on one) and installed by the next paint, so the UI
        thread never waits for a million rows: the first frames show what is ready."""
        self.prepareGeometryChange()
        self.table = table
        self.class_colors = list(class_colors)
        self.marks = None
        self._built = None
        n = len(table)
        origin = (float(table.x.min()), float(table.y.min())) if n else (0.0, 0.0)
        kinds = table.kind[table.shape_rows]
        self.shapes, self.shape_rows = {}, {}
        for name, kind in (("lines", 1), ("polygons", 2)):
            pos = np.flatnonzero(kinds == kind)
            self.shapes[name] = ShapeSet(
                table.shapes.bounds[pos],
                functools.partial(table.shapes.ragged_of, pos),
                rings=kind == 2,
                origin=origin,
            )
            self.shape_rows[name] = table.shape_rows[pos]
        self._rect = self._bounds(table.bounds() if n else None)
        self._row_mask = None  # the view sets the filters (and so the style) next
        self._selected = np.empty(0, np.int64)
        shapes = list(self.shapes.items())
        rows = dict(self.shape_rows)

        def build() -> None:
            extent = np.zeros(n, np.float32)
            for name, shape_set in shapes:
                extent[rows[name]] = np.maximum(shape_set.extent, 1e-12)
            marks = Marks(table.x, table.y, extent, origin)
            # Styled here too (10M rows: 0.4 s off the UI thread); the UI thread styles
            # again only if colours or filters changed meanwhile.
            version = self._style_version
            if self.table is table:
                self._style_marks(marks)
            self._built = (table, marks, version)
            trim_heap()

        def prepare() -> None:
            for _, shape_set in shapes:
                shape_set.prepare()
            trim_heap()  # this thread's malloc arena too

        # Two threads: numpy releases the GIL in the big passes, so on two cores the
        # shapes are ready about when the marks are and the view is rendered once.
        for target in (build, prepare):
            threading.Thread(target=target, name="map-build", daemon=True).start()
        self.invalidate()

    def _install_marks(self) -> bool:
        """Take the marks built in the background (UI thread); True if it did."""
        built = self._built
        if built is None or self.marks is not None or built[0] is not self.table:
            return False
        self.marks = built[1]
        self._built = None
        if built[2] == self._style_version:
            self.invalidate()
            self._pyramid_wanted = True
        else:
            self.restyle()
        return True

    def clear_table(self) -> None:
        self.prepareGeometryChange()
        self.table, self.marks, self._built = None, None, None
        self.shapes, self.shape_rows = {}, {}
        self._selected = np.empty(0, np.int64)
        self._rect = self._bounds()
        self.invalidate()

    def set_outlines(
        self, name: str, x: np.ndarray, y: np.ndarray, color: str, width: float
    ) -> None:
        """Boundary lines ('provinces' or 'boundaries', NaN-separated) drawn under the
        assets into the same canvases, so a pan does not redraw them either."""
        self.prepareGeometryChange()
        self.outlines[name] = (np.asarray(x, np.float64), np.asarray(y, np.float64), color, width)
        self._rect = self._bounds(None if self.table is None else self.table.bounds())
        self.invalidate()

    def wait_for_background(self) -> None:
        """Block until the marks, the shapes and the pyramid are built (tests, bench)."""
        for t in threading.enumerate():
            if t.name in ("map-build", "map-pyramid"):
                t.join()

    def background_running(self) -> bool:
        return (
            self._built is not None
            or self._pyramid_wanted
            or any(t.name in ("map-build", "map-pyramid") for t in threading.enumerate())
        )

    def _bounds(self, data: tuple[float, float, float, float] | None = None) -> QtCore.QRectF:
        boxes = [] if data is None else [data]
        for x, y, *_ in self.outlines.values():
            if np.isfinite(x).any():
                boxes.append((np.nanmin(x), np.nanmin(y), np.nanmax(x), np.nanmax(y)))
        if not boxes:
            return QtCore.QRectF()
        b = np.array(boxes, np.float64)
        x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
        return QtCore.QRectF(x0, y0, max(x1 - x0, 1e-9), max(y1 - y0, 1e-9))

    def _key_colors(self) -> tuple[np.ndarray, list[str]]:
        """(colour index per table row, colours) for the colour mode."""
        assert self.table is not None
        custom = self.custom
        if self.color_mode == "custom" and custom is not None and len(custom[0]) == len(self.table):
            return custom
        if self.color_mode == "status":
            return self.table.status, [STATUS_COLORS[s] for s in STATUSES]
        return self.table.class_idx, self.class_colors

    def _keys(self) -> tuple[np.ndarray, np.ndarray]:
        """(palette index per table row, palette) for the colour mode."""
        key, colors = self._key_colors()
        return key, palette(colors)

    def restyle(self) -> None:
        """Colours, statuses or filters changed: redraw everything."""
        self._style_version += 1
        if self.marks is None or self.table is None:
            return
        self._style_marks(self.marks)
        self.invalidate()
        # Built once the view on screen is complete: it would only compete with it.
        self._pyramid_wanted = True

    def _style_marks(self, marks: Marks) -> None:
        """Colours and filters onto the marks (a few passes over every row)."""
        assert self.table is not None
        key, pal = self._keys()
        # A custom style's own key marks the assets drawn over the rest (non-zero).
        custom = self.color_mode == "custom"
        marks.set_style(
            key,
            pal,
            key if custom else self.table.status,
            pal if custom else palette([STATUS_COLORS[s] for s in STATUSES]),
            ring_status=self.color_mode == "class",
        )
        marks.set_visible(self._marks_mask())

    def _marks_mask(self) -> np.ndarray | None:
        """Rows drawn as marks: the filters, less the layers made fully transparent."""
        assert self.table is not None
        mask = self._row_mask
        hidden = [
            k for k, name in enumerate(("points", "lines", "polygons")) if not self.opacity[name]
        ]
        if hidden:
            mask = (np.ones(len(self.table), bool) if mask is None else mask) & ~np.isin(
                self.table.kind, hidden
            )
        return mask

    def _start_pyramid(self) -> None:
        marks = self.marks
        if marks is None or marks.n < 150_000:
            return

        def build() -> None:
            pyramid = marks.build_pyramid()
            if pyramid.generation == marks.generation:
                marks.pyramid = pyramid
            trim_heap()

        self._pyramid_thread = threading.Thread(target=build, name="map-pyramid", daemon=True)
        self._pyramid_thread.start()

    def set_visible_mask(self, row_mask: np.ndarray) -> None:
        self._row_mask = None if row_mask.all() else row_mask
        self.restyle()

    def set_layer_opacity(self, name: str, value: float) -> None:
        self.opacity[name] = value
        if name in ("points", "lines", "polygons"):
            self.restyle()  # a hidden layer's small shapes leave the marks too
        else:
            self.invalidate()

    def set_selected_rows(self, rows: np.ndarray) -> None:
        self._selected = np.asarray(rows, np.int64)
        self.update()

    def invalidate(self) -> None:
        self.canvases.clear()  # the last complete image stays as a placeholder
        self.update()

    # ---- painting ------------------------------------------------------------------------
    def paint(self, p: QtGui.QPainter, *args: object) -> None:
        self._install_marks()
        if self.table is None and not self.outlines:
            return
        tr = p.transform()
        sx, sy, dx, dy = tr.m11(), tr.m22(), tr.dx(), tr.dy()
        if sx == 0 or sy == 0:
            return
        dev = p.device()
        rect = QtCore.QRect(0, 0, dev.width(), dev.height())
        if p.hasClipping():
            rect = rect.intersected(tr.mapRect(p.clipBoundingRect()).toAlignedRect())
        if rect.isEmpty():
            return
        view, left, top = device_block(
            sx, sy, dx, dy, rect.left(), rect.top(), rect.width(), rect.height()
        )
        canvas, previous = self.canvases.get(sx, sy, view.rect, lambda: self._style(view))
        self._window = view.grown(MARGIN_PX)
        if canvas.waiting and self._all_built():
            canvas.refresh()
        moved = (sx, sy, view.rect) != self._last_view
        self._last_view = (sx, sy, view.rect)
        budget = min(self.frame_budget, self.budget) if moved else self.budget
        t0 = time.perf_counter()
        bands = 0
        while (band := canvas.next_band()) is not None:
            cpu = time.thread_time()  # not wall time: a loaded machine is not a dense band
            self._render_band(canvas, band)
            canvas.took(band, time.thread_time() - cpu)
            bands += 1
            if time.perf_counter() - t0 > budget:
                break
        p.save()
        try:
            p.resetTransform()
            p.setClipRect(rect)
            # The canvas is opaque (it holds the background): copied, not blended.
            p.setCompositionMode(QtGui.QPainter.CompositionMode.CompositionMode_Source)
            p.drawImage(QtCore.QPointF(left, top), qimage(canvas.image))
            p.setCompositionMode(QtGui.QPainter.CompositionMode.CompositionMode_SourceOver)
            if canvas.pending and previous is not None and not canvas.refreshing:
                self._draw_placeholder(p, canvas, previous, sx, sy, dx, dy)
            self._draw_coded(p, view, left, top)
            self._draw_selection(p, view, left, top)
        finally:
            p.restore()
        self.last_stats = {
            "mode": canvas.style.mode,
            "fine": canvas.style.fine,  # shapes stroked by QPainter, else numpy
            "pending": len(canvas.pending),
            "bands": bands,
            "render_ms": (time.perf_counter() - t0) * 1e3,
            "complete": canvas.complete and not canvas.waiting,
        }
        if canvas.complete and self._pyramid_wanted:
            self._pyramid_wanted = False
            self._start_pyramid()
        if canvas.pending:
            self._refine.start(0)
        elif canvas.waiting:
            self._refine.start(50)  # poll for the shapes being prepared

    def _all_built(self) -> bool:
        return (self.table is None or self.marks is not None) and all(
            s.ready for s in self.shapes.values()
        )

    def canvases_pending(self) -> bool:
        """Bands are left to render (as opposed to waiting on background work)."""
        return bool(self.last_stats.get("pending", 0))

    def busy(self) -> bool:
        return not bool(self.last_stats.get("complete", True))

    def _style(self, view: Block) -> Style:
        if self.marks is None:
            return Style("dots", fine=True)
        bbox = view.bbox()
        limit = self.marks.small_limit(view.deg_per_px)
        large = sum(len(s.in_block(view, limit, 0)) for s in self.shapes.values())
        return Style(self.marks.choose_mode(bbox), fine=large < FINE_SHAPES)

    def _render_band(self, canvas: Canvas, band: tuple[int, int, int, int]) -> None:
        block = Block(canvas.sx, canvas.sy, *band).grown(MARGIN_PX)
        pixels = self._scratch.zeros(block.height * block.width, self.background).reshape(
            block.height, -1
        )
        img = qimage(pixels)
        p = QtGui.QPainter(img)
        try:
            for name, (x, y, color, width) in self.outlines.items():
                if self.opacity[name] > 0 and len(x):
                    p.setOpacity(self.opacity[name])
                    p.setPen(QtGui.QPen(QtGui.QColor(color), width))
                    p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                    bx, by = segments_in(x, y, block.bbox(4))
                    path = pg.arrayToQPath(
                        bx * block.sx - block.gx, by * block.sy - block.gy, connect="finite"
                    )
                    p.drawPath(path)
            if self.marks is None:
                canvas.waiting = self.table is not None  # the marks are still being built
            else:
                for name in ("polygons", "lines"):
                    if self.opacity[name] <= 0 or not len(self.shapes.get(name, ())):
                        continue
                    if not canvas.style.fine and self.opacity[name] >= 1:
                        # 1-px opaque outlines: numpy draws lines at the cost of their
                        # pixels and fills polygons by scanlines (no QPainterPath).
                        p.end()
                        done = self._raster_shapes(name, pixels, block)
                        p.begin(img)
                    else:
                        done = self._draw_shapes(p, name, block, canvas.style.fine)
                    canvas.waiting |= not done
            if self.marks is not None and self.opacity["points"] > 0:
                marks = self.marks.render(block, canvas.style.mode)
                p.setOpacity(self.opacity["points"])
                p.drawImage(0, 0, qimage(marks))
        finally:
            p.end()
        self.rendered_px += band[2] * band[3]
        m = MARGIN_PX
        canvas.put(band, pixels[m : m + band[3], m : m + band[2]])

    def _large_shapes(self, name: str, block: Block) -> np.ndarray | None:
        """Positions of the layer's shapes drawn as lines or paths in the block (those
        past the marks' size limit, passing the filters); None if their vertices are
        not prepared yet."""
        assert self.marks is not None
        shapes, rows = self.shapes[name], self.shape_rows[name]
        which = shapes.in_block(block, self.marks.small_limit(block.deg_per_px), 2, self._window)
        if self._row_mask is not None:
            which = which[self._row_mask[rows[which]]]
        if len(which) and not shapes.ready:
            return None
        return which

    def _draw_shapes(self, p: QtGui.QPainter, name: str, block: Block, fine: bool) -> bool:
        """Paths of the large shapes of a layer; False if their vertices are not
        prepared yet (the shapes are left out until they are)."""
        assert self.table is not None
        shapes, rows = self.shapes[name], self.shape_rows[name]
        which = self._large_shapes(name, block)
        if which is None or len(which) == 0:
            return which is not None
        key, colors = self._key_colors()
        group = key[rows[which]]
        p.setOpacity(self.opacity[name])
        status = self.table.status[rows[which]]
        if fine and self.color_mode == "class":
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            for s in np.unique(status[status != 0]):
                path = self._path(shapes, block, which[status == s])
                p.setPen(QtGui.QPen(QtGui.QColor(STATUS_COLORS[STATUSES[s]]), 4.5))
                p.drawPath(path)
        for g in np.unique(group):
            path = self._path(shapes, block, which[group == g])
            color = QtGui.QColor(colors[g])
            p.setPen(QtGui.QPen(color, 1.6 if fine else 0))
            if shapes.rings:
                fill = QtGui.QColor(color)
                fill.setAlpha(FILL_ALPHA)
                p.setBrush(fill)
            else:
                p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            p.drawPath(path)
        return True

    def _raster_shapes(self, name: str, pixels: np.ndarray, block: Block) -> bool:
        """The large lines (polygons) of the block as 1-px lines (filled, outlined in
        1 px) drawn with numpy; False if their vertices are not prepared yet."""
        assert self.table is not None
        shapes, rows = self.shapes[name], self.shape_rows[name]
        which = self._large_shapes(name, block)
        if which is None or len(which) == 0:
            return which is not None
        key, pal = self._keys()
        x, y, joins, owner = shapes.merged(block, which)
        group = key[rows[which]][owner]
        flat, w, h = pixels.reshape(-1), block.width, block.height
        if shapes.rings:
            fills = with_alpha(pal, np.full(len(pal), FILL_ALPHA))
            raster.fill_polygons(flat, w, h, x, y, joins, group, fills)
        raster.polylines(flat, w, h, x, y, joins, pal[group])
        return True

    @staticmethod
    def _path(shapes: ShapeSet, block: Block, which: np.ndarray) -> QtGui.QPainterPath:
        x, y, joins_previous = shapes.path_arrays(block, which)
        # pyqtgraph's connect array says whether a vertex joins the *next* one.
        path = pg.arrayToQPath(x, y, connect=np.r_[joins_previous[1:], np.int32(0)])
        # Oriented rings + non-zero winding: overlapping polygons are each filled, holes
        # stay holes (even-odd over one path per colour cancelled overlaps out).
        path.setFillRule(QtCore.Qt.FillRule.WindingFill)
        return path

    def _draw_placeholder(
        self, p: QtGui.QPainter, canvas: Canvas, previous: Canvas, sx, sy, dx, dy
    ) -> None:
        """The last complete canvas of another scale, scaled, under the parts of this
        one still to render: the view changes at once and sharpens."""
        gx, gy, w, h = previous.rect
        x0, y0 = gx / previous.sx * sx + dx, gy / previous.sy * sy + dy
        target = QtCore.QRectF(x0, y0, w * sx / previous.sx, h * sy / previous.sy)
        region = QtGui.QRegion()
        for px, py, pw, ph in canvas.pending:
            region = region.united(QtCore.QRect(int(px + dx), int(py + dy), pw, ph))
        p.save()
        p.setClipRegion(region, QtCore.Qt.ClipOperation.IntersectClip)
        p.drawImage(target, qimage(previous.image))
        p.restore()

    def _draw_coded(self, p: QtGui.QPainter, view: Block, left: float, top: float) -> None:
        """Coded point assets over the rest (Marks.render_coded), unless hidden."""
        if not self.show_coded or self.marks is None or self.opacity.get("points", 1.0) == 0:
            return
        img = self.marks.render_coded(view)
        if img is not None:
            p.drawImage(QtCore.QPointF(left, top), qimage(img))

    def _draw_selection(self, p: QtGui.QPainter, view: Block, left: float, top: float) -> None:
        if len(self._selected) == 0 or self.marks is None or self.table is None:
            return
        img = self.marks.render_selection(view, self._selected)
        pen = QtGui.QPen(QtGui.QColor(SELECTION_COLOR), 3.0)
        p.setPen(pen)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        p.translate(left, top)
        for name, shapes in self.shapes.items():
            rows = self.shape_rows[name]
            pos = np.flatnonzero(np.isin(rows, self._selected))
            if len(pos) == 0:
                continue
            inview = pos[touching(shapes.bounds[pos], view.bbox(4))]
            if len(inview) and shapes.ready:
                p.drawPath(self._path(shapes, view, inview))
        p.translate(-left, -top)
        if img is not None:
            p.drawImage(QtCore.QPointF(left, top), qimage(img))
