"""The codes index: the current state of every code, folded from its log records.

Both the sequencer (own log) and replica ingestion (other cities' logs) fold records into
rows of the `codes` table with `fold`, so the index means the same thing for every origin.
Official records fold into rows of the `officials` table with `fold_official`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import Row

from app.core.records import ASSET_TYPES, RECORD_TYPES

CODE_TYPES = tuple(t for t in RECORD_TYPES if t in ASSET_TYPES)

# Life-cycle statuses of a row (the service status is a column of its own).
ISSUED, REVOKED, TRANSFERRED = "issued", "revoked", "transferred"
"""'transferred': a transfer-out moved the code to another member city (`moved_to`); the
row keeps the old city's origin until that city's transfer-in is folded here."""
OFFICIAL_TYPES = ("official-add", "official-revoke")


@dataclass(frozen=True)
class CodeState:
    """One row of the codes index."""

    code: str
    origin: str
    asset_class: str
    name: str
    status: str  # 'issued' | 'revoked' | 'transferred'
    owner: str | None
    geometry: dict[str, Any] | None
    attributes: dict[str, Any] = field(default_factory=dict)
    bbox: tuple[float, float, float, float] | None = None
    first_index: int = 0
    latest_index: int = 0
    official: str | None = None
    time: str | None = None
    service: str | None = None  # None: in service (no record said otherwise)
    grade: int | None = None  # condition grade of the latest inspection
    inspected: str | None = None  # time of the latest inspection
    moved_to: str | None = None  # city code a transfer-out moved the code to

    @classmethod
    def from_row(cls, row: Row[Any]) -> CodeState:
        m = row._mapping
        bbox = None if m["minx"] is None else (m["minx"], m["miny"], m["maxx"], m["maxy"])
        return cls(
            code=m["code"],
            origin=m["origin"],
            asset_class=m["asset_class"],
            name=m["name"],
            status=m["status"],
            owner=m["owner"],
            geometry=json.loads(m["geometry"]) if m["geometry"] else None,
            attributes=json.loads(m["attributes"]) if m["attributes"] else {},
            bbox=bbox,
            first_index=m["first_index"],
            latest_index=m["latest_index"],
            official=m["official"],
            time=m["time"],
            service=m["service"],
            grade=m["grade"],
            inspected=m["inspected"],
            moved_to=m["moved_to"],
        )


def _walk(coords: Any, acc: list[float]) -> None:
    if coords and isinstance(coords[0], (int, float)):
        x, y = float(coords[0]), float(coords[1])
        if x < acc[0]:
            acc[0] = x
        if y < acc[1]:
            acc[1] = y
        if x > acc[2]:
            acc[2] = x
        if y > acc[3]:
            acc[3] = y
        return
    for c in coords:
        _walk(c, acc)


BBox = tuple[float, float, float, float]


def geojson_bbox(geometry: object) -> BBox | None:
    """(minx, miny, maxx, maxy) of a GeoJSON geometry, None if it has no coordinates."""
    if not isinstance(geometry, dict):
        return None
    acc = [float("inf"), float("inf"), float("-inf"), float("-inf")]
    try:
        if geometry.get("type") == "GeometryCollection":
            for g in geometry.get("geometries") or ():
                b = geojson_bbox(g)
                if b:
                    _walk([[b[0], b[1]], [b[2], b[3]]], acc)
        else:
            _walk(geometry.get("coordinates") or [], acc)
    except (TypeError, IndexError, ValueError):
        return None
    return None if acc[0] == float("inf") else (acc[0], acc[1], acc[2], acc[3])


def _dump(value: object) -> str:
    """Canonical JSON text, so a row is the same whether its record came parsed from
    bytes or straight from the issuing code."""
    if type(value) is JSONText:
        return value.text
    return _ENCODER.encode(value)


# json.dumps with options builds a new encoder per call; one serves every row.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class JSONText:
    """A JSON value kept as the text it had inside a canonical entry (a substring of
    canonical JSON is the canonical JSON of that value), so folding a replica does not
    re-encode it. `value` is the decoded value (for truth tests and the bbox)."""

    __slots__ = ("text", "value")

    def __init__(self, text: str, value: Any) -> None:
        self.text, self.value = text, value

    def __bool__(self) -> bool:
        return bool(self.value)


_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


def _fast_bbox(geometry: dict[str, Any]) -> BBox | None:
    """geojson_bbox for the well-formed geometries entries carry, with flat min/max over
    the positions; anything unusual goes to geojson_bbox (same result, slower)."""
    try:
        depth = _DEPTH[geometry["type"]]
        pos = geometry["coordinates"]
        if depth == 0:
            x, y = float(pos[0]), float(pos[1])
            return (x, y, x, y)
        for _ in range(depth - 1):
            pos = [p for part in pos for p in part]
        xs = [float(p[0]) for p in pos]
        ys = [float(p[1]) for p in pos]
        return (min(xs), min(ys), max(xs), max(ys))
    except (KeyError, TypeError, IndexError, ValueError):
        return geojson_bbox(geometry)


def _bbox(geometry: object) -> BBox | None:
    if type(geometry) is JSONText:
        geometry = geometry.value
    return _fast_bbox(geometry) if type(geometry) is dict else geojson_bbox(geometry)


def fold(
    state: Mapping[str, Any] | None, record: Mapping[str, Any], index: int, origin: str
) -> dict[str, Any]:
    """The index row after `record` (at log `index`) is applied to `state` (None: new code).

    Callers validate first; this only folds. Unknown record types raise ValueError.
    """
    kind = record.get("type")
    asset = record.get("asset") or {}
    if kind == "issue" or kind == "transfer-in":
        # a transfer-in starts the code's row afresh in the receiving city's log
        geometry = asset.get("geometry")
        row = {
            "code": record["code"],
            "origin": origin,
            "asset_class": asset.get("class") or record["code"].split("-")[1],
            "name": asset.get("name") or "",
            "status": ISSUED,
            "owner": record.get("owner"),
            "first_index": index,
            "service": record.get("service"),
            "grade": None,
            "inspected": None,
            "moved_to": None,
        }
        row["geometry"] = _dump(geometry) if geometry else None
        row["attributes"] = _dump(asset.get("attributes") or {})
        bbox = _bbox(geometry)
    elif state is None:
        raise ValueError(f"{kind} record at index {index} for unknown code {record.get('code')}")
    else:
        row = dict(state)
        bbox = (row["minx"], row["miny"], row["maxx"], row["maxy"])
        if kind == "update":
            if "name" in asset:
                row["name"] = asset["name"] or ""
            if "geometry" in asset:
                geometry = asset["geometry"]
                row["geometry"] = _dump(geometry) if geometry else None
                bbox = _bbox(geometry)
            if "attributes" in asset:
                row["attributes"] = _dump(asset["attributes"] or {})
            if "class" in asset and asset["class"]:
                row["asset_class"] = asset["class"]
            if "service" in record:
                row["service"] = record["service"]
        elif kind == "inspect":
            row["grade"] = (record.get("inspection") or {}).get("grade")
            row["inspected"] = record.get("time")
        elif kind == "transfer":
            row["owner"] = record.get("owner")
        elif kind == "transfer-out":
            row["status"], row["moved_to"] = TRANSFERRED, record.get("to")
        elif kind == "revoke":
            row["status"] = REVOKED
        else:
            raise ValueError(f"record type {kind!r} at index {index} does not apply to a code")
    corners = bbox if bbox and bbox[0] is not None else (None, None, None, None)
    row["minx"], row["miny"], row["maxx"], row["maxy"] = corners
    row["latest_index"] = index
    row["official"] = record.get("official")
    row["time"] = record.get("time")
    return row


def fold_official(
    officials: MutableMapping[str, dict[str, Any]],
    record: Mapping[str, Any],
    index: int,
    origin: str,
) -> dict[str, Any]:
    """Apply an official-add/-revoke record to `officials` (name -> row); return the row."""
    subject = record.get("subject") or {}
    name = subject.get("name")
    if not isinstance(name, str):
        raise ValueError(f"official record at index {index} names no official")
    if record.get("type") == "official-add":
        row = {
            "origin": origin,
            "name": name,
            "vkey": subject.get("key"),
            "added_index": index,
            "revoked_index": None,
        }
    else:
        row = dict(officials[name])
        row["revoked_index"] = index
    officials[name] = row
    return row


# ---------------------------------------------------------------- replica entries
class _Asset(msgspec.Struct):
    attributes: msgspec.Raw = msgspec.Raw()  # empty: member absent
    geometry: msgspec.Raw = msgspec.Raw()
    name: str | None | msgspec.UnsetType = msgspec.UNSET
    class_: str | None | msgspec.UnsetType = msgspec.field(name="class", default=msgspec.UNSET)


class _Inspection(msgspec.Struct):
    grade: Any = None
    note: Any = None
    attachments: Any = None


class _CodeRecord(msgspec.Struct):
    type: str
    code: str
    official: str | None = None
    time: str | None = None
    owner: str | None = None
    prev: int | None = None
    asset: _Asset | None | msgspec.UnsetType = msgspec.UNSET
    service: str | None | msgspec.UnsetType = msgspec.UNSET
    inspection: _Inspection | None | msgspec.UnsetType = msgspec.UNSET
    to: str | None | msgspec.UnsetType = msgspec.UNSET
    from_: str | None | msgspec.UnsetType = msgspec.field(name="from", default=msgspec.UNSET)


_decode_code_record = msgspec.json.Decoder(_CodeRecord).decode
_decode_json = msgspec.json.decode


def _raw_value(raw: msgspec.Raw) -> JSONText:
    data = bytes(raw)
    return JSONText(data.decode("utf-8"), _decode_json(data))


def _fast_record(data: bytes) -> dict[str, Any] | None:
    """The record of a well-formed code entry, decoded once with its geometry and
    attributes kept as their JSON text; None for anything else (the caller then takes
    the general json.loads path, so odd entries fold exactly as before)."""
    try:
        r = _decode_code_record(data)
        if r.type not in CODE_TYPES:
            return None
        rec: dict[str, Any] = {
            "type": r.type,
            "code": r.code,
            "official": r.official,
            "time": r.time,
            "owner": r.owner,
            "prev": r.prev,
        }
        # members absent stay absent, as json.loads would leave them
        if r.service is not msgspec.UNSET:
            rec["service"] = r.service
        if r.to is not msgspec.UNSET:
            rec["to"] = r.to
        if r.from_ is not msgspec.UNSET:
            rec["from"] = r.from_
        if r.inspection is not msgspec.UNSET:
            i = r.inspection
            rec["inspection"] = None if i is None else {"grade": i.grade, "note": i.note}
        a = r.asset
        if a is not msgspec.UNSET:
            if a is None:
                rec["asset"] = None
            else:
                asset: dict[str, Any] = {}
                if a.class_ is not msgspec.UNSET:
                    asset["class"] = a.class_
                if a.name is not msgspec.UNSET:
                    asset["name"] = a.name
                if a.geometry:
                    asset["geometry"] = _raw_value(a.geometry)
                if a.attributes:
                    asset["attributes"] = _raw_value(a.attributes)
                rec["asset"] = asset
        return rec
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        return None


def decode_record(data: bytes) -> dict[str, Any] | None:
    """A replica entry's record for folding (None if it is not a JSON object)."""
    rec = _fast_record(data)
    if rec is not None:
        return rec
    try:
        rec = json.loads(data)
    except ValueError:
        return None
    return rec if isinstance(rec, dict) else None
