"""One object that connects a window to the network: the EventBus bridged to the UI
thread, background sync started on the worker, or a serving node's /info polled."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.net.events import EventBus
from app.ui import background
from app.ui.events_bridge import EventBridge
from app.ui.i18n import tr

SERVER_POLL_MS = 3000


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
        bus = self.bus
        self.backend.call_for(self, lambda ctx: background.poll_server(ctx, bus))

    def reset(self) -> None:
        """Forget the mode (another data folder is being opened); start() runs again."""
        self._poll.stop()
        self.mode = None

    def stop(self) -> None:
        self._poll.stop()
        self.bridge.detach()
