"""One object that connects a window to the network: the EventBus bridged to the UI
thread, background sync started on the worker, or a serving node's /info polled."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.net.events import EventBus
from app.ui import background
from app.ui.events_bridge import EventBridge
from app.ui.i18n import tr

# Served mode sees peer health only through the node's /info. The node reads a killed
# peer down ~6 s after the kill at worst (a 4 s liveness probe, then two confirming calls
# ~2 s apart); a 3 s poll plus the worker's queue took the window past the 10 s asked for
# (test_peer_health measured 6.6-7.9 s at load 9). One local GET a second; a poll still
# in flight is not queued again, so a node that hangs cannot fill the worker.
SERVER_POLL_MS = 1000


class NetworkDriver(QObject):
    eventReceived = Signal(object)  # app.net.events.Event, on the UI thread
    modeChanged = Signal(str)  # 'sync', 'served' or 'standalone'

    def __init__(self, backend, bus=None, parent=None):
        super().__init__(parent)
        self.backend = backend
        self.bus = bus if bus is not None else EventBus()
        self.mode: str | None = None
        self.bridge = EventBridge(parent=self)
        self.bridge.eventReceived.connect(self.eventReceived)
        self.bridge.attach(self.bus)
        self._poll = QTimer(self, interval=SERVER_POLL_MS)
        self._poll.timeout.connect(self.poll_server)
        self._polling = False

    def start(self) -> None:
        """After the workspace loaded (the worker holds the node and trust file)."""
        if self.mode is not None:
            return
        self.mode = "starting"
        bus = self.bus
        self.backend.call_for(
            self,
            lambda ctx: background.start(ctx, bus),
            on_done=self._started,
            label=tr("Starting network sync"),
        )

    def _started(self, mode: str) -> None:
        self.mode = mode
        if mode == "served":
            self._poll.start()
            self.poll_server()
        self.modeChanged.emit(mode)

    def poll_server(self) -> None:
        if self._polling:
            return
        self._polling = True
        bus = self.bus
        self.backend.call_for(
            self,
            lambda ctx: background.poll_server(ctx, bus),
            on_done=self._polled,
            on_error=self._polled,
        )

    def _polled(self, _result=None) -> None:
        self._polling = False

    def reset(self) -> None:
        """Forget the mode (another data folder is being opened); start() runs again."""
        self._poll.stop()
        self.mode = None

    def stop(self) -> None:
        self._poll.stop()
        self.bridge.detach()
