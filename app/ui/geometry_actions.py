"""Replacing a line's or polygon's geometry (issue 12): by moving its vertices on the map
(Edit geometry) or from a file holding one feature (Replace geometry from file…). Either
way the new shape is signed as an update through the same batch dialog as every change;
the old shape stays on the map, ghosted, with the new one proposed beside it, until the
ledger confirms the update — then the table holds the new shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.gis import geometry_edit
from app.ledger import life
from app.ui import job_messages, workspace
from app.ui.dialogs.batch import BatchDialog
from app.ui.i18n import tr
from app.ui.map.vertex_editor import VertexEditor

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

FILE_FILTER = "GIS (*.gpkg *.geojson *.json *.shp);;*"


class GeometryActions(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.w = window
        self.editor = VertexEditor(window.map)
        self.editor.applyRequested.connect(self.apply_edit)
        self.editor.cancelled.connect(self._cancelled)
        self.editor.changed.connect(self._moved)
        self.act_edit = QAction(tr("Edit geometry"), window)
        self.act_edit.setToolTip(
            tr("Move the vertices of the selected line or polygon; Enter signs the update")
        )
        self.act_edit.triggered.connect(self.start_edit)
        self.act_file = QAction(tr("Replace geometry from file…"), window)
        self.act_file.triggered.connect(self.choose_file)
        self.dialog: BatchDialog | None = None
        self.old: dict | None = None  # the geometry the log holds, ghosted meanwhile
        self.refusal: QMessageBox | None = None  # the last file refused, and why

    def actions(self) -> tuple[QAction, ...]:
        return (self.act_edit, self.act_file)

    def shape_row(self) -> int | None:
        """The single selected coded line or polygon, or None."""
        ws, sel = self.w.ws, self.w.selection
        if ws is None or len(sel) != 1:
            return None
        row = sel[0]
        if ws.table.kind[row] == 0 or not ws.table.codes[row]:
            return None
        return row

    def enable(self) -> None:
        ok = self.shape_row() is not None and self.w.ws is not None and bool(self.w.ws.origin)
        self.act_edit.setEnabled(ok)
        self.act_file.setEnabled(ok)

    # ---- moving vertices -------------------------------------------------------------------
    def start_edit(self) -> None:
        row = self.shape_row()
        if row is None:
            self._explain()
            return
        geometry = self._geometry(row)
        self.editor.start(row, geometry)
        self.w.status.showMessage(
            tr(
                "Drag the vertices; Enter signs the update, Ctrl+Z undoes the last move, Esc cancels"
            ),
            0,
        )

    def _moved(self) -> None:
        if self.editor.edit is not None:
            self.w.status.showMessage(
                tr("%n vertex moves", None, self.editor.edit.moves)
                + " · "
                + tr("Enter signs the update, Ctrl+Z undoes the last move, Esc cancels"),
                0,
            )

    def _cancelled(self) -> None:
        self.w.status.clearMessage()
        self.w.status.showMessage(tr("Geometry edit cancelled: nothing changed"), 5000)

    def apply_edit(self) -> BatchDialog | None:
        edit, row = self.editor.edit, self.editor.row
        if edit is None or row is None:
            return None
        if edit.moves == 0:
            self.w.status.showMessage(tr("No vertex has moved yet"), 5000)
            return None
        problem = edit.problem()
        if problem is not None:
            self.w.status.showMessage(
                tr("The new shape is not valid ({why}); move the vertices again or undo").format(
                    why=problem
                ),
                10000,
            )
            return None
        self.editor.freeze()
        what = tr("Reshape {name} as drawn on the map: an update record").format(
            name=self.w.ws.table.name(row) if self.w.ws else ""
        )
        return self.sign(row, edit.geometry(), what)

    # ---- from a file ---------------------------------------------------------------------
    def choose_file(self) -> None:
        if self.shape_row() is None:
            self._explain()
            return
        path, _ = QFileDialog.getOpenFileName(
            self.w, tr("Replace geometry from file"), str(self.w.data_dir), FILE_FILTER
        )
        if path:
            self.replace_from(path)

    def replace_from(self, path: str) -> None:
        """Read the file's one feature on the worker (reprojected to lon/lat), then sign."""
        row = self.shape_row()
        if row is None:
            self._explain()
            return
        geom_type = self._geometry(row)["type"]
        self.w.backend.call_for(
            self,
            lambda _ctx: geometry_edit.geometry_from_file(path, geom_type),
            on_done=lambda geometry: self._file_read(row, path, geometry),
            on_error=self._file_refused,
            label=tr("Reading {path}").format(path=path),
        )

    def _file_read(self, row: int, path: str, geometry: dict) -> None:
        self.editor.propose(row, geometry)
        what = tr("Replace the geometry of {name} with the feature of {path}: an update record")
        name = self.w.ws.table.name(row) if self.w.ws else ""
        self.sign(row, geometry, what.format(name=name, path=path))

    def _file_refused(self, exc: BaseException) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("Replace geometry from file"),
            job_messages.describe(exc),
            parent=self.w,
        )
        box.open()
        self.refusal = box

    # ---- signing and confirming ------------------------------------------------------------
    def sign(self, row: int, geometry: dict, what: str) -> BatchDialog:
        """The update through the batch dialog; the old shape ghosted until confirmed."""
        self.old = self._geometry(row)
        self.w.map.set_ghost(self.old)
        self.w.status.clearMessage()
        members = life.update_members(geometry=geometry)
        geometry = members["asset"]["geometry"]  # as the record will hold it (rounded)
        dialog = BatchDialog(
            self.w.backend,
            self.w.loaded.table,
            [row],
            self.w.data_dir,
            life.UPDATE,
            self.w,
            members=members,
            what=what,
        )
        dialog.batchDone.connect(lambda outcome: self._signed(row, geometry, outcome))
        dialog.rejected.connect(lambda: self._dropped(dialog))
        self.dialog = self.w.batch_dialog = dialog
        dialog.open()
        return dialog

    def _dropped(self, dialog: BatchDialog) -> None:
        if dialog.outcome is None:  # closed before signing: nothing changes
            self._clear()

    def _signed(self, row: int, geometry: dict, outcome) -> None:
        if outcome.issued:  # confirmed by the ledger: the table takes the new shape
            table = self.w.loaded.table
            self.w.backend.call_for(
                self,
                lambda _ctx: workspace.reshaped(table, row, geometry),
                on_done=lambda new: self._confirmed(table, new),
            )
        elif not outcome.pending:  # refused: nothing changed
            self._clear()
        # pending: signed, in the outbox — the proposal and the ghost stay

    def _confirmed(self, old_table, new_table) -> None:
        ws = self.w.ws
        if ws is None or ws.table is not old_table:
            return
        self._clear()
        ws.table = new_table
        self.w._show_table(new_table)  # rows keep their numbers: the selection stays
        self.w.select_rows(list(self.w.selection), "app")
        self.w.poll_node()

    def _clear(self) -> None:
        self.editor.stop()
        self.w.map.set_ghost(None)
        self.old = None

    # ---- helpers ---------------------------------------------------------------------------
    def _geometry(self, row: int) -> dict:
        return geometry_edit.as_geojson(self.w.loaded.table.geometry(row))

    def _explain(self) -> None:
        QMessageBox.information(
            self.w,
            tr("CityLedger"),
            tr("Select one line or polygon asset that has a code first."),
        )
