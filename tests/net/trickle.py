"""A hostile member node for tests: a real HTTP server that answers one byte every few
seconds, forever (headers included), on its own event loop thread."""

from __future__ import annotations

import asyncio
import threading

from app.net.demo_network import free_port

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"


class TricklePeer:
    def __init__(self, every: float = 3.0, port: int | None = None):
        self.every = every
        self.port = port or free_port()
        self.connections = 0  # how many calls reached it
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def _trickle(self, reader, writer) -> None:
        self.connections += 1
        try:
            for i in range(10**6):
                writer.write(ANSWER[i : i + 1] or b"x")
                await writer.drain()
                await asyncio.sleep(self.every)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def __enter__(self) -> TricklePeer:
        self._thread.start()
        start = asyncio.start_server(self._trickle, "127.0.0.1", self.port)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(5)
        return self

    def __exit__(self, *exc) -> None:
        async def shut():
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
