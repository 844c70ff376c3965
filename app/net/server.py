"""The node's HTTP interface (starlette ASGI app, served by uvicorn).

- tlog-tiles v0.1.0 reads of the node's own log at the root prefix, and of every log it
  holds (own and replicas) under `/logs/<origin>/`: `checkpoint`, `tile/<L>/<N>[.p/<W>]`,
  `tile/entries/<N>[.p/<W>]`.
- tlog-witness v1.0.0 `POST /add-checkpoint`.
- `POST /announce`: a member's new co-signed checkpoint (app.net.announce), a hint to
  sync that city now.
- `GET /lookup/<code>` (and `/logs/<origin>/lookup/<code>`): where a code's records are
  in a log held here (app.net.lookup), for nodes that verify it on demand.
- `POST /submit`: an official's signed entry from another workstation, sequenced by this
  node and acknowledged only after it is committed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.core.errors import CityLedgerError
from app.net.paths import TilePathError, bundle_path, parse_resource, tile_path

log = logging.getLogger(__name__)

MAX_ADD_CHECKPOINT_BYTES = 16 * 1024  # old line + 63 proof lines + a checkpoint with cosigs
MAX_ANNOUNCE_BYTES = 64 * 1024  # a checkpoint note with its cosignatures
MAX_SUBMIT_BYTES = 70 * 1024  # an entry is below 64 KiB
BODY_TIMEOUT = 10.0  # seconds to receive a whole request body

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=5"
CHECKPOINT_TYPE = "text/plain; charset=utf-8"
OCTETS = "application/octet-stream"


class LogSource(Protocol):
    """What the server needs from one log it serves. Each returns None when absent."""

    def checkpoint(self) -> bytes | None: ...

    def tile(self, level: int, n: int, width: int | None) -> bytes | None: ...

    def bundle(self, n: int, width: int | None) -> bytes | None: ...


@dataclass
class Reply:
    """A handler's answer, independent of the web framework."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


