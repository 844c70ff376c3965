"""The records of a code's life after its issue (issue 12): update, inspect, transfer
(owner), transfer-out / transfer-in (between member cities) and revoke — built the same
for the CLI, the app and scripts, one change or a batch.

A batch run again after a crash changes nothing twice, by the same principle as a batch
issuance (app/ledger/batch_codes.py): the log itself is the journal. A change whose
record would say what the code's latest record already says is done (an update to the
values it has, the same inspection, a revoke of a revoked code), so it is reported as
done and not signed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.records import RECORD_TYPES, bound_geometry
from app.ledger.codes_index import REVOKED, TRANSFERRED, CodeState
from app.ledger.db import StoreError

if TYPE_CHECKING:
    from app.ledger.store import Store

# change kinds: the record types that follow an issue (app/core/records.py)
KINDS = RECORD_TYPES[1:7]
UPDATE, INSPECT, TRANSFER, TRANSFER_OUT, TRANSFER_IN, REVOKE = KINDS


@dataclass(frozen=True)
class Change:
    """One later record to make for `code`: its kind and the members it sets
    (update: asset fields and/or service; inspect: inspection; transfer: owner;
    transfer-out: to; revoke: reason; transfer-in: nothing, it takes the code over)."""

    kind: str
    code: str
    members: Mapping[str, Any] = field(default_factory=dict)


def update_members(
    name: str | None = None,
    geometry: Mapping[str, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
    service: str | None = None,
) -> dict[str, Any]:
    asset: dict[str, Any] = {}
    if name is not None:
        asset["name"] = name
    if geometry is not None:
        asset["geometry"] = bound_geometry(dict(geometry))
    if attributes is not None:
        asset["attributes"] = dict(attributes)
    members: dict[str, Any] = {"asset": asset} if asset else {}
    if service is not None:
        members["service"] = service
    return members


def inspection_members(
    grade: int, note: str, attachments: list[str] | None = None
) -> dict[str, Any]:
    inspection: dict[str, Any] = {"grade": grade, "note": note}
    if attachments:
        inspection["attachments"] = list(attachments)
    return {"inspection": inspection}


def file_digest(path: Path) -> str:
    """SHA-256 of an attached photo or report, the form an inspection records."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def record_for(state: CodeState, change: Change, origin: str) -> dict[str, Any]:
    """The unsigned record of `change` on the code whose current row is `state`."""
    if change.kind == TRANSFER_IN:
        asset = {
            "class": state.asset_class,
            "name": state.name,
            "geometry": state.geometry,
            "attributes": state.attributes,
        }
        rec: dict[str, Any] = {
            "type": TRANSFER_IN,
            "code": state.code,
            "prev": state.latest_index,
            "from": state.origin,
            "asset": asset,
        }
        if state.owner:
            rec["owner"] = state.owner
        if state.service:
            rec["service"] = state.service
        return rec
    return {"type": change.kind, "code": state.code, "prev": state.latest_index, **change.members}


def already_done(
    state: CodeState,
    latest: Mapping[str, Any],
    record: Mapping[str, Any],
    official: str | None = None,
    today: str | None = None,
) -> bool:
    """Whether the code's latest record (and its row) already says what `record` would:
    the change of a batch run before a crash, found in the log. An inspection is a new
    observation even when it reads like the last one, so it counts as done only when
    the latest record is that inspection made the same UTC day (`today`, YYYY-MM-DD) by
    the same official (when `official` is given)."""
    kind = record["type"]
    if kind == INSPECT and (
        (today is not None and str(latest.get("time", ""))[:10] != today)
        or (official is not None and latest.get("official") != official)
    ):
        return False
    if kind == REVOKE:
        return state.status == REVOKED
    if kind == TRANSFER_OUT:
        return state.status == TRANSFERRED and state.moved_to == record["to"]
    if kind == TRANSFER_IN:
        return False  # judged by the row's origin before a record is built
    if latest.get("type") != kind:
        return False
    same = ("asset", "service", "inspection", "owner", "reason", "to")
    return all(latest.get(k) == record.get(k) for k in same)


@dataclass(frozen=True)
class Done:
    """A change the log already holds (its record is the code's latest, at `index`)."""

    code: str
    index: int


@dataclass(frozen=True)
class NotApplicable:
    """A change this node cannot make for the code: `kind` is a stable reason
    (UNKNOWN_CODE, NOT_HERE, NOT_MOVING_HERE, NO_CHANGE) with its data, worded by the view."""

    code: str
    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.detail or self.kind}"


UNKNOWN_CODE = "unknown-code"
NOT_HERE = "not-in-this-log"
NOT_MOVING_HERE = "not-moving-here"
NO_CHANGE = "no-change"


def chain(store: Store, state: CodeState) -> list[tuple[str, int, dict[str, Any]]]:
    """(origin, index, record) of every record of the code, oldest first: the `prev`
    chain, across a transfer-in into its transfer-out's log where the store holds it (a
    chain that starts with a transfer-in: the older records are in a log not held)."""
    out: list[tuple[str, int, dict[str, Any]]] = []
    origin = state.origin
    step: int | None = state.latest_index
    while step is not None:
        try:
            rec = json.loads(store.entry(origin, step))
        except IndexError:
            if out and out[-1][2].get("type") == TRANSFER_IN:
                break  # the source city's log is not held here
            raise StoreError(f"record {step} of {state.code} is not held in {origin}") from None
        if not isinstance(rec, dict) or rec.get("code") != state.code:
            raise StoreError(f"record {step} of {origin} is not a record of {state.code}")
        out.append((origin, step, rec))
        prev = rec.get("prev")
        across = rec.get("type") == TRANSFER_IN and isinstance(rec.get("from"), str)
        if prev is not None and (not isinstance(prev, int) or (prev >= step and not across)):
            raise StoreError(f"record {step} of {state.code} has a bad prev {prev!r}")
        if across:
            if rec["from"] == origin or len(out) > 10_000:
                raise StoreError(f"record {step} of {state.code} transfers in from its own log")
            origin = rec["from"]
        step = prev
    out.reverse()
    return out
