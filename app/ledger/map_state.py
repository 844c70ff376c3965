"""The code map of a log as its holders keep it: built from the log's entries, then
carried forward batch by batch (docs/architecture.md, "A verifiable code index").

The sequencer keeps its own log's map, the replica fold the map of every log it folds,
the audit and the witness their own. Each starts from `build_map` (the map after entries
[0, size), read from the stored entry bundles) and then lets `rules.apply` carry it
forward, so what the map means is decided in one place (app/ledger/rules.py).

Why the entries and not the codes index: the index keeps one row per code, and a code
transferred to another city has its row replaced by that city's transfer-in, so the
index no longer says at which index of the old log the code's last record stands. The
log does; reading only `type` and `code` of each entry costs little beside hashing the
map itself (bench/README.md, "code map").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator

import msgspec

from app.core.code_map import CodeMap, map_key, official_key
from app.core.records import ASSET_TYPES, MAP_TYPE, OFFICIAL_TYPES
from app.ledger.tilelog import TILE_WIDTH, decode_entries


class _Subject(msgspec.Struct):
    name: str | None = None


class _Kind(msgspec.Struct):
    type: str = ""
    code: str | None = None
    subject: _Subject | None = None


_decode_kind = msgspec.json.Decoder(_Kind).decode


def is_map_entry(entry: bytes) -> bool:
    """Is `entry` a code-map entry (by its type; the rules judge the rest)?"""
    try:
        return _decode_kind(entry).type == MAP_TYPE
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False


BundleRows = Callable[[str, int, int], dict[int, bytes]]
"""(origin, first bundle n, stop n) -> {n: encoded bundle}: Store.bundle_rows."""


def map_updates(pairs: Iterable[tuple[int, bytes]]) -> Iterator[tuple[bytes, int]]:
    """(map key, index) of every asset and official record among (index, entry) pairs,
    in order: what rules.apply sets in the map, read from the entries alone."""
    for index, entry in pairs:
        try:
            kind = _decode_kind(entry)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue  # not a record the map holds
        if kind.type in ASSET_TYPES and isinstance(kind.code, str):
            yield map_key(kind.code), index
        elif kind.type in OFFICIAL_TYPES and kind.subject and isinstance(kind.subject.name, str):
            yield official_key(kind.subject.name), index


def build_map(
    bundle_rows: BundleRows,
    origin: str,
    size: int,
    skip: Collection[int] = (),
    chunk: int = 256,
) -> CodeMap:
    """The map of `origin` after entries [0, size), leaving out the indices in `skip`
    (entries a replica never folded: resolved misbehaviour evidence)."""
    latest: dict[bytes, int] = {}
    stop_n = (size + TILE_WIDTH - 1) // TILE_WIDTH
    for first in range(0, stop_n, chunk):
        rows = bundle_rows(origin, first, min(first + chunk, stop_n))
        for n in range(first, min(first + chunk, stop_n)):
            data = rows.get(n)
            if data is None:
                raise IndexError(f"log {origin}: entry bundle {n} is not stored")
            base = n * TILE_WIDTH
            pairs = (
                (base + j, e)
                for j, e in enumerate(decode_entries(data))
                if base + j < size and base + j not in skip
            )
            latest.update(map_updates(pairs))
    return CodeMap(latest)


class MapCache:
    """origin -> (size, map after entries [0, size)); a map is handed out as a copy, and
    one put back is kept only for its size, so a rolled-back transaction can never leave
    a map that runs ahead of the stored log (the next use rebuilds it)."""

    def __init__(self) -> None:
        self._maps: dict[str, tuple[int, CodeMap]] = {}
        self._lock = threading.Lock()

    def get(self, origin: str, size: int, build: Callable[[], CodeMap]) -> CodeMap:
        with self._lock:
            held = self._maps.get(origin)
        if held is not None and held[0] == size:
            return held[1].copy()
        built = build()
        self.put(origin, size, built)
        return built.copy()

    def peek(self, origin: str, size: int) -> CodeMap | None:
        """The map at `size` if that is the one held (a copy), else None."""
        with self._lock:
            held = self._maps.get(origin)
        return held[1].copy() if held is not None and held[0] == size else None

    def offer(self, origin: str, size: int, code_map: CodeMap) -> None:
        """Keep `code_map` only if none is held for `origin` (a reader's map must not
        displace the one the fold or the sequencer carries forward)."""
        with self._lock:
            self._maps.setdefault(origin, (size, code_map.copy()))

    def put(self, origin: str, size: int, code_map: CodeMap) -> None:
        with self._lock:
            self._maps[origin] = (size, code_map.copy())

    def forget(self, origin: str) -> None:
        with self._lock:
            self._maps.pop(origin, None)
