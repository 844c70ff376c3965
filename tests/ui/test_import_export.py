"""Import assets from GeoJSON/GeoPackage, export a selection to GeoPackage/GeoJSON/CSV."""

from __future__ import annotations

import csv
import json

import pyogrio

FEATURES = [
    ("WAT", "Imported pump", {"type": "Point", "coordinates": [114.52, 38.05]}),
    (
        "ROD",
        "Imported road",
        {"type": "LineString", "coordinates": [[114.50, 38.03], [114.53, 38.04]]},
    ),
    (
        "BLD",
        "Imported depot",
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [114.51, 38.01],
                    [114.512, 38.01],
                    [114.512, 38.012],
                    [114.51, 38.012],
                    [114.51, 38.01],
                ]
            ],
        },
    ),
]


def _geojson(path, features, cls_key="class"):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": g,
                "properties": {cls_key: c, "name": n, "id": f"imp-{i}", "owner": "water bureau"},
            }
            for i, (c, n, g) in enumerate(features)
        ],
    }
    path.write_text(json.dumps(doc))
    return path


def test_import_geojson_then_export_selection(make_window, node_dir, tmp_path, qtbot):
    w = make_window(node_dir, per_city=100)
    before = len(w.ws.table)
    src = _geojson(tmp_path / "assets.geojson", FEATURES)
    w.import_from(str(src))
    qtbot.waitUntil(lambda: len(w.ws.table) == before + 3, timeout=60000)
    table = w.ws.table
    row = table.find_asset_id("imp-0")
    assert row is not None and table.name(row) == "Imported pump"
    assert table.city(row) == "130100" and table.attributes(row)["owner"] == "water bureau"
    assert (node_dir / "assets.gpkg").exists()  # kept for the next start
    qtbot.waitUntil(lambda: w.table.model.rowCount() == before + 3, timeout=30000)

    rows = [table.find_asset_id(f"imp-{i}") for i in range(3)]
    w.select_rows(rows, "test")
    for suffix in ("gpkg", "geojson"):
        out = tmp_path / f"sel.{suffix}"
        w.export_to(str(out))
        qtbot.waitUntil(lambda out=out: out.exists() and w.backend.pending() == 0, timeout=30000)
        frame = pyogrio.read_dataframe(out)
        assert sorted(frame["name"]) == sorted(n for _, n, _ in FEATURES)
        assert set(frame.geometry.geom_type) == {"Point", "LineString", "Polygon"}
    out = tmp_path / "sel.csv"
    w.export_to(str(out))
    qtbot.waitUntil(lambda: out.exists() and w.backend.pending() == 0, timeout=30000)
    with out.open() as f:
        records = list(csv.DictReader(f))
    assert len(records) == 3 and records[0]["geometry"].split(" ")[0] in (
        "POINT",
        "LINESTRING",
        "POLYGON",
    )


def test_reopening_uses_the_imported_inventory(make_window, node_dir, tmp_path, qtbot):
    w = make_window(node_dir, per_city=100)
    w.import_from(str(_geojson(tmp_path / "a.geojson", FEATURES)))
    qtbot.waitUntil(
        lambda: (node_dir / "assets.gpkg").exists() and w.backend.pending() == 0, timeout=60000
    )
    w.close()
    again = make_window(node_dir, per_city=100)
    assert not again.ws.demo_assets
    names = {again.ws.table.name(r) for r in range(len(again.ws.table))}
    assert {"Imported pump", "Imported road", "Imported depot"} <= names


def test_bad_asset_class_is_refused_with_the_feature_named(make_window, node_dir, tmp_path, qtbot):
    w = make_window(node_dir, per_city=100)
    before = len(w.ws.table)
    bad = FEATURES[:1] + [("XYZ", "Mystery", FEATURES[0][2])]
    w.import_from(str(_geojson(tmp_path / "bad.geojson", bad)))
    qtbot.waitUntil(lambda: bool(w.last_error), timeout=60000)
    assert "feature 1" in w.last_error and "XYZ" in w.last_error
    assert len(w.ws.table) == before and not (node_dir / "assets.gpkg").exists()


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[114.4, 37.9], [114.7, 37.9], [114.7, 38.2], [114.4, 38.2], [114.4, 37.9]]],
}


def test_import_boundaries_replaces_the_demo_outline_and_is_kept(
    make_window, node_dir, tmp_path, qtbot
):
    w = make_window(node_dir, per_city=100)
    demo_area = float(w.ws.boundaries.set_index("city").loc["130100"].geometry.area)
    src = tmp_path / "bounds.geojson"
    src.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": SQUARE,
                        "properties": {"adcode": "130100", "name": "石家庄市（测绘）"},
                    }
                ],
            }
        )
    )
    w.import_boundaries_from(str(src))
    qtbot.waitUntil(lambda: "石家庄市（测绘）" in w.ws.cities["130100"][0], timeout=60000)
    row = w.ws.boundaries.set_index("city").loc["130100"]
    assert abs(float(row.geometry.area) - 0.09) < 1e-9 and abs(demo_area - 0.09) > 0.01
    assert (node_dir / "boundaries.gpkg").exists()  # used again on the next start

    from app.ui import workspace

    again = workspace.city_boundaries(node_dir, ["130100"])
    assert len(again) == 1 and abs(float(again.geometry.iloc[0].area) - 0.09) < 1e-9


def test_import_boundaries_refuses_points_and_writes_nothing(
    make_window, node_dir, tmp_path, qtbot
):
    w = make_window(node_dir, per_city=100)
    failures = []
    w.backend.jobFailed.connect(lambda label, exc: failures.append(str(exc)))
    src = tmp_path / "points.geojson"
    src.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [114.5, 38.0]},
                        "properties": {"adcode": "130100"},
                    }
                ],
            }
        )
    )
    before = w.ws.boundaries.copy()
    w.import_boundaries_from(str(src))
    qtbot.waitUntil(lambda: bool(failures), timeout=30000)
    assert "must be polygons" in failures[0] and "points.geojson" in failures[0]
    assert not (node_dir / "boundaries.gpkg").exists()
    assert w.ws.boundaries.equals(before)
