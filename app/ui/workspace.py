"""What the main window shows, loaded on the worker thread: node, trust, cities, assets.

Assets: an inventory the user imported (``<data>/assets.gpkg``) or, failing that,
deterministic demo assets inside each member city's boundary. Codes from the node's codes
index (own log and replicas) are attached to the asset they were issued for — matched by
the ``asset_id`` attribute that the issue dialog records — and codes with no matching
asset become rows of their own, so every code held is on the map.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.gis.demo_assets import DEMO_ASSETS_PER_CITY

if TYPE_CHECKING:
    import geopandas as gpd

    from app.gis.assets import AssetTable
    from app.ledger.trust import TrustFile

log = logging.getLogger(__name__)

ASSETS_FILE = "assets.gpkg"
DEMO_CITIES = ("130100", "130200", "130400", "130600", "131000")
CODE_PAGE = 5000


@dataclass
class Workspace:
    table: AssetTable
    boundaries: gpd.GeoDataFrame | None
    cities: dict[str, tuple[str, str]]  # code -> (name_zh, name_en)
    classes: list[tuple[str, str, str]]  # [(code, label, color)]
    origin: str | None = None  # own log (None: no node)
    city_code: str | None = None
    size: int | None = None
    trust: TrustFile | None = None
    demo_assets: bool = False
    message: str = ""
    extra: dict = field(default_factory=dict)


def class_entries() -> list:
    from app.core.classes import ASSET_CLASSES

    return [(c.code, f"{c.code}  {c.zh} {c.en}", c.color) for c in ASSET_CLASSES.values()]


def open_node(data_dir: Path):
    """The node in ``data_dir``, or (None, why) when there is none or it cannot be opened."""
    from app.ledger.node import Node

    if not Path(data_dir).exists():
        return None, f"no data folder {data_dir}"
    try:
        return Node.open(data_dir), ""
    except Exception as exc:  # the app still shows the map; the status bar says why
        log.info("no node in %s: %s", data_dir, exc)
        return None, f"no node opened in {data_dir}: {exc}"


def all_codes(node) -> list:
    """Every CodeState in the node's codes index (own log and replicas), in pages."""
    store = getattr(node, "store", node)
    out, offset = [], 0
    while True:
        page = store.list_codes(limit=CODE_PAGE, offset=offset, newest_first=False)
        out.extend(page)
        if len(page) < CODE_PAGE:
            return out
        offset += CODE_PAGE


def city_boundaries(data_dir: Path, codes):
    from app.gis import maps

    return maps.boundaries_for(data_dir, list(codes))


def load(ctx, data_dir, n_per_city: int | None = None) -> Workspace:
    from app.ledger.trust import installed_trust

    data_dir = Path(data_dir)
    ctx.data_dir = data_dir
    if ctx.node is None:
        ctx.node, why = open_node(data_dir)
    else:
        why = ""
    node = ctx.node
    trust = None
    try:
        trust = installed_trust(data_dir)
    except Exception as exc:  # a broken trust file must be visible, not fatal
        why = f"trust file refused: {exc}"
    ctx.extra["trust"] = trust

    cities: dict[str, tuple[str, str]] = {}
    if trust is not None:
        cities = {c.code: (c.name_zh, c.name_en) for c in trust.cities}
    if node is not None and node.city_code not in cities:
        cities[node.city_code] = ("", "")
    if not cities:
        cities = {c: ("", "") for c in DEMO_CITIES}
    boundaries = None
    try:
        boundaries = city_boundaries(data_dir, list(cities))
        for code, zh, en in zip(boundaries["city"], boundaries["name_zh"], boundaries["name_en"]):
            old_zh, old_en = cities.get(code, ("", ""))
            cities[code] = (old_zh or zh, old_en or en)
    except Exception as exc:
        why = why or f"no boundaries: {exc}"
    ctx.report(1, 3)

    table, demo = load_assets(data_dir, list(cities), boundaries, n_per_city)
    ctx.report(2, 3)
    if node is not None:
        table = apply_plan(table, plan_codes(table, all_codes(node), pending_entries(node)))
    ctx.report(3, 3)
    newest = node.recent_codes(limit=1, origin=node.origin) if node is not None else []
    return Workspace(
        table=table,
        boundaries=boundaries,
        cities=cities,
        classes=class_entries(),
        origin=getattr(node, "origin", None),
        city_code=getattr(node, "city_code", None),
        size=node.size() if node is not None else None,
        trust=trust,
        demo_assets=demo,
        message=why,
        extra={"newest_code": newest[0].code if newest else None},
    )


