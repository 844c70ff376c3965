"""A witness's check of the code map a city commits (docs/architecture.md, "A verifiable
code index"): before co-signing a checkpoint, the witness reads the entries it adds,
carries its copy of the city's map forward over them, and finds every code-map entry
among them right (size = its index, root = the map of the entries before it) and the
checkpoint's last entry a code-map entry. So k cosignatures vouch for the map too.

Entries come from the node's own replica when it holds them, else from the city's
endpoints, authenticated against the checkpoint being witnessed (the same bundle check
sync uses). The map at the size last witnessed is kept in memory; after a restart it is
rebuilt once from the replica, or from the city's entries.
"""

from __future__ import annotations

import json
import threading

from app.core.code_map import CodeMap
from app.ledger import rules
from app.ledger.map_state import MapCache, build_map, is_map_entry, map_updates
from app.ledger.tilelog import TILE_WIDTH
from app.net import verify
from app.net.client import PeerClient, PeerError, new_http_client, normalize_prefix


class EntriesUnavailable(Exception):
    """The entries of a checkpoint could not be read (the city did not serve them, or
    served entries that are not the checkpoint's): no verdict on its map."""


class WitnessMaps:
    def __init__(self, ledger, http=None):
        self.ledger = ledger
        self.cache = MapCache()
        self._http = http
        self._http_lock = threading.Lock()

    def _client(self):
        with self._http_lock:
            if self._http is None:
                self._http = new_http_client()
            return self._http

    def close(self) -> None:
        with self._http_lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def check(self, city, cp, old_size: int, old_root: bytes) -> tuple[str | None, CodeMap]:
        """(why the checkpoint's code map is wrong, or None; the map at cp.size).
        `old_size`/`old_root`: the checkpoint last witnessed, consistent with cp.
        EntriesUnavailable if the entries could not be read."""
        code_map = self._map_at(city, cp, old_size, old_root)
        if cp.size == old_size:
            return None, code_map
        entries = self._entries(city, cp, old_size, cp.size)
        state = rules.LedgerState(code_map=code_map)
        ctx = rules.LogContext(cp.origin, city.code)
        for index, entry in enumerate(entries, start=old_size):
            if is_map_entry(entry):
                try:
                    record = json.loads(entry)
                except ValueError:
                    record = {"type": "code-map"}
                refusal = rules.judge(ctx, state, record, index)
                if refusal is not None:
                    return refusal.reason, code_map
            else:
                state.map_pending.update(map_updates([(index, entry)]))
        state.map_root()
        if not is_map_entry(entries[-1]):
            return (
                f"the last entry ({cp.size - 1}) under checkpoint {cp.size} is not a "
                "code-map entry: the checkpoint commits no code map"
            ), code_map
        return None, code_map

    def remember(self, origin: str, size: int, code_map: CodeMap) -> None:
        """The map at the size now witnessed (kept only after the save succeeded)."""
        self.cache.put(origin, size, code_map)

    # ------------------------------------------------------------------ reading
    def _map_at(self, city, cp, size: int, root: bytes) -> CodeMap:
        def build() -> CodeMap:
            held = self.ledger.held_size(cp.origin)
            if held >= size and self.ledger.root_at(cp.origin, size) == root:
                return build_map(self.ledger.store.bundle_rows, cp.origin, size)
            return CodeMap(dict(map_updates(enumerate(self._entries(city, cp, 0, size)))))

        return self.cache.get(cp.origin, size, build)

    def _entries(self, city, cp, start: int, stop: int) -> list[bytes]:
        """Entries [start, stop) of the log of `cp` (stop ≤ cp.size), authenticated."""
        if stop <= start:
            return []
        held = self.ledger.held_size(cp.origin)
        if held >= cp.size and self.ledger.root_at(cp.origin, cp.size) == cp.root:
            return self.ledger.store.entries(cp.origin, start, stop)
        problems = []
        for prefix in city.endpoints:
            peer = PeerClient(normalize_prefix(prefix), self._client())
            try:
                return _fetch(peer, cp, start, stop)
            except (PeerError, verify.VerifyError) as e:
                problems.append(str(e))
        raise EntriesUnavailable(
            f"entries {start}..{stop - 1} of {cp.origin} could not be read: "
            + ("; ".join(problems) or "the trust file names no endpoint")
        )


def _fetch(peer: PeerClient, cp, start: int, stop: int) -> list[bytes]:
    first, last = start // TILE_WIDTH, (stop - 1) // TILE_WIDTH
    bundles = {}
    for n in range(first, last + 1):
        width = min(TILE_WIDTH, cp.size - n * TILE_WIDTH)
        bundles[n] = verify.decode_peer_entry_bundle(peer.bundle(n, width), width)
    verify.check_bundles(cp, bundles, verify.PeerTiles(peer, cp))
    entries = [e for n in range(first, last + 1) for e in bundles[n]]
    return entries[start - first * TILE_WIDTH : stop - first * TILE_WIDTH]
