"""Fixtures for the network tests: real node processes, real static HTTP servers."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.net.demo_network import free_port

REPO = Path(__file__).resolve().parents[2]
PASS = "test-passphrase"


class StaticServer:
    """`python -m http.server` serving a folder (a plain, non-CityLedger peer)."""

    def __init__(self, directory: Path, slow: float = 0.0, port: int | None = None):
        self.directory = Path(directory)
        self.port = port or free_port()
        self.slow = slow
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> StaticServer:
        if self.slow:
            cmd = [
                sys.executable,
                str(Path(__file__).with_name("slow_http.py")),
                str(self.port),
                str(self.directory),
                str(self.slow),
            ]
        else:
            cmd = [
                sys.executable,
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                str(self.port),
                "--directory",
                str(self.directory),
            ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url, timeout=5 + self.slow)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("static server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


@pytest.fixture()
def static_server():
    servers = []

    def make(directory, slow: float = 0.0, port: int | None = None) -> StaticServer:
        s = StaticServer(directory, slow, port).start()
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


class ThreadServer:
    """A uvicorn server for an ASGI app on a thread (real sockets, real HTTP)."""

    def __init__(self, app=None, port: int | None = None, config: uvicorn.Config | None = None):
        self.port = config.port if config else (port or free_port())
        self.server = uvicorn.Server(
            config or uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)
