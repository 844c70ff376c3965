"""HTTP client for peers: tlog-tiles reads, tlog-witness add-checkpoint, entry submission.

A peer is a URL prefix. It may be another CityLedger node, or any static HTTP server
holding the tlog-tiles files (so the client relies on nothing but GETs for reading).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
from dataclasses import dataclass

import httpx

from app.core.errors import CityLedgerError, CoreError
from app.core.tiles import decode_entry_bundle, encode_entry_bundle
from app.net.paths import HASH_SIZE, TILE_WIDTH, bundle_path, tile_path

MAX_CHECKPOINT_BYTES = 64 * 1024
MAX_TILE_BYTES = TILE_WIDTH * HASH_SIZE
# 256 entries of at most 64 KiB each plus their length prefixes.
MAX_ENTRY_BUNDLE_BYTES = TILE_WIDTH * (2 + 65535)
MAX_LOOKUP_BYTES = 4 * 1024  # a look-up answer: a few indexes
MAX_REPLY_BYTES = 64 * 1024  # a witness's cosignature lines, a submit receipt
USER_AGENT = "cityledger-net/1"


@dataclass(frozen=True)
class Deadlines:
    """Seconds a peer call may take: to connect, between two reads or writes, and in all.

    httpx's timeouts are per operation, so a peer that trickles one byte every few seconds
    never trips them; `total` bounds the whole call (connect, headers and body)."""

    connect: float = 3.0
    read: float = 5.0
    write: float = 5.0
    total: float = 10.0


CHECKPOINT_DEADLINES = Deadlines(total=8.0)
TILE_DEADLINES = Deadlines(total=15.0)
BUNDLE_DEADLINES = Deadlines(total=60.0)  # up to 16 MiB
WITNESS_DEADLINES = Deadlines(total=10.0)
SUBMIT_DEADLINES = Deadlines(read=65.0, total=70.0)  # the node waits up to 60 s to sequence


class PeerError(CityLedgerError):
    """A peer could not give us what we asked for. `retry` says whether trying later helps."""

    def __init__(self, peer: str, message: str, retry: bool = True, status: int | None = None):
        super().__init__(f"{peer}: {message}")
        self.peer = peer
        self.retry = retry
        self.status = status


class PeerUnavailable(PeerError):
    """Connection refused, timeout, 5xx: the peer is down or overloaded."""


class PeerTooSlow(PeerUnavailable):
    """The peer answered, but not completely within the call's total deadline."""


class PeerNotFound(PeerError):
    """404: the peer does not have this resource (yet)."""


class PeerDataError(PeerError):
    """The peer answered with data that fails verification or is malformed."""

    def __init__(self, peer: str, message: str):
        super().__init__(peer, message, retry=False)


def normalize_prefix(url: str) -> str:
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class Answer:
    """A peer's complete answer (the body read in full, within its size limit)."""

    status_code: int
    headers: httpx.Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class PeerHttp:
    """Blocking peer calls with real total deadlines, for the sync and witness threads.

    The requests run on one private event loop (an httpx.AsyncClient), where the whole call
    incl. streaming the body sits under `asyncio.timeout(total)` and is cancelled, socket
    closed, when it runs over. The calling thread only waits for the result, so a trickling
    peer costs that caller at most its deadline and nobody else anything. `close()` cancels
    every call in flight at once: a stopping node does not wait for its peers.
    """

    def __init__(self, max_connections: int = 64):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="peer-http", daemon=True
        )
        self._thread.start()
        self._calls: set[concurrent.futures.Future] = set()
        self._guard = threading.Lock()
        self._closed = False
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity"}

        async def make() -> httpx.AsyncClient:
            return httpx.AsyncClient(limits=limits, headers=headers)

        self._client = asyncio.run_coroutine_threadsafe(make(), self._loop).result()

    def __enter__(self) -> PeerHttp:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def request(
        self,
        method: str,
        peer: str,
        path: str,
        deadlines: Deadlines,
        limit: int,
        content: bytes | None = None,
        headers: dict | None = None,
    ) -> Answer:
        """The whole answer to `method peer+path`, or PeerUnavailable, PeerTooSlow (over its
        total deadline) or PeerDataError (over `limit` bytes), each naming peer and path."""
        call = self._call(method, peer, path, deadlines, limit, content, headers)
        with self._guard:
            if self._closed:
                call.close()
                raise PeerUnavailable(peer, f"{path}: the node is stopping")
            future = asyncio.run_coroutine_threadsafe(call, self._loop)
            self._calls.add(future)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise PeerUnavailable(peer, f"{path}: the node is stopping") from None
        finally:
            with self._guard:
                self._calls.discard(future)

    async def _call(self, method, peer, path, deadlines: Deadlines, limit, content, headers):
        timeout = httpx.Timeout(
            connect=deadlines.connect,
            read=deadlines.read,
            write=deadlines.write,
            pool=deadlines.total,
        )
        try:
            async with asyncio.timeout(deadlines.total):
                async with self._client.stream(
                    method, peer + path, content=content, headers=headers, timeout=timeout
                ) as resp:
                    chunks, total = [], 0
                    async for chunk in resp.aiter_bytes():
                        total += len(chunk)
                        if total > limit:
                            raise PeerDataError(peer, f"{path}: answer larger than {limit} bytes")
                        chunks.append(chunk)
                    return Answer(resp.status_code, resp.headers, b"".join(chunks))
        except TimeoutError:
            raise PeerTooSlow(
                peer, f"{path}: no complete answer within {deadlines.total:g} s"
            ) from None
        except httpx.TimeoutException as e:
            raise PeerTooSlow(peer, f"{path}: {type(e).__name__}: {e}") from None
        except (httpx.TransportError, httpx.DecodingError) as e:
            raise PeerUnavailable(peer, f"{path}: {type(e).__name__}: {e}") from None

    def close(self) -> None:
        with self._guard:
            if self._closed:
                return
            self._closed = True
            calls = list(self._calls)
        for future in calls:
            future.cancel()  # cancels the task on the loop: its socket is closed
        try:
            asyncio.run_coroutine_threadsafe(self._client.aclose(), self._loop).result(5)
        except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()


