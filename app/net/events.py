"""Observer API for what the network layer does: progress, peer health, new codes, alerts.

The Qt UI wraps an EventBus (re-emitting events as signals on its own thread); the CLI
prints them. Callbacks run on the publisher's thread, so they must be quick and must not
touch Qt widgets directly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# Event kinds (the `kind` field). Kept as plain strings so the UI can switch on them.
PROGRESS = "progress"  # data: fetched, total, phase
HEALTH = "health"  # data: PeerHealth.as_dict()
NEW_CODES = "new_codes"  # data: count, size
CHECKPOINT = "checkpoint"  # data: size, cosignatures (a new verified checkpoint)
COSIGNED = "cosigned"  # data: witness, size (a witness co-signed our checkpoint)
ALERT = "alert"  # data: level, message, evidence_id?
KINDS = (PROGRESS, HEALTH, NEW_CODES, CHECKPOINT, COSIGNED, ALERT)


@dataclass(frozen=True)
class Event:
    kind: str
    origin: str
    data: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)


Callback = Callable[[Event], None]


class EventBus:
    """Thread-safe publish/subscribe with a short history for late subscribers."""

    def __init__(self, history: int = 500):
        self._lock = threading.Lock()
        self._subscribers: list[Callback] = []
        self._recent: deque[Event] = deque(maxlen=history)

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call `callback(event)` for every future event; returns an unsubscribe function."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            self._recent.append(event)
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # a broken observer must not stop sync or witnessing
                log.exception("event subscriber failed on %s", event.kind)

    def emit(self, kind: str, origin: str, /, **data: Any) -> Event:
        event = Event(kind, origin, data)
        self.publish(event)
        return event

    def recent(self, kind: str | None = None) -> list[Event]:
        with self._lock:
            return [e for e in self._recent if kind is None or e.kind == kind]
