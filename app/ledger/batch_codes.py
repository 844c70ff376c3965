"""Codes of a batch issuance derived from the batch and each feature, so that a batch run
again after a crash issues nothing twice and finishes the rest.

A feature's serial is ``SHA-256(DOMAIN ‖ batch id ‖ feature identity ‖ attempt)``'s first
40 bits, where the batch id is a digest of the city and every feature of the batch, and a
feature's identity is its canonical JSON (with its occurrence number among identical
features). The same input gives the same codes, so the log itself records which features
are done: a code already in the log with the same asset is this batch's own (reused, not
issued again; the sequencer would refuse the duplicate anyway), and a code held by a
different asset — a 40-bit collision — moves the feature to its next attempt. No journal
beside the log can disagree with it after a SIGKILL. (docs/architecture.md, "Batch
issuance")
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.core.codes import make_code
from app.core.errors import CityLedgerError

if TYPE_CHECKING:
    from app.ledger.codes_index import CodeState
    from app.ledger.node import Node

DOMAIN = b"cityledger/batch-code/v1\n"
MAX_ATTEMPTS = 16
TAKEN = -1  # a derived code that the log holds for a different asset


class BatchPlanError(CityLedgerError):
    """A feature found no free code in MAX_ATTEMPTS derivations (never seen in practice)."""


def _canonical(item: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(item), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def feature_identities(items: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """Each item's canonical JSON and its occurrence number among identical items."""
    seen: dict[bytes, int] = {}
    out = []
    for item in items:
        body = _canonical(item)
        n = seen.get(body, 0)
        seen[body] = n + 1
        out.append(body + b"#" + str(n).encode())
    return out


def batch_id(city: str, identities: Sequence[bytes]) -> str:
    h = hashlib.sha256(DOMAIN + city.encode() + b"\n")
    for identity in identities:
        h.update(hashlib.sha256(identity).digest())
    return h.hexdigest()[:32]


def derive_code(city: str, asset_class: str, batch: str, identity: bytes, attempt: int) -> str:
    digest = hashlib.sha256(
        DOMAIN + batch.encode() + b"\n" + identity + b"\n" + str(attempt).encode()
    ).digest()
    return str(make_code(city, asset_class, int.from_bytes(digest[:5], "big")))


@dataclass
class BatchPlan:
    batch_id: str
    codes: list[str]
    issued: dict[int, int] = field(default_factory=dict)  # item position -> its log index

    @property
    def pending(self) -> list[int]:
        return [i for i in range(len(self.codes)) if i not in self.issued]


def _issued_index(node: Node, state: CodeState | None, item: Mapping[str, Any]) -> int | None:
    """The log index of the code's issue record if it issued this very item; None if the
    code is free; ``TAKEN`` if it belongs to another asset."""
    if state is None:
        return None
    stored = json.loads(node.store.entry(state.origin, state.first_index))
    built = node.issue_record(
        item["asset_class"],
        item["name"],
        item["geometry"],
        item.get("attributes"),
        item.get("owner"),
        state.code,
    )
    if (
        stored.get("type") == "issue"
        and stored.get("asset") == built["asset"]
        and stored.get("owner") == built.get("owner")
    ):
        return state.first_index
    return TAKEN


def plan_batch(node: Node, items: Sequence[Mapping[str, Any]]) -> BatchPlan:
    """Each item's code, and which of them the log already holds for that item."""
    identities = feature_identities(items)
    batch = batch_id(node.city_code, identities)
    city = node.city_code
    first = [
        derive_code(city, it["asset_class"], batch, ident, 0)
        for it, ident in zip(items, identities)
    ]
    known = node.store.code_states(first)  # one look-up for the whole batch
    plan = BatchPlan(batch, [])
    taken: set[str] = set()
    for i, (item, identity) in enumerate(zip(items, identities)):
        for attempt in range(MAX_ATTEMPTS):
            code = (
                first[i]
                if attempt == 0
                else derive_code(city, item["asset_class"], batch, identity, attempt)
            )
            if code in taken:
                continue
            state = known.get(code) if attempt == 0 else node.code_state(code)
            index = _issued_index(node, state, item)
            if index == TAKEN:
                continue
            if index is not None:
                plan.issued[i] = index
            break
        else:
            raise BatchPlanError(f"feature {i + 1}: no free code in {MAX_ATTEMPTS} attempts")
        taken.add(code)
        plan.codes.append(code)
    return plan
