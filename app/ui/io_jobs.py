"""Importing and exporting assets (pyogrio), run on the worker thread."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.core.errors import CityLedgerError
from app.core.texts import N_

IMPORT_FILTER = "GIS files (*.gpkg *.geojson *.json *.shp);;All files (*)"
EXPORT_FILTER = "GeoPackage (*.gpkg);;GeoJSON (*.geojson);;CSV (*.csv)"
_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile"}
_CLASS_FIELDS = ("asset_class", "class", "cls", "type_code")
_NAME_FIELDS = ("name", "name_zh", "name_en", "NAME", "title")
_ID_FIELDS = ("asset_id", "id", "fid", "ID", "uuid")


class AssetImportError(CityLedgerError, ValueError):
    """An asset file cannot be imported or exported. Raised on the worker thread, so it
    carries an English template (marked N_) and its parameters; the view translates it
    (app.ui.job_messages.describe)."""

    def __init__(self, template: str, **params: object):
        super().__init__(template.format(**params))
        self.template, self.params = template, params


def _first(frame, names):
    return next((n for n in names if n in frame.columns), None)


def read_asset_file(path: str, boundaries):
    """An asset file as the AssetTable frame: classes checked, cities by boundary."""
    import geopandas as gpd

    from app.core.classes import ASSET_CLASSES
    from app.gis import layer_io

    p = Path(path)
    try:
        frame = layer_io.read_layer(p)  # the same reading and reprojection as the CLI's
    except layer_io.LayerError as exc:
        if exc.kind == layer_io.NO_CRS:
            raise AssetImportError(N_("{path} has no coordinate reference system"), path=p) from exc
        raise AssetImportError(
            N_("cannot read {path}: {reason}"),
            path=p,
            reason=exc.reason if exc.kind == layer_io.UNREADABLE else exc,
        ) from exc
    if len(frame) == 0:
        raise AssetImportError(N_("{path} has no features"), path=p)
    cls_field = _first(frame, _CLASS_FIELDS)
    if cls_field is None:
        raise AssetImportError(
            N_("{path}: no asset class column (one of {names})"),
            path=p,
            names=", ".join(_CLASS_FIELDS),
        )
    classes = frame[cls_field].astype(str).str.strip().str.upper()
    bad = sorted(set(classes) - set(ASSET_CLASSES))
    if bad:
        first = int(np.flatnonzero(~classes.isin(list(ASSET_CLASSES)))[0])
        raise AssetImportError(
            N_("{path}: feature {row}: unknown asset class {cls!r}"), path=p, row=first, cls=bad[0]
        )
    name_field, id_field = _first(frame, _NAME_FIELDS), _first(frame, _ID_FIELDS)
    out = gpd.GeoDataFrame(
        {
            "asset_id": (
                frame[id_field].astype(str)
                if id_field
                else [f"{p.stem}-{i}" for i in range(len(frame))]
            ),
            "asset_class": classes.to_numpy(),
            "name": frame[name_field].astype(str) if name_field else classes.to_numpy(),
        },
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    keep = [c for c in frame.columns if c not in (cls_field, name_field, id_field, "geometry")]
    attributes = np.empty(len(frame), dtype=object)  # one dict per row, in frame order
    attributes[:] = frame[keep].to_dict("records") if keep else [{}] * len(frame)
    out["attributes"] = attributes
    if "city" in frame.columns:
        out["city"] = frame["city"].astype(str).to_numpy()
    elif boundaries is not None and len(boundaries):
        joined = gpd.sjoin(
            out[["geometry"]], boundaries[["city", "geometry"]], how="left", predicate="intersects"
        )
        city = joined[~joined.index.duplicated()]["city"]
        if city.isna().any():
            row = int(np.flatnonzero(city.isna().to_numpy())[0])
            raise AssetImportError(
                N_("{path}: feature {row} lies outside every member city"), path=p, row=row
            )
        out["city"] = city.to_numpy()
    else:
        raise AssetImportError(
            N_("{path}: no city column and no city boundaries to place the features"), path=p
        )
    return out


def import_assets(ctx, ws, path: str):
    """(new Workspace, count): ``ws`` with the file's assets appended (and saved)."""
    import geopandas as gpd
    import pandas as pd

    from app.gis.assets import AssetTable
    from app.ui import workspace

    frame = read_asset_file(path, ws.boundaries)
    ctx.report(1, 2)
    added = AssetTable.from_geodataframe(frame)
    table = workspace.concat_tables(ws.table, added) if len(ws.table) else added
    # Keep the user's own inventory: it replaces the demo data on the next start.
    store = Path(ctx.data_dir or ".") / workspace.ASSETS_FILE
    if store.parent.exists():
        previous = gpd.read_file(store) if store.exists() else None
        frame_out = frame.assign(attributes=frame["attributes"].map(_json))
        if previous is not None:
            frame_out = gpd.GeoDataFrame(
                pd.concat([previous, frame_out], ignore_index=True), crs="EPSG:4326"
            )
        _write_gpkg_atomically(frame_out, store)
    ctx.report(2, 2)
    new = workspace.Workspace(**{**ws.__dict__, "table": table, "demo_assets": False})
    return new, len(frame)


def _write_gpkg_atomically(frame, path: Path) -> None:
    """Write a GeoPackage beside ``path`` and rename it over, so a crash mid-write never
    leaves the user's saved inventory or boundaries half written."""
    from app.fsutil import atomic_path

    with atomic_path(path) as tmp:
        frame.to_file(tmp, driver="GPKG", layer=path.stem)


def import_boundaries(ctx, ws, path: str):
    """(new Workspace, count): the file's city boundaries replace the demo ones for the
    cities it covers, and are kept in the data folder for the next start."""
    from app.gis import maps
    from app.gis.maps import import_boundaries as read_boundaries
    from app.ui import workspace

    frame = read_boundaries(path)  # BoundaryError names the file and the problem
    ctx.report(1, 2)
    store = Path(ctx.data_dir or ".") / maps.BOUNDARIES_FILE
    if store.parent.exists():
        _write_gpkg_atomically(frame, store)
    boundaries = maps.merge_boundaries(frame, ws.boundaries)
    cities = dict(ws.cities)
    for code, zh, en in zip(frame["city"], frame["name_zh"], frame["name_en"]):
        old_zh, old_en = cities.get(code, ("", ""))
        cities[code] = (zh or old_zh, en or old_en)
    ctx.report(2, 2)
    return workspace.Workspace(**{**ws.__dict__, "boundaries": boundaries, "cities": cities}), len(
        frame
    )


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


def export_rows(_ctx, table, rows, path: str) -> str:
    """Write the rows to GeoPackage / GeoJSON (by suffix) or CSV (geometry as WKT)."""
    p = Path(path)
    suffix = p.suffix.lower()
    frame = table.to_geodataframe(np.asarray(rows, np.int64))
    frame["attributes"] = frame["attributes"].map(_json)
    if suffix == ".csv":
        import pandas as pd

        wkt = frame.geometry.to_wkt()
        pd.DataFrame(frame.drop(columns="geometry")).assign(geometry=wkt).to_csv(p, index=False)
    elif suffix in _DRIVERS and suffix != ".shp":
        frame.to_file(p, driver=_DRIVERS[suffix])
    else:
        raise AssetImportError(N_("cannot export to {path}: use .gpkg, .geojson or .csv"), path=p)
    return str(p)
