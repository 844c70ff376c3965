"""A code's records as a timeline of what each one changed (issue 12): the attribute
diff, how far the geometry moved, the service status, an inspection, an owner, a revoke.

Qt-free: each change is a kind with its data, worded by the inspector. The asset each
record leaves is carried forward, so an update that sends only the new geometry still
diffs against what the code looked like just before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely.geometry
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")

# change kinds
NAME = "name"  # (old, new)
ATTRIBUTE = "attribute"  # (key, old, new); old or new None: added or removed
MOVED = "moved"  # (metres between the representative points,)
RESHAPED = "reshaped"  # () same place, other shape
SERVICE = "service"  # (old, new)
INSPECTION = "inspection"  # (grade, note)
OWNER = "owner"  # (new,)
REASON = "reason"  # (reason,)
MOVED_TO = "moved-to"  # (city code,)
TAKEN_FROM = "taken-from"  # (origin,)


@dataclass(frozen=True)
class Step:
    index: int
    kind: str  # the record type
    time: str
    official: str
    changes: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    geometry: dict[str, Any] | None = None  # the asset's geometry after this record


def metres_between(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Geodesic distance between the representative points of two GeoJSON geometries."""
    pa = shapely.geometry.shape(a).representative_point()
    pb = shapely.geometry.shape(b).representative_point()
    return float(_GEOD.inv(pa.x, pa.y, pb.x, pb.y)[2])


def timeline(history: Sequence[tuple[int, dict[str, Any]]]) -> list[Step]:
    """One Step per record, oldest first (``history`` as Node.history gives it)."""
    steps: list[Step] = []
    asset: dict[str, Any] = {}
    service: str | None = None
    for index, record in history:
        kind = str(record.get("type", ""))
        changes: list[tuple[str, tuple[Any, ...]]] = []
        new = record.get("asset") or {}
        if kind in ("update", "transfer-in") and steps:
            changes.extend(_asset_changes(asset, new))
        if "service" in record and record["service"] != service and steps:
            changes.append((SERVICE, (service, record["service"])))
        if kind == "inspect":
            inspection = record.get("inspection") or {}
            changes.append((INSPECTION, (inspection.get("grade"), inspection.get("note", ""))))
        if kind == "transfer":
            changes.append((OWNER, (record.get("owner", ""),)))
        if kind == "revoke":
            changes.append((REASON, (record.get("reason", ""),)))
        if kind == "transfer-out":
            changes.append((MOVED_TO, (record.get("to", ""),)))
        if kind == "transfer-in":
            changes.append((TAKEN_FROM, (record.get("from", ""),)))
        asset = {**asset, **new}
        service = record.get("service", service)
        steps.append(
            Step(
                index,
                kind,
                str(record.get("time", "")),
                str(record.get("official", "")),
                changes,
                asset.get("geometry"),
            )
        )
    return steps


def _asset_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    out: list[tuple[str, tuple[Any, ...]]] = []
    if "name" in new and new["name"] != old.get("name"):
        out.append((NAME, (old.get("name"), new["name"])))
    if "attributes" in new:
        before, after = old.get("attributes") or {}, new["attributes"] or {}
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                out.append((ATTRIBUTE, (key, before.get(key), after.get(key))))
    if new.get("geometry") and old.get("geometry") and new["geometry"] != old["geometry"]:
        metres = metres_between(old["geometry"], new["geometry"])
        out.append((MOVED, (metres,)) if metres >= 0.01 else (RESHAPED, ()))
    return out
