"""Several city nodes in one process: what a provincial data centre runs.

    CityHost([(service_a, "127.0.0.1", 8101), (service_b, "127.0.0.1", 8102)]).serve()

Each city keeps everything of its own — data folder (and its owner lock), store, keys,
sync engine, witness, announcer — and its own port, so on the wire a hosted city is exactly
a single-city `node serve` (the trust file's endpoint is unchanged and the city can move
to a machine of its own without a new trust file). What the cities share is what only
costs when duplicated: one event loop serving every port, one uvicorn tick, one
interpreter. Each city keeps its own outgoing client (app.net.client.PeerHttp, one loop
thread shared by its sync, cosigning and announcing): one client shared by 13 cities was
the bottleneck of a 50-city network (200 calls queued in its one connection pool, whose
assignment of requests to connections is quadratic in the pool, and 2 of 50 cities
cosigned after 8 minutes).

SIGINT/SIGTERM stops every city: the servers get uvicorn's short grace for running
requests, then each city closes its client first (every peer call in flight is cancelled,
so no peer can delay the stop) and stops its background threads, the cities in parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import uvicorn

from app.ledger import folder_owner
from app.net.client import PeerHttp
from app.net.http_server import node_server_config

log = logging.getLogger(__name__)

TICK = 1.0  # seconds between two uvicorn housekeeping ticks (its own loop ticks 10 times)
THREADS_PER_CITY = 8  # request handlers that may block at once (SQL, signing), per city


class CityHost:
    """Serves `cities` — (NodeService, host, port) — until SIGINT/SIGTERM or stop()."""

    def __init__(self, cities, http: PeerHttp | None = None):
        self.cities = list(cities)
        self.http = http  # a client the services share (closed here first at the stop), or None
        self.servers: list[_HostedServer] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self.stopped_by_signal = False

    def serve(self) -> None:
        owners = []
        # The handlers stay through the stop: a second SIGTERM while stopping is not a
        # death by signal.
        with self._signals():
            try:
                for service, host, port in self.cities:
                    service.url = f"http://{host}:{port}/"
                    owners.append(folder_owner.acquire(service.node.data_dir, service.url))
                for service, _, _ in self.cities:
                    service.start_background()
                asyncio.run(self._serve_all())
            finally:
                self._stop_background()
                for owner in owners:
                    owner.release()

    def stop(self) -> None:
        """From any thread: what SIGTERM does."""
        for s in self.servers:
            s.should_exit = True
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop just ended
                loop.call_soon_threadsafe(stopping.set)

    async def _serve_all(self) -> None:
        import anyio.to_thread

        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        # starlette's run_in_threadpool shares one limiter per loop (40 by default).
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(40, THREADS_PER_CITY * len(self.cities))
        self.servers = [
            _HostedServer(node_server_config(service.app, host, port), self._stopping)
            for service, host, port in self.cities
        ]
        await asyncio.gather(*(s.serve() for s in self.servers))

    def _stop_background(self) -> None:
        if self.http is not None:
            self.http.close()  # first: every peer call in flight returns at once
        if len(self.cities) == 1:
            self.cities[0][0].stop_background()
            return
        with ThreadPoolExecutor(min(32, len(self.cities)), thread_name_prefix="stop") as pool:
            for _ in pool.map(lambda c: c[0].stop_background(), self.cities):
                pass

    @contextlib.contextmanager
    def _signals(self):
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handle(sig, frame):
            self.stopped_by_signal = True
            self.stop()

        previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, h in previous.items():
                signal.signal(s, h)


class _HostedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its CityHost (a node that stopped cleanly
    exits 0, not by re-raising the signal) and ticks once a second, waking at once when
    the host stops: a hundred servers ticking ten times a second each were a thousand
    wake-ups a second at idle."""

    def __init__(self, config: uvicorn.Config, stopping: asyncio.Event):
        super().__init__(config)
        self._stopping_event = stopping

    @contextlib.contextmanager
    def capture_signals(self):
        yield

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping_event.wait(), TICK)
            counter += 10  # uvicorn refreshes its Date header when counter % 10 == 0
