"""The network side of the desktop app: sync in the background, or watch the node server.

Two cases (decided on the worker thread, after the node is opened):
- nobody owns this data folder: the app takes its lock and runs app.net's NodeService
  (sync engine, no serving) around its node; its events reach the UI through the EventBus bridge;
- a `cityledger node serve` process already owns the folder (holds its lock file):
  a second sync engine would write the same store, so instead the app polls that
  server's /info and turns its per-peer health into the same events.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.ledger import folder_owner
from app.net import issuance as net_issuance

if TYPE_CHECKING:
    from app.ui.worker import WorkerContext

log = logging.getLogger(__name__)

SYNC_INTERVAL_S = 2.0


def serving_url(data_dir: Path | str) -> str | None:
    """URL of the `node serve` process that owns this data folder now, if any."""
    return folder_owner.serving_url(data_dir)


def start(ctx, bus) -> str:
    """Start background sync for ``ctx.node`` ('sync'), or note the server ('served'), or
    nothing to do ('standalone': no node, or no other member city in the trust file)."""
    node, trust = ctx.node, ctx.extra.get("trust")
    if node is None:
        return "standalone"
    url = serving_url(node.data_dir)
    if url:
        ctx.extra["served_url"] = url
        return "served"
    if trust is None or not any(c.origin != node.origin for c in trust.cities):
        return "standalone"
    from app.net.service import NodeService

    try:  # a second sync engine on the same store is what the lock prevents
        ctx.extra["owner_lock"] = folder_owner.acquire(node.data_dir)
    except folder_owner.FolderOwned:
        return "standalone"
    service = NodeService(node, bus, sync_interval=SYNC_INTERVAL_S, witness=False)
    service.start_background()
    ctx.extra["service"] = service
    ctx.closers.append(lambda: stop(ctx))
    return "sync"


def poll_server(ctx, bus) -> None:
    """Deliver the outbox, then re-publish the serving process's peer health and log size
    as events on ``bus``."""
    import httpx

    from app.net import events as ev
    from app.net.health import HealthPolicy, unreachable

    url = ctx.extra.get("served_url")
    if not url:
        return
    if deliver_outbox(ctx):
        bus.emit(ev.NEW_CODES, ctx.node.origin, count=0)  # refresh pending -> issued
    own = ctx.node.origin
    try:
        doc = httpx.get(url.rstrip("/") + "/info", timeout=3.0).json()
    except (httpx.HTTPError, ValueError) as exc:
        # The peers' rule for the own node too: one slow or lost answer from a busy node
        # is not "down" (a loaded machine flipped the status bar for one poll).
        failures = ctx.extra["own_failures"] = ctx.extra.get("own_failures", 0) + 1
        silent = time.time() - ctx.extra.get("own_answered", time.time())
        policy = HealthPolicy()
        if failures >= policy.down_after_failures or silent >= policy.down_after_seconds:
            # a state, not an alert event: it clears itself when the node answers again
            down = unreachable(url, f"{type(exc).__name__}: {exc}").own
            bus.emit(ev.HEALTH, own, origin=own, status=down.as_dict())
        return
    ctx.extra["own_failures"], ctx.extra["own_answered"] = 0, time.time()
    own_status = (doc.get("health") or {}).get("own") or {"state": "ok", "reason": ""}
    if own_status.get("state") == "own_down":  # it answers, so it is up
        own_status = {"state": "ok", "reason": ""}
    bus.emit(ev.HEALTH, own, origin=own, status=own_status)
    for origin, health in (doc.get("peers") or {}).items():
        bus.emit(ev.HEALTH, origin, **health)
    if "size" in doc:
        bus.emit(
            ev.CHECKPOINT,
            ctx.node.origin,
            size=doc["size"],
            cosignatures=len(doc.get("cosignatures") or ()),
        )


def deliver_outbox(ctx: WorkerContext) -> int:
    """The outbox delivery of app.net.issuance, for this window's node."""
    if ctx.node is None:
        return 0
    return net_issuance.deliver_outbox(ctx.node, ctx.extra.get("served_url"))


def stop(ctx: WorkerContext) -> None:
    service = ctx.extra.pop("service", None)
    if service is not None:
        service.stop_background()
    lock = ctx.extra.pop("owner_lock", None)
    if lock is not None:
        lock.release()
