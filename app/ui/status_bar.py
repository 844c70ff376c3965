"""Status bar: own log size and last checkpoint, peers, online/offline banner, busy work."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from app.ui.i18n import health_parts, tr
from app.ui.labels import HEALTH_STATES
from app.ui.network_state import DOWN, LAGGING, OK, NetworkState


def clock(ts: float | None) -> str:
    return "—" if ts is None else time.strftime("%H:%M:%S", time.localtime(ts))


def since(ts: float) -> str:
    """Local time, with the date when it is not today."""
    same_day = time.localtime(ts)[:3] == time.localtime()[:3]
    return time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", time.localtime(ts))


def _tip(health) -> str:
    """A city's state and reason, then the raw errors the reason names by family."""
    reason, details = health_parts(health)
    word = tr(HEALTH_STATES.get(health.state, health.state))
    return "\n".join([f"{health.code}: {word} — {reason}", *(f"    {d}" for d in details)])


class StatusBar(QStatusBar):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.cursor_label = QLabel()
        self.cursor_label.setMinimumWidth(170)
        self.log_label = QLabel(tr("No node"))
        self.peers_label = QLabel()
        self.banner = QLabel()
        self.busy_label = QLabel()
        self.busy = QProgressBar()
        self.busy.setMaximumWidth(160)
        self.busy.setMaximumHeight(16)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.addWidget(self.busy_label, 1)
        self.addWidget(self.busy)
        for w in (self.cursor_label, self.log_label, self.peers_label, self.banner):
            self.addPermanentWidget(w)
        self.set_cursor(None, None)

    def set_cursor(self, lon, lat) -> None:
        self.cursor_label.setText("" if lon is None else f"{lon:.5f}°E  {lat:.5f}°N")

    def show_network(self, state: NetworkState) -> None:
        if state.own_origin is None:
            self.log_label.setText(tr("No node"))
        else:
            entries = (
                tr("Own log: no checkpoint yet")
                if state.log_size is None
                else tr("Own log: %n entries", None, state.log_size)
            )
            checkpoint = tr("checkpoint {time}").format(time=clock(state.checkpoint_time))
            cosigned = tr("%n cosignatures", None, state.cosignatures)
            self.log_label.setText(f"{entries} · {checkpoint}, {cosigned}")
        counts = state.counts()
        if state.own_down:
            self.peers_label.setText(tr("Peers: not known while this node is down"))
        elif not state.peers:
            self.peers_label.setText(tr("Peers: none yet"))
        else:
            self.peers_label.setText(
                tr("Peers: {ok} in sync · {lag} lagging · {down} down").format(
                    ok=counts[OK], lag=counts[LAGGING], down=counts[DOWN]
                )
            )
        self.peers_label.setToolTip("\n".join(_tip(health) for health in state.peers.values()))
        if state.own_down:
            self.banner.setObjectName("banner_offline")
            self.banner.setText(tr("Own node down"))
            self.banner.setToolTip(_tip(state.own) if state.own else "")
        elif not state.peers:
            self.banner.setObjectName("banner_local")
            self.banner.setText(tr("Local only"))
        elif state.offline_since is None:
            self.banner.setObjectName("banner_online")
            self.banner.setText(tr("Online"))
        else:
            self.banner.setObjectName("banner_offline")
            self.banner.setText(tr("OFFLINE since {time}").format(time=since(state.offline_since)))
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)

    def set_busy(self, label: str) -> None:
        self.busy_label.setText(label)
        self.busy.setVisible(bool(label))
        self.busy.setRange(0, 0)

    def set_progress(self, label: str, done: int, total: int) -> None:
        self.busy.show()
        if total > 0:
            self.busy.setRange(0, total)
            self.busy.setValue(done)
            self.busy_label.setText(f"{label} {done:,}/{total:,}")
