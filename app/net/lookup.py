"""`GET /lookup/<code>`: where a code's records are in a log this node holds.

The answer is a hint, never trusted by itself: the asker fetches the entry bundles at the
named indexes and authenticates them against a checkpoint it already verified
(app.net.on_demand). It names the code's latest record and its official's add and revoke
records, so the asker can build the same proof bundle a replica would export.
"""

from __future__ import annotations

import json

from app.core.codes import parse_code
from app.core.errors import CodeError
from app.ledger.store import Store
from app.net.server import Reply

MAX_CODE_CHARS = 64  # a code with dashes is 23; anything longer is not a code
JSON = "application/json"


def _error(status: int, message: str) -> Reply:
    return Reply(status, (message + "\n").encode())


def lookup_reply(store: Store, origin: str, held: int, code_text: str) -> Reply:
    """The JSON answer for `code_text` in the log `origin` (of which `held` entries are
    served): 400 for a malformed code, 404 for one not in that log."""
    if len(code_text) > MAX_CODE_CHARS:
        return _error(400, f"not a code: over {MAX_CODE_CHARS} characters")
    try:
        code = str(parse_code(code_text))
    except CodeError as e:
        return _error(400, f"not a code: {e}")
    state = store.code_state(code)
    if state is None or state.origin != origin or state.latest_index >= held:
        return _error(404, f"{code} is not in the log {origin} held here")
    doc: dict[str, object] = {"code": code, "origin": origin, "index": state.latest_index}
    official = next((o for o in store.officials(origin) if o["name"] == state.official), None)
    if official is not None:
        doc["official_index"] = official["added_index"]
        doc["official_revoke_index"] = official["revoked_index"]
    return Reply(200, json.dumps(doc, sort_keys=True).encode(), JSON)


class LookupService:
    """server.Services.lookup over a node's LedgerView (its own log and replicas)."""

    def __init__(self, ledger):
        self.ledger = ledger

    def __call__(self, origin: str, code_text: str) -> Reply:
        if self.ledger.find_source(origin) is None:
            return _error(404, "unknown log origin")
        return lookup_reply(self.ledger.store, origin, self.ledger.held_size(origin), code_text)
