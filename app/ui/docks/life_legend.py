"""The layers panel's part for a style by the life of the codes: its parameter (updated
since a date, not inspected for N months) and its categories as a legend whose
checkboxes filter the map and the table."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QDateEdit, QFormLayout, QSpinBox, QVBoxLayout, QWidget

from app.gis import life_style
from app.ui.docks.layers import _CheckList
from app.ui.i18n import tr


class LifeLegend(QWidget):
    paramsChanged = Signal()
    shownChanged = Signal(set)  # positions of the shown categories

    def __init__(self, parent=None):
        super().__init__(parent)
        self.style_name: str | None = None
        self.since = QDateEdit()
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.since.setDate(QDate.currentDate().addDays(-30))
        self.months = QSpinBox()
        self.months.setRange(1, 240)
        self.months.setValue(12)
        self.months.setSuffix(" " + tr("months"))
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(tr("Updated since"), self.since)
        form.addRow(tr("Not inspected for"), self.months)
        self._form = form
        self.categories = _CheckList()
        self.categories.setObjectName("life_categories")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.categories)
        self.since.dateChanged.connect(lambda _d: self.paramsChanged.emit())
        self.months.valueChanged.connect(lambda _v: self.paramsChanged.emit())
        self.categories.checkedChanged.connect(self.shownChanged)
        self.setVisible(False)

    def params(self) -> life_style.StyleParams:
        from datetime import UTC, datetime, time

        d = self.since.date()
        since = datetime.combine(date(d.year(), d.month(), d.day()), time(), UTC)
        return life_style.StyleParams(since=since, months=self.months.value())

    def show_style(self, style: str | None, categories=(), counts=()) -> None:
        """The categories of ``style`` with how many assets each holds (None: a built-in
        colouring, nothing to show here). Checked states are kept while the style stays."""
        self.setVisible(style is not None)
        if style is None:
            self.style_name = None
            return
        self._form.setRowVisible(0, style == life_style.LIFE)
        self._form.setRowVisible(1, style == life_style.INSPECTION)
        keep = self.categories.checked() if style == self.style_name else None
        values = life_style.label_params(self.params())
        self.categories.set_items(
            (k, f"{tr(c.label).format(**values)} ({n:,})", c.color)
            for k, (c, n) in enumerate(zip(categories, counts))
        )
        if keep is not None:
            self.categories._quiet = True
            for i in range(self.categories.count()):
                item = self.categories.item(i)
                if i not in keep:
                    item.setCheckState(Qt.CheckState.Unchecked)
            self.categories._quiet = False
        self.style_name = style

    def shown(self) -> set[int]:
        return self.categories.checked()
