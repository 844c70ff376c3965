"""What the status bar, wall and layers panel know about the network (no Qt).

Folded from EventBus events. Peer health is app.net.health's: a HEALTH event carries the
sync engine's PeerHealth, whose ``status`` is that module's CityStatus (state + reason);
every view reads the state from here, so they never disagree. Events from a node that
predates the health model (no ``status``) are classified by ``peer_state``.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field, replace

from app.core.texts import Text
from app.net.health import DOWN, FROZEN, LAGGING, OK, OWN_DOWN, STALE, UNKNOWN

IN_SYNC = OK  # the name the views used before the health model
RED, AMBER, GREEN = "red", "amber", "green"
LIGHT = {
    OK: GREEN,
    LAGGING: AMBER,
    STALE: AMBER,
    UNKNOWN: AMBER,
    DOWN: RED,
    OWN_DOWN: RED,
    FROZEN: RED,
}
EVENT_ALERT_TTL_S = 600.0  # an alert event (not a state) leaves the wall after this


def peer_state(data: dict) -> str:
    """Classify a health event without a CityStatus ('failing'/'frozen' -> down/frozen,
    not reached or entries still to fetch -> lagging/unknown, else ok)."""
    state = str(data.get("state") or "").lower()
    if state == "frozen":
        return FROZEN
    if state in ("failing", "down", "error", "unreachable"):
        return DOWN
    if state == "unknown":
        return UNKNOWN
    return LAGGING if (data.get("lag") or 0) > 0 else OK


@dataclass(frozen=True)
class CityHealth:
    state: str
    reason: str = ""  # English (the CLI's words)
    code: str = ""
    since: float | None = None  # when this app first saw the city in this state
    why: Text | None = field(default=None, compare=False)  # the reason, to translate

    @property
    def light(self) -> str:
        return LIGHT.get(self.state, AMBER)


def city_health(data: dict, origin: str) -> CityHealth:
    status = data.get("status")
    code = str(data.get("city") or origin.rsplit("/", 1)[-1])
    if isinstance(status, dict) and status.get("state"):
        why = None
        if status.get("template"):
            why = Text(str(status["template"]), dict(status.get("params") or {}))
        return CityHealth(str(status["state"]), str(status.get("reason") or ""), code, why=why)
    return CityHealth(peer_state(data), str(data.get("error") or ""), code)


@dataclass
class NetworkState:
    own_origin: str | None = None
    log_size: int | None = None
    checkpoint_time: float | None = None  # when this app saw the size change
    cosignatures: int = 0  # on the latest own checkpoint
    peers: dict = field(default_factory=dict)  # log origin -> CityHealth
    own: CityHealth | None = None  # None: nothing measured (a lone node)
    offline_since: float | None = None
    alerts: deque = field(default_factory=lambda: deque(maxlen=200))
    new_codes: deque = field(default_factory=lambda: deque(maxlen=200))
    codes_seen: int = 0

    def apply(self, event) -> None:
        kind, data = event.kind, dict(event.data or {})
        if kind == "health":
            origin = data.get("origin") or event.origin
            health = city_health(data, origin)
            before = self.own if origin == self.own_origin else self.peers.get(origin)
            since = before.since if before is not None and before.state == health.state else None
            health = replace(health, since=since or event.time)
            if origin == self.own_origin:
                self.own = health
            else:
                self.peers[origin] = health
            self._update_online(event.time)
        elif kind == "checkpoint" and event.origin == self.own_origin:
            self.log_size = data.get("size", self.log_size)
            self.checkpoint_time = event.time
            if "cosignatures" in data:
                self.cosignatures = int(data["cosignatures"] or 0)
        elif kind == "cosigned" and event.origin == self.own_origin:
            self.cosignatures = max(self.cosignatures, 1)
        elif kind == "alert":
            self.alerts.appendleft(event)
        elif kind == "new_codes":
            self.new_codes.appendleft(event)
            self.codes_seen += int(data.get("count", 0) or 0)

    def _update_online(self, when: float) -> None:
        own_down = self.own is not None and self.own.state == OWN_DOWN
        all_down = bool(self.peers) and all(h.light == RED for h in self.peers.values())
        if own_down or all_down:
            if self.offline_since is None:
                self.offline_since = when
        else:
            self.offline_since = None

    def state_of(self, origin: str) -> str | None:
        health = self.peers.get(origin)
        return None if health is None else health.state

    def counts(self) -> dict:
        """{ok, lagging (amber: lagging, stale, not reached), down (red)}."""
        out = {OK: 0, LAGGING: 0, DOWN: 0}
        for health in self.peers.values():
            out[{GREEN: OK, AMBER: LAGGING, RED: DOWN}[health.light]] += 1
        return out

    @property
    def online(self) -> bool:
        return self.offline_since is None

    @property
    def own_down(self) -> bool:
        return self.own is not None and self.own.state == OWN_DOWN

    def set_own(self, origin: str | None, size: int | None, when: float | None = None) -> None:
        self.own_origin = origin
        if size is not None and size != self.log_size:
            self.log_size = size
            self.checkpoint_time = when or time.time()

    def recent_alerts(self, now: float | None = None) -> list:
        now = time.time() if now is None else now
        return [e for e in self.alerts if now - e.time <= EVENT_ALERT_TTL_S]
