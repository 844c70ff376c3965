import numpy as np
import pytest
import shapely

from app.core.classes import ASSET_CLASSES
from app.gis import maps
from app.gis.demo_assets import KINDS, DemoAssets, generate_assets, generate_demo


@pytest.fixture(scope="module")
def demo():
    return generate_demo("130100", 3000, 600, 300, seed=7)


def test_same_seed_same_assets(demo):
    again = generate_demo("130100", 3000, 600, 300, seed=7)
    for f in ("kind", "subtype", "serial", "x", "y", "year", "material", "value"):
        assert np.array_equal(getattr(demo, f), getattr(again, f)), f
    assert shapely.equals(demo.shapes, again.shapes).all()
    assert [demo.name(i) for i in range(0, 3900, 97)] == [again.name(i) for i in range(0, 3900, 97)]
    other = generate_demo("130100", 3000, 600, 300, seed=8)
    assert not np.array_equal(demo.x, other.x)


def test_every_asset_inside_its_city(demo):
    boundary = maps.city_boundaries(["130100"]).geometry.iloc[0]
    geoms = demo.geometries()
    assert shapely.within(geoms, boundary).all()
    assert shapely.is_valid(geoms).all()


def test_kinds_counts_and_classes_match_the_registry(demo):
    assert np.bincount(demo.kind, minlength=3).tolist() == [3000, 600, 300]
    classes = list(ASSET_CLASSES)
    for k, c in set(zip(demo.kind.tolist(), demo.class_idx.tolist())):
        assert KINDS[k] in ASSET_CLASSES[classes[c]].kinds, (KINDS[k], classes[c])
    types = shapely.get_type_id(demo.shapes)
    assert set(types[demo.kind[demo.kind != 0] == 1]) == {1}  # LineString
    assert set(types[demo.kind[demo.kind != 0] == 2]) == {3}  # Polygon
    # Lines are polylines with several vertices, not single segments.
    lines = demo.shapes[demo.kind[demo.kind != 0] == 1]
    assert np.median(shapely.get_num_coordinates(lines)) >= 6


def test_names_ids_and_attributes(demo):
    names = {demo.name(i) for i in range(len(demo))}
    assert len(names) == len(demo)  # unique names
    assert all(n.startswith("Shijiazhuang ") for n in names)
    assert "Shijiazhuang Pump Station 1" in names
    ids = [demo.asset_id(i) for i in range(len(demo))]
    assert len(set(ids)) == len(ids) and ids[0] == "130100-P0000000"
    assert demo.find_asset_id(ids[3100]) == 3100
    a = demo.attributes(3000)
    assert {"type", "year", "condition", "name_zh"} <= set(a)
    assert 1955 <= a["year"] <= 2025
    assert a["name_zh"].startswith("石家庄市")


def test_generate_assets_contract_frame():
    gdf = generate_assets("131000", 500, seed=1)
    assert list(gdf.columns) == [
        "asset_id",
        "city",
        "asset_class",
        "name",
        "attributes",
        "geometry",
    ]
    assert len(gdf) == 500 and gdf.crs.to_epsg() == 4326
    assert set(gdf["asset_class"]) <= set(ASSET_CLASSES)
    assert (gdf["city"] == "131000").all()
    assert isinstance(gdf["attributes"].iloc[0], dict)


def test_concat_keeps_cities_apart():
    both = DemoAssets.concat([generate_demo("130100", 50, 5, 5), generate_demo("130200", 50, 5, 5)])
    assert both.city_codes == ("130100", "130200")
    assert both.city(0) == "130100" and both.city(len(both) - 1) == "130200"
    assert both.name(len(both) - 1).startswith("Tangshan ")


def test_large_generation_is_fast_and_contained():
    import time

    t = time.perf_counter()
    big = generate_demo("130600", 200_000, 2000, 2000, seed=3)
    elapsed = time.perf_counter() - t
    assert len(big) == 204_000
    boundary = maps.city_boundaries(["130600"]).geometry.iloc[0]
    assert shapely.contains_xy(boundary, big.x, big.y).all()
    assert elapsed < 30  # generous: a shared CI box; ~0.3 s here


def test_negative_count_rejected():
    with pytest.raises(ValueError, match="n_lines must be >= 0"):
        generate_demo("130100", 10, -1)
