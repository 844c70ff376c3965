"""Vertex handles of the selected line or polygon on the map (issue 12): drag a handle
to move that vertex; Ctrl+Z takes back the last move, Esc cancels, Enter asks for the
update. The edit itself (the vertices, undo, the GeoJSON) is app.gis.geometry_edit's;
this only draws it and forwards the mouse.

While the update is being signed and until the ledger confirms it, the new shape stays
drawn here as a proposal (no handles) and the map ghosts the old one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from app.gis.geometry_edit import Vertex, VertexEdit

if TYPE_CHECKING:
    from app.ui.map.view import MapView

EDIT_COLOR = "#ff6f00"  # the proposed shape and its handles


class _Handles(pg.ScatterPlotItem):
    """The vertices as square handles; a drag starting on one moves it (any other drag
    falls through to the map, which pans)."""

    def __init__(self, editor: VertexEditor):
        super().__init__(
            size=11,
            symbol="s",
            pen=pg.mkPen(EDIT_COLOR, width=2),
            brush=pg.mkBrush("#ffffff"),
            pxMode=True,
        )
        self.editor = editor
        self._dragged: int | None = None

    def mouseDragEvent(self, ev):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            hits = self.pointsAt(ev.buttonDownPos())
            if len(hits) == 0:
                ev.ignore()
                return
            self._dragged = int(hits[0].index())
        elif self._dragged is None:
            ev.ignore()
            return
        ev.accept()
        pos = ev.pos()
        self.editor.drag(self._dragged, pos.x(), pos.y(), ev.isFinish())
        if ev.isFinish():
            self._dragged = None


class VertexEditor(QtCore.QObject):
    applyRequested = QtCore.Signal()  # Enter: sign the new geometry
    cancelled = QtCore.Signal()  # Esc
    changed = QtCore.Signal()  # a vertex moved or a move was undone

    def __init__(self, view: MapView):
        super().__init__(view)
        self.view = view
        self.row: int | None = None
        self.edit: VertexEdit | None = None
        self._vertices: list[Vertex] = []
        self._start: tuple[float, float] | None = None  # where the dragged vertex was
        self.handles = _Handles(self)
        self.handles.setZValue(1003)
        self.outline = pg.PlotDataItem(pen=pg.mkPen(EDIT_COLOR, width=2.5))
        self.outline.setZValue(1002)
        # Keys taken from the window's shortcuts while handles are shown (Esc also
        # clears the selection there): claimed at ShortcutOverride, acted on at KeyPress.
        view.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if self.editing and kind in (
            QtCore.QEvent.Type.ShortcutOverride,
            QtCore.QEvent.Type.KeyPress,
        ):
            slot = self._slot_of(event)
            if slot is not None:
                event.accept()
                if kind == QtCore.QEvent.Type.KeyPress:
                    slot()
                return True
        return super().eventFilter(obj, event)

    def _slot_of(self, event: QtGui.QKeyEvent):
        if event.matches(QtGui.QKeySequence.StandardKey.Undo):
            return self.undo
        key = event.key()
        if key == QtCore.Qt.Key.Key_Escape:
            return self.cancel
        if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            return self.applyRequested.emit
        return None

    @property
    def editing(self) -> bool:
        """Handles are shown (as opposed to nothing, or a proposal being signed)."""
        return self.edit is not None and self.handles.scene() is not None

    def start(self, row: int, geometry: dict) -> None:
        """Handles on the vertices of ``geometry`` (the asset's, as the log has it)."""
        self.stop()
        self.row, self.edit = row, VertexEdit(geometry)
        self._vertices = [v for v, _x, _y in self.edit.vertices()]
        for item in (self.outline, self.handles):
            self.view.vb.addItem(item)
        self.view.setFocus()
        self._redraw()

    def propose(self, row: int, geometry: dict) -> None:
        """Only the new shape, no handles: a proposal being signed or waiting in the
        outbox (from the handles, or from a file)."""
        self.stop()
        self.row = row
        self.edit = VertexEdit(geometry)
        self.view.vb.addItem(self.outline)
        self._redraw()

    def stop(self) -> None:
        """Remove the handles and the proposed shape."""
        for item in (self.handles, self.outline):
            if item.scene() is not None:
                self.view.vb.removeItem(item)
        self.row, self.edit, self._vertices = None, None, []

    def freeze(self) -> None:
        """Keep the edited shape as a proposal; the handles go."""
        if self.handles.scene() is not None:
            self.view.vb.removeItem(self.handles)

    def drag(self, k: int, x: float, y: float, finished: bool) -> None:
        """Handle ``k`` dragged to (x, y); one undoable move per drag."""
        if self.edit is None:
            return
        v = self._vertices[k]
        if self._start is None:
            self._start = self.edit.position(v)
        if finished:
            self.edit.move(v, x, y, start=self._start)
            self._start = None
            self.changed.emit()
        else:
            self.edit.preview(v, x, y)
        self._redraw()

    def undo(self) -> None:
        if self.edit is not None and self.edit.undo():
            self._redraw()
            self.changed.emit()

    def cancel(self) -> None:
        self.stop()
        self.cancelled.emit()

    def geometry(self) -> dict | None:
        return None if self.edit is None else self.edit.geometry()

    def handle_positions(self) -> np.ndarray:
        """(n, 2) lon/lat of the handles shown (tests, screenshots)."""
        if self.edit is None:
            return np.empty((0, 2))
        return np.array([self.edit.position(v) for v in self._vertices]).reshape(-1, 2)

    def _redraw(self) -> None:
        if self.edit is None:
            return
        xs: list[float] = []
        ys: list[float] = []
        for part in self.edit.parts:
            for ring in part:
                xs.extend([c[0] for c in ring] + [np.nan])
                ys.extend([c[1] for c in ring] + [np.nan])
        self.outline.setData(np.array(xs), np.array(ys), connect="finite")
        pos = self.handle_positions()
        self.handles.setData(pos[:, 0], pos[:, 1])
