"""Wall mode: a read-only, full-screen, dark dashboard for a control-room screen.

Rotates between the network overview and each member city; shows live counters, the
most recent codes, peer health and alerts. Built to run for days: every list is bounded,
widgets are reused (never re-created per refresh), and a refresh is only requested when
the previous one came back, so a slow node cannot pile up work.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import wall_data, workspace
from app.ui.i18n import tr
from app.ui.map import MapView
from app.ui.network_driver import NetworkDriver
from app.ui.network_state import DOWN, IN_SYNC, LAGGING, NetworkState
from app.ui.status_bar import since

REFRESH_MS = 5000
MAX_ALERT_ROWS = 8
STATE_COLORS = {IN_SYNC: "#3fb950", LAGGING: "#d29922", DOWN: "#f85149", None: "#6e7681"}

WALL_STYLESHEET = """
QWidget { background: #0d1117; color: #e6edf3; }
QLabel#wall_title { font-size: 30pt; font-weight: bold; }
QLabel#wall_clock { font-size: 30pt; font-family: "DejaVu Sans Mono"; color: #8b949e; }
QLabel#wall_caption { font-size: 34pt; font-weight: bold; background: rgba(13,17,23,200);
                      padding: 6px 16px; border-radius: 6px; }
QLabel.counter_value { font-size: 40pt; font-weight: bold; color: #58a6ff; }
QLabel.counter_label { font-size: 14pt; color: #8b949e; }
QLabel.section { font-size: 17pt; font-weight: bold; color: #c9d1d9; padding-top: 6px; }
QFrame#counter { background: #161b22; border: 1px solid #30363d; border-radius: 8px; }
QFrame#counter QLabel { background: transparent; border: none; }
QTreeWidget { font-size: 15pt; background: #0d1117; border: none; }
QTreeWidget::item { padding: 4px 0; }
QHeaderView::section { background: #161b22; color: #8b949e; font-size: 12pt; border: none;
                       padding: 4px; }
QLabel#wall_banner_ok { font-size: 16pt; background: #238636; padding: 6px 14px;
                        border-radius: 6px; font-weight: bold; }
QLabel#wall_banner_off { font-size: 16pt; background: #da3633; padding: 6px 14px;
                         border-radius: 6px; font-weight: bold; }
QLabel#wall_banner_local { font-size: 16pt; background: #30363d; padding: 6px 14px;
                           border-radius: 6px; }
"""


class Counter(QFrame):
    def __init__(self, label: str, parent=None):
        super().__init__(parent)
        self.setObjectName("counter")
        self.value = QLabel("—")
        self.value.setProperty("class", "counter_value")
        self.label = QLabel(label)
        self.label.setProperty("class", "counter_label")
        col = QVBoxLayout(self)
        col.setContentsMargins(16, 10, 16, 10)
        col.addWidget(self.value)
        col.addWidget(self.label)

    def set(self, value) -> None:
        self.value.setText("—" if value is None else f"{value:,}")


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("class", "section")
    return label


def _tree(headers, widths) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    tree.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
    tree.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for i, w in enumerate(widths):
        tree.header().resizeSection(i, w)
    return tree


def _fit_rows(tree: QTreeWidget, rows: int) -> None:
    """Make a list exactly ``rows`` rows tall (the alerts list takes what is left)."""
    row = tree.sizeHintForRow(0) if tree.topLevelItemCount() else tree.fontMetrics().height() + 8
    tree.setFixedHeight(tree.header().sizeHint().height() + rows * row + 6)


def _fill(tree: QTreeWidget, rows, colors=None) -> None:
    """Reuse the tree's items: the wall refreshes every few seconds for days."""
    while tree.topLevelItemCount() > len(rows):
        tree.takeTopLevelItem(tree.topLevelItemCount() - 1)
    for i, row in enumerate(rows):
        item = tree.topLevelItem(i)
        if item is None:
            item = QTreeWidgetItem(tree)
        for c, text in enumerate(row):
            item.setText(c, str(text))
        if colors is not None:
            color = colors[i]
            item.setForeground(0, color) if color is not None else None


class WallWindow(QWidget):
    def __init__(
        self,
        backend,
        data_dir,
        bus=None,
        rotate_s: float = 20.0,
        demo_assets_per_city: int | None = None,
        network: bool = True,
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle(tr("CityLedger wall"))
        self.setStyleSheet(WALL_STYLESHEET)
        self.backend = backend
        self.data_dir = data_dir
        self.ws: workspace.Workspace | None = None
        self.net = NetworkState()
        self.snapshot: wall_data.WallSnapshot | None = None
        self._refreshing = False
        self._views: list[str | None] = [None]  # None: overview, else a city code
        self._view_index = 0

        self.title = QLabel(tr("CityLedger · city asset identity network"))
        self.title.setObjectName("wall_title")
        self.clock = QLabel()
        self.clock.setObjectName("wall_clock")
        self.banner = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.banner)
        top.addSpacing(24)
        top.addWidget(self.clock)

        self.map = MapView(self, background="#0d1117")
        self.map.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # read-only
        self.map.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if hasattr(self.map, "overlay"):
            self.map.overlay.dark = True
        self.caption = QLabel(self.map)
        self.caption.setObjectName("wall_caption")
        self.caption.move(24, 20)

        self.c_codes = Counter(tr("identity codes held"))
        self.c_cities = Counter(tr("member cities"))
        self.c_log = Counter(tr("entries in own log"))
        self.c_sync = Counter(tr("peers in sync"))
        counters = QGridLayout()
        for i, c in enumerate((self.c_codes, self.c_log, self.c_cities, self.c_sync)):
            counters.addWidget(c, i // 2, i % 2)

        self.cities = _tree([tr("City"), tr("Codes"), tr("Sync")], (300, 140, 140))
        self.recent = _tree([tr("Code"), tr("Asset"), tr("Time (UTC)")], (330, 260, 120))
        self.alerts = _tree([tr("Alert"), tr("Since")], (520, 120))

        side = QVBoxLayout()
        side.addLayout(counters)
        side.addWidget(_section(tr("Cities")))
        side.addWidget(self.cities)
        side.addWidget(_section(tr("Recent identity codes")))
        side.addWidget(self.recent)
        side.addWidget(_section(tr("Alerts")))
        side.addWidget(self.alerts, 1)

        body = QHBoxLayout()
        body.addWidget(self.map, 62)
        body.addLayout(side, 38)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.addLayout(top)
        outer.addLayout(body, 1)

        self._network = network
        self.network = NetworkDriver(backend, bus, self)
        self.network.eventReceived.connect(self._on_event)
        self._clock_timer = QTimer(self, interval=1000)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start()
        self._refresh_timer = QTimer(self, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._rotate_timer = QTimer(self, interval=int(rotate_s * 1000))
        self._rotate_timer.timeout.connect(self.rotate)
        self._tick()
        self._show_network()
        backend.call_for(
            self,
            lambda ctx: workspace.load(ctx, data_dir, demo_assets_per_city),
            on_done=self._loaded,
            label=tr("Loading"),
        )

    # data ---------------------------------------------------------------------
    def _loaded(self, ws) -> None:
        self.ws = ws
        if ws.boundaries is not None:
            self.map.set_boundaries(ws.boundaries)
        self.map.set_table(ws.table)
        self._views = [None] + list(ws.cities)
        self.net.set_own(ws.origin, ws.size)
        self.c_cities.set(len(ws.cities))
        self.show_view(0)
        self._refresh_timer.start()
        self._rotate_timer.start()
        self.refresh()
        if self._network:
            self.network.start()

    def refresh(self) -> None:
        if self._refreshing:
            return  # the last one is still running: never queue up work
        self._refreshing = True
        self.backend.call_for(
            self,
            wall_data.snapshot,
            on_done=self._snapshot,
            on_error=lambda _exc: setattr(self, "_refreshing", False),
        )

    def _snapshot(self, snap: wall_data.WallSnapshot) -> None:
        self._refreshing = False
        self.snapshot = snap
        self.net.set_own(self.net.own_origin, snap.own_size)
        self.c_codes.set(snap.codes_total)
        self.c_log.set(snap.own_size)
        self._fill_cities()
        _fill(
            self.recent,
            [(code, name, t[11:19] if len(t) >= 19 else t) for code, name, t in snap.recent],
        )
        _fit_rows(self.recent, wall_data.RECENT)
        self._show_network()

    def _fill_cities(self) -> None:
        if self.ws is None:
            return
        states = self._city_states()
        rows, colors = [], []
        from PySide6.QtGui import QBrush, QColor

        for code, (zh, en) in self.ws.cities.items():
            held = self.snapshot.per_city.get(code) if self.snapshot else None
            state = states.get(code)
            label = {
                IN_SYNC: tr("in sync"),
                LAGGING: tr("lagging"),
                DOWN: tr("down"),
                None: tr("own log") if code == self.ws.city_code else "—",
            }[state]
            rows.append((f"● {zh} {en}", "—" if held is None else f"{held:,}", label))
            colors.append(
                QBrush(
                    QColor(STATE_COLORS[state if code != self.ws.city_code or state else IN_SYNC])
                )
            )
        _fill(self.cities, rows, colors)
        _fit_rows(self.cities, len(rows))

    def _city_states(self) -> dict:
        """city code -> peer state, from health events keyed by log origin."""
        out = {}
        trust = self.ws.trust if self.ws else None
        for origin, state in self.net.peers.items():
            city = trust.city_for_origin(origin) if trust is not None else None
            out[city.code if city else origin.rsplit("/", 1)[-1]] = state
        return out

    # events -----------------------------------------------------------------------
    def _on_event(self, event) -> None:
        self.net.apply(event)
        self._show_network()
        if event.kind == "health":
            self._fill_cities()

    def _show_network(self) -> None:
        counts = self.net.counts()
        self.c_sync.set(counts[IN_SYNC] if self.net.peers else None)
        if not self.net.peers:
            self.banner.setObjectName("wall_banner_local")
            self.banner.setText(tr("Local only"))
        elif self.net.offline_since is None:
            self.banner.setObjectName("wall_banner_ok")
            self.banner.setText(tr("Online"))
        else:
            self.banner.setObjectName("wall_banner_off")
            self.banner.setText(
                tr("OFFLINE since {time}").format(time=since(self.net.offline_since))
            )
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        rows = []
        for code, checks in (self.snapshot.failures if self.snapshot else [])[:MAX_ALERT_ROWS]:
            rows.append(
                (tr("✘ Not verified: {code} ({checks})").format(code=code, checks=checks), "—")
            )
        for ev in list(self.net.alerts)[: MAX_ALERT_ROWS - len(rows)]:
            rows.append((f"⚠ {ev.data.get('message', ev.kind)}", since(ev.time)))
        for origin, state in self.net.peers.items():
            if state == DOWN and len(rows) < MAX_ALERT_ROWS:
                rows.append((tr("Peer down: {origin}").format(origin=origin), "—"))
        if not rows:
            rows = [(tr("No alerts"), "")]
        _fill(self.alerts, rows)

    # views ----------------------------------------------------------------------
    def rotate(self) -> None:
        self.show_view((self._view_index + 1) % len(self._views))

    def show_view(self, index: int) -> None:
        self._view_index = index
        city = self._views[index]
        if city is None:
            self.map.zoom_full()
            self.caption.setText(tr("Network overview"))
        else:
            self.map.zoom_to_city(city)
            zh, en = self.ws.cities.get(city, ("", "")) if self.ws else ("", "")
            self.caption.setText(f"{zh}  {en}")
        self.caption.adjustSize()
        self.caption.raise_()

    def _tick(self) -> None:
        self.clock.setText(time.strftime("%H:%M:%S"))

    def closeEvent(self, event) -> None:
        for t in (self._clock_timer, self._refresh_timer, self._rotate_timer):
            t.stop()
        self.network.stop()
        super().closeEvent(event)
