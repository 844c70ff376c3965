"""Wall mode: a read-only, full-screen, dark dashboard for a control-room screen.

Rotates between the network overview and each member city, with a visible countdown
(space pauses, arrows step, Esc leaves). Type sizes come from the screen
(wall_data.type_sizes: nothing under 24 px at 1080p, twice that at 2160p). A status
strip gives each city's health from the one network model (green / amber / red and the
reason); alerts are red, worst first, and a critical one takes over the whole wall until
an operator acknowledges it at a workstation.

Built to run for days: every list is bounded, widgets are made once and reused, and a
refresh is only requested when the previous one came back, so a slow node cannot pile
up work.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.classes import ASSET_CLASSES
from app.ui import alerts as _alerts
from app.ui import wall_data, workspace
from app.ui.i18n import health_reason, localized, reason_text, tr
from app.ui.labels import HEALTH_STATES
from app.ui.map import MapView
from app.ui.network_driver import NetworkDriver
from app.ui.network_state import GREEN, RED, NetworkState
from app.ui.status_bar import since
from app.ui.theme import HEALTH_COLORS

REFRESH_MS = 5000
MAX_ALERT_ROWS = 5
RECENT_ROWS = 5  # of wall_data.RECENT; each row is cut, the spotlight shows one whole
LEGEND_COLUMNS = 5
SEVERITY_COLORS = {
    _alerts.CRITICAL: "#ff6b6b",
    _alerts.ERROR: "#f85149",
    _alerts.WARNING: "#e3b341",
}


def wall_stylesheet(px: dict[str, int]) -> str:
    return f"""
QWidget {{ background: #0d1117; color: #e6edf3; font-size: {px["body"]}px; }}
QLabel#wall_title {{ font-size: {px["title"]}px; font-weight: bold; }}
QLabel#wall_clock {{ font-size: {px["clock"]}px; color: #8b949e; }}
QLabel#wall_countdown {{ font-size: {px["body"]}px; color: #8b949e; }}
QLabel#wall_caption {{ font-size: {px["caption"]}px; font-weight: bold;
                       background: rgba(13,17,23,200); padding: 6px 16px; border-radius: 6px; }}