def close_node(ctx) -> None:
    """Stop background work and close the node, before another data folder is opened."""
    ctx.close()
    ctx.extra.clear()


def load_assets(data_dir: Path, city_codes, boundaries, n_per_city):
    """(AssetTable, is_demo): the imported inventory, else demo assets for the cities."""
    from app.gis.assets import AssetTable
    from app.gis.demo_assets import generate_cities

    path = data_dir / ASSETS_FILE
    if path.exists():
        import json

        import geopandas as gpd

        frame = gpd.read_file(path)
        if "attributes" in frame.columns:  # stored as JSON text (GeoPackage has no dicts)
            frame["attributes"] = frame["attributes"].map(
                lambda v: json.loads(v) if isinstance(v, str) and v else {}
            )
        return AssetTable.from_geodataframe(frame), False
    known = [c for c in city_codes if boundaries is not None and c in set(boundaries["city"])]
    n = DEMO_ASSETS_PER_CITY if n_per_city is None else int(n_per_city)
    if not known or n <= 0:
        return empty_table(), True
    return AssetTable.from_demo(generate_cities(known, n)), True


def empty_table():
    import geopandas as gpd

    from app.gis.assets import AssetTable

    frame = gpd.GeoDataFrame(
        {"asset_id": [], "city": [], "asset_class": [], "name": []}, geometry=[], crs="EPSG:4326"
    )
    return AssetTable.from_geodataframe(frame)


@dataclass
class CodePlan:
    """How codes from the codes index change an AssetTable (computed off the UI thread)."""

    updates: dict = field(default_factory=dict)  # status -> ([rows], [codes])
    extra: AssetTable | None = None  # codes with no asset row

    def is_empty(self) -> bool:
        return not self.updates and self.extra is None


def _table_status(status: str) -> str:
    return status if status in ("issued", "revoked", "pending") else "issued"


def _near(table, row: int, bbox, tol: float = 1e-5) -> bool:
    """The row's representative point lies in the code's bbox (the same asset)."""
    if bbox is None:
        return False
    x, y = table.x[row], table.y[row]
    return bbox[0] - tol <= x <= bbox[2] + tol and bbox[1] - tol <= y <= bbox[3] + tol


def plan_codes(table, states, pending=()) -> CodePlan:
    """Put each code on its asset's row (matched by the ``asset_id`` attribute the issue
    dialog records, and the same place); codes with no such row become new rows.
    ``pending``: (code, asset_id) of signed entries still in the outbox."""
    import geopandas as gpd
    import shapely.geometry

    from app.gis.assets import AssetTable

    plan, extra = CodePlan(), []

    def put(row, code, status):
        rows, codes = plan.updates.setdefault(status, ([], []))
        rows.append(int(row))
        codes.append(code)

    for st in states:
        status = _table_status(st.status)
        row = table.row_of_code(st.code)
        if row is not None:
            if table.status_of(row) != status:
                put(row, st.code, status)
            continue
        asset_id = (st.attributes or {}).get("asset_id")
        row = table.find_asset_id(str(asset_id)) if asset_id else None
        if row is not None and table.codes[row] is None and _near(table, row, st.bbox):
            put(row, st.code, status)
        elif st.geometry:
            extra.append(st)
    for code, asset_id in pending:
        row = table.find_asset_id(str(asset_id)) if asset_id else None
        if row is not None and table.codes[row] is None and table.row_of_code(code) is None:
            put(row, code, "pending")
    if extra:
        frame = gpd.GeoDataFrame(
            {
                "asset_id": [(s.attributes or {}).get("asset_id") or s.code for s in extra],
                "city": [s.code[:6] for s in extra],
                "asset_class": [s.asset_class for s in extra],
                "name": [s.name for s in extra],
                "code": [s.code for s in extra],
                "status": [_table_status(s.status) for s in extra],
                "attributes": [dict(s.attributes or {}) for s in extra],
            },
            geometry=[shapely.geometry.shape(s.geometry) for s in extra],
            crs="EPSG:4326",
        )
        added = AssetTable.from_geodataframe(frame)
        plan.extra = concat_tables(table, added) if len(table) else added
    return plan


def apply_plan(table, plan: CodePlan):
    """The table to show: ``plan.extra`` (already holding ``table``'s rows) or ``table``,
    with the code updates applied. Run on the thread that owns the table's listeners."""
    target = plan.extra if plan.extra is not None else table
    for status, (rows, codes) in plan.updates.items():
        target.set_codes(rows, codes, status=status)
    return target


