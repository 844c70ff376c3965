"""The alerts an operator sees, worst first, and which of them were acknowledged (no Qt).

Alerts follow the measured state (app.ui.network_state): a city that is down is an alert
for as long as it is down and disappears when it answers again. Alert events from the
node (fork evidence, a failed consistency proof) stay for a while. A critical alert takes
over the wall until an operator acknowledges it at a workstation; acknowledgements are
kept in the data folder, which the wall and the workstations share, as key -> time: an
acknowledgement covers an alert that began before it, so the same trouble coming back
later takes over the wall again.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.core.texts import N_
from app.net.health import DOWN, FROZEN, LAGGING, OWN_DOWN, STALE, UNKNOWN
from app.ui.network_state import NetworkState

CRITICAL, ERROR, WARNING = "critical", "error", "warning"
SEVERITIES = (CRITICAL, ERROR, WARNING)
ACK_FILE = "acknowledged-alerts.json"
MAX_ACKS = 500

_STATE_ALERTS = {
    FROZEN: (CRITICAL, N_("{city}: evidence of a fork or misbehaviour — {reason}")),
    DOWN: (ERROR, N_("{city} is down: {reason}")),
    STALE: (WARNING, N_("{city}: witness quorum not met — {reason}")),
    LAGGING: (WARNING, N_("{city} is lagging: {reason}")),
    UNKNOWN: (WARNING, N_("{city} not reached yet: {reason}")),
}


@dataclass(frozen=True)
class Alert:
    key: str  # the condition (e.g. "down:<origin>"), the same in every process
    severity: str
    template: str  # English, marked N_; the view shows reason_text(template, params)
    params: dict = field(default_factory=dict, compare=False)
    since: float | None = None


def current_alerts(
    net: NetworkState,
    failures=(),
    city_names: dict | None = None,
    now: float | None = None,
) -> list[Alert]:
    """Every alert now, worst first (then newest first). ``failures``: (code, checks)
    of recent codes that fail verification; ``city_names``: log origin -> display name."""
    names = city_names or {}
    out: list[Alert] = []
    if net.own is not None and net.own.state == OWN_DOWN:
        out.append(
            Alert(
                f"own_down:{net.own_origin}",
                CRITICAL,
                N_("This city's own node does not answer: {reason}"),
                {"reason": net.own.why or net.own.reason},
                net.own.since,
            )
        )
    for origin, health in net.peers.items():
        if health.state not in _STATE_ALERTS:
            continue
        severity, template = _STATE_ALERTS[health.state]
        city = names.get(origin) or health.code or origin
        out.append(
            Alert(
                f"{health.state}:{origin}",
                severity,
                template,
                {"city": city, "reason": health.why or health.reason},
                health.since,
            )
        )
    for code, checks in failures:
        out.append(
            Alert(
                f"unverified:{code}",
                ERROR,
                N_("Not verified: {code} ({checks})"),
                {"code": code, "checks": checks},
            )
        )
    for event in net.recent_alerts(now):
        data = event.data or {}
        level = str(data.get("level") or "warning")
        severity = CRITICAL if level == "critical" or data.get("evidence_id") else level
        severity = severity if severity in SEVERITIES else WARNING
        out.append(
            Alert(
                f"event:{event.origin}:{data.get('evidence_id') or data.get('message')}",
                severity,
                N_("{error}"),  # an error text: the view shows a known family translated
                {"error": str(data.get("message") or event.kind)},
                event.time,
            )
        )
    return sorted(out, key=lambda a: (SEVERITIES.index(a.severity), -(a.since or 0.0)))


def takeover(alerts: list[Alert], acks: dict[str, float]) -> Alert | None:
    """The critical alert the wall shows full-screen: the worst one that began after its
    last acknowledgement (or was never acknowledged)."""
    return next(
        (
            a
            for a in alerts
            if a.severity == CRITICAL and (a.since or 0.0) > acks.get(a.key, float("-inf"))
        ),
        None,
    )


def acknowledged(data_dir) -> dict[str, float]:
    """Acknowledged alert keys -> when (unix time)."""
    try:
        doc = json.loads((Path(data_dir) / ACK_FILE).read_text("utf-8"))
        return {str(k): float(v) for k, v in doc["acknowledged"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def acknowledge(data_dir, keys, now: float | None = None) -> dict[str, float]:
    """Acknowledge ``keys`` now, atomically; the newest MAX_ACKS are kept."""
    folder = Path(data_dir)
    when = time.time() if now is None else now
    acks = acknowledged(folder)
    acks.update({str(k): when for k in keys})
    acks = dict(sorted(acks.items(), key=lambda kv: kv[1])[-MAX_ACKS:])
    body = json.dumps({"acknowledged": acks}, ensure_ascii=False).encode()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".ack-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.replace(tmp, folder / ACK_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return acks
