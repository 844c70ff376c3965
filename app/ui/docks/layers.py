"""Layers panel: which cities, asset classes and code statuses the map shows; opacity."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.ui.i18n import tr
from app.ui.labels import STATUS_LABELS, STATUS_ORDER
from app.ui.theme import STATUS_COLORS


def swatch(color: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(color))
    return QIcon(pix)


class _CheckList(QListWidget):
    """A list of checkable items keyed by a code; emits the checked keys on change."""

    checkedChanged = Signal(set)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setUniformItemSizes(True)
        self._quiet = False
        self.itemChanged.connect(self._changed)

    def set_items(self, items) -> None:
        """items: iterable of (key, label, color or None)."""
        self._quiet = True
        self.clear()
        for key, label, color in items:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            if color:
                item.setIcon(swatch(color))
            self.addItem(item)
        self._quiet = False
        rows = max(1, min(self.count(), 14))
        self.setFixedHeight(rows * (self.sizeHintForRow(0) if self.count() else 20) + 6)

    def checked(self) -> set:
        return {
            self.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        }

    def set_checked(self, keys) -> None:
        self._quiet = True
        for i in range(self.count()):
            item = self.item(i)
            item.setCheckState(
                Qt.CheckState.Checked
                if item.data(Qt.ItemDataRole.UserRole) in keys
                else Qt.CheckState.Unchecked
            )
        self._quiet = False
        self.checkedChanged.emit(self.checked())

    def _changed(self, _item) -> None:
        if not self._quiet:
            self.checkedChanged.emit(self.checked())


class LayersPanel(QWidget):
    citiesChanged = Signal(set)
    classesChanged = Signal(set)
    statusesChanged = Signal(set)
    opacityChanged = Signal(float)
    colorModeChanged = Signal(str)  # 'class', 'status' or an app.gis.life_style style
    zoomToCity = Signal(str)
    followChanged = Signal(str, bool)  # city code, follow it fully (else on demand only)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cities = _CheckList()
        self.cities.setToolTip(tr("Double-click a city to zoom to it"))
        self.classes = _CheckList()
        self.statuses = _CheckList()
        self.statuses.set_items((k, tr(STATUS_LABELS[k]), STATUS_COLORS[k]) for k in STATUS_ORDER)
        self.opacity = QSlider(Qt.Horizontal)
        self.opacity.setRange(10, 100)
        self.opacity.setValue(100)
        self.opacity_label = QLabel("100%")
        self.opacity_label.setMinimumWidth(40)
        self.color_mode = QComboBox()
        self.color_mode.addItem(tr("Colour by asset class"), "class")
        self.color_mode.addItem(tr("Colour by code status"), "status")
        self.color_mode.addItem(tr("Colour by the life of the code"), "life")
        self.color_mode.addItem(tr("Colour by condition grade"), "condition")
        self.color_mode.addItem(tr("Colour by last inspection"), "inspection")
        self.color_mode.setObjectName("color_mode")
        from app.ui.docks.life_legend import LifeLegend  # it reuses _CheckList

        self.life_legend = LifeLegend()
        self.color_mode.currentIndexChanged.connect(
            lambda _i: self.colorModeChanged.emit(self.color_mode.currentData())
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for title, widget in (
            (tr("Cities"), self.cities),
            (tr("Asset classes"), self.classes),
            (tr("Code status"), self.statuses),
        ):
            box = QGroupBox(title)
            inner = QVBoxLayout(box)
            inner.setContentsMargins(4, 4, 4, 4)
            inner.addWidget(widget)
            layout.addWidget(box)
        box = QGroupBox(tr("Style"))
        col = QVBoxLayout(box)
        col.addWidget(self.color_mode)
        col.addWidget(self.life_legend)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Opacity")))
        row.addWidget(self.opacity, 1)
        row.addWidget(self.opacity_label)
        col.addLayout(row)
        layout.addWidget(box)
        layout.addStretch(1)

        self.cities.checkedChanged.connect(self.citiesChanged)
        self.classes.checkedChanged.connect(self.classesChanged)
        self.statuses.checkedChanged.connect(self.statusesChanged)
        self.cities.itemDoubleClicked.connect(
            lambda item: self.zoomToCity.emit(item.data(Qt.UserRole))
        )
        self.opacity.valueChanged.connect(self._opacity_moved)
        self.following: set[str] | None = None  # followed city codes (None: every city)
        self.own_city: str | None = None
        self.cities.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.cities.customContextMenuRequested.connect(self._city_menu)

    def set_following(self, following: set[str] | None, own_city: str | None) -> None:
        """The cities this node replicates fully (None: every member city)."""
        self.following, self.own_city = following, own_city

    def follow_action_for(self, code: str):
        """(text, follow?) of the action the city's menu offers, or None for the own city."""
        if code == self.own_city:
            return None
        if self.following is None or code in self.following:
            return tr("Verify this city's codes on demand only"), False
        return tr("Follow this city (keep its whole log here)"), True

    def _city_menu(self, pos) -> None:
        item = self.cities.itemAt(pos)
        if item is None:
            return
        code = item.data(Qt.ItemDataRole.UserRole)
        offer = self.follow_action_for(code)
        if offer is None:
            return
        text, follow = offer
        menu = QMenu(self)
        menu.addAction(text, lambda: self.followChanged.emit(code, follow))
        menu.exec(self.cities.viewport().mapToGlobal(pos))

    def set_cities(self, cities) -> None:
        """cities: iterable of (code, label)."""
        self.cities.set_items((code, label, None) for code, label in cities)

    def show_health(self, health: dict) -> None:
        """health: city code -> (colour, state text, reason) from the network model; a
        city's swatch takes the colour and its tooltip the state and the reason."""
        for i in range(self.cities.count()):
            item = self.cities.item(i)
            found = health.get(item.data(Qt.ItemDataRole.UserRole))
            if found is None:
                continue
            color, state, reason = found
            item.setIcon(swatch(color))
            item.setToolTip(f"{state}: {reason}" if reason else state)
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, state)

    def set_classes(self, classes) -> None:
        """classes: iterable of (code, label, color)."""
        self.classes.set_items(classes)

    def _opacity_moved(self, value: int) -> None:
        self.opacity_label.setText(f"{value}%")
        self.opacityChanged.emit(value / 100.0)