QLabel.counter_value {{ font-size: {px["counter"]}px; font-weight: bold; color: #58a6ff; }}
QLabel.counter_label {{ font-size: {px["small"]}px; color: #8b949e; }}
QLabel.section {{ font-size: {px["section"]}px; font-weight: bold; color: #c9d1d9; }}
QLabel.small {{ font-size: {px["small"]}px; color: #8b949e; }}
QLabel.alert {{ font-size: {px["body"]}px; font-weight: bold; }}
QFrame#counter {{ background: #161b22; border: 1px solid #30363d; border-radius: 8px; }}
QFrame#counter QLabel {{ background: transparent; border: none; }}
QFrame#legend {{ background: #161b22; border-radius: 6px; }}
QFrame#legend QLabel {{ background: transparent; font-size: {px["small"]}px; }}
QLabel.pill {{ font-size: {px["small"]}px; font-weight: bold; color: #0d1117;
               padding: 2px 10px; border-radius: 6px; }}
QLabel#wall_banner {{ font-size: {px["body"]}px; padding: 6px 14px; border-radius: 6px;
                      font-weight: bold; }}
QFrame#takeover {{ background: #8e1519; }}
QFrame#takeover QLabel {{ background: transparent; color: white; }}
QLabel#takeover_title {{ font-size: {px["takeover"]}px; font-weight: bold; }}
QLabel#takeover_text {{ font-size: {px["caption"]}px; }}
QLabel#takeover_hint {{ font-size: {px["section"]}px; color: #ffd7d5; }}
"""


class ElidedLabel(QLabel):
    """One line, cut with "…" when it does not fit; ``full_text`` keeps the whole."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.full_text = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        self.full_text = text
        super().setText(text)

    def shown_text(self) -> str:
        return QFontMetrics(self.font()).elidedText(
            self.full_text, Qt.TextElideMode.ElideRight, max(0, self.contentsRect().width())
        )

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(
            self.contentsRect(),
            int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
            self.shown_text(),
        )
        painter.end()


def _classed(widget: QLabel, css_class: str) -> QLabel:
    widget.setProperty("class", css_class)
    return widget


class Counter(QFrame):
    def __init__(self, label: str, parent=None):
        super().__init__(parent)
        self.setObjectName("counter")
        self.value = _classed(QLabel("—"), "counter_value")
        self.label = _classed(ElidedLabel(label), "counter_label")
        col = QVBoxLayout(self)
        col.setContentsMargins(16, 8, 16, 8)
        col.setSpacing(0)
        col.addWidget(self.value)
        col.addWidget(self.label)

    def set(self, value) -> None:
        self.value.setText("—" if value is None else f"{value:,}")


class CityRow(QWidget):
    """One city of the status strip: a coloured state pill, the name, codes held, and
    the reason the state is what it is."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pill = _classed(QLabel(), "pill")
        self.name = ElidedLabel()
        self.count = QLabel()
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.reason = _classed(ElidedLabel(), "small")
        self.reason.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(12)
        top.addWidget(self.pill)
        top.addWidget(self.name, 1)
        top.addWidget(self.count)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 2, 0, 2)
        col.setSpacing(0)
        col.addLayout(top)
        col.addWidget(self.reason)
        self.light: str | None = None

    def show_city(self, name: str, held, state: str | None, light, reason: str) -> None:
        self.light = light
        self.pill.setText(tr(HEALTH_STATES.get(state, state)) if state else tr("own log"))
        self.pill.setStyleSheet(f"background: {HEALTH_COLORS[light]};")
        self.name.setText(name)
        self.count.setText("—" if held is None else f"{held:,}")
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))  # a green city without a story takes one line


class Takeover(QFrame):
    """A critical alert over the whole wall, until it is acknowledged at a workstation."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.wall = parent
        self.setObjectName("takeover")
        self.alert: _alerts.Alert | None = None
        self.title = QLabel(tr("CRITICAL ALERT"))
        self.title.setObjectName("takeover_title")
        self.text = QLabel()
        self.text.setObjectName("takeover_text")
        self.text.setWordWrap(True)
        self.hint = QLabel(
            tr("Acknowledge it at a workstation: Ledger ▸ Acknowledge alerts on the wall.")
        )
        self.hint.setObjectName("takeover_hint")
        self.hint.setWordWrap(True)
        col = QVBoxLayout(self)
        col.setContentsMargins(80, 80, 80, 80)
        col.addStretch(1)
        for w in (self.title, self.text, self.hint):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            col.addWidget(w)
        col.addStretch(1)
        self.hide()

    def show_alert(self, alert: _alerts.Alert | None) -> None:
        self.alert = alert
        if alert is None:
            self.hide()
            return
        self.text.setText(reason_text(alert.template, alert.params))
        self.setGeometry(self.wall.rect())
        self.show()
        self.raise_()


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
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.backend = backend
        self.data_dir = data_dir
        self.ws: workspace.Workspace | None = None
        self.net = NetworkState()
        self.snapshot: wall_data.WallSnapshot | None = None
        self.alerts: list[_alerts.Alert] = []
        self.type_px: dict[str, int] = {}
        self._refreshing = False
        self._views: list[str | None] = [None]  # None: overview, else a city code
        self._view_index = 0
        self._spotlight = 0  # which recent code shows its full name
        self.rotate_s = float(rotate_s)
        self.paused = False
        self._next_rotation = time.monotonic() + self.rotate_s

        self.title = ElidedLabel(tr("CityLedger · city asset identity network"))
        self.title.setMinimumWidth(200)
        self.title.setObjectName("wall_title")
        self.banner = QLabel()
        self.banner.setObjectName("wall_banner")
        self.countdown = QLabel()
        self.countdown.setObjectName("wall_countdown")
        self.clock = QLabel()
        self.clock.setObjectName("wall_clock")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.banner)
        top.addSpacing(24)
        top.addWidget(self.countdown)
        top.addSpacing(24)
        top.addWidget(self.clock)

        self.map = MapView(self, background="#0d1117")
        self.map.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # read-only
        self.map.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.map.overlay.dark = True
        self.map.set_color_mode("class")
        self.map.set_legend_visible(False)  # the wall draws its own, at wall type sizes
        self.caption = QLabel(self.map)
        self.caption.setObjectName("wall_caption")
        self.caption.move(24, 20)
        self.legend = QFrame()
        self.legend.setObjectName("legend")
        legend_grid = QGridLayout(self.legend)
        legend_grid.setContentsMargins(12, 6, 12, 6)
        legend_grid.setVerticalSpacing(0)
        self.legend_entries: list[QLabel] = []
        for i, cls in enumerate(ASSET_CLASSES.values()):
            entry = ElidedLabel()
            entry.setProperty("class_code", cls.code)
            self.legend_entries.append(entry)
            legend_grid.addWidget(entry, i // LEGEND_COLUMNS, i % LEGEND_COLUMNS)
        self._refresh_legend()

        self.c_codes = Counter(tr("identity codes held"))
        self.c_cities = Counter(tr("member cities"))
        self.c_log = Counter(tr("entries in own log"))
        self.c_sync = Counter(tr("peers in sync"))
        counters = QGridLayout()
        for i, c in enumerate((self.c_codes, self.c_log, self.c_cities, self.c_sync)):
            counters.addWidget(c, i // 2, i % 2)

        self.city_rows: list[CityRow] = []
        self.city_box = QVBoxLayout()
        self.city_box.setSpacing(2)
        self.recent_rows = [ElidedLabel() for _ in range(RECENT_ROWS)]
        self.spotlight = QLabel()
        self.spotlight.setWordWrap(True)
        self.spotlight.setStyleSheet("color: #58a6ff;")
        self.alert_rows = [_classed(QLabel(), "alert") for _ in range(MAX_ALERT_ROWS)]
        for row in self.alert_rows:
            row.setWordWrap(True)

        side = QVBoxLayout()
        side.setSpacing(4)
        side.addLayout(counters)
        side.addWidget(_classed(QLabel(tr("Cities")), "section"))
        side.addLayout(self.city_box)
        side.addWidget(_classed(QLabel(tr("Recent identity codes")), "section"))
        for row in self.recent_rows:
            side.addWidget(row)
        side.addWidget(self.spotlight)
        side.addWidget(_classed(QLabel(tr("Alerts")), "section"))
        for row in self.alert_rows:
            side.addWidget(row)
        side.addStretch(1)
        for w in (self.spotlight, *self.alert_rows):  # wrapped text asks for no width
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        left = QVBoxLayout()
        left.addWidget(self.map, 1)
        left.addWidget(self.legend)

        body = QHBoxLayout()
        body.addLayout(left, 58)
        body.addLayout(side, 42)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.addLayout(top)
        outer.addLayout(body, 1)
        self.takeover = Takeover(self)
        self._apply_type_sizes()

        self._network = network
        self.network = NetworkDriver(backend, bus, self)
        self.network.eventReceived.connect(self._on_event)
        self._tick_timer = QTimer(self, interval=1000)
        self._tick_timer.timeout.connect(self._tick)
        self._tick_timer.start()
        self._refresh_timer = QTimer(self, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._tick()
        self._show_network()
        backend.call_for(
            self,
            lambda ctx: workspace.load(ctx, data_dir, demo_assets_per_city),
            on_done=self._loaded,
            label=tr("Loading"),
        )

    # look -----------------------------------------------------------------------
    def _apply_type_sizes(self) -> None:
        px = wall_data.type_sizes(self.width(), self.height())
        if px == self.type_px:
            return
        self.type_px = px
        self.setStyleSheet(wall_stylesheet(px))
        self.map.set_text_px(px["small"])
        self.caption.adjustSize()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._apply_type_sizes()
        if self.takeover.isVisible():
            self.takeover.setGeometry(self.rect())

    def _refresh_legend(self) -> None:
        """Asset classes in the map's colours, named in the UI language."""
        for entry in self.legend_entries:
            cls = ASSET_CLASSES[entry.property("class_code")]
            entry.setText("■ " + localized(cls.en.split(" (")[0], cls.zh))
            entry.setStyleSheet(f"color: {cls.color};")

    # data ---------------------------------------------------------------------
    def _loaded(self, ws) -> None:
        self.ws = ws
        if ws.boundaries is not None:
            self.map.set_boundaries(ws.boundaries)
        self.map.set_table(ws.table)
        self._views = [None] + list(ws.cities)
        self.net.set_own(ws.origin, ws.size)
        self.c_cities.set(len(ws.cities))
        while len(self.city_rows) < len(ws.cities):
            row = CityRow()
            self.city_rows.append(row)
            self.city_box.addWidget(row)
        self.show_view(0)
        self._refresh_timer.start()
        self.refresh()
        if self._network:
            self.network.start()

    def refresh(self) -> None:
        if self._refreshing:
            return  # the last one is still running: never queue up work
        self._refreshing = True
        data_dir = self.data_dir
        self.backend.call_for(
            self,
            lambda ctx: wall_data.snapshot(ctx, data_dir),
            on_done=self._snapshot,
            on_error=lambda _exc: setattr(self, "_refreshing", False),
        )

    def _snapshot(self, snap: wall_data.WallSnapshot) -> None:
        self._refreshing = False
        self.snapshot = snap
        self.net.set_own(self.net.own_origin, snap.own_size)
        self.c_codes.set(snap.codes_total)
        self.c_log.set(snap.own_size)
        for i, row in enumerate(self.recent_rows):
            if i < len(snap.recent):
                code, name, name_zh, _t = snap.recent[i]
                row.setText(f"{code}  {localized(name, name_zh)}")
            else:
                row.setText("")
        self._show_spotlight()
        self._show_network()

    def _city_names(self) -> dict[str, str]:
        """log origin -> name in the UI language."""
        trust = self.ws.trust if self.ws else None
        if trust is None:
            return {}
        return {c.origin: localized(c.name_en, c.name_zh) for c in trust.cities}

    def _fill_cities(self) -> None:
        if self.ws is None:
            return
        trust = self.ws.trust
        origins = {c.code: c.origin for c in trust.cities} if trust is not None else {}
        for row, (code, (zh, en)) in zip(self.city_rows, self.ws.cities.items(), strict=False):
            held = self.snapshot.per_city.get(code) if self.snapshot else None
            origin = origins.get(code)
            health = self.net.peers.get(origin) if origin else None
            own = code == self.ws.city_code
            if own:
                health = self.net.own
            name = localized(en, zh)
            if health is None:
                light = GREEN if own else None
                row.show_city(name, held, None if own else "unknown", light, "")
            else:
                row.show_city(name, held, health.state, health.light, health_reason(health))

    # events -----------------------------------------------------------------------
    def _on_event(self, event) -> None:
        self.net.apply(event)
        self._show_network()

    def _show_network(self) -> None:
        counts = self.net.counts()
        self.c_sync.set(counts["ok"] if self.net.peers else None)
        if self.net.own_down:
            text, color = tr("Own node down"), HEALTH_COLORS[RED]
        elif not self.net.peers:
            text, color = tr("Local only"), "#30363d"
        elif self.net.offline_since is None:
            text, color = tr("Online"), "#238636"
        else:
            text = tr("OFFLINE since {time}").format(time=since(self.net.offline_since))
            color = HEALTH_COLORS[RED]
        self.banner.setText(text)
        self.banner.setStyleSheet(f"background: {color};")
        self._fill_cities()
        failures = self.snapshot.failures if self.snapshot else []
        self.alerts = _alerts.current_alerts(self.net, failures, self._city_names())
        for i, row in enumerate(self.alert_rows):
            if i < len(self.alerts):
                alert = self.alerts[i]
                when = f"  ({since(alert.since)})" if alert.since else ""
                row.setText("⚠ " + reason_text(alert.template, alert.params) + when)
                row.setStyleSheet(f"color: {SEVERITY_COLORS[alert.severity]};")
            elif i == 0:
                row.setText(tr("No alerts"))
                row.setStyleSheet("color: #3fb950;")
            else:
                row.setText("")
            row.setVisible(bool(row.text()))  # empty rows take no height
        acknowledged = self.snapshot.acknowledged if self.snapshot else {}
        self.takeover.show_alert(_alerts.takeover(self.alerts, acknowledged))

    # views ----------------------------------------------------------------------
    def rotate(self, step: int = 1) -> None:
        self.show_view((self._view_index + step) % len(self._views))
        self._spotlight += 1
        self._show_spotlight()

    def show_view(self, index: int) -> None:
        self._view_index = index
        self._next_rotation = time.monotonic() + self.rotate_s
        city = self._views[index]
        if city is None:
            self.map.zoom_full()
            self.caption.setText(tr("Network overview"))
        else:
            self.map.zoom_to_city(city)
            zh, en = self.ws.cities.get(city, ("", "")) if self.ws else ("", "")
            self.caption.setText(localized(en, zh))
        self.caption.adjustSize()
        self.caption.raise_()
        self._show_countdown()

    def _show_spotlight(self) -> None:
        """The full text of one recent code per rotation (the list cuts long names)."""
        recent = self.snapshot.recent if self.snapshot else []
        if not recent:
            self.spotlight.setText("")
            return
        code, name, name_zh, _t = recent[self._spotlight % len(recent)]
        self.spotlight.setText(f"{code} · {localized(name, name_zh)}")

    def _show_countdown(self) -> None:
        if self.paused:
            self.countdown.setText(tr("Paused (space resumes)"))
            return
        left = max(0, round(self._next_rotation - time.monotonic()))
        nxt = self._views[(self._view_index + 1) % len(self._views)]
        if nxt is None:
            where = tr("Network overview")
        else:
            zh, en = self.ws.cities.get(nxt, ("", "")) if self.ws else ("", "")
            where = localized(en, zh)
        self.countdown.setText(tr("Next: {view} in {s} s").format(view=where, s=left))

    def _tick(self) -> None:
        self.clock.setText(time.strftime("%H:%M:%S"))
        if not self.paused and self.ws is not None and time.monotonic() >= self._next_rotation:
            self.rotate()
        self._show_countdown()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if not paused:
            self._next_rotation = time.monotonic() + self.rotate_s
        self._show_countdown()

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.set_paused(not self.paused)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.rotate(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.rotate(-1)
        elif key == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        for t in (self._tick_timer, self._refresh_timer):
            t.stop()
        self.network.stop()
        super().closeEvent(event)
