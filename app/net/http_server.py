"""uvicorn set up for a node that faces untrusted peers and clients.

uvicorn closes idle keep-alive connections but has no deadline for reading a request's
head: a client that connects and sends nothing, or trickles its headers a byte at a time,
holds a connection (and a place under `limit_concurrency`) for ever. GuardedH11Protocol
adds that deadline to uvicorn's own HTTP/1.1 protocol: every request head must be complete
within `head_timeout` seconds of the connection opening or of the previous response, or
the connection is closed. Request bodies have their own deadline (server.BODY_TIMEOUT).
See docs/architecture.md ("Server deadlines") for why this and not another server.
"""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

HEAD_TIMEOUT = 10.0  # seconds to receive a whole request head (and idle time before it)
KEEP_ALIVE_TIMEOUT = 15.0  # uvicorn's own idle limit; the head deadline is shorter anyway
GRACEFUL_SHUTDOWN = 2.0  # requests still running at SIGTERM get this long


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on each request head."""

    head_timeout = HEAD_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None
    _awaited: object = None  # the cycle current when the deadline was armed

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # uvicorn starts a new request/response cycle once a request head is parsed.
        if self._head_timer is not None and self.cycle is not self._awaited:
            self._cancel_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        idle = self.cycle is None or self.cycle.response_complete
        if idle and not self.transport.is_closing():
            self._arm_head_deadline()  # for the next request on this connection

    def _arm_head_deadline(self) -> None:
        self._cancel_head_deadline()
        self._awaited = self.cycle
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_overdue)

    def _cancel_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_overdue(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            log.debug(
                "closing %s: no complete request head in %g s", self.client, self.head_timeout
            )
            self.transport.close()


def guarded_protocol(head_timeout: float) -> type[GuardedH11Protocol]:
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"head_timeout": head_timeout})


def node_server_config(app, host: str, port: int, head_timeout: float = HEAD_TIMEOUT):
    """The uvicorn.Config `node serve` runs with (and the tests, with a shorter deadline)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_protocol(head_timeout),
        log_level="warning",
        access_log=False,
        limit_concurrency=256,
        timeout_keep_alive=int(KEEP_ALIVE_TIMEOUT),
        h11_max_incomplete_event_size=16384,
        # With the background stop (its peer calls are cancelled, not awaited) a SIGTERM
        # ends the node well within 5 s.
        timeout_graceful_shutdown=int(GRACEFUL_SHUTDOWN),
    )
