"""MapView: the central map widget (pyqtgraph), smooth at a million assets.

Display CRS: longitude/latitude with aspect correction.  The stored coordinates
(EPSG:4326/4490) are the display coordinates, so a million points are never reprojected
and hit-testing works in the same numbers as the data.  The view locks its aspect so
that one degree of latitude is 1/cos(lat0) times as tall as one degree of longitude
(lat0 = centre of the data), which is the local equirectangular projection: at the
scale of a province (±3° of latitude) shapes are true to within a few percent, and the
scale bar is computed at the centre of the view.  An equal-area Albers (ESRI:102025)
would only pay off on a China-wide view, and would cost a 1M-point pyproj transform on
every load plus inverse transforms for every cursor position and click.

Interaction: drag pans, wheel zooms, +/- and arrow keys zoom/pan, Home shows all;
click identifies through the AssetTable's spatial index (no Qt item per asset);
Shift- or Ctrl-drag selects a box (Ctrl adds to the selection), Ctrl-click toggles.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from app.core.classes import ASSET_CLASSES
from app.gis import maps
from app.gis.assets import CLASS_CODES, AssetTable
from app.ui.i18n import localized, tr
from app.ui.map.layers import AssetLayer
from app.ui.map.overlay import EARTH_KM_PER_DEG, MapOverlay, status_legend

if TYPE_CHECKING:
    import geopandas as gpd

CLICK_TOLERANCE_PX = 6
GHOST_COLOR = "#6f42c1"  # an earlier geometry of the inspected asset
LAYERS = ("provinces", "boundaries", "labels", "polygons", "lines", "points")


class _MapViewBox(pg.ViewBox):
    def __init__(self, owner: MapView):
        super().__init__(enableMenu=False)
        self.owner = owner
        self._box_origin = None
        self._dragged: int | None = None  # the point asset being dragged to a new place

    def mouseClickEvent(self, ev):
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            pos = self.mapSceneToView(ev.scenePos())
            additive = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier)
            self.owner._click(pos.x(), pos.y(), additive)
        elif ev.button() == QtCore.Qt.MouseButton.RightButton:
            ev.accept()
            pos = self.mapSceneToView(ev.scenePos())
            self.owner._context_click(pos.x(), pos.y(), ev.screenPos().toPoint())
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None):
        mods = ev.modifiers()
        boxing = mods & (
            QtCore.Qt.KeyboardModifier.ShiftModifier | QtCore.Qt.KeyboardModifier.ControlModifier
        )
        if ev.button() == QtCore.Qt.MouseButton.LeftButton and not boxing:
            if ev.isStart():
                a = self.mapToView(ev.buttonDownPos())
                self._dragged = self.owner.draggable_at(a.x(), a.y())
            if self._dragged is not None:
                ev.accept()
                b = self.mapToView(ev.pos())
                self.owner._drag_point(self._dragged, b.x(), b.y(), ev.isFinish())
                if ev.isFinish():
                    self._dragged = None
                return
        if ev.button() == QtCore.Qt.MouseButton.LeftButton and boxing:
            ev.accept()
            if ev.isFinish():
                self.rbScaleBox.hide()
                a = self.mapToView(ev.buttonDownPos())
                b = self.mapToView(ev.pos())
                self.owner._box_select(
                    (a.x(), a.y(), b.x(), b.y()),
                    bool(mods & QtCore.Qt.KeyboardModifier.ControlModifier),
                )
            else:
                self.updateScaleBox(ev.buttonDownPos(), ev.pos())
            return
        super().mouseDragEvent(ev, axis)


class MapView(QtWidgets.QWidget):
    selectionChanged = QtCore.Signal(list)
    cursorMoved = QtCore.Signal(float, float)
    identifyRequested = QtCore.Signal(int)
    viewChanged = QtCore.Signal(tuple)  # (minx, miny, maxx, maxy) after pan/zoom
    contextMenuRequested = QtCore.Signal(QtCore.QPoint)  # global position; selection set
    pointMoved = QtCore.Signal(int, float, float)  # row, lon, lat where a drag dropped it

    def __init__(self, parent=None, background: str = "#eef1f4"):
        super().__init__(parent)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.graphics = pg.GraphicsView(self, background=background)
        self.graphics.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.graphics.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        self.vb = _MapViewBox(self)
        self.graphics.setCentralItem(self.vb)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.graphics)
        self.overlay = MapOverlay(self)
        self.overlay.raise_()

        self.table: AssetTable | None = None
        self.boundaries: gpd.GeoDataFrame | None = None
        self._lat0 = 38.0
        self._selection: list[int] = []
        self._ghost_items: list = []
        self._proposed: pg.ScatterPlotItem | None = None
        # Layer filters; None shows every class, status, city.
        self._classes: list[str] | None = None
        self._statuses: list[str] | None = None
        self._cities: list[str] | None = None
        self._mask: np.ndarray | None = None  # rows passing the filters
        self._style_mask: np.ndarray | None = None  # a custom style's shown categories
        self._custom_legend: tuple[str, list[tuple[str, str]]] | None = None
        self.color_mode = "class"
        self._class_colors = [ASSET_CLASSES[c].color for c in CLASS_CODES]

        # A dark background (wall mode) gets light outlines, labels and panels.
        self.dark = QtGui.QColor(background).lightnessF() < 0.5
        self.overlay.dark = self.dark
        self._label_style = (
            ("#d0d7de", (13, 17, 23, 170)) if self.dark else ("#2b333b", (255, 255, 255, 170))
        )
        self._outline_style = {
            "provinces": ("#4d5866" if self.dark else "#9aa3ad", 1.2),
            "boundaries": ("#8b98a9" if self.dark else "#4d5660", 1.6),
        }
        # Province and city outlines are drawn by the asset layer into its cached
        # canvases, under the assets: as curve items they cost ~10 ms on every pan.
        self.assets = AssetLayer(background)
        self._labels: list[pg.TextItem] = []
        self._label_opacity = 1.0
        self._text_px: int | None = None  # None: the desktop's 9 pt
        self.vb.addItem(self.assets)
        self.vb.setAspectLocked(True, ratio=math.cos(math.radians(self._lat0)))
        # From a street (~50 m across) to all of China and its seas.
        self.vb.setLimits(xMin=60, xMax=150, yMin=0, yMax=60, minXRange=5e-4, maxXRange=90)
        self.vb.sigRangeChanged.connect(self._range_changed)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        self._refresh_legend()

    # ---- data ----------------------------------------------------------------------------
    def set_table(self, table: AssetTable | None) -> None:
        if self.table is not None:
            self.table.unsubscribe(self._table_changed)
        self.table = table
        self._selection = []
        if table is None:
            self.assets.clear_table()
            return
        table.subscribe(self._table_changed)
        self._present_classes = [
            CLASS_CODES[i]
            for i in np.flatnonzero(np.bincount(table.class_idx, minlength=len(CLASS_CODES)))
        ]
        self.assets.color_mode = self.color_mode
        self.assets.set_table(table, self._class_colors)
        self._apply_filters()  # styles the new table's layer once
        if self.boundaries is None and len(table):
            self._set_lat0((table.y.min() + table.y.max()) / 2)
            self.zoom_to_bbox(table.bounds())
        self._refresh_legend()

    def set_boundaries(self, gdf, provinces=None) -> None:
        """City boundaries (maps.city_boundaries frame); province outlines of those
        cities are added for context unless ``provinces`` (a frame, or False) says otherwise."""
        boundaries = self.boundaries = gdf.reset_index(drop=True)
        if provinces is None:
            provinces = maps.province_outlines(maps.provinces_of(boundaries["city"]))
        if provinces is not False and len(provinces):
            xy = maps.outline_arrays(provinces.geometry.to_numpy())
        else:
            xy = (np.empty(0), np.empty(0))
        self.assets.set_outlines("provinces", *xy, *self._outline_style["provinces"])
        self._update_boundary_curve()
        for item in self._labels:
            self.vb.removeItem(item)
        self._labels = []
        for row in boundaries.itertuples():
            pt = row.geometry.representative_point()
            color, fill = self._label_style
            label = pg.TextItem(
                localized(row.name_en, row.name_zh),  # the UI language's name only
                color=color,
                anchor=(0.5, 0.5),
                fill=pg.mkBrush(*fill),
            )
            label.setFont(self._text_font(label.textItem.font()))
            label.setPos(pt.x, pt.y)
            label.setZValue(10)
            self.vb.addItem(label)
            label.setOpacity(self._label_opacity)
            self._labels.append(label)
        minx, miny, maxx, maxy = boundaries.total_bounds
        self._set_lat0((miny + maxy) / 2)
        self.zoom_to_bbox((minx, miny, maxx, maxy))

    def _set_lat0(self, lat0: float) -> None:
        self._lat0 = float(lat0)
        self.vb.setAspectLocked(True, ratio=math.cos(math.radians(self._lat0)))

    def _update_boundary_curve(self) -> None:
        if self.boundaries is None:
            return
        b = self.boundaries
        if self._cities is not None:
            b = b[b["city"].isin(self._cities)]
        self.assets.set_outlines(
            "boundaries",
            *maps.outline_arrays(b.geometry.to_numpy()),
            *self._outline_style["boundaries"],
        )

    # ---- view ------------------------------------------------------------------------------
    def zoom_to_bbox(self, bbox, pad: float = 0.04) -> None:
        if bbox is None:
            return
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        w = max(maxx - minx, 0.002)
        h = max(maxy - miny, 0.002)
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.vb.setRange(
            xRange=(cx - w / 2, cx + w / 2), yRange=(cy - h / 2, cy + h / 2), padding=pad
        )

    def zoom_to_city(self, code: str) -> None:
        code = str(code)
        if self.boundaries is not None and (self.boundaries["city"] == code).any():
            geom = self.boundaries.loc[self.boundaries["city"] == code, "geometry"].iloc[0]
            self.zoom_to_bbox(geom.bounds)
            return
        if self.table is not None and code in self.table.city_codes:
            self.zoom_to_bbox(self.table.bounds(np.flatnonzero(self.table.city_mask([code]))))
            return
        raise KeyError(f"city {code} is neither among the boundaries nor in the asset table")

    def zoom_to_selection(self) -> None:
        if self.table is not None and self._selection:
            self.zoom_to_bbox(self.table.bounds(self._selection), pad=0.3)

    def zoom_full(self) -> None:
        bbox: tuple[float, float, float, float] | None
        if self.boundaries is not None:
            minx, miny, maxx, maxy = self.boundaries.total_bounds
            bbox = (float(minx), float(miny), float(maxx), float(maxy))
        elif self.table is not None:
            bbox = self.table.bounds()
        else:
            return
        self.zoom_to_bbox(self._clear_of_legend(bbox))

    def _clear_of_legend(self, bbox):
        """bbox widened to the right by the legend's share of the map's width, so the
        overview is not drawn under the legend in the top-right corner."""
        if bbox is None:
            return None
        legend_w, _ = self.overlay.legend_size()
        free = self.width() - legend_w - 16
        if legend_w <= 0 or free <= self.width() / 3:
            return bbox
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        return minx, miny, maxx + (maxx - minx) * (legend_w + 16) / free, maxy

    def zoom(self, factor: float) -> None:
        """factor > 1 zooms in."""
        self.vb.scaleBy((1 / factor, 1 / factor))

    def pan(self, fx: float, fy: float) -> None:
        """Pan by a fraction of the view size (fx right, fy up)."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        self.vb.translateBy(x=fx * (x1 - x0), y=fy * (y1 - y0))

    def view_bbox(self) -> tuple[float, float, float, float]:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        return (x0, y0, x1, y1)

    def set_view_bbox(self, bbox) -> None:
        self.zoom_to_bbox(bbox, pad=0)

    def deg_per_px(self) -> float:
        (x0, x1), _ = self.vb.viewRange()
        return (x1 - x0) / max(self.vb.width(), 1)

    # ---- selection and identify ------------------------------------------------------------
    def visible_mask(self) -> np.ndarray:
        t = self.table
        if t is None:
            return np.zeros(0, bool)
        mask = (
            t.class_mask(self._classes) & t.status_mask(self._statuses) & t.city_mask(self._cities)
        )
        if self._style_mask is not None and len(self._style_mask) == len(t):
            mask &= self._style_mask
        return mask

    def identify_at(self, x: float, y: float) -> int | None:
        """The visible asset under (lon, lat) within a few pixels, or None."""
        if self.table is None:
            return None
        tol = CLICK_TOLERANCE_PX * self.deg_per_px()
        return self.table.nearest(x, y, tol, mask=self._mask)

    def selection(self) -> list[int]:
        return list(self._selection)

    def set_selection(self, rows, emit: bool = False) -> None:
        """Highlight rows; emits selectionChanged only when ``emit`` (the map emits for
        user clicks and boxes, so two-way links with a table don't loop)."""
        self._selection = sorted({int(r) for r in rows})
        if self.table is not None:
            self.assets.set_selected_rows(np.asarray(self._selection, np.int64))
        if emit:
            self.selectionChanged.emit(list(self._selection))

    def _click(self, x, y, additive):
        row = self.identify_at(x, y)
        if additive:
            sel = set(self._selection)
            if row is not None:
                sel ^= {row}
            self.set_selection(sel, emit=True)
        else:
            self.set_selection([] if row is None else [row], emit=True)
        if row is not None:
            self.identifyRequested.emit(row)

    def set_ghost(self, geometry: dict | None) -> None:
        """An earlier geometry of the inspected asset (GeoJSON), drawn ghosted — dashed
        outline, hollow point — over the map; None removes it."""
        for item in self._ghost_items:
            self.vb.removeItem(item)
        self._ghost_items = []
        if not geometry:
            return
        import shapely.geometry

        shape = shapely.geometry.shape(geometry)
        pen = pg.mkPen(GHOST_COLOR, width=2, style=QtCore.Qt.PenStyle.DashLine)
        parts = getattr(shape, "geoms", [shape])
        for part in parts:
            if part.geom_type == "Point":
                item = pg.ScatterPlotItem(
                    [part.x], [part.y], size=14, pen=pen, brush=pg.mkBrush(None)
                )
            else:
                line = part.exterior if part.geom_type == "Polygon" else part
                xs, ys = np.asarray(line.coords).T[:2]
                item = pg.PlotDataItem(xs, ys, pen=pen)
            item.setZValue(1000)
            self.vb.addItem(item)
            self._ghost_items.append(item)

    def draggable_at(self, x: float, y: float) -> int | None:
        """The selected point asset under (lon, lat), when exactly one coded point is
        selected: a drag starting on it moves it (any other drag pans the map)."""
        if self.table is None or len(self._selection) != 1:
            return None
        row = self._selection[0]
        if self.table.kind[row] != 0 or not self.table.codes[row]:
            return None
        return row if self.identify_at(x, y) == row else None

    def _drag_point(self, row: int, x: float, y: float, finished: bool) -> None:
        """Show where the dragged point would go (the asset stays drawn where the log
        has it); on the drop, ask for the update with pointMoved."""
        self.show_proposed((x, y))
        if finished:
            self.pointMoved.emit(row, float(x), float(y))

    def show_proposed(self, lonlat: tuple[float, float] | None) -> None:
        """A proposed new place of a point asset (dragged, not yet confirmed), or none."""
        if self._proposed is None and lonlat is not None:
            pen = pg.mkPen(GHOST_COLOR, width=2)
            self._proposed = pg.ScatterPlotItem(size=12, pen=pen, brush=pg.mkBrush("#ffffffaa"))
            self._proposed.setZValue(1001)
            self.vb.addItem(self._proposed)
        if self._proposed is not None:
            self._proposed.setData(*([[lonlat[0]], [lonlat[1]]] if lonlat else [[], []]))

    def proposed(self) -> tuple[float, float] | None:
        if self._proposed is None:
            return None
        xs, ys = self._proposed.getData()
        return (float(xs[0]), float(ys[0])) if len(xs) else None

    def ghost(self) -> list:
        """The ghost's graphics items (empty when none is drawn)."""
        return list(self._ghost_items)

    def _context_click(self, x, y, global_pos) -> None:
        """A right click acts on the selection; on an asset outside it, on that asset."""
        row = self.identify_at(x, y)
        if row is not None and row not in self._selection:
            self.set_selection([row], emit=True)
        self.contextMenuRequested.emit(global_pos)

    def _box_select(self, bbox, additive):
        if self.table is None:
            return
        rows = self.table.query(bbox, mask=self._mask).tolist()
        if additive:
            rows = set(rows) | set(self._selection)
        self.set_selection(rows, emit=True)

    # ---- filters and styling ---------------------------------------------------------------
    def set_visible_classes(self, codes) -> None:
        self._classes = None if codes is None else list(codes)
        self._apply_filters()

    def set_visible_statuses(self, statuses) -> None:
        self._statuses = None if statuses is None else list(statuses)
        self._apply_filters()

    def set_visible_cities(self, codes) -> None:
        self._cities = None if codes is None else [str(c) for c in codes]
        self._apply_filters()
        self._update_boundary_curve()

    def _apply_filters(self) -> None:
        if self.table is None:
            return
        self._mask = self.visible_mask()
        self.assets.set_visible_mask(self._mask)
        self._refresh_legend()

    def set_color_mode(self, mode: str) -> None:
        """'class' (class colours, status as a ring) or 'status' (colour by code status)."""
        if mode not in ("class", "status"):
            raise ValueError(f"colour mode must be 'class' or 'status', got {mode!r}")
        self.color_mode = mode
        self.assets.color_mode = mode
        self.assets.custom, self._custom_legend = None, None
        self._style_mask = None
        self._mask = self.visible_mask()
        self.assets.set_visible_mask(self._mask)  # restyles
        self._refresh_legend()

    def set_custom_style(
        self,
        key: np.ndarray,
        colors: list[str],
        legend: tuple[str, list[tuple[str, str]]],
        shown: np.ndarray | None = None,
    ) -> None:
        """Colour every row by ``colors[key[row]]`` (a Qt-free style: app.gis.life_style;
        key 0 is drawn under the rest), with its legend (title, [(colour, text)]) and the
        rows its shown categories leave on the map (None: all)."""
        self.color_mode = "custom"
        self.assets.color_mode = "custom"
        self.assets.custom = (np.asarray(key, np.uint8), list(colors))
        self._custom_legend = legend
        self._style_mask = shown
        self._mask = self.visible_mask()
        self.assets.set_visible_mask(self._mask)  # restyles
        self._refresh_legend()

    def set_text_px(self, px: int | None) -> None:
        """Pixel size of the city labels and the legend, scale bar and cursor texts; the
        wall sets it from its screen-derived type sizes (None: 9 pt, for a desk)."""
        self._text_px = px
        self.overlay.text_px = px
        for label in self._labels:
            label.setFont(self._text_font(label.textItem.font()))
        self.overlay.update()

    def _text_font(self, font: QtGui.QFont) -> QtGui.QFont:
        if self._text_px is None:
            font.setPointSize(9)
        else:
            font.setPixelSize(self._text_px)
        return font

    def set_opacity(self, layer: str, value: float) -> None:
        if layer not in LAYERS:
            raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")
        value = max(0.0, min(1.0, float(value)))
        if layer == "labels":
            self._label_opacity = value
            for item in self._labels:
                item.setOpacity(value)
        else:
            self.assets.set_layer_opacity(layer, value)

    def opacity(self, layer: str) -> float:
        if layer == "labels":
            return self._label_opacity
        return self.assets.opacity[layer]

    def grab_settled(self) -> QtGui.QPixmap:
        """The widget grabbed once the map is fully rendered: everything built in the
        background, every band of the view drawn (tests, screenshots, the bench; the
        app itself never waits, it shows what is ready and refines)."""
        while True:
            self.assets.wait_for_background()
            pixmap = self.grab()
            if not self.assets.busy() and not self.assets.background_running():
                return pixmap

    def _refresh_legend(self) -> None:
        if self.color_mode == "custom" and self._custom_legend is not None:
            self.overlay.set_legend(*self._custom_legend)
            return
        if self.color_mode == "status":
            self.overlay.set_legend(tr("Code status"), status_legend())
            return
        present = CLASS_CODES if self.table is None else self._present_classes
        shown = [c for c in present if self._classes is None or c in self._classes]
        self.overlay.set_legend(
            tr("Assets"),
            [
                (
                    ASSET_CLASSES[c].color,
                    localized(ASSET_CLASSES[c].en.split(" (")[0], ASSET_CLASSES[c].zh),
                )
                for c in shown
            ],
        )

    def set_legend_visible(self, visible: bool) -> None:
        """The in-map legend (a layers panel beside the map may make it redundant)."""
        self.overlay.show_legend = bool(visible)
        self.overlay.update()

    def _table_changed(self, table, rows) -> None:
        self._apply_filters()  # a status change may move rows in or out of the filter

    # ---- events ------------------------------------------------------------------------------
    def _range_changed(self, *args) -> None:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        km = self.deg_per_px() * EARTH_KM_PER_DEG * math.cos(math.radians((y0 + y1) / 2))
        self.overlay.set_scale(km)
        self.viewChanged.emit((x0, y0, x1, y1))

    def _mouse_moved(self, scene_pos) -> None:
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            self.overlay.set_cursor(None, None)
            return
        p = self.vb.mapSceneToView(scene_pos)
        self.overlay.set_cursor(p.x(), p.y())
        self.cursorMoved.emit(float(p.x()), float(p.y()))

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self.overlay.setGeometry(self.rect())
        self.overlay.raise_()

    def keyPressEvent(self, ev):
        k = ev.key()
        Key = QtCore.Qt.Key
        if k in (Key.Key_Plus, Key.Key_Equal):
            self.zoom(1.5)
        elif k in (Key.Key_Minus, Key.Key_Underscore):
            self.zoom(1 / 1.5)
        elif k == Key.Key_Left:
            self.pan(-0.2, 0)
        elif k == Key.Key_Right:
            self.pan(0.2, 0)
        elif k == Key.Key_Up:
            self.pan(0, 0.2)
        elif k == Key.Key_Down:
            self.pan(0, -0.2)
        elif k == Key.Key_Home:
            self.zoom_full()
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()
