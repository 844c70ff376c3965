"""The codes index: the current state of every code, folded from its log records.

Both the sequencer (own log) and replica ingestion (other cities' logs) fold records into
rows of the `codes` table with `fold`, so the index means the same thing for every origin.
Official records fold into rows of the `officials` table with `fold_official`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.ledger.schema import codes

CODE_TYPES = ("issue", "update", "transfer", "revoke")
OFFICIAL_TYPES = ("official-add", "official-revoke")


@dataclass(frozen=True)
class CodeState:
    """One row of the codes index."""
    code: str
    origin: str
    asset_class: str
    name: str
    status: str  # 'issued' | 'revoked'
    owner: str | None
    geometry: dict | None
    attributes: dict = field(default_factory=dict)
    bbox: tuple[float, float, float, float] | None = None
    first_index: int = 0
    latest_index: int = 0
    official: str | None = None
    time: str | None = None

    @classmethod
    def from_row(cls, row) -> "CodeState":
        m = row._mapping
        bbox = None if m["minx"] is None else (m["minx"], m["miny"], m["maxx"], m["maxy"])
        return cls(code=m["code"], origin=m["origin"], asset_class=m["asset_class"],
                   name=m["name"], status=m["status"], owner=m["owner"],
                   geometry=json.loads(m["geometry"]) if m["geometry"] else None,
                   attributes=json.loads(m["attributes"]) if m["attributes"] else {},
                   bbox=bbox, first_index=m["first_index"], latest_index=m["latest_index"],
                   official=m["official"], time=m["time"])


def _walk(coords, acc: list[float]) -> None:
    if coords and isinstance(coords[0], (int, float)):
        x, y = float(coords[0]), float(coords[1])
        if x < acc[0]: acc[0] = x
        if y < acc[1]: acc[1] = y
        if x > acc[2]: acc[2] = x
        if y > acc[3]: acc[3] = y
        return
    for c in coords:
        _walk(c, acc)


def geojson_bbox(geometry) -> tuple[float, float, float, float] | None:
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


def _dump(value) -> str:
    """Canonical JSON text, so a row is the same whether its record came parsed from
    bytes or straight from the issuing code."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_rows(conn: sa.Connection, code_list) -> dict[str, dict]:
    """Current index rows (as dicts) of the given codes that exist."""
    out: dict[str, dict] = {}
    code_list = list(code_list)
    for i in range(0, len(code_list), 500):
        for row in conn.execute(sa.select(codes).where(codes.c.code.in_(code_list[i:i + 500]))):
            out[row.code] = dict(row._mapping)
    return out


def fold(state: dict | None, record: dict, index: int, origin: str) -> dict:
    """The index row after `record` (at log `index`) is applied to `state` (None: new code).

    Callers validate first; this only folds. Unknown record types raise ValueError.
    """
    kind = record.get("type")
    asset = record.get("asset") or {}
    if kind == "issue":
        geometry = asset.get("geometry")
        row = {"code": record["code"], "origin": origin,
               "asset_class": asset.get("class") or record["code"].split("-")[1],
               "name": asset.get("name") or "", "status": "issued",
               "owner": record.get("owner"), "first_index": index}
        row["geometry"] = _dump(geometry) if geometry else None
        row["attributes"] = _dump(asset.get("attributes") or {})
        bbox = geojson_bbox(geometry)
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
                row["geometry"] = (_dump(geometry)
                                   if geometry else None)
                bbox = geojson_bbox(geometry)
            if "attributes" in asset:
                row["attributes"] = _dump(asset["attributes"] or {})
            if "class" in asset and asset["class"]:
                row["asset_class"] = asset["class"]
        elif kind == "transfer":
            row["owner"] = record.get("owner")
        elif kind == "revoke":
            row["status"] = "revoked"
        else:
            raise ValueError(f"record type {kind!r} at index {index} does not apply to a code")
    bbox = bbox if bbox and bbox[0] is not None else (None, None, None, None)
    row["minx"], row["miny"], row["maxx"], row["maxy"] = bbox
    row["latest_index"] = index
    row["official"] = record.get("official")
    row["time"] = record.get("time")
    return row


def fold_official(officials: dict[str, dict], record: dict, index: int, origin: str) -> dict:
    """Apply an official-add/-revoke record to `officials` (name -> row); return the row."""
    subject = record.get("subject") or {}
    name = subject.get("name")
    if record.get("type") == "official-add":
        row = {"origin": origin, "name": name, "vkey": subject.get("key"),
               "added_index": index, "revoked_index": None}
    else:
        row = dict(officials[name])
        row["revoked_index"] = index
    officials[name] = row
    return row


def official_active(row: dict | None, index: int) -> bool:
    """An official signs validly at `index` if added before it and not revoked before it."""
    return (row is not None and row["added_index"] < index
            and (row["revoked_index"] is None or index < row["revoked_index"]))
