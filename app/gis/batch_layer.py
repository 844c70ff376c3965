"""A layer's features as issue items (one code per feature): class, name, owner, geometry
and the other fields as attributes. Used by `cityledger issue --batch` and scripts.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.errors import CityLedgerError

if TYPE_CHECKING:
    import geopandas as gpd


class BatchLayerError(CityLedgerError, ValueError):
    """The layer as a whole does not fit the batch (a field is missing, a class unknown)."""


@dataclass(frozen=True)
class BatchFields:
    """Which fields hold what; ``fixed_class`` overrides ``class_field``."""

    class_field: str = "asset_class"
    name_field: str = "name"
    owner_field: str | None = None
    fixed_class: str | None = None


def check_class(value: object, where: str) -> str:
    """The canonical asset class code, or BatchLayerError naming ``where``."""
    from app.core.classes import ASSET_CLASSES

    cls = str(value).strip().upper() if value is not None else ""
    if cls not in ASSET_CLASSES:
        raise BatchLayerError(
            f"{where}: asset class {value!r} is not one of {', '.join(sorted(ASSET_CLASSES))}"
        )
    return cls


def json_value(v: Any) -> Any:
    """A feature attribute as a JSON value (None for missing)."""
    import numpy as np

    if v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, (dt.date, dt.datetime, dt.time)) or hasattr(v, "isoformat"):
        return v.isoformat()  # pandas Timestamp too
    if isinstance(v, bytes):
        return None
    return str(v)


def issue_items(gdf: gpd.GeoDataFrame, fields: BatchFields) -> tuple[list[dict], list[str]]:
    """Issue items (asset_class, name, geometry, attributes, owner?) from the features, and
    the problems (each naming its feature, 1-based). A field the layer lacks is a
    BatchLayerError."""
    import shapely

    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    listed = ", ".join(cols) or "none"
    if fields.fixed_class is None and fields.class_field not in cols:
        raise BatchLayerError(
            f"the layer has no field {fields.class_field!r}: give --class or "
            f"--class-field (fields: {listed})"
        )
    if fields.name_field not in cols:
        raise BatchLayerError(
            f"the layer has no field {fields.name_field!r}: choose one with "
            f"--name-field (fields: {listed})"
        )
    if fields.owner_field and fields.owner_field not in cols:
        raise BatchLayerError(f"the layer has no field {fields.owner_field!r} (--owner-field)")
    reserved = {fields.class_field, fields.name_field, fields.owner_field, "code"}
    attr_cols = [c for c in cols if c not in reserved]
    fixed = check_class(fields.fixed_class, "--class") if fields.fixed_class else None
    items: list[dict] = []
    errors: list[str] = []
    for i, (row, geom) in enumerate(zip(gdf[cols].to_dict("records"), gdf.geometry.values)):
        where = f"feature {i + 1}"
        try:
            existing = json_value(row.get("code"))
            if existing:
                raise BatchLayerError(
                    f"{where} already has code {existing}; drop the 'code' field to issue new codes"
                )
            cls = fixed or check_class(row.get(fields.class_field), where)
            name = json_value(row.get(fields.name_field))
            if name is None or not str(name).strip():
                raise BatchLayerError(f"{where}: no name in field {fields.name_field!r}")
            if geom is None or shapely.is_empty(geom):
                raise BatchLayerError(f"{where} ({name}): no geometry")
            item: dict[str, Any] = {
                "asset_class": cls,
                "name": str(name).strip(),
                "geometry": json.loads(shapely.to_geojson(geom)),
                "attributes": {
                    c: v for c in attr_cols if (v := json_value(row.get(c))) is not None
                },
            }
            if fields.owner_field:
                owner = json_value(row.get(fields.owner_field))
                if owner is not None and str(owner).strip():
                    item["owner"] = str(owner).strip()
            items.append(item)
        except BatchLayerError as e:
            errors.append(str(e))
    return items, errors
