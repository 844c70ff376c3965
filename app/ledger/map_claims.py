"""What a proof bundle's code map proves offline (docs/architecture.md, "A verifiable
code index"): the checkpoint's last entry commits the map of every code (and official)
to the index of its latest record; the bundle carries that entry with its inclusion
proof and the map proofs of its code and signer. Pure: the verifier turns a `MapClaim`
into its checks (app/ledger/verifier.py).

Nothing here is trusted as handed over: the code-map entry must be the checkpoint's last
entry (index size - 1), included under the checkpoint, and each map proof must verify
against the root that entry commits. A map part that fails any of that is a `problem`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from app.core import merkle as _merkle
from app.core import records as _records
from app.core.checkpoint import Checkpoint
from app.core.code_map import (
    MapProofError,
    decode_map_proof,
    map_key,
    official_key,
    verify_map_proof,
)
from app.core.cosignature import cosignature_timestamps
from app.core.errors import CoreError
from app.core.texts import N_
from app.ledger.proof_bundle import MapPart
from app.ledger.trust import TrustError, TrustFile


@dataclass(frozen=True)
class MapClaim:
    """What the map part of a bundle shows under its checkpoint."""

    # why the map part proves nothing: (reason template, parameters); then the rest is unset
    problem: tuple[str, dict[str, Any]] | None = None
    code_value: int | None = None  # index of the code's latest record (None: not in the map)
    official_value: int | None = None  # index of the signer's latest official record
    official_proven: bool = False  # official_value comes from a verified proof


def read_map_part(
    part: MapPart, cp: Checkpoint, code: str | None, official: str | None
) -> MapClaim:
    def bad(template: str, **params: Any) -> MapClaim:
        return MapClaim(problem=(template, params))

    if part.index != cp.size - 1:
        return bad(
            N_(
                "the bundled code-map entry is at index {index}, not the checkpoint's last "
                "entry ({last})"
            ),
            index=part.index,
            last=cp.size - 1,
        )
    try:
        rec = _records.parse_entry(part.entry)
        included = _merkle.verify_inclusion(
            part.index, cp.size, _merkle.record_hash(part.entry), list(part.proof), cp.root_hash
        )
    except (CoreError, ValueError) as e:
        return bad(N_("the bundled code-map entry is malformed: {error}"), error=str(e))
    if rec.get("type") != _records.MAP_TYPE or rec.get("size") != part.index:
        return bad(
            N_("the bundled entry at index {index} is not its code-map entry"), index=part.index
        )
    if not included:
        return bad(
            N_("the bundled code-map entry is not included under checkpoint {size}"), size=cp.size
        )
    root = _records.map_root(rec)
    values: list[int | None] = []
    for what, name, key, data in (
        ("code", code, map_key(code) if code else None, part.code_proof),
        ("official", official, official_key(official) if official else None, part.official_proof),
    ):
        if key is None or (what == "official" and not data):
            values.append(None)
            continue
        try:
            proof = decode_map_proof(key, data)
        except MapProofError as e:
            return bad(
                N_("the bundled map proof of {subject!r} is malformed: {error}"),
                subject=name,
                error=str(e),
            )
        if not verify_map_proof(root, key, proof.value, proof):
            return bad(
                N_(
                    "the bundled map proof of {subject!r} does not verify against the code map "
                    "committed at checkpoint {size}"
                ),
                subject=name,
                size=cp.size,
            )
        values.append(proof.value)
    return MapClaim(
        code_value=values[0],
        official_value=values[1],
        official_proven=bool(official and part.official_proof),
    )


def witnessed_time(note_bytes: bytes, trust: TrustFile, origin: str) -> str:
    """When the trusted witnesses first co-signed the checkpoint (their signed
    timestamps, UTC), or "" if none can be read."""
    try:
        stamps = cosignature_timestamps(note_bytes, trust.witness_verifiers(origin))
    except (CoreError, TrustError, ValueError):
        return ""
    if not stamps:
        return ""
    when = datetime.datetime.fromtimestamp(min(stamps.values()), datetime.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


Claim = tuple[str, str, dict[str, Any]]  # (status "pass"|"fail", reason template, params)


def current_claim(
    claim: MapClaim, record: dict[str, Any], index: int, size: int, time: str
) -> Claim | None:
    """Is the bundled record (at `index`) its code's latest under the checkpoint of
    `size`? None: it is, and it is a revoke or a transfer-out (the code's life in this
    log ends there; the verifier words that as for any bundle)."""
    if claim.problem is not None:
        return "fail", claim.problem[0], claim.problem[1]
    params: dict[str, Any] = {"size": size, "time": time, "index": index}
    latest = claim.code_value
    if latest is None:
        return (
            "fail",
            N_("the code map committed at checkpoint {size} does not hold this code"),
            params,
        )
    if latest != index:
        return (
            "fail",
            N_(
                "superseded by the record at index {latest}: the code map committed at "
                "checkpoint {size} names that one as the code's latest"
            ),
            {**params, "latest": latest},
        )
    if record.get("type") in ("revoke", "transfer-out"):
        return None  # current, and it ends the code's life in this log: the caller says so
    if time:
        template = N_(
            "current as of checkpoint {size} ({time}): the code map committed there names "
            "this record (index {index}) as the code's latest"
        )
    else:
        template = N_(
            "current as of checkpoint {size}: the code map committed there names this "
            "record (index {index}) as the code's latest"
        )
    return "pass", template, params


def official_from_map(
    claim: MapClaim, added_index: int
) -> tuple[int | None, tuple[str, dict[str, Any]] | None]:
    """(index of the signer's official-revoke, None if none up to the checkpoint; or a
    problem) from the map's value for the signer: the index of their latest official
    record, the official-add itself while they are not revoked."""
    value = claim.official_value
    if value is None or value < added_index:
        return None, (
            N_(
                "the code map does not name the official-add at index {added} (it names "
                "{value}): the bundle's official data is inconsistent"
            ),
            {"added": added_index, "value": value},
        )
    return (None if value == added_index else value), None
