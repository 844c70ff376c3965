"""Attribute table: filter box, lazy QTableView, selection linked with the map."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui import table_query
from app.ui.asset_model import AssetTableModel
from app.ui.i18n import tr

MAX_SELECTION_RANGES = 5000  # beyond this, the table shows the first ones; the map has all


class AttributeTable(QWidget):
    rowsSelected = Signal(list)  # AssetTable row numbers chosen in the table
    contextMenuRequested = Signal(QPoint)  # global position of a right click on the rows

    def __init__(self, backend, parent=None):
        super().__init__(parent)
        self.backend = backend
        self.model = AssetTableModel(self)
        self._layer_filter: dict = {}
        self._style_mask: np.ndarray | None = None
        self._selected_rows = np.zeros(0, dtype=np.int64)
        self._sort: tuple[str, bool] | None = None
        self._syncing = False
        self._generation = 0
        self._scroll_pending = False  # a selection arrived while rows were being computed

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(tr("Filter by name, code or asset ID…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.only_selected = QCheckBox(tr("Selected only"))
        self.count_label = QLabel()
        self.count_label.setObjectName("table_count")
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.only_selected)
        top.addWidget(self.count_label)

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(
            lambda pos: self.contextMenuRequested.emit(self.view.viewport().mapToGlobal(pos))
        )
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        # Fixed row height keeps QHeaderView from measuring a million rows.
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(22)
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.AscendingOrder)
        header.sortIndicatorChanged.connect(self._on_sort_requested)
        header.setStretchLastSection(True)
        for col, width in enumerate((200, 230, 160, 130, 90, 150, 80)):
            header.resizeSection(col, width)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refilter)
        self.filter_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.only_selected.toggled.connect(lambda _b: self.refilter())
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection)
        self._update_count()

    # data ---------------------------------------------------------------
    def set_table(self, table, city_names=None, class_names=None) -> None:
        self.model.set_table(table, city_names, class_names)
        self._selected_rows = np.zeros(0, dtype=np.int64)
        self.refilter()

    def set_layer_filter(self, classes=None, statuses=None, cities=None) -> None:
        self._layer_filter = {"classes": classes, "statuses": statuses, "cities": cities}
        self.refilter()

    def set_style_mask(self, mask: np.ndarray | None) -> None:
        """The rows a map style's shown categories leave (None: every row)."""
        self._style_mask = mask
        self.refilter()

    def current_filter(self) -> table_query.RowFilter:
        only = self._selected_rows if self.only_selected.isChecked() else None
        lf = {k: (frozenset(v) if v is not None else None) for k, v in self._layer_filter.items()}
        return table_query.RowFilter(
            text=self.filter_edit.text(), only_rows=only, style_mask=self._style_mask, **lf
        )

    def refilter(self) -> None:
        """Recompute shown rows on the worker thread; the newest request wins."""
        if self.model.table is None:
            self._update_count()
            return
        self._generation += 1
        generation = self._generation
        table, flt, sort = self.model.table, self.current_filter(), self._sort

        def job(ctx):
            rows = table_query.filter_rows(table, flt, ctx.report)
            if sort is not None:
                rows = table_query.sort_rows(table, rows, sort[0], sort[1])
            return rows

        self.backend.call_for(
            self,
            job,
            on_done=lambda rows: self._apply_rows(generation, rows),
            label=tr("Filtering table"),
        )

    def _apply_rows(self, generation: int, rows) -> None:
        if generation != self._generation:
            return
        self.model.set_rows(rows)
        self._update_count()
        self._show_selection(self._selected_rows, scroll=self._scroll_pending)
        self._scroll_pending = False

    def _on_sort_requested(self, section: int, order) -> None:
        if section < 0:
            return
        self._sort = (self.model.sort_key(section), order == Qt.SortOrder.DescendingOrder)
        self.refilter()

    def _update_count(self) -> None:
        shown, total = len(self.model.rows), self.model.total()
        self.count_label.setText(
            tr("{shown} of {total}").format(shown=f"{shown:,}", total=f"{total:,}")
        )

    # selection ------------------------------------------------------------
    def select_table_rows(self, rows, scroll: bool = True) -> None:
        """Show the map's selection in the table (does not echo rowsSelected)."""
        self._selected_rows = np.unique(np.asarray(rows, dtype=np.int64))
        self._scroll_pending = scroll
        if self.only_selected.isChecked():
            self.refilter()
        else:
            self._show_selection(self._selected_rows, scroll)

    def _show_selection(self, rows, scroll: bool) -> None:
        sel_model = self.view.selectionModel()
        self._syncing = True
        try:
            selection = QItemSelection()
            if len(rows) and len(self.model.rows):
                positions = table_query.positions_of(self.model.rows, rows, self.model.total())
                last_col = self.model.columnCount() - 1
                for first, last in table_query.contiguous_ranges(positions, MAX_SELECTION_RANGES):
                    selection.select(self.model.index(first, 0), self.model.index(last, last_col))
                if scroll and len(positions):
                    self.view.scrollTo(
                        self.model.index(int(positions[0]), 0),
                        QAbstractItemView.ScrollHint.PositionAtCenter,
                    )
            sel_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._syncing = False

    def _on_view_selection(self, *_args) -> None:
        if self._syncing:
            return
        # Ranges, not selectedRows(): Ctrl+A on a million rows must stay cheap.
        parts = [
            self.model.rows[r.top() : r.bottom() + 1]
            for r in self.view.selectionModel().selection()
        ]
        rows = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        self._selected_rows = rows
        self.rowsSelected.emit(rows.tolist())

    def selected_table_rows(self) -> list[int]:
        return [int(r) for r in self._selected_rows]

    def shown_rows(self) -> list[int]:
        """AssetTable rows the table shows now (its filter's result), in view order."""
        return self.model.rows.tolist()
