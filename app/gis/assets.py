"""AssetTable: the in-memory model of every asset on the map (no Qt).

Columns (CONTRACT.md): asset_id, city, asset_class, name, code (str|None), status
('none','pending','issued','revoked','unverified'), geometry.  Per-row values that are
cheap to compare live in numpy arrays (class, city, status, kind, x/y); names, ids and
attribute dicts come from a *labels* object on demand, so a million demo assets cost
tens of MB instead of the ~600 MB of one shapely Point and a few Python strings each.

Coordinates are lon/lat (EPSG:4326) and are also the display coordinates of the map
(see app/ui/map/view.py for why the map does not reproject).

Lines and polygons are a :class:`app.gis.shape_column.ShapeColumn` (flat coordinate
arrays and bounds; shapely objects are made only for the rows a query or identify
needs); a box query compares the bounds with numpy, then tests the candidates exactly.
Points are not turned into shapely objects: they are sorted into the cells of a bucket
grid (app/gis/bucket_grid.py, a linear-time radix sort); a query reads the cells under
the box and tests their points exactly with numpy.

Mutate a table (set_status, set_codes) from one thread — the UI thread when a map shows
it; listeners registered with ``subscribe`` are called after each change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

import numpy as np
import shapely

from app.core.classes import ASSET_CLASSES
from app.core.errors import CityLedgerError
from app.gis.bucket_grid import BucketGrid
from app.gis.shape_column import ShapeColumn

if TYPE_CHECKING:
    from app.gis.life_style import LifeColumns

STATUSES = ("none", "pending", "issued", "revoked", "unverified")
KINDS = ("point", "line", "polygon")
CLASS_CODES = tuple(ASSET_CLASSES)


class AssetTableError(CityLedgerError, ValueError):
    """Bad input for an AssetTable; the message names the row/column at fault."""


class Labels(Protocol):
    def asset_id(self, i: int) -> str: ...
    def name(self, i: int) -> str: ...
    def attributes(self, i: int) -> dict: ...
    def find_asset_id(self, asset_id: str) -> int | None: ...


class ListLabels:
    """Labels held as plain lists (imported or small data sets)."""

    def __init__(self, ids, names, attributes):
        self.ids, self.names, self.attrs = list(ids), list(names), list(attributes)

    def asset_id(self, i):
        return self.ids[i]

    def name(self, i):
        return self.names[i]

    def attributes(self, i):
        a = self.attrs[i]
        return dict(a) if isinstance(a, dict) else {}

    def find_asset_id(self, asset_id: str) -> int | None:
        try:
            return self.ids.index(asset_id)
        except ValueError:
            return None


class PointIndex:
    """The table's points in a :class:`app.gis.bucket_grid.BucketGrid` (sorted by cell,
    with their rows and coordinates in that order)."""

    def __init__(self, rows: np.ndarray, x: np.ndarray, y: np.ndarray):
        self.n = len(rows)
        self.grid = BucketGrid(x, y)
        order = self.grid.order
        self.rows, self.x, self.y = rows[order], x[order], y[order]
        if len(rows) < 2**31:
            self.rows = self.rows.astype(np.int32)
        self.grid.order = np.empty(0, np.int32)  # applied above; 40 MB at 10M points

    def positions(self, x0, y0, x1, y1) -> np.ndarray:
        """Positions (into the sorted arrays) of the points inside the box."""
        pos = self.grid.candidates((x0, y0, x1, y1))
        px, py = self.x[pos], self.y[pos]
        return pos[(px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)]

    def query(self, x0, y0, x1, y1) -> np.ndarray:
        return self.rows[self.positions(x0, y0, x1, y1)]


class AssetTable:
    def __init__(
        self,
        *,
        kind,
        class_idx,
        city_codes,
        city_idx,
        x,
        y,
        shapes,
        labels: Labels,
        codes=None,
        status=None,
    ):
        n = len(kind)
        self.kind = np.asarray(kind, np.int8)
        self.class_idx = np.asarray(class_idx, np.int8)
        self.city_codes = tuple(city_codes)
        self.city_idx = np.asarray(city_idx, np.int16)
        self.x = np.asarray(x, np.float64)
        self.y = np.asarray(y, np.float64)
        for name, arr in (
            ("class_idx", self.class_idx),
            ("city_idx", self.city_idx),
            ("x", self.x),
            ("y", self.y),
        ):
            if len(arr) != n:
                raise AssetTableError(f"column {name} has {len(arr)} rows, kind has {n}")
        self.shape_rows = np.flatnonzero(self.kind != 0)
        self.shapes = shapes if isinstance(shapes, ShapeColumn) else ShapeColumn(shapes)
        if len(self.shapes) != len(self.shape_rows):
            raise AssetTableError(
                f"{len(self.shapes)} line/polygon geometries for "
                f"{len(self.shape_rows)} line/polygon rows"
            )
        self._shape_pos = np.full(n, -1, np.int32 if n < 2**31 else np.int64)
        self._shape_pos[self.shape_rows] = np.arange(len(self.shape_rows))
        self.labels = labels
        self.codes = (
            np.full(n, None, dtype=object) if codes is None else np.asarray(codes, dtype=object)
        )
        self.status = np.zeros(n, np.int8) if status is None else np.asarray(status, np.int8)
        # Only rows with a code: a Python pass over 10M empty codes took 1.5 s.
        coded = (
            np.flatnonzero(self.codes != None)  # noqa: E711
            if codes is not None
            else np.empty(0, np.int64)
        )
        self._row_of_code = {self.codes[i]: int(i) for i in coded if self.codes[i]}
        self.point_index = PointIndex(
            np.flatnonzero(self.kind == 0), self.x[self.kind == 0], self.y[self.kind == 0]
        )
        self.version = 0
        # What the codes index says of each row's code (app.gis.life_style.LifeColumns),
        # attached once read on the worker; None until then.
        self.life: LifeColumns | None = None
        self._listeners: list[Callable[[AssetTable, np.ndarray], None]] = []

    # ---- construction ------------------------------------------------------------------
    @classmethod
    def from_demo(cls, demo) -> AssetTable:
        """From app.gis.demo_assets.DemoAssets (columnar, labels made on demand)."""
        return cls(
            kind=demo.kind,
            class_idx=demo.class_idx,
            city_codes=demo.city_codes,
            city_idx=demo.city_idx,
            x=demo.x,
            y=demo.y,
            shapes=demo.shapes,
            labels=demo,
        )

    @classmethod
    def from_geodataframe(cls, gdf) -> AssetTable:
        """From a frame with asset_id, city, asset_class, name, geometry [, attributes,
        code, status]; geometries must be in EPSG:4326."""
        missing = [
            c
            for c in ("asset_id", "city", "asset_class", "name", "geometry")
            if c not in gdf.columns
        ]
        if missing:
            raise AssetTableError(f"asset frame lacks column(s) {', '.join(missing)}")
        if (
            gdf.crs is not None
            and not gdf.crs.equals("EPSG:4326")
            and gdf.crs.to_epsg() not in (4326, 4490)
        ):
            raise AssetTableError(f"asset geometries must be lon/lat EPSG:4326, got {gdf.crs}")
        geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
        tid = shapely.get_type_id(geoms)
        kind = np.select(
            [np.isin(tid, (0, 4)), np.isin(tid, (1, 2, 5)), np.isin(tid, (3, 6))], [0, 1, 2], -1
        )
        bad_rows = np.flatnonzero((kind < 0) | shapely.is_empty(geoms))
        if len(bad_rows):
            raise AssetTableError(
                f"row {bad_rows[0]}: geometry {shapely.get_type_id(geoms[bad_rows[0]])!r} is "
                f"empty or not a point, line or polygon ({len(bad_rows)} such row(s))"
            )
        classes = gdf["asset_class"].astype(str).to_numpy()
        lut = {c: i for i, c in enumerate(CLASS_CODES)}
        unknown = sorted({c for c in classes if c not in lut})
        if unknown:
            raise AssetTableError(
                f"unknown asset class(es) {', '.join(unknown)}; known: {', '.join(CLASS_CODES)}"
            )
        city_str = gdf["city"].astype(str).to_numpy()
        city_codes, city_idx = np.unique(city_str, return_inverse=True)
        rep = np.where(kind == 0, shapely.centroid(geoms), shapely.point_on_surface(geoms))
        status = None
        if "status" in gdf.columns:
            st = gdf["status"].fillna("none").astype(str).to_numpy()
            bad = [s for s in set(st) if s not in STATUSES]
            if bad:
                raise AssetTableError(f"unknown status(es) {bad}; known: {STATUSES}")
            status = np.array([STATUSES.index(s) for s in st], np.int8)
        codes = (
            gdf["code"].where(gdf["code"].notna(), None).to_numpy(dtype=object)
            if "code" in gdf.columns
            else None
        )
        attrs = gdf["attributes"].tolist() if "attributes" in gdf.columns else [{}] * len(gdf)
        labels = ListLabels(gdf["asset_id"].astype(str), gdf["name"].astype(str), attrs)
        return cls(
            kind=kind,
            class_idx=[lut[c] for c in classes],
            city_codes=city_codes.tolist(),
            city_idx=city_idx,
            x=shapely.get_x(rep),
            y=shapely.get_y(rep),
            shapes=geoms[kind != 0],
            labels=labels,
            codes=codes,
            status=status,
        )

    # ---- row access --------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.kind)

    def asset_id(self, row: int) -> str:
        return self.labels.asset_id(int(row))

    def name(self, row: int) -> str:
        return self.labels.name(int(row))

    def attributes(self, row: int) -> dict:
        return self.labels.attributes(int(row))

    def asset_class(self, row: int) -> str:
        return CLASS_CODES[self.class_idx[row]]

    def city(self, row: int) -> str:
        return self.city_codes[self.city_idx[row]]

    def code(self, row: int) -> str | None:
        return self.codes[row]

    def status_of(self, row: int) -> str:
        return STATUSES[self.status[row]]

    def geometry(self, row: int):
        row = int(row)
        if self.kind[row] == 0:
            return shapely.Point(self.x[row], self.y[row])
        return self.shapes[self._shape_pos[row]]

    def record(self, row: int) -> dict:
        """Everything about one row, for inspectors and tables."""
        row = int(row)
        return {
            "row": row,
            "asset_id": self.asset_id(row),
            "city": self.city(row),
            "asset_class": self.asset_class(row),
            "name": self.name(row),
            "code": self.code(row),
            "status": self.status_of(row),
            "kind": KINDS[self.kind[row]],
            "attributes": self.attributes(row),
            "geometry": self.geometry(row),
        }

    def to_geodataframe(self, rows=None):
        import geopandas as gpd

        rows = np.arange(len(self)) if rows is None else np.asarray(rows, np.int64)
        return gpd.GeoDataFrame(
            {
                "asset_id": [self.asset_id(r) for r in rows],
                "city": np.asarray(self.city_codes, object)[self.city_idx[rows]],
                "asset_class": np.asarray(CLASS_CODES, object)[self.class_idx[rows]],
                "name": [self.name(r) for r in rows],
                "code": self.codes[rows],
                "status": np.asarray(STATUSES, object)[self.status[rows]],
                "attributes": [self.attributes(r) for r in rows],
            },
            geometry=[self.geometry(r) for r in rows],
            crs="EPSG:4326",
        )

    def row_of_code(self, code: str) -> int | None:
        return self._row_of_code.get(code)

    def find_asset_id(self, asset_id: str) -> int | None:
        return self.labels.find_asset_id(asset_id)

    def search_names(self, text: str, limit: int = 50) -> list[int]:
        """Rows whose name contains ``text`` (case-insensitive), first ``limit``."""
        text = text.casefold()
        out = []
        for i in range(len(self)):
            if text in self.name(i).casefold():
                out.append(i)
                if len(out) >= limit:
                    break
        return out

    # ---- spatial queries ---------------------------------------------------------------
    def query(self, bbox, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows whose geometry intersects bbox (minx, miny, maxx, maxy), sorted; only rows
        where ``mask`` is true if given."""
        x0, y0, x1, y1 = (float(v) for v in bbox)
        x0, x1 = min(x0, x1), max(x0, x1)
        y0, y1 = min(y0, y1), max(y0, y1)
        pts = self.point_index.query(x0, y0, x1, y1)
        b = self.shapes.bounds
        near = np.flatnonzero((b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0))
        hit = near[shapely.intersects(self.shapes.take(near), shapely.box(x0, y0, x1, y1))]
        rows = np.sort(np.concatenate([pts, self.shape_rows[hit]]))
        return rows[mask[rows]] if mask is not None else rows

    select_box = query

    def nearest(self, x: float, y: float, tol: float, mask: np.ndarray | None = None) -> int | None:
        """The row nearest (x, y) within ``tol`` (degrees); points and lines beat polygons
        that merely contain the spot, so a pump inside a plant stays clickable."""
        rows = self.query((x - tol, y - tol, x + tol, y + tol), mask)
        if len(rows) == 0:
            return None
        p = shapely.Point(x, y)
        d = np.empty(len(rows))
        is_pt = self.kind[rows] == 0
        d[is_pt] = np.hypot(self.x[rows[is_pt]] - x, self.y[rows[is_pt]] - y)
        shp = rows[~is_pt]
        d[~is_pt] = shapely.distance(self.shapes.take(self._shape_pos[shp]), p)
        d[d > tol] = np.inf
        poly = self.kind[rows] == 2
        # A containing polygon (distance 0) only wins when nothing else is in reach.
        rank = np.where(poly, tol + d, d)
        best = int(np.argmin(rank))
        return int(rows[best]) if np.isfinite(rank[best]) else None

    def bounds(self, rows=None) -> tuple[float, float, float, float] | None:
        """(minx, miny, maxx, maxy) of the given rows (all if None), None if empty."""
        if rows is None:  # all rows: the point index's sorted columns, no gather
            if len(self) == 0:
                return None
            pi = self.point_index
            px, py, shp = pi.x, pi.y, self.shape_rows
        else:
            rows = np.asarray(rows, np.int64)
            if len(rows) == 0:
                return None
            pts = rows[self.kind[rows] == 0]
            px, py, shp = self.x[pts], self.y[pts], rows[self.kind[rows] != 0]
        # Min/max per column: a million-row (n, 4) stack cost a second on the map's load.
        lo: list[np.ndarray] = []
        hi: list[np.ndarray] = []
        if len(px):
            lo.append(np.array([px.min(), py.min()]))
            hi.append(np.array([px.max(), py.max()]))
        if len(shp):
            b = self.shapes.bounds[self._shape_pos[shp]]
            lo.append(b[:, :2].min(axis=0))
            hi.append(b[:, 2:].max(axis=0))
        mn, mx = np.min(lo, axis=0), np.max(hi, axis=0)
        return float(mn[0]), float(mn[1]), float(mx[0]), float(mx[1])

    # ---- filters -----------------------------------------------------------------------
    def _mask(self, wanted, names, column) -> np.ndarray:
        """Rows whose ``column`` value (an index into ``names``) is among ``wanted``;
        None wants everything, unknown names are ignored."""
        if wanted is None:
            return np.ones(len(self), bool)
        wanted = set(map(str, wanted))
        lut = np.array([n in wanted for n in names] + [False], bool)
        return lut[column]

    def class_mask(self, classes: Iterable[str] | None) -> np.ndarray:
        return self._mask(classes, CLASS_CODES, self.class_idx)

    def status_mask(self, statuses: Iterable[str] | None) -> np.ndarray:
        return self._mask(statuses, STATUSES, self.status)

    def city_mask(self, cities: Iterable[str] | None) -> np.ndarray:
        return self._mask(cities, self.city_codes, self.city_idx)

    # ---- updates -----------------------------------------------------------------------
    def subscribe(self, callback: Callable[[AssetTable, np.ndarray], None]) -> None:
        """``callback(table, rows)`` after every change of status or code."""
        self._listeners.append(callback)

    def unsubscribe(self, callback) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _changed(self, rows: np.ndarray) -> None:
        self.version += 1
        for cb in list(self._listeners):
            cb(self, rows)

    def set_status(self, rows, status: str) -> None:
        rows = self._checked(rows, status)
        self.status[rows] = STATUSES.index(status)
        self._changed(rows)

    def set_codes(self, rows, codes, status: str = "pending") -> None:
        """Attach identity codes (one per row) and set their status."""
        rows = self._checked(rows, status)
        codes = [codes] if isinstance(codes, str) or codes is None else list(codes)
        if len(codes) != len(rows):
            raise AssetTableError(f"{len(codes)} code(s) for {len(rows)} row(s)")
        for r, c in zip(rows.tolist(), codes):
            old = self.codes[r]
            if old and self._row_of_code.get(old) == r:
                del self._row_of_code[old]
            self.codes[r] = c
            if c:
                self._row_of_code[c] = r
        self.status[rows] = STATUSES.index(status)
        self._changed(rows)

    def _checked(self, rows, status: str) -> np.ndarray:
        if status not in STATUSES:
            raise AssetTableError(f"unknown status {status!r}; known: {', '.join(STATUSES)}")
        rows = np.atleast_1d(np.asarray(rows, np.int64))
        bad = rows[(rows < 0) | (rows >= len(self))]
        if len(bad):
            raise AssetTableError(f"row {int(bad[0])} out of range 0..{len(self) - 1}")
        return rows


def density_grid(
    x: np.ndarray, y: np.ndarray, bbox, shape: tuple[int, int], weights: np.ndarray | None = None
) -> np.ndarray:
    """Counts of points per cell of a (rows, cols) grid over bbox; row 0 is the top (max y).

    The level-of-detail aggregate drawn when a view holds far more points than pixels.
    """
    x0, y0, x1, y1 = bbox
    h, w = shape
    m = (x >= x0) & (x < x1) & (y >= y0) & (y < y1)
    cx = ((x[m] - x0) * (w / (x1 - x0))).astype(np.int64)
    cy = ((y1 - y[m]) * (h / (y1 - y0))).astype(np.int64)
    np.clip(cx, 0, w - 1, out=cx)
    np.clip(cy, 0, h - 1, out=cy)
    wts = None if weights is None else weights[m]
    return np.bincount(cy * w + cx, weights=wts, minlength=h * w).reshape(h, w)
