"""Deterministic demo infrastructure inside a city's boundary.

Points (pump stations, substations, hospitals, stops…), polylines (water mains, power
lines, roads…) and polygons (plants, depots, campuses) with plausible attributes and
names such as "Shijiazhuang Pump Station 17".  Everything is generated column-wise with
numpy, so a million assets take about a second; the same (city, counts, seed) always
gives the same assets, ids and attributes.

Where things go: most assets cluster around the GeoNames places inside the boundary
(weighted by population, spread growing with town size), the rest are spread over the
whole city; every candidate outside the boundary is rejected and redrawn.

:func:`generate_assets` returns the GeoDataFrame of CONTRACT.md.  :func:`generate_demo`
returns the columnar :class:`DemoAssets` that :class:`app.gis.assets.AssetTable` takes
directly — at a million rows, Python dicts and shapely points per asset would cost
several hundred MB.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from app.core.classes import ASSET_CLASSES
from app.gis import maps
from app.gis.shape_column import ShapeColumn

CLASS_CODES = tuple(ASSET_CLASSES)
KINDS = ("point", "line", "polygon")
CONDITIONS = ("good", "fair", "poor")
MATERIALS = (
    "ductile iron",
    "PE",
    "steel",
    "PVC",
    "concrete",
    "HDPE",
    "copper",
    "fibre",
    "asphalt",
    "cast iron",
)

# (kind, class, English, Chinese, weight, size range in metres, attribute, low, high, unit, materials)
# Size: points unused; lines = step length per vertex; polygons = side length.
_SUBTYPES = [
    ("point", "WAT", "Pump Station", "泵站", 3, None, "capacity", 500, 50000, "m3/day", ()),
    ("point", "WAT", "Valve", "阀门", 14, None, "diameter_mm", 100, 800, "mm", (0, 9, 2)),
    ("point", "WAT", "Hydrant", "消火栓", 12, None, "diameter_mm", 65, 150, "mm", (0,)),
    ("point", "PWR", "Substation", "变电站", 4, None, "voltage_kv", 10, 220, "kV", ()),
    ("point", "PWR", "Transformer", "变压器", 14, None, "capacity", 100, 2500, "kVA", ()),
    ("point", "GAS", "Pressure Regulator", "调压站", 5, None, "pressure_mpa", 0.1, 1.6, "MPa", ()),
    ("point", "HEA", "Heat Exchange Station", "换热站", 5, None, "capacity", 1, 40, "MW", ()),
    ("point", "TEL", "Telecom Tower", "通信基站", 8, None, "height_m", 15, 60, "m", ()),
    ("point", "TRN", "Bus Stop", "公交站", 14, None, "routes", 1, 12, "routes", ()),
    ("point", "TRN", "Metro Station", "地铁站", 1, None, "platforms", 2, 6, "platforms", ()),
    ("point", "BRG", "Footbridge", "人行天桥", 2, None, "span_m", 15, 60, "m", (2, 4)),
    ("point", "MED", "Hospital", "医院", 1, None, "beds", 50, 2000, "beds", ()),
    ("point", "MED", "Clinic", "诊所", 4, None, "beds", 0, 40, "beds", ()),
    ("point", "SCH", "School", "学校", 4, None, "students", 200, 3000, "students", ()),
    (
        "line",
        "WAT",
        "Water Main",
        "供水干管",
        6,
        (60, 220),
        "diameter_mm",
        100,
        1400,
        "mm",
        (0, 1, 2, 3, 9),
    ),
    ("line", "SEW", "Sewer", "污水管", 5, (50, 180), "diameter_mm", 200, 2000, "mm", (4, 3, 5)),
    ("line", "PWR", "Power Line", "电力线路", 4, (250, 700), "voltage_kv", 10, 500, "kV", (6,)),
    ("line", "GAS", "Gas Main", "燃气管道", 3, (60, 200), "pressure_mpa", 0.01, 4.0, "MPa", (1, 2)),
    ("line", "HEA", "Heating Pipe", "供热管道", 3, (60, 200), "diameter_mm", 150, 1200, "mm", (2,)),
    ("line", "TEL", "Fibre Cable", "光缆", 3, (80, 300), "fibres", 12, 288, "fibres", (7,)),
    ("line", "ROD", "Road", "道路", 7, (150, 500), "lanes", 2, 8, "lanes", (8, 4)),
    ("line", "BRG", "Bridge", "桥梁", 1, (30, 120), "length_m", 20, 800, "m", (4, 2)),
    (
        "polygon",
        "PLT",
        "Water Plant",
        "水厂",
        1,
        (200, 600),
        "capacity",
        20000,
        500000,
        "m3/day",
        (),
    ),
    ("polygon", "PLT", "Power Plant", "电厂", 1, (300, 900), "capacity", 50, 2000, "MW", ()),
    (
        "polygon",
        "PLT",
        "Wastewater Plant",
        "污水处理厂",
        1,
        (200, 500),
        "capacity",
        10000,
        300000,
        "m3/day",
        (),
    ),
    ("polygon", "TRN", "Bus Depot", "公交场站", 2, (100, 300), "bays", 20, 200, "bays", ()),
    ("polygon", "MED", "Hospital Campus", "医院院区", 1, (120, 350), "beds", 200, 3000, "beds", ()),
    (
        "polygon",
        "SCH",
        "School Campus",
        "校园",
        3,
        (100, 400),
        "students",
        500,
        20000,
        "students",
        (),
    ),
    ("polygon", "BLD", "Public Building", "公共建筑", 8, (20, 90), "floors", 1, 30, "floors", ()),
]

SUBTYPE_KIND = np.array([KINDS.index(s[0]) for s in _SUBTYPES], dtype=np.int8)
SUBTYPE_CLASS = np.array([CLASS_CODES.index(s[1]) for s in _SUBTYPES], dtype=np.int8)
SUBTYPE_EN = tuple(s[2] for s in _SUBTYPES)
SUBTYPE_ZH = tuple(s[3] for s in _SUBTYPES)
_INTEGER_ATTRS = {
    "capacity",
    "diameter_mm",
    "voltage_kv",
    "height_m",
    "routes",
    "platforms",
    "span_m",
    "beds",
    "students",
    "fibres",
    "lanes",
    "length_m",
    "bays",
    "floors",
}
_VOLTAGES = np.array([10, 35, 110, 220, 500])

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0


def _subtypes_of(kind: str) -> tuple[np.ndarray, np.ndarray]:
    idx = np.flatnonzero(SUBTYPE_KIND == KINDS.index(kind))
    w = np.array([_SUBTYPES[i][4] for i in idx], float)
    return idx, w / w.sum()


@dataclass
class DemoAssets:
    """Columnar demo assets; row i is described by index i of every array.

    ``shapes`` holds the geometries of the line and polygon rows only (in row order, as
    a ShapeColumn: flat arrays, shapely objects made on demand),
    points are ``x``/``y``.  Names, ids and attribute dicts are made on demand.
    """

    city_codes: tuple[str, ...]  # code of each city index
    city_names: tuple[str, ...]  # English name of each city index
    city_names_zh: tuple[str, ...]
    city_idx: np.ndarray  # int16
    local: np.ndarray  # int32: number of the row inside its city and kind
    kind: np.ndarray  # int8 index into KINDS
    subtype: np.ndarray  # int16 index into the subtype table
    serial: np.ndarray  # int32: number in the name, per city and subtype
    x: np.ndarray  # float64 lon (points) or representative point
    y: np.ndarray
    shapes: ShapeColumn  # lines/polygons only
    year: np.ndarray  # int16
    condition: np.ndarray  # int8 into CONDITIONS
    material: np.ndarray  # int8 into MATERIALS, -1 for none
    value: np.ndarray  # float32, the subtype's main attribute

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def class_idx(self) -> np.ndarray:
        return SUBTYPE_CLASS[self.subtype]

    def city(self, i: int) -> str:
        return self.city_codes[self.city_idx[i]]

    def asset_id(self, i: int) -> str:
        return f"{self.city(i)}-{'PLA'[self.kind[i]]}{int(self.local[i]):07d}"

    def name(self, i: int) -> str:
        return f"{self.city_names[self.city_idx[i]]} {SUBTYPE_EN[self.subtype[i]]} {int(self.serial[i])}"

    def name_zh(self, i: int) -> str:
        return f"{self.city_names_zh[self.city_idx[i]]}{SUBTYPE_ZH[self.subtype[i]]}{int(self.serial[i])}号"

    def attributes(self, i: int) -> dict:
        st = _SUBTYPES[self.subtype[i]]
        attr, unit = st[6], st[9]
        value = float(self.value[i])
        out = {
            "type": st[2],
            "name_zh": self.name_zh(i),
            "year": int(self.year[i]),
            "condition": CONDITIONS[self.condition[i]],
            attr: int(round(value)) if attr in _INTEGER_ATTRS else round(value, 2),
        }
        if unit not in attr:
            out["unit"] = unit
        if self.material[i] >= 0:
            out["material"] = MATERIALS[self.material[i]]
        return out

    def find_asset_id(self, asset_id: str) -> int | None:
        try:
            city, rest = asset_id.split("-")
            kind, local = "PLA".index(rest[0]), int(rest[1:])
            ci = self.city_codes.index(city)
        except (ValueError, IndexError):
            return None
        hit = np.flatnonzero((self.city_idx == ci) & (self.kind == kind) & (self.local == local))
        return int(hit[0]) if len(hit) else None

    def geometry(self, i: int):
        if self.kind[i] == 0:
            return shapely.Point(self.x[i], self.y[i])
        return self.shapes[int(np.count_nonzero(self.kind[:i] != 0))]

    def geometries(self) -> np.ndarray:
        out = np.empty(len(self), dtype=object)
        pts = self.kind == 0
        out[pts] = shapely.points(self.x[pts], self.y[pts])
        out[~pts] = self.shapes.to_numpy()
        return out

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The CONTRACT.md frame: asset_id, city, asset_class, name, attributes, geometry."""
        n = len(self)
        return gpd.GeoDataFrame(
            {
                "asset_id": [self.asset_id(i) for i in range(n)],
                "city": np.asarray(self.city_codes, dtype=object)[self.city_idx],
                "asset_class": np.asarray(CLASS_CODES, dtype=object)[self.class_idx],
                "name": [self.name(i) for i in range(n)],
                "attributes": [self.attributes(i) for i in range(n)],
            },
            geometry=self.geometries(),
            crs=maps.CRS,
        )

    @classmethod
    def concat(cls, parts: list[DemoAssets]) -> DemoAssets:
        codes, names, names_zh, city_idx = [], [], [], []
        for p in parts:
            remap = []
            for c, n, z in zip(p.city_codes, p.city_names, p.city_names_zh):
                if c not in codes:
                    codes.append(c)
                    names.append(n)
                    names_zh.append(z)
                remap.append(codes.index(c))
            city_idx.append(np.asarray(remap, np.int16)[p.city_idx])
        cat = lambda f: np.concatenate([getattr(p, f) for p in parts])  # noqa: E731
        shapes = ShapeColumn.concat([p.shapes for p in parts])
        return cls(
            tuple(codes),
            tuple(names),
            tuple(names_zh),
            np.concatenate(city_idx),
            cat("local"),
            cat("kind"),
            cat("subtype"),
            cat("serial"),
            cat("x"),
            cat("y"),
            shapes,
            cat("year"),
            cat("condition"),
            cat("material"),
            cat("value"),
        )