def pending_entries(node) -> list[tuple[str, str | None]]:
    """(code, asset_id) of this node's signed entries waiting in the outbox."""
    out = []
    for item in node.store.outbox_items("pending", origin=node.origin, limit=100000):
        try:
            record = json.loads(item["entry"])
            out.append(
                (record["code"], (record.get("asset") or {}).get("attributes", {}).get("asset_id"))
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a malformed outbox row is the sequencer's to refuse, not ours
    return out


def refresh_codes(ctx, table) -> CodePlan:
    """Worker job after sync brought codes: what changes in ``table``."""
    node = ctx.node
    if node is None:
        return CodePlan()
    return plan_codes(table, all_codes(node), pending_entries(node))


class _ChainLabels:
    """Labels of two tables end to end."""

    def __init__(self, first, n_first: int, second):
        self.first, self.n_first, self.second = first, n_first, second

    def _pick(self, i):
        return (self.first, i) if i < self.n_first else (self.second, i - self.n_first)

    def asset_id(self, i):
        labels, j = self._pick(i)
        return labels.asset_id(j)

    def name(self, i):
        labels, j = self._pick(i)
        return labels.name(j)

    def attributes(self, i):
        labels, j = self._pick(i)
        return labels.attributes(j)

    def find_asset_id(self, asset_id):
        for labels, offset in ((self.first, 0), (self.second, self.n_first)):
            finder = getattr(labels, "find_asset_id", None)
            row = (
                finder(asset_id)
                if finder
                else (
                    labels.ids.index(asset_id) if asset_id in getattr(labels, "ids", ()) else None
                )
            )
            if row is not None:
                return row + offset
        return None


def concat_tables(a, b):
    """One AssetTable with the rows of ``a`` then ``b``."""
    from app.gis.assets import AssetTable

    city_codes = list(a.city_codes) + [c for c in b.city_codes if c not in a.city_codes]
    remap = np.array([city_codes.index(c) for c in b.city_codes] or [0], np.int16)
    return AssetTable(
        kind=np.concatenate([a.kind, b.kind]),
        class_idx=np.concatenate([a.class_idx, b.class_idx]),
        city_codes=city_codes,
        city_idx=np.concatenate([a.city_idx, remap[b.city_idx] if len(b) else b.city_idx]),
        x=np.concatenate([a.x, b.x]),
        y=np.concatenate([a.y, b.y]),
        shapes=np.concatenate([a.shapes, b.shapes]),
        labels=_ChainLabels(a.labels, len(a), b.labels),
        codes=np.concatenate([a.codes, b.codes]),
        status=np.concatenate([a.status, b.status]),
    )


def moved_point(table, row: int, lon: float, lat: float):
    """A new AssetTable where point ``row`` stands at (lon, lat) — after its update is
    confirmed; the rest is shared with ``table``."""
    from app.gis.assets import AssetTable

    x, y = table.x.copy(), table.y.copy()
    x[row], y[row] = lon, lat
    return AssetTable(
        kind=table.kind,
        class_idx=table.class_idx,
        city_codes=table.city_codes,
        city_idx=table.city_idx,
        x=x,
        y=y,
        shapes=table.shapes,
        labels=table.labels,
        codes=table.codes,
        status=table.status,
    )


def reshaped(table, row: int, geometry: dict):
    """A new AssetTable where line/polygon ``row`` has ``geometry`` (GeoJSON) — after its
    update is confirmed. Every shape is rebuilt: a worker job (bench/life_style.py: 4.1 s
    at 300k polygons under load 19), rare enough not to need a cheaper splice."""
    import shapely.geometry

    from app.gis.assets import AssetTable

    shape = shapely.geometry.shape(geometry)
    pos = int(table._shape_pos[row])
    if pos < 0:
        raise ValueError(f"row {row} is a point; it has no shape to replace")
    geoms = table.shapes.to_numpy()
    geoms[pos] = shape
    x, y = table.x.copy(), table.y.copy()
    rep = shape.point_on_surface()
    x[row], y[row] = rep.x, rep.y
    return AssetTable(
        kind=table.kind,
        class_idx=table.class_idx,
        city_codes=table.city_codes,
        city_idx=table.city_idx,
        x=x,
        y=y,
        shapes=geoms,
        labels=table.labels,
        codes=table.codes,
        status=table.status,
    )