class Refused(CityLedgerError):
    """A request refused with an HTTP status and a plain-text reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Services:
    """The node-side collaborators of the server (kept as plain callables for tests)."""

    def __init__(
        self,
        own_origin: str,
        source: Callable[[str], LogSource | None],
        witness: Callable[[bytes], Reply] | None = None,
        submit: Callable[[bytes], dict] | None = None,
        info: Callable[[], dict] | None = None,
        announce: Callable[[bytes], Reply] | None = None,
        lookup: Callable[[str, str], Reply] | None = None,
    ):
        self.own_origin = own_origin
        self.source = source  # origin -> the log held under it, or None
        self.announce = announce
        self.lookup = lookup  # (origin, code text) -> the app.net.lookup answer
        self.requests_served = 0
        self.witness = witness
        self.submit = submit
        self.info = info


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Refused(400, "bad Content-Length")
        if int(declared) > limit:
            raise Refused(413, f"request body over {limit} bytes")

    async def read() -> bytes:
        chunks, total = [], 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise Refused(413, f"request body over {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(read(), BODY_TIMEOUT)
    except TimeoutError:
        raise Refused(408, f"request body not received within {BODY_TIMEOUT:g} s") from None
    except ClientDisconnect:
        raise Refused(400, "client disconnected") from None


def checkpoint_etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _serve_resource(source: LogSource, resource: str, if_none_match: str | None) -> Response:
    if resource == "checkpoint":
        data = source.checkpoint()
        if data is None:
            return PlainTextResponse("no checkpoint yet\n", status_code=404)
        # Pollers send the ETag they hold: an unchanged checkpoint costs them no body and
        # no signature check (304).
        headers = {"Cache-Control": "no-cache, max-age=2", "ETag": checkpoint_etag(data)}
        if if_none_match is not None and headers["ETag"] in if_none_match:
            return Response(status_code=304, headers=headers)
        return Response(data, media_type=CHECKPOINT_TYPE, headers=headers)
    try:
        kind, level, n, width = parse_resource(resource)
    except TilePathError as e:
        return PlainTextResponse(f"{e}\n", status_code=404)
    # parse_resource gives a hash tile its level and an entry bundle none.
    data = source.bundle(n, width) if level is None else source.tile(level, n, width)
    if data is None:
        return PlainTextResponse("not found\n", status_code=404)
    # Full tiles never change; partial ones are replaced when the tree grows.
    cache = IMMUTABLE if width is None else SHORT
    return Response(data, media_type=OCTETS, headers={"Cache-Control": cache})


def build_app(services: Services) -> Starlette:
    async def serve(request: Request, origin: str, resource: str) -> Response:
        source = services.source(origin)
        if source is None:
            return PlainTextResponse("unknown log origin\n", status_code=404)
        etag = request.headers.get("if-none-match")
        return await run_in_threadpool(_serve_resource, source, resource, etag)

    async def own_log(request: Request) -> Response:
        return await serve(request, services.own_origin, request.url.path.lstrip("/"))

    async def lookup(origin: str, code_text: str) -> Response:
        if services.lookup is None:
            return PlainTextResponse("this node does not answer look-ups\n", status_code=404)
        reply = await run_in_threadpool(services.lookup, origin, code_text)
        return Response(reply.body, status_code=reply.status, media_type=reply.content_type)

    async def own_lookup(request: Request) -> Response:
        return await lookup(services.own_origin, request.path_params["code"])

    async def any_log(request: Request) -> Response:
        # The origin may itself contain slashes; the resource is `checkpoint` or starts
        # at the last `tile/` (a tile path holds exactly one).
        rest = request.path_params["rest"]
        if "/lookup/" in rest:
            origin, _, code_text = rest.rpartition("/lookup/")
            return await lookup(origin, code_text)
        if rest.endswith("/checkpoint"):
            origin, resource = rest[: -len("/checkpoint")], "checkpoint"
        elif "/tile/" in rest:
            cut = rest.rindex("/tile/")
            origin, resource = rest[:cut], rest[cut + 1 :]
        else:
            return PlainTextResponse("not a tlog-tiles path\n", status_code=404)
        return await serve(request, origin, resource)

    async def handle(request: Request, handler: Callable[[bytes], Reply], limit: int):
        try:
            body = await _read_body(request, limit)
        except Refused as e:
            return PlainTextResponse(f"{e}\n", status_code=e.status)
        reply = await run_in_threadpool(handler, body)
        return Response(reply.body, status_code=reply.status, media_type=reply.content_type)

    async def add_checkpoint(request: Request) -> Response:
        if services.witness is None:
            return PlainTextResponse("this node does not witness\n", status_code=404)
        return await handle(request, services.witness, MAX_ADD_CHECKPOINT_BYTES)

    async def announce(request: Request) -> Response:
        if services.announce is None:
            return PlainTextResponse("this node does not follow other cities\n", status_code=404)
        return await handle(request, services.announce, MAX_ANNOUNCE_BYTES)

    async def submit(request: Request) -> Response:
        if services.submit is None:
            return PlainTextResponse("this node does not sequence entries\n", status_code=404)
        try:
            body = await _read_body(request, MAX_SUBMIT_BYTES)
            receipt = await run_in_threadpool(services.submit, body)
        except Refused as e:
            return PlainTextResponse(f"{e}\n", status_code=e.status)
        return JSONResponse(receipt)

    async def info(request: Request) -> Response:
        doc = await run_in_threadpool(services.info) if services.info else {}
        return Response(
            json.dumps(doc, ensure_ascii=False, sort_keys=True),
            media_type="application/json",
            headers={"Cache-Control": "no-cache"},
        )

    routes = [
        Route("/checkpoint", own_log, methods=["GET", "HEAD"]),
        Route("/tile/{rest:path}", own_log, methods=["GET", "HEAD"]),
        Route("/logs/{rest:path}", any_log, methods=["GET", "HEAD"]),
        Route("/lookup/{code:path}", own_lookup, methods=["GET"]),
        Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
        Route("/announce", announce, methods=["POST"]),
        Route("/submit", submit, methods=["POST"]),
        Route("/info", info, methods=["GET"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_CountRequests, services=services)])


class _CountRequests:
    """Counts the HTTP requests served (`/info` reports it; bench/network.py reads it)."""

    def __init__(self, app, services: Services):
        self.app, self.services = app, services

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.services.requests_served += 1
        await self.app(scope, receive, send)


class DirectorySource:
    """A log laid out as static tlog-tiles files in a folder (what a CDN would hold)."""

    def __init__(self, root):
        self.root = Path(root)

    def _read(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def checkpoint(self) -> bytes | None:
        return self._read("checkpoint")

    def tile(self, level, n, width):
        return self._read(tile_path(level, n, width))

    def bundle(self, n, width):
        return self._read(bundle_path(n, width))