def new_http_client(max_connections: int = 64) -> PeerHttp:
    return PeerHttp(max_connections=max_connections)


class PeerClient:
    """Reads one log at `prefix` (a tlog-tiles URL prefix)."""

    def __init__(self, prefix: str, http: PeerHttp):
        self.prefix = normalize_prefix(prefix)
        self.http = http

    def __repr__(self) -> str:
        return f"PeerClient({self.prefix!r})"

    def _get(self, path: str, limit: int, deadlines: Deadlines = TILE_DEADLINES) -> bytes:
        return self._get_answer(path, limit, deadlines).body

    def _get_answer(
        self, path: str, limit: int, deadlines: Deadlines, headers: dict | None = None
    ) -> Answer:
        resp = self.http.request("GET", self.prefix, path, deadlines, limit, headers=headers)
        if resp.status_code == 304 and headers:
            return resp
        if resp.status_code == 404:
            raise PeerNotFound(self.prefix, f"{path}: not found (404)", status=404)
        self._check_status(resp, path)
        return resp

    def _check_status(self, resp: Answer, what: str, refused: str = "") -> None:
        """5xx/429: unavailable (try later); any other non-200: refused (`refused` says why)."""
        message = f"{what}: HTTP {resp.status_code}"
        if resp.status_code >= 500 or resp.status_code == 429:
            raise PeerUnavailable(self.prefix, message, status=resp.status_code)
        if resp.status_code != 200:
            raise PeerError(self.prefix, message + refused, retry=False, status=resp.status_code)

    def checkpoint(self) -> bytes:
        return self._get("checkpoint", MAX_CHECKPOINT_BYTES, CHECKPOINT_DEADLINES)

    def lookup(self, code: str) -> dict:
        """The peer's `lookup/<code>` answer (app.net.lookup): a hint, checked by the caller."""
        body = self._get("lookup/" + code, MAX_LOOKUP_BYTES, CHECKPOINT_DEADLINES)
        try:
            doc = json.loads(body)
        except ValueError:
            raise PeerDataError(self.prefix, f"lookup/{code}: not JSON") from None
        if not isinstance(doc, dict):
            raise PeerDataError(self.prefix, f"lookup/{code}: not a JSON object")
        return doc

    def checkpoint_if_changed(self, etag: str | None) -> tuple[bytes | None, str | None]:
        """(note, its ETag), or (None, etag) when the peer says it is unchanged (304)."""
        headers = {"If-None-Match": etag} if etag else None
        resp = self._get_answer("checkpoint", MAX_CHECKPOINT_BYTES, CHECKPOINT_DEADLINES, headers)
        if resp.status_code == 304:
            return None, etag
        return resp.body, resp.headers.get("etag")

    def tile(self, level: int, n: int, width: int) -> bytes:
        """A tile of `width` hashes; falls back to the full tile if a partial one is gone."""
        data = self._get_maybe_full(tile_path, (level, n), width, MAX_TILE_BYTES)
        if len(data) != width * HASH_SIZE:
            raise PeerDataError(
                self.prefix,
                f"{tile_path(level, n, width)}: {len(data)} bytes, expected {width * HASH_SIZE}",
            )
        return data

    def bundle(self, n: int, width: int) -> bytes:
        """Raw entry bundle bytes (decoded and verified by the caller)."""
        return self._get_maybe_full(
            bundle_path, (n,), width, MAX_ENTRY_BUNDLE_BYTES, BUNDLE_DEADLINES
        )

    def _get_maybe_full(
        self, path_fn, args, width: int, limit: int, deadlines: Deadlines = TILE_DEADLINES
    ) -> bytes:
        try:
            return self._get(path_fn(*args, width), limit, deadlines)
        except PeerNotFound:
            if width == TILE_WIDTH:
                raise
        # tlog-tiles lets a log delete a partial tile once the full one exists; the
        # caller truncates a full tile, and a full bundle is cut by entry count.
        data = self._get(path_fn(*args), limit, deadlines)
        if path_fn is tile_path:
            return data[: width * HASH_SIZE]
        try:
            return encode_entry_bundle(decode_entry_bundle(data)[:width])
        except CoreError as e:
            raise PeerDataError(self.prefix, f"{path_fn(*args)}: {e}") from None

    def add_checkpoint(self, body: bytes) -> Answer:
        """POST a tlog-witness add-checkpoint request; the caller interprets the status."""
        return self.http.request(
            "POST",
            self.prefix,
            "add-checkpoint",
            WITNESS_DEADLINES,
            MAX_REPLY_BYTES,
            content=body,
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )

    def submit(self, entry: bytes) -> dict:
        """Send an official's signed entry to the city's sequencer; returns the receipt."""
        resp = self.http.request(
            "POST",
            self.prefix,
            "submit",
            SUBMIT_DEADLINES,
            MAX_REPLY_BYTES,
            content=entry,
            headers={"Content-Type": "application/json"},
        )
        self._check_status(resp, "submit", f", refused: {resp.text.strip()[:500]}")
        try:
            return json.loads(resp.body)
        except ValueError:
            raise PeerDataError(self.prefix, "submit: the receipt is not JSON") from None
