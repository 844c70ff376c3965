"""Reading a GIS layer (GeoJSON, GeoPackage, Shapefile…) into EPSG:4326, for every caller:
the CLI's `issue --batch`, the desktop app's asset import, boundary import and scripts.

Failures are ``LayerError``s with a *kind* and the data (file, feature, field, reason), so
the CLI prints its English message and the desktop app words and translates its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

# A value longer than this cannot be issued anyway: when GDAL cannot read a GeoJSON file
# (e.g. "Too many characters in number" for a 10 MiB string), such a value is named instead.
from app.core.errors import CityLedgerError
from app.gis.asset_checks import MAX_VALUE_CHARS

if TYPE_CHECKING:
    import geopandas as gpd

CRS = "EPSG:4326"

# LayerError kinds
MISSING = "missing"
UNREADABLE = "unreadable"
NO_CRS = "no-crs"
REPROJECT = "reproject"
OVERSIZE_PROPERTY = "oversize-property"

_JSON_SUFFIXES = {".geojson", ".json"}
_PRESCAN_MAX_BYTES = 512 << 20  # larger GeoJSON files are not re-read to explain GDAL


class LayerError(CityLedgerError, ValueError):
    def __init__(
        self,
        kind: str,
        path: Path,
        reason: str = "",
        feature: int | None = None,
        field: str | None = None,
    ):
        self.kind, self.path, self.reason = kind, path, reason
        self.feature, self.field = feature, field
        super().__init__(self._english())

    def _english(self) -> str:
        p = self.path
        if self.kind == MISSING:
            return f"{p}: no such file"
        if self.kind == NO_CRS:
            return f"{p}: no coordinate reference system and coordinates are not lon/lat"
        if self.kind == REPROJECT:
            return f"{p}: cannot reproject to {CRS}: {self.reason}"
        if self.kind == OVERSIZE_PROPERTY:
            return (
                f"{p}: feature {self.feature}: property {self.field!r} is {self.reason} "
                f"characters; at most {MAX_VALUE_CHARS:,} fit in a log entry"
            )
        return f"{p}: cannot read it as a GIS layer: {self.reason}"


def _oversize_property(path: Path) -> LayerError | None:
    """The first property of a GeoJSON file too long for any log entry, if that is why
    GDAL could not read it."""
    if path.suffix.lower() not in _JSON_SUFFIXES or path.stat().st_size > _PRESCAN_MAX_BYTES:
        return None
    try:
        doc: Any = json.loads(path.read_bytes())
    except (ValueError, OSError):
        return None
    features = doc.get("features") if isinstance(doc, dict) else None
    for i, feature in enumerate(features if isinstance(features, list) else ()):
        props = feature.get("properties") if isinstance(feature, dict) else None
        for key, value in (props or {}).items() if isinstance(props, dict) else ():
            size = len(value) if isinstance(value, str) else len(json.dumps(value))
            if size > MAX_VALUE_CHARS:
                return LayerError(OVERSIZE_PROPERTY, path, f"{size:,}", feature=i + 1, field=key)
    return None


def read_layer(path: Path | str, layer: str | int | None = None) -> gpd.GeoDataFrame:
    """The layer in EPSG:4326. A layer with no CRS is taken as lon/lat if its coordinates
    fit (GeoJSON's own rule), else refused."""
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise LayerError(MISSING, path)
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio raises its DataSourceError/DataLayerError family
        raise _oversize_property(path) or LayerError(UNREADABLE, path, str(exc)) from None
    if gdf.crs is None:
        if len(gdf) and gdf.geometry.notna().any():
            minx, miny, maxx, maxy = gdf.total_bounds
            if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                raise LayerError(NO_CRS, path)
        return gdf.set_crs(CRS)
    if gdf.crs.to_epsg() != 4326:
        try:
            gdf = gdf.to_crs(CRS)
        except Exception as exc:  # pyproj errors come in several types
            raise LayerError(REPROJECT, path, f"from {gdf.crs}: {exc}") from None
    return gdf
