"""The network EventBus, re-emitted as a Qt signal on the UI thread.

EventBus callbacks run on the publisher's (sync engine's) thread; emitting a signal from
there to a receiver that lives on the UI thread is a queued connection, so slots connected
to ``eventReceived`` always run on the UI thread. (Not named ``event``: that would shadow
QObject.event, the virtual every QEvent goes through.)
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class EventBridge(QObject):
    eventReceived = Signal(object)  # app.net.events.Event

    def __init__(self, bus=None, parent=None):
        super().__init__(parent)
        self._unsubscribe = None
        if bus is not None:
            self.attach(bus)

    def attach(self, bus, replay: bool = True) -> None:
        """Forward ``bus``'s events; with ``replay``, first re-emit its recent history."""
        self.detach()
        if replay and hasattr(bus, "recent"):
            for ev in bus.recent():
                self.eventReceived.emit(ev)
        self._unsubscribe = bus.subscribe(self.eventReceived.emit)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