class _Sampler:
    """Draws positions inside one boundary: clustered around towns plus a uniform share."""

    def __init__(self, boundary, seat: tuple[float, float], rng: np.random.Generator):
        self.geom = boundary
        shapely.prepare(self.geom)
        self.rng = rng
        self.bounds = shapely.bounds(boundary)
        places = maps.geonames_places()
        inside = shapely.contains_xy(boundary, places["lon"].to_numpy(), places["lat"].to_numpy())
        p = places[inside]
        cx = np.concatenate([[seat[0]], p["lon"].to_numpy()])
        cy = np.concatenate([[seat[1]], p["lat"].to_numpy()])
        pop = np.concatenate(
            [[max(p["population"].max() if len(p) else 0, 500_000)], p["population"].to_numpy()]
        )
        pop = np.maximum(pop.astype(float), 10_000)
        self.cx, self.cy = cx, cy
        self.weight = pop**0.9 / (pop**0.9).sum()
        # A town of 1M people has a core of about 4 km (sigma, degrees latitude); a
        # third of each town's assets spread three times wider (suburbs).
        self.sigma = 0.035 * np.sqrt(pop / 1e6)
        self.lat0 = float(cy[0])

    def _candidates(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        clustered = rng.random(n) < 0.85
        k = rng.choice(len(self.cx), size=n, p=self.weight)
        spread = np.where(rng.random(n) < 0.33, 3.0, 1.0) * self.sigma[k]
        r = rng.standard_normal((n, 2)) * spread[:, None]
        x = self.cx[k] + r[:, 0] / np.cos(np.radians(self.lat0))
        y = self.cy[k] + r[:, 1]
        minx, miny, maxx, maxy = self.bounds
        u = ~clustered
        x[u] = rng.uniform(minx, maxx, u.sum())
        y[u] = rng.uniform(miny, maxy, u.sum())
        return x, y

    def points(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        xs, ys, have = [], [], 0
        while have < n:
            want = int((n - have) * 1.3) + 16
            x, y = self._candidates(want)
            ok = shapely.contains_xy(self.geom, x, y)
            xs.append(x[ok])
            ys.append(y[ok])
            have += int(ok.sum())
        return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _inside(sampler: _Sampler, subtype: np.ndarray, make) -> np.ndarray:
    """Shapes from ``make(subtypes, anchor_x, anchor_y)`` redrawn until each lies
    entirely inside the boundary."""
    out = np.empty(len(subtype), dtype=object)
    todo = np.arange(len(subtype))
    while len(todo):
        st = subtype[todo]
        x0, y0 = sampler.points(len(todo))
        lo = np.array([_SUBTYPES[s][5][0] for s in st], float)
        hi = np.array([_SUBTYPES[s][5][1] for s in st], float)
        geoms = make(st, x0, y0, lo, hi)
        ok = shapely.contains(sampler.geom, geoms) & shapely.is_valid(geoms)
        out[todo[ok]] = geoms[ok]
        todo = todo[~ok]
    return out


def _lines(sampler: _Sampler, subtype: np.ndarray, rng) -> np.ndarray:
    """Polylines: random walks whose heading drifts slowly (roads keep to a grid)."""
    max_v = 24
    straight = [SUBTYPE_EN.index("Road"), SUBTYPE_EN.index("Power Line")]

    def make(st, x0, y0, lo, hi):
        m = len(st)
        nv = rng.integers(3, max_v + 1, m)
        is_road = np.isin(st, straight)
        heading = np.where(
            is_road, rng.integers(0, 4, m) * (np.pi / 2), rng.uniform(0, 2 * np.pi, m)
        )
        turn_sd = np.where(is_road, 0.04, 0.35)
        turns = rng.standard_normal((m, max_v)) * turn_sd[:, None]
        # Roads and water mains take the odd right-angle turn, like a street grid.
        corner = (rng.random((m, max_v)) < 0.12) & (st != straight[1])[:, None]
        turns += corner * rng.choice([-np.pi / 2, np.pi / 2], (m, max_v))
        turns[:, 0] = 0
        ang = heading[:, None] + np.cumsum(turns, axis=1)
        step = rng.uniform(lo[:, None], hi[:, None], (m, max_v))
        step[:, 0] = 0
        coslat = np.cos(np.radians(y0))[:, None]
        x = x0[:, None] + np.cumsum(step * np.cos(ang), axis=1) / (_M_PER_DEG_LON_EQ * coslat)
        y = y0[:, None] + np.cumsum(step * np.sin(ang), axis=1) / _M_PER_DEG_LAT
        valid = np.arange(max_v)[None, :] < nv[:, None]
        coords = np.stack([x[valid], y[valid]], axis=1)
        return shapely.linestrings(coords, indices=np.repeat(np.arange(m), nv))

    return _inside(sampler, subtype, make)


# Unit L-shape and rectangle, both as 7 vertices (the rectangle repeats corners).
_ELL = np.array([[-1, -1], [1, -1], [1, 0], [0, 0], [0, 1], [-1, 1], [-1, -1]], float) / 2
_RECT = np.array([[-1, -1], [1, -1], [1, 1], [1, 1], [-1, 1], [-1, 1], [-1, -1]], float) / 2


def _polygons(sampler: _Sampler, subtype: np.ndarray, rng) -> np.ndarray:
    """Rotated rectangles, a quarter of them L-shaped (a corner cut out)."""

    def make(st, cx, cy, lo, hi):
        m = len(st)
        w = rng.uniform(lo, hi)
        h = w * rng.uniform(0.5, 1.0, m)
        shape = np.where((rng.random(m) < 0.25)[:, None, None], _ELL[None], _RECT[None])
        px, py = shape[..., 0] * w[:, None], shape[..., 1] * h[:, None]
        a = rng.uniform(0, np.pi / 2, m)[:, None]
        rx, ry = px * np.cos(a) - py * np.sin(a), px * np.sin(a) + py * np.cos(a)
        coslat = np.cos(np.radians(cy))[:, None]
        coords = np.stack(
            [cx[:, None] + rx / (_M_PER_DEG_LON_EQ * coslat), cy[:, None] + ry / _M_PER_DEG_LAT],
            axis=2,
        )
        return shapely.remove_repeated_points(shapely.polygons(coords))

    return _inside(sampler, subtype, make)


def generate_demo(
    city_code: str, n_points: int, n_lines: int = 0, n_polygons: int = 0, seed: int = 0
) -> DemoAssets:
    """Columnar demo assets for one city (see module docstring)."""
    city_code = str(city_code)
    for label, v in (("n_points", n_points), ("n_lines", n_lines), ("n_polygons", n_polygons)):
        if int(v) < 0:
            raise ValueError(f"{label} must be >= 0, got {v}")
    row = maps.city_boundaries([city_code]).iloc[0]
    rng = np.random.default_rng([int(seed), int(city_code)])
    sampler = _Sampler(row.geometry, maps.city_seat(city_code), rng)

    subtypes, shapes, xs, ys, locals_ = [], [], [], [], []
    for shape_kind, count in (("point", n_points), ("line", n_lines), ("polygon", n_polygons)):
        idx, w = _subtypes_of(shape_kind)
        st = idx[rng.choice(len(idx), size=count, p=w)].astype(np.int16)
        if shape_kind == "point":
            x, y = sampler.points(count)
        else:
            geoms = (_lines if shape_kind == "line" else _polygons)(sampler, st, rng)
            rep = shapely.point_on_surface(geoms) if count else np.empty(0, object)
            x, y = shapely.get_x(rep), shapely.get_y(rep)
            shapes.append(geoms)
        subtypes.append(st)
        xs.append(np.asarray(x, float))
        ys.append(np.asarray(y, float))
        locals_.append(np.arange(count, dtype=np.int32))
    subtype = np.concatenate(subtypes)
    n = len(subtype)
    kind = SUBTYPE_KIND[subtype]
    # Name numbers count up per subtype in row order: "Pump Station 1, 2, 3…".
    order = np.argsort(subtype, kind="stable")
    counts = np.bincount(subtype, minlength=len(_SUBTYPES))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    serial = np.empty(n, np.int32)
    serial[order] = np.arange(n) - np.repeat(starts, counts) + 1

    lo = np.array([s[7] for s in _SUBTYPES], float)[subtype]
    hi = np.array([s[8] for s in _SUBTYPES], float)[subtype]
    # Log-uniform sizes: many small assets, a few big ones.
    value = np.exp(rng.uniform(np.log(lo + 1), np.log(hi + 1))) - 1
    is_kv = np.array([s[6] == "voltage_kv" for s in _SUBTYPES])[subtype]
    value[is_kv] = _VOLTAGES[
        np.clip(np.searchsorted(_VOLTAGES, value[is_kv]), 0, len(_VOLTAGES) - 1)
    ]
    mat_choices = [s[10] for s in _SUBTYPES]
    pick = rng.random(n)
    material = np.full(n, -1, np.int8)
    for s, choices in enumerate(mat_choices):
        if choices:
            sel = subtype == s
            material[sel] = np.asarray(choices, np.int8)[(pick[sel] * len(choices)).astype(int)]
    year = np.clip(rng.normal(2003, 13, n), 1955, 2025).astype(np.int16)
    condition = np.digitize(2025 - year + rng.normal(0, 8, n), [25, 45]).astype(np.int8)

    return DemoAssets(
        city_codes=(city_code,),
        city_names=(str(row["name_en"]),),
        city_names_zh=(str(row["name_zh"]),),
        city_idx=np.zeros(n, np.int16),
        local=np.concatenate(locals_),
        kind=kind,
        subtype=subtype,
        serial=serial,
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        shapes=ShapeColumn(np.concatenate(shapes) if shapes else np.empty(0, object)),
        year=year,
        condition=condition,
        material=material,
        value=value.astype(np.float32),
    )


# How many assets per city the desktop app shows when no inventory was imported; the demo
# network seeds its codes on assets of this same inventory.
DEMO_ASSETS_PER_CITY = 20000


def split_counts(n: int) -> tuple[int, int, int]:
    """Default mix for ``n`` assets: 70 % points, 20 % lines, 10 % polygons."""
    n_lines = n * 2 // 10
    n_polygons = n // 10
    return n - n_lines - n_polygons, n_lines, n_polygons


def generate_assets(city_code: str, n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` demo assets of one city as the CONTRACT.md GeoDataFrame (EPSG:4326)."""
    return generate_demo(city_code, *split_counts(int(n)), seed=seed).to_geodataframe()


def generate_cities(city_codes, n_per_city: int, seed: int = 0) -> DemoAssets:
    """Demo assets for several cities, concatenated (columnar)."""
    return DemoAssets.concat(
        [generate_demo(c, *split_counts(n_per_city), seed=seed) for c in city_codes]
    )
