"""Is this a sound asset to issue a code for? Checked on the record before it is signed
(CLI, desktop app, scripts) and again when a signed entry reaches `/submit`.

This is input validation on the issuing side; whether an entry may stand at an index of a
city's log is ``app.ledger.rules``. Checks:
- the geometry is valid (shapely ``is_valid``; the reason is ``explain_validity``'s);
- it lies inside the city's boundary (the boundaries the data folder's map shows:
  imported ones, else the installed data), within ``BOUNDARY_TOLERANCE_M``, unless the
  official gives a reason, which is kept in the signed record as the attribute
  ``OVERRIDE_ATTRIBUTE``; a city with no known boundary is not checked;
- no name or attribute value is too long for a log entry, named plainly.
Problems are kinds with data; ``str()`` of a problem is its English message.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import CityLedgerError

BOUNDARY_TOLERANCE_M = 200.0
METRES_PER_DEGREE = 111_320.0  # of latitude; a degree of longitude is shorter, so generous
OVERRIDE_ATTRIBUTE = "boundary_override"
MAX_OVERRIDE_CHARS = 500
MAX_VALUE_CHARS = 16 * 1024  # a quarter of a log entry for one name or attribute value

INVALID_GEOMETRY = "invalid-geometry"
OUTSIDE_CITY = "outside-city"
OVERSIZE_VALUE = "oversize-value"
BAD_OVERRIDE = "bad-override"


@dataclass(frozen=True)
class AssetProblem:
    kind: str
    detail: str = ""  # validity reason, attribute key ("" for the name), or distance
    size: int = 0  # characters of an oversize value
    city: str = ""
    distance_km: float = 0.0  # of an asset outside the city (0: partly beyond it)

    def __str__(self) -> str:
        if self.kind == INVALID_GEOMETRY:
            return f"invalid geometry: {self.detail}"
        if self.kind == OUTSIDE_CITY:
            return (
                f"the asset lies outside city {self.city}'s boundary ({self.detail}, more than "
                f"{BOUNDARY_TOLERANCE_M:.0f} m); if it belongs to the city, give the reason "
                f"to record ({OVERRIDE_ATTRIBUTE})"
            )
        if self.kind == OVERSIZE_VALUE:
            what = f"attribute {self.detail!r}" if self.detail else "the name"
            return (
                f"{what} is {self.size:,} characters; at most {MAX_VALUE_CHARS:,} fit "
                "in a log entry — shorten it or keep the text elsewhere and link to it"
            )
        return f"{OVERRIDE_ATTRIBUTE}: {self.detail}"


class AssetRejected(CityLedgerError, ValueError):
    """The asset fails its checks; nothing was signed."""

    def __init__(self, problems: list[AssetProblem]):
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


def _value_size(value: Any) -> int:
    return len(value) if isinstance(value, str) else len(json.dumps(value, ensure_ascii=False))


def _boundaries_stamp(data_dir: Path | None) -> tuple[str, int]:
    """Key for the boundary cache: a re-imported boundaries file is read again."""
    if data_dir is None:
        return "", 0
    from app.gis.maps import BOUNDARIES_FILE

    try:
        return str(data_dir), (Path(data_dir) / BOUNDARIES_FILE).stat().st_mtime_ns
    except OSError:
        return str(data_dir), 0


@functools.lru_cache(maxsize=32)
def _allowed_area(city: str, data_dir: str, _stamp: int) -> Any:
    """The city's boundary grown by the tolerance, prepared for fast tests; None when no
    boundary of the city is known."""
    import shapely

    from app.gis.maps import BoundaryError, boundaries_for

    try:
        rows = boundaries_for(data_dir or None, [city])
    except BoundaryError:
        return None
    rows = rows[rows["city"] == city]
    if not len(rows):
        return None
    area = shapely.union_all(rows.geometry.to_numpy()).buffer(
        BOUNDARY_TOLERANCE_M / METRES_PER_DEGREE
    )
    shapely.prepare(area)
    return area


def _geodesic_km(geom: Any, area: Any) -> float:
    """Distance on the WGS 84 ellipsoid between the nearest points of the two shapes."""
    from pyproj import Geod
    from shapely.ops import nearest_points

    a, b = nearest_points(geom, area)
    return float(Geod(ellps="WGS84").inv(a.x, a.y, b.x, b.y)[2]) / 1000


def city_area(city: str, data_dir: Path | str | None = None) -> Any:
    path = Path(data_dir) if data_dir is not None else None
    key, stamp = _boundaries_stamp(path)
    return _allowed_area(city, key, stamp)


def check_asset(
    city: str, asset: Mapping[str, Any], data_dir: Path | str | None = None
) -> list[AssetProblem]:
    """Problems of a record's ``asset`` (name, geometry as GeoJSON, attributes) for a
    code of ``city``; an empty list when it is sound."""
    import shapely
    import shapely.geometry
    import shapely.validation

    problems: list[AssetProblem] = []
    attributes = asset.get("attributes") or {}
    name = asset.get("name")
    if name is not None and _value_size(name) > MAX_VALUE_CHARS:
        problems.append(AssetProblem(OVERSIZE_VALUE, "", _value_size(name)))
    if isinstance(attributes, Mapping):
        for key, value in attributes.items():
            if _value_size(value) > MAX_VALUE_CHARS:
                problems.append(AssetProblem(OVERSIZE_VALUE, str(key), _value_size(value)))
    override = attributes.get(OVERRIDE_ATTRIBUTE) if isinstance(attributes, Mapping) else None
    if override is not None and (
        not isinstance(override, str) or not override.strip() or len(override) > MAX_OVERRIDE_CHARS
    ):
        problems.append(
            AssetProblem(BAD_OVERRIDE, f"a reason in words, 1 to {MAX_OVERRIDE_CHARS} characters")
        )
    doc = asset.get("geometry")
    if doc is None:
        return problems
    try:
        geom = shapely.geometry.shape(doc)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        return [*problems, AssetProblem(INVALID_GEOMETRY, f"not a GeoJSON geometry ({exc})")]
    if geom.is_empty:
        return [*problems, AssetProblem(INVALID_GEOMETRY, "the geometry is empty")]
    if not geom.is_valid:
        reason = shapely.validation.explain_validity(geom)
        return [*problems, AssetProblem(INVALID_GEOMETRY, reason)]
    if override is None:
        area = city_area(city, data_dir)
        if area is not None and not area.covers(geom):
            km = _geodesic_km(geom, area)
            where = f"{km:,.1f} km away" if km >= 0.1 else "partly beyond it"
            problems.append(AssetProblem(OUTSIDE_CITY, where, city=city, distance_km=km))
    return problems


def check_with_override(
    city: str, asset: dict[str, Any], reason: str | None, data_dir: Path | str | None = None
) -> list[AssetProblem]:
    """``check_asset``; with the official's ``reason``, an asset outside the boundary has
    the reason recorded in its attributes (``asset`` is changed) instead of the problem.
    An asset inside the boundary records no reason."""
    problems = check_asset(city, asset, data_dir)
    if reason and any(p.kind == OUTSIDE_CITY for p in problems):
        asset["attributes"] = {**(asset.get("attributes") or {}), OVERRIDE_ATTRIBUTE: reason}
        problems = check_asset(city, asset, data_dir)
    return problems


def check_record(
    record: Mapping[str, Any], data_dir: Path | str | None = None
) -> list[AssetProblem]:
    """Problems of an issue or update record's asset (other records carry none)."""
    asset = record.get("asset")
    code = record.get("code")
    if not isinstance(asset, Mapping) or not isinstance(code, str):
        return []
    return check_asset(code[:6], asset, data_dir)
