"""The server closes connections that send nothing or trickle their request head (uvicorn
alone keeps them for ever), and keeps serving everyone else meanwhile."""

from __future__ import annotations

import select
import socket
import time

import httpx

from app.net.demo_network import free_port
from app.net.http_server import node_server_config
from app.net.server import Services, build_app
from tests.net.conftest import ThreadServer

HEAD = b"GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n\r\n"


def _closed_by_peer(s: socket.socket) -> bool:
    readable, _, _ = select.select([s], [], [], 0)
    if not readable:
        return False
    try:
        return s.recv(4096) == b""
    except ConnectionError:
        return True


def test_idle_and_trickling_connections_are_closed_and_a_normal_request_is_served():
    app = build_app(Services("o", lambda origin: None, info=lambda: {"ok": True}))
    config = node_server_config(app, "127.0.0.1", free_port(), head_timeout=2.0)
    with ThreadServer(config=config) as srv:
        idle = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(100)]
        trickling = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(100)]
        try:
            # Served while 200 hostile connections are open.
            assert httpx.get(srv.url + "info", timeout=10).json() == {"ok": True}
            open_ = set(idle + trickling)
            deadline = time.monotonic() + 30  # generous: the guard closes them after 2 s
            sent = 0
            while open_ and time.monotonic() < deadline:
                for s in trickling:
                    if s in open_ and sent < len(HEAD) - 1:  # never the final byte
                        try:
                            s.send(HEAD[sent : sent + 1])
                        except OSError:
                            pass
                sent += 1
                open_ = {s for s in open_ if not _closed_by_peer(s)}
                time.sleep(0.25)
            assert not open_, f"{len(open_)} of 200 slow connections still open"
            assert httpx.get(srv.url + "info", timeout=10).json() == {"ok": True}
        finally:
            for s in idle + trickling:
                s.close()


def test_a_keep_alive_connection_serves_several_requests_within_the_deadline():
    app = build_app(Services("o", lambda origin: None, info=lambda: {"n": 1}))
    config = node_server_config(app, "127.0.0.1", free_port(), head_timeout=2.0)
    with ThreadServer(config=config) as srv, httpx.Client() as client:
        for _ in range(3):
            assert client.get(srv.url + "info").json() == {"n": 1}
            time.sleep(0.5)
        assert client.get(srv.url + "info").json() == {"n": 1}
