"""What the status bar and wall know about the network, folded from EventBus events (no Qt)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

IN_SYNC, LAGGING, DOWN = "in_sync", "lagging", "down"


def peer_state(data: dict) -> str:
    """Classify a health event's data (app.net.health.PeerHealth.as_dict()).

    'failing'/'frozen' (fork evidence) -> down; 'unknown' (not reached yet) or entries
    still to fetch -> lagging; 'ok' with nothing to fetch -> in sync.
    """
    state = str(data.get("state") or data.get("status") or "").lower()
    if state in ("down", "failing", "frozen", "error", "unreachable", "failed", "offline"):
        return DOWN
    if data.get("error") and not data.get("ok", False):
        return DOWN
    if state in ("lagging", "behind", "syncing", "unknown"):
        return LAGGING
    lag = data.get("lag", data.get("lag_entries", 0)) or 0
    return LAGGING if lag > 0 else IN_SYNC


@dataclass
class NetworkState:
    own_origin: str | None = None
    log_size: int | None = None
    checkpoint_time: float | None = None  # when this app saw the size change
    cosignatures: int = 0  # on the latest own checkpoint
    peers: dict = field(default_factory=dict)  # peer key -> state
    offline_since: float | None = None
    alerts: deque = field(default_factory=lambda: deque(maxlen=200))
    new_codes: deque = field(default_factory=lambda: deque(maxlen=200))
    codes_seen: int = 0

    def apply(self, event) -> None:
        kind, data = event.kind, dict(event.data or {})
        if kind == "health":
            key = data.get("origin") or event.origin
            self.peers[key] = peer_state(data)
            self._update_online(event.time)
        elif kind == "checkpoint" and event.origin == self.own_origin:
            self.log_size = data.get("size", self.log_size)
            self.checkpoint_time = event.time
        elif kind == "cosigned" and event.origin == self.own_origin:
            self.cosignatures = max(self.cosignatures, 1)
        elif kind == "alert":
            self.alerts.appendleft(event)
        elif kind == "new_codes":
            self.new_codes.appendleft(event)
            self.codes_seen += int(data.get("count", 0) or 0)

    def _update_online(self, when: float) -> None:
        if self.peers and all(s == DOWN for s in self.peers.values()):
            if self.offline_since is None:
                self.offline_since = when
        else:
            self.offline_since = None

    def counts(self) -> dict:
        out = {IN_SYNC: 0, LAGGING: 0, DOWN: 0}
        for state in self.peers.values():
            out[state] += 1
        return out

    @property
    def online(self) -> bool:
        return self.offline_since is None

    def set_own(self, origin: str | None, size: int | None, when: float | None = None) -> None:
        self.own_origin = origin
        if size is not None and size != self.log_size:
            self.log_size = size
            self.checkpoint_time = when or time.time()
