import geopandas as gpd
import numpy as np
import pytest
import shapely

from app.gis.assets import STATUSES, AssetTable, AssetTableError, density_grid
from app.gis.demo_assets import DemoAssets, generate_demo


@pytest.fixture(scope="module")
def demo():
    return DemoAssets.concat(
        [
            generate_demo("130100", 4000, 500, 300, seed=2),
            generate_demo("130200", 2000, 300, 100, seed=2),
        ]
    )


@pytest.fixture()
def table(demo):
    return AssetTable.from_demo(demo)


@pytest.fixture(scope="module")
def geoms(demo):
    return demo.geometries()


def _boxes(table, n=40, seed=0):
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = table.bounds()
    for _ in range(n):
        cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        w, h = rng.exponential(0.1), rng.exponential(0.1)
        yield (cx - w, cy - h, cx + w, cy + h)


def test_query_matches_brute_force(table, geoms):
    for bbox in _boxes(table):
        expect = np.flatnonzero(shapely.intersects(geoms, shapely.box(*bbox)))
        assert np.array_equal(table.query(bbox), expect), bbox
    # Reversed corners mean the same box.
    b = next(_boxes(table))
    assert np.array_equal(table.query((b[2], b[3], b[0], b[1])), table.query(b))


def test_query_with_mask(table, geoms):
    mask = table.class_mask(["WAT", "ROD"]) & table.city_mask(["130100"])
    for bbox in _boxes(table, 10, seed=1):
        hit = shapely.intersects(geoms, shapely.box(*bbox)) & mask
        assert np.array_equal(table.query(bbox, mask), np.flatnonzero(hit))


def test_nearest_matches_brute_force(table, geoms):
    rng = np.random.default_rng(5)
    for row in rng.choice(np.flatnonzero(table.kind < 2), 60, replace=False):
        x, y = table.x[row] + 1e-5, table.y[row] - 1e-5
        tol = 0.003
        d = shapely.distance(geoms, shapely.Point(x, y))
        d_pl = np.where(table.kind == 2, np.inf, d)
        expect = int(np.argmin(d_pl)) if d_pl.min() <= tol else None
        got = table.nearest(x, y, tol)
        assert got is not None and d[got] == pytest.approx(d_pl.min()), (row, got, expect)


def test_nearest_prefers_point_over_containing_polygon_and_none_when_far(table):
    poly_row = int(np.flatnonzero(table.kind == 2)[0])
    c = table.geometry(poly_row).centroid
    assert table.nearest(c.x, c.y, 1e-7) == poly_row
    assert table.nearest(200.0, 80.0, 0.01) is None


def test_masks(table):
    assert table.class_mask(None).all()
    wat = table.class_mask(["WAT"])
    assert all(table.asset_class(r) == "WAT" for r in np.flatnonzero(wat)[:50])
    assert wat.sum() == sum(table.asset_class(r) == "WAT" for r in range(len(table)))
    assert table.city_mask(["130200"]).sum() == 2400
    assert table.city_mask([]).sum() == 0
    assert table.status_mask(["none"]).all()


def test_set_codes_and_status_notify(table):
    seen = []
    table.subscribe(lambda t, rows: seen.append(rows.tolist()))
    table.set_codes([3, 4], ["130100-WAT-7K3M9Q2X-4", "130100-WAT-00000000-0"], status="pending")
    assert table.code(3) == "130100-WAT-7K3M9Q2X-4" and table.status_of(4) == "pending"
    assert table.row_of_code("130100-WAT-7K3M9Q2X-4") == 3
    table.set_status([3], "issued")
    assert table.status_mask(["issued"]).sum() == 1
    assert seen == [[3, 4], [3]]
    assert table.version == 2
    with pytest.raises(AssetTableError, match="unknown status 'lost'"):
        table.set_status([1], "lost")
    with pytest.raises(AssetTableError, match="row 99999999 out of range"):
        table.set_status([99999999], "issued")
    with pytest.raises(AssetTableError, match="2 code"):
        table.set_codes([1], ["a", "b"])


def test_record_and_round_trip_through_geodataframe(table, geoms):
    rec = table.record(4100)
    assert rec["kind"] == "line" and rec["geometry"].equals(geoms[4100])
    assert rec["name"].startswith("Shijiazhuang")
    gdf = table.to_geodataframe()
    again = AssetTable.from_geodataframe(gdf)
    assert len(again) == len(table)
    assert np.array_equal(again.class_idx, table.class_idx)
    assert again.name(4100) == table.name(4100)
    assert again.find_asset_id(table.asset_id(17)) == 17
    b = (114.4, 37.9, 114.6, 38.1)
    assert np.array_equal(again.query(b), table.query(b))


def test_from_geodataframe_errors():
    base = dict(asset_id=["a"], city=["130100"], name=["n"])
    with pytest.raises(AssetTableError, match="lacks column"):
        AssetTable.from_geodataframe(gpd.GeoDataFrame(base, geometry=[shapely.Point(1, 1)]))
    with pytest.raises(AssetTableError, match="unknown asset class"):
        AssetTable.from_geodataframe(
            gpd.GeoDataFrame(dict(base, asset_class=["XXX"]), geometry=[shapely.Point(1, 1)])
        )
    with pytest.raises(AssetTableError, match="row 0"):
        AssetTable.from_geodataframe(
            gpd.GeoDataFrame(dict(base, asset_class=["WAT"]), geometry=[shapely.Point()])
        )
    with pytest.raises(AssetTableError, match="EPSG:4326"):
        AssetTable.from_geodataframe(
            gpd.GeoDataFrame(
                dict(base, asset_class=["WAT"]), geometry=[shapely.Point(1, 1)], crs=3857
            )
        )


def test_search_and_bounds(table):
    rows = table.search_names("pump station 1", limit=5)
    assert rows and all("Pump Station 1" in table.name(r) for r in rows)
    b = table.bounds([0, 1])
    assert b[0] == min(table.x[0], table.x[1]) and b[3] == max(table.y[0], table.y[1])
    assert table.bounds([]) is None


def test_density_grid_counts(table):
    bbox = table.bounds()
    grid = density_grid(table.x, table.y, bbox, (50, 80))
    inside = (table.x >= bbox[0]) & (table.x < bbox[2]) & (table.y >= bbox[1]) & (table.y < bbox[3])
    assert grid.shape == (50, 80) and grid.sum() == inside.sum()
    # The top row of the grid is the north: the northernmost point lands in row 0.
    top = int(np.argmax(table.y[inside]))
    col = int((table.x[inside][top] - bbox[0]) / (bbox[2] - bbox[0]) * 80)
    assert grid[0, min(col, 79)] >= 1


def test_statuses_constant():
    assert STATUSES == ("none", "pending", "issued", "revoked", "unverified")
