"""Lazy table model over the AssetTable: Qt asks only for the cells it paints."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.ui import asset_source
from app.ui.i18n import tr
from app.ui.labels import STATUS_LABELS, TABLE_COLUMNS
from app.ui.theme import STATUS_COLORS

COLUMNS = TABLE_COLUMNS


class AssetTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = None
        self.rows = np.zeros(0, dtype=np.int64)  # table row per view row
        self.city_names: dict[str, str] = {}
        self.class_names: dict[str, str] = {}
        self._brushes = {k: QBrush(QColor(v)) for k, v in STATUS_COLORS.items()}

    # data plumbing -------------------------------------------------------
    def set_table(self, table, city_names=None, class_names=None) -> None:
        self.beginResetModel()
        self.table = table
        self.rows = np.arange(asset_source.row_count(table), dtype=np.int64)
        self.city_names = dict(city_names or {})
        self.class_names = dict(class_names or {})
        self.endResetModel()

    def set_rows(self, rows: np.ndarray) -> None:
        self.beginResetModel()
        self.rows = np.asarray(rows, dtype=np.int64)
        self.endResetModel()

    def refresh_cells(self) -> None:
        """Repaint after codes/statuses changed (rows keep their order)."""
        if self.table is not None and len(self.rows):
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1)
            )

    def table_row(self, view_row: int) -> int:
        return int(self.rows[view_row])

    def total(self) -> int:
        return asset_source.row_count(self.table)

    # QAbstractTableModel -------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return tr(COLUMNS[section][1])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        key = COLUMNS[index.column()][0]
        row = self.rows[index.row()]
        value = asset_source.cell(self.table, row, key)
        if role == Qt.DisplayRole and key == "name":
            return asset_source.display_name(self.table, row)
        if role == Qt.DisplayRole:
            if value is None:
                if key == "inspected" and self.table.codes[row] and self.table.life is not None:
                    return tr("never")
                return "—" if key == "code" else ""
            if key == "status":
                return tr(STATUS_LABELS.get(value, str(value)))
            if key == "city":
                name = self.city_names.get(value)
                return f"{name} ({value})" if name else str(value)
            if key == "asset_class":
                name = self.class_names.get(value)
                return name or str(value)
            return str(value)
        if role == Qt.ForegroundRole and key == "status":
            return self._brushes.get(value)
        if role == Qt.ToolTipRole and key == "code" and value:
            return str(value)
        return None

    def sort_key(self, column: int) -> str:
        return COLUMNS[column][0]
