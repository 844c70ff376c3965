"""HTTP client for peers: tlog-tiles reads, tlog-witness add-checkpoint, entry submission.

A peer is a URL prefix. It may be another CityLedger node, or any static HTTP server
holding the tlog-tiles files (so the client relies on nothing but GETs for reading).
"""

from __future__ import annotations

import httpx

from app.core.errors import CityLedgerError, CoreError
from app.core.tiles import decode_entry_bundle, encode_entry_bundle
from app.net.paths import HASH_SIZE, TILE_WIDTH, bundle_path, tile_path

MAX_CHECKPOINT_BYTES = 64 * 1024
MAX_TILE_BYTES = TILE_WIDTH * HASH_SIZE
# 256 entries of at most 64 KiB each plus their length prefixes.
MAX_ENTRY_BUNDLE_BYTES = TILE_WIDTH * (2 + 65535)
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
USER_AGENT = "cityledger-net/1"


class PeerError(CityLedgerError):
    """A peer could not give us what we asked for. `retry` says whether trying later helps."""

    def __init__(self, peer: str, message: str, retry: bool = True, status: int | None = None):
        super().__init__(f"{peer}: {message}")
        self.peer = peer
        self.retry = retry
        self.status = status


class PeerUnavailable(PeerError):
    """Connection refused, timeout, 5xx: the peer is down or overloaded."""


class PeerNotFound(PeerError):
    """404: the peer does not have this resource (yet)."""


class PeerDataError(PeerError):
    """The peer answered with data that fails verification or is malformed."""

    def __init__(self, peer: str, message: str):
        super().__init__(peer, message, retry=False)


def normalize_prefix(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def new_http_client(
    max_connections: int = 8, timeout: httpx.Timeout = DEFAULT_TIMEOUT
) -> httpx.Client:
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.Client(
        timeout=timeout,
        limits=limits,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity"},
    )


class PeerClient:
    """Reads one log at `prefix` (a tlog-tiles URL prefix)."""

    def __init__(self, prefix: str, http: httpx.Client):
        self.prefix = normalize_prefix(prefix)
        self.http = http

    def __repr__(self) -> str:
        return f"PeerClient({self.prefix!r})"

    def _get(self, path: str, limit: int) -> bytes:
        url = self.prefix + path
        try:
            with self.http.stream("GET", url) as resp:
                if resp.status_code == 404:
                    raise PeerNotFound(self.prefix, f"{path}: not found (404)", status=404)
                if resp.status_code >= 500 or resp.status_code == 429:
                    raise PeerUnavailable(
                        self.prefix, f"{path}: HTTP {resp.status_code}", status=resp.status_code
                    )
                if resp.status_code != 200:
                    raise PeerError(
                        self.prefix,
                        f"{path}: HTTP {resp.status_code}",
                        retry=False,
                        status=resp.status_code,
                    )
                chunks, total = [], 0
                for chunk in resp.iter_bytes():
                    total += len(chunk)
                    if total > limit:
                        raise PeerDataError(
                            self.prefix, f"{path}: response larger than {limit} bytes"
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TransportError as e:  # connect errors, timeouts, broken connections
            raise PeerUnavailable(self.prefix, f"{path}: {type(e).__name__}: {e}") from None

    def checkpoint(self) -> bytes:
        return self._get("checkpoint", MAX_CHECKPOINT_BYTES)

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
        return self._get_maybe_full(bundle_path, (n,), width, MAX_ENTRY_BUNDLE_BYTES)

    def _get_maybe_full(self, path_fn, args, width: int, limit: int) -> bytes:
        try:
            return self._get(path_fn(*args, width), limit)
        except PeerNotFound:
            if width == TILE_WIDTH:
                raise
        # tlog-tiles lets a log delete a partial tile once the full one exists; the
        # caller truncates a full tile, and a full bundle is cut by entry count.
        data = self._get(path_fn(*args), limit)
        if path_fn is tile_path:
            return data[: width * HASH_SIZE]
        try:
            return encode_entry_bundle(decode_entry_bundle(data)[:width])
        except CoreError as e:
            raise PeerDataError(self.prefix, f"{path_fn(*args)}: {e}") from None

    def add_checkpoint(self, body: bytes) -> httpx.Response:
        """POST a tlog-witness add-checkpoint request; the caller interprets the status."""
        try:
            return self.http.post(
                self.prefix + "add-checkpoint",
                content=body,
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
        except httpx.TransportError as e:
            raise PeerUnavailable(self.prefix, f"add-checkpoint: {type(e).__name__}: {e}") from None

    def submit(self, entry: bytes) -> dict:
        """Send an official's signed entry to the city's sequencer; returns the receipt."""
        try:
            resp = self.http.post(
                self.prefix + "submit",
                content=entry,
                headers={"Content-Type": "application/json"},
                timeout=30.0,
            )
        except httpx.TransportError as e:
            raise PeerUnavailable(self.prefix, f"submit: {type(e).__name__}: {e}") from None
        if resp.status_code >= 500:
            raise PeerUnavailable(
                self.prefix, f"submit: HTTP {resp.status_code}", status=resp.status_code
            )
        if resp.status_code != 200:
            raise PeerError(
                self.prefix,
                f"submit refused (HTTP {resp.status_code}): {resp.text.strip()[:500]}",
                retry=False,
                status=resp.status_code,
            )
        try:
            return resp.json()
        except ValueError:
            raise PeerDataError(self.prefix, "submit: the receipt is not JSON") from None
