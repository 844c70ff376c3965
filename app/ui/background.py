"""The network side of the desktop app: sync in the background, or watch the node server.

Two cases (decided on the worker thread, after the node is opened):
- nobody serves this data folder: the app runs app.net's NodeService (sync engine, no
  serving) around its node; its events reach the UI through the EventBus bridge;
- a `cityledger node serve` process already owns the folder (serve.json with a live pid):
  a second sync engine would write the same store, so instead the app polls that
  server's /info and turns its per-peer health into the same events.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from app.net import issuance as net_issuance

log = logging.getLogger(__name__)

SYNC_INTERVAL_S = 2.0


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True


def serving_url(data_dir) -> str | None:
    """URL of a live `node serve` process for this data folder, if any."""
    from app.net.service import SERVE_FILE

    try:
        doc = json.loads((Path(data_dir) / SERVE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not _pid_alive(doc.get("pid")) or doc.get("pid") == os.getpid():
        return None
    return doc.get("url")


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

    url = ctx.extra.get("served_url")
    if not url:
        return
    if deliver_outbox(ctx):
        bus.emit(ev.NEW_CODES, ctx.node.origin, count=0)  # refresh pending -> issued
    try:
        doc = httpx.get(url.rstrip("/") + "/info", timeout=3.0).json()
    except (httpx.HTTPError, ValueError) as exc:
        bus.emit(
            ev.ALERT,
            ctx.node.origin,
            level="warning",
            message=f"node server {url} does not answer: {exc}",
        )
        return
    for origin, health in (doc.get("peers") or {}).items():
        bus.emit(ev.HEALTH, origin, **health)
    if "size" in doc:
        bus.emit(
            ev.CHECKPOINT,
            ctx.node.origin,
            size=doc["size"],
            cosignatures=len(doc.get("cosignatures") or ()),
        )


def deliver_outbox(ctx) -> int:
    """The outbox delivery of app.net.issuance, for this window's node."""
    if ctx.node is None:
        return 0
    return net_issuance.deliver_outbox(ctx.node, ctx.extra.get("served_url"))


def stop(ctx) -> None:
    service = ctx.extra.pop("service", None)
    if service is not None:
        service.stop_background()
