"""A line's or polygon's new geometry: vertices moved with undo, or one feature read
from a file and reprojected (issue 12)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from app.gis.geometry_edit import GeometryFileError, VertexEdit, geometry_from_file
from app.gis.layer_io import LayerError

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[114.5, 38.0], [114.51, 38.0], [114.51, 38.01], [114.5, 38.01], [114.5, 38.0]]
    ],
}
LINE = {"type": "LineString", "coordinates": [[114.5, 38.0], [114.51, 38.0], [114.52, 38.01]]}


def test_a_ring_has_no_separate_closing_vertex_and_stays_closed():
    edit = VertexEdit(SQUARE)
    vs = edit.vertices()
    assert len(vs) == 4  # not 5: the closing vertex is the first one
    first = vs[0][0]
    edit.move(first, 114.499, 37.999)
    ring = edit.geometry()["coordinates"][0]
    assert ring[0] == ring[-1] == [114.499, 37.999]
    assert shapely.geometry.shape(edit.geometry()).is_valid


def test_a_drag_is_one_move_and_undo_takes_back_the_last():
    edit = VertexEdit(LINE)
    v = edit.vertices()[1][0]
    start = edit.position(v)
    edit.preview(v, 114.512, 38.001)  # the mouse moves
    edit.preview(v, 114.513, 38.002)
    edit.move(v, 114.514, 38.003, start=start)  # dropped
    w = edit.vertices()[2][0]
    edit.move(w, 114.53, 38.02)
    assert edit.moves == 2
    assert edit.undo() and edit.geometry()["coordinates"][2] == [114.52, 38.01]
    assert edit.geometry()["coordinates"][1] == [114.514, 38.003]
    assert edit.undo() and edit.geometry() == LINE  # back where the drag started
    assert not edit.undo() and edit.moves == 0


def test_a_bow_tie_is_found_invalid():
    edit = VertexEdit(SQUARE)
    vs = [v for v, _x, _y in edit.vertices()]
    edit.move(vs[2], 114.5, 38.01)  # the two top corners swapped: a bow tie
    edit.move(vs[3], 114.51, 38.01)
    assert edit.problem() is not None and "intersection" in edit.problem().lower()
    with pytest.raises(ValueError, match="only lines and polygons"):
        VertexEdit({"type": "Point", "coordinates": [1, 2]})


def _write(tmp_path, name, geoms, crs="EPSG:4326"):
    path = tmp_path / name
    gpd.GeoDataFrame({"n": list(range(len(geoms)))}, geometry=geoms, crs=crs).to_file(path)
    return path


def test_one_feature_from_a_geopackage_is_reprojected_to_lon_lat(tmp_path):
    polygon = shapely.geometry.shape(SQUARE)
    projected = gpd.GeoSeries([polygon], crs="EPSG:4326").to_crs("EPSG:3857")
    path = _write(tmp_path, "new.gpkg", list(projected), crs="EPSG:3857")
    got = shapely.geometry.shape(geometry_from_file(path, "Polygon"))
    assert got.geom_type == "Polygon"
    assert got.equals_exact(polygon, 1e-9) or got.symmetric_difference(polygon).area < 1e-12
    # a MultiPolygon asset takes a Polygon: the same family
    assert geometry_from_file(path, "MultiPolygon")["type"] == "Polygon"


def test_files_that_cannot_give_the_new_geometry_are_refused_with_why(tmp_path):
    line = shapely.geometry.shape(LINE)
    two = _write(tmp_path, "two.geojson", [line, line])
    with pytest.raises(GeometryFileError, match="holds 2 features") as e:
        geometry_from_file(two, "LineString")
    assert e.value.params["count"] == 2
    one_line = _write(tmp_path, "line.geojson", [line])
    with pytest.raises(GeometryFileError, match="holds a LineString; the asset is a Polygon"):
        geometry_from_file(one_line, "Polygon")
    with pytest.raises(LayerError):
        geometry_from_file(tmp_path / "missing.gpkg", "Polygon")
    assert geometry_from_file(one_line, "LineString") == LINE  # plain GeoJSON lists
