import math

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from app.core.classes import ASSET_CLASSES
from app.gis import maps
from app.gis.assets import AssetTable
from app.gis.demo_assets import DemoAssets, generate_demo
from app.ui.map import MapView

CITIES = ["130100", "130200"]


@pytest.fixture(scope="module")
def demo():
    return DemoAssets.concat([generate_demo(c, 1500, 200, 100, seed=4) for c in CITIES])


@pytest.fixture()
def view(qtbot, demo):
    v = MapView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.set_boundaries(maps.city_boundaries(CITIES))
    v.set_table(AssetTable.from_demo(demo))
    v.show()
    qtbot.waitExposed(v)
    return v


def to_widget(view, x, y) -> QtCore.QPoint:
    scene = view.vb.mapViewToScene(QtCore.QPointF(x, y))
    return view.graphics.mapFromScene(scene)


def isolated_point(view, min_px=14):
    """A visible point row with no other asset within min_px pixels."""
    t = view.table
    (x0, x1), (y0, y1) = view.vb.viewRange()
    tol = min_px * view.deg_per_px()
    for r in np.flatnonzero(t.kind == 0):
        if not (x0 < t.x[r] < x1 and y0 < t.y[r] < y1):
            continue
        p = to_widget(view, t.x[r], t.y[r])
        if not (20 < p.x() < view.width() - 320 and 20 < p.y() < view.height() - 60):
            continue  # keep clear of legend and scale bar
        near = t.query((t.x[r] - tol, t.y[r] - tol, t.x[r] + tol, t.y[r] + tol))
        if len(near) == 1:
            return int(r)
    raise AssertionError("no isolated point in view")


def test_click_identifies_the_asset_under_the_cursor(qtbot, view):
    view.zoom_to_city("130100")
    row = isolated_point(view)
    pos = to_widget(view, view.table.x[row], view.table.y[row]) + QtCore.QPoint(2, -1)
    with qtbot.waitSignals(
        [view.selectionChanged, view.identifyRequested],
        check_params_cbs=[lambda s: s == [row], lambda r: r == row],
    ):
        qtbot.mouseClick(view.graphics.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert view.selection() == [row]
    # A click on empty ground clears the selection.
    with qtbot.waitSignal(view.selectionChanged, check_params_cb=lambda s: s == []):
        qtbot.mouseClick(
            view.graphics.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(3, 3)
        )


def _send(widget, kind, pos, buttons, mods):
    ev = QtGui.QMouseEvent(
        kind,
        QtCore.QPointF(pos),
        QtCore.QPointF(widget.mapToGlobal(pos)),
        QtCore.Qt.MouseButton.LeftButton,
        buttons,
        mods,
    )
    QtCore.QCoreApplication.sendEvent(widget, ev)


def test_shift_drag_box_selects_exactly_the_spatial_query(qtbot, view):
    view.zoom_to_city("130100")
    vp = view.graphics.viewport()
    range_before = view.vb.viewRange()
    a, b = QtCore.QPoint(300, 250), QtCore.QPoint(520, 420)
    mods = QtCore.Qt.KeyboardModifier.ShiftModifier
    left = QtCore.Qt.MouseButton.LeftButton
    none = QtCore.Qt.MouseButton.NoButton
    with qtbot.waitSignal(view.selectionChanged) as sig:
        _send(vp, QtCore.QEvent.Type.MouseButtonPress, a, left, mods)
        for k in range(1, 6):
            _send(vp, QtCore.QEvent.Type.MouseMove, a + (b - a) * (k / 5), left, mods)
        _send(vp, QtCore.QEvent.Type.MouseButtonRelease, b, none, mods)
    pa = view.vb.mapSceneToView(view.graphics.mapToScene(a))
    pb = view.vb.mapSceneToView(view.graphics.mapToScene(b))
    expect = view.table.query((pa.x(), pa.y(), pb.x(), pb.y())).tolist()
    assert len(expect) > 10
    assert sig.args[0] == expect == view.selection()
    # The view did not pan while box-selecting.
    assert view.vb.viewRange() == range_before


def test_zoom_to_city_and_selection_change_the_view(view):
    before = view.view_bbox()
    view.zoom_to_city("130200")
    after = view.view_bbox()
    tangshan = maps.city_boundaries(["130200"]).geometry.iloc[0].bounds
    assert after != before
    assert after[0] <= tangshan[0] and after[2] >= tangshan[2]
    assert after[1] <= tangshan[1] and after[3] >= tangshan[3]
    assert (after[2] - after[0]) < (before[2] - before[0])
    view.set_selection([5])
    view.zoom_to_selection()
    sel = view.view_bbox()
    assert sel[0] < view.table.x[5] < sel[2] and (sel[2] - sel[0]) < 0.05
    with pytest.raises(KeyError, match="999999"):
        view.zoom_to_city("999999")


def assert_aspect_corrected(view, step):
    """One degree of latitude is drawn 1/cos(lat0) times as tall as one of longitude."""
    p0 = view.vb.mapViewToScene(QtCore.QPointF(114.0, 38.0))
    px = view.vb.mapViewToScene(QtCore.QPointF(114.0 + step, 38.0))
    py = view.vb.mapViewToScene(QtCore.QPointF(114.0, 38.0 + step))
    ratio = abs(py.y() - p0.y()) / abs(px.x() - p0.x())
    lat0 = (view.boundaries.total_bounds[1] + view.boundaries.total_bounds[3]) / 2
    assert ratio == pytest.approx(1 / math.cos(math.radians(lat0)), rel=1e-3)


def test_aspect_is_corrected_for_latitude(view):
    view.zoom_to_city("130100")
    assert_aspect_corrected(view, 0.1)


def test_keyboard_zoom_and_pan(qtbot, view):
    (x0, x1), _ = view.vb.viewRange()
    qtbot.keyClick(view, QtCore.Qt.Key.Key_Plus)
    (a0, a1), _ = view.vb.viewRange()
    assert (a1 - a0) == pytest.approx((x1 - x0) / 1.5, rel=0.02)
    qtbot.keyClick(view, QtCore.Qt.Key.Key_Right)
    (b0, b1), _ = view.vb.viewRange()
    assert b0 > a0


def _color_at(img, p):
    return QtGui.QColor(img.pixel(p.x(), p.y()))


def close(c1, c2, tol=40):
    return (
        max(abs(c1.red() - c2.red()), abs(c1.green() - c2.green()), abs(c1.blue() - c2.blue()))
        <= tol
    )


def test_render_shows_class_colours_at_asset_positions(view, tmp_path):
    view.zoom_to_city("130100")
    view.zoom(3)
    img = view.grab().toImage()
    img.save(str(tmp_path / "map.png"))
    # Not blank: many distinct colours.
    arr = np.frombuffer(
        img.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits(), np.uint32
    )
    assert len(np.unique(arr)) > 20
    t = view.table
    checked = 0
    for r in np.flatnonzero(t.kind == 0):
        p = to_widget(view, t.x[r], t.y[r])
        if not (10 < p.x() < view.width() - 330 and 10 < p.y() < view.height() - 60):
            continue
        tol = 6 * view.deg_per_px()
        if len(t.query((t.x[r] - tol, t.y[r] - tol, t.x[r] + tol, t.y[r] + tol))) != 1:
            continue
        want = QtGui.QColor(ASSET_CLASSES[t.asset_class(r)].color)
        assert close(_color_at(img, p), want), (r, t.asset_class(r), _color_at(img, p).name())
        checked += 1
        if checked == 10:
            break
    assert checked >= 5


def test_filters_hide_and_status_colouring(view):
    view.zoom_to_city("130100")
    view.zoom(3)
    row = isolated_point(view)
    p = to_widget(view, view.table.x[row], view.table.y[row])
    own = QtGui.QColor(ASSET_CLASSES[view.table.asset_class(row)].color)
    assert close(_color_at(view.grab().toImage(), p), own)
    others = [c for c in ASSET_CLASSES if c != view.table.asset_class(row)]
    view.set_visible_classes(others)
    assert not close(_color_at(view.grab().toImage(), p), own)
    assert view.identify_at(view.table.x[row], view.table.y[row]) is None
    view.set_visible_classes(None)
    view.table.set_codes([row], ["130100-WAT-7K3M9Q2X-4"], status="revoked")
    view.set_color_mode("status")
    assert close(_color_at(view.grab().toImage(), p), QtGui.QColor("#d62728"))
    view.set_visible_statuses(["issued"])
    assert not close(_color_at(view.grab().toImage(), p), QtGui.QColor("#d62728"))


def test_cursor_moves_report_lon_lat(qtbot, view):
    view.zoom_to_city("130100")
    target = to_widget(view, 114.5, 38.0)
    with qtbot.waitSignal(view.cursorMoved) as sig:
        qtbot.mouseMove(view.graphics.viewport(), target)
    lon, lat = sig.args
    assert lon == pytest.approx(114.5, abs=3 * view.deg_per_px())
    assert lat == pytest.approx(38.0, abs=3 * view.deg_per_px())
    assert view.overlay.cursor_text == f"{lat:.5f}°N  {lon:.5f}°E"


def test_opacity_and_unknown_layer(view):
    view.set_opacity("points", 0.25)
    assert view.points.opacity() == pytest.approx(0.25)
    with pytest.raises(ValueError, match="unknown layer 'roads'"):
        view.set_opacity("roads", 1)


def _frame(view):
    """(sx, sy, dx, dy, w, h, bbox) of the current view, as the layer's paint sees it."""
    x0, y0, x1, y1 = view.view_bbox()
    w, h = view.graphics.viewport().width(), view.graphics.viewport().height()
    a = to_widget(view, x0, y1)
    b = to_widget(view, x1, y0)
    sx = (b.x() - a.x()) / (x1 - x0)
    sy = (b.y() - a.y()) / (y0 - y1)
    return sx, sy, a.x() - sx * x0, a.y() - sy * y1, w, h, (x0, y0, x1, y1)


def test_dense_view_aggregates(view):
    """Zoomed out with many points the point layer switches to the density image."""
    big = AssetTable.from_demo(generate_demo("130100", 300_000, 0, 0, seed=1))
    view.set_table(big)
    view.zoom_full()
    img = view.grab().toImage()
    assert view.points.last_stats["mode"] in ("density", "aggregated")
    assert view.points.last_stats["visible"] == 300_000
    # The aggregated pyramid and the raw points give the same picture, pixel for pixel
    # up to one pixel of quantisation: compare how many pixels are covered.
    agg = view.points.rasterize(*_frame(view))
    level_off = view.points._agg
    view.points._agg = {}
    import app.ui.map.layers as layers

    old, layers.AGG_BASE = layers.AGG_BASE, 1e9  # no level fits: raw points
    try:
        raw = view.points.rasterize(*_frame(view))
    finally:
        layers.AGG_BASE = old
        view.points._agg = level_off
    assert view.points.last_stats["mode"] == "density"
    covered_agg, covered_raw = (agg != 0).sum(), (raw != 0).sum()
    assert abs(covered_agg - covered_raw) < 0.15 * covered_raw
    c = _color_at(img, to_widget(view, 114.48, 38.04))  # the city centre is covered
    assert c != QtGui.QColor("#eef1f4")


def test_every_shape_survives_each_level_of_detail(demo):
    from app.ui.map.layers import ShapeLayer, _LevelOfDetail

    kinds = demo.kind[demo.kind != 0]
    for kind in (1, 2):
        geoms = demo.shapes[kinds == kind]
        for tol in ShapeLayer.TOLERANCES:
            lod = _LevelOfDetail(geoms, tol, rings=kind == 2)
            n = lod.end - lod.start
            assert (n >= (3 if kind == 1 else 5)).all(), (kind, tol)  # >= 2 (4) vertices + NaN
            x, y = lod.gather(np.arange(len(geoms)))
            assert np.isnan(x).sum() == len(geoms)
            # Simplification never moves a vertex outside the shape's box.
            b = demo.shapes[kinds == kind][0].bounds
            x0, y0 = lod.gather(np.array([0]))
            ok = np.isfinite(x0)
            assert (x0[ok] >= b[0] - 1e-12).all() and (x0[ok] <= b[2] + 1e-12).all()


def test_wheel_zooms_around_the_cursor_within_limits(qtbot, view):
    view.zoom_to_city("130100")
    vp = view.graphics.viewport()
    at = QtCore.QPoint(vp.width() // 3, vp.height() // 2)
    before = view.vb.mapSceneToView(view.graphics.mapToScene(at))
    (x0, x1), _ = view.vb.viewRange()

    def wheel(delta):
        ev = QtGui.QWheelEvent(
            QtCore.QPointF(at),
            QtCore.QPointF(vp.mapToGlobal(at)),
            QtCore.QPoint(),
            QtCore.QPoint(0, delta),
            QtCore.Qt.MouseButton.NoButton,
            QtCore.Qt.KeyboardModifier.NoModifier,
            QtCore.Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QtCore.QCoreApplication.sendEvent(vp, ev)

    wheel(240)
    (a0, a1), _ = view.vb.viewRange()
    assert (a1 - a0) < 0.9 * (x1 - x0)
    after = view.vb.mapSceneToView(view.graphics.mapToScene(at))
    # The spot under the cursor stays put (within a pixel).
    assert abs(after.x() - before.x()) < 1.5 * view.deg_per_px()
    for _ in range(60):
        wheel(240)
    (b0, b1), _ = view.vb.viewRange()
    assert (b1 - b0) >= 5e-4 * 0.99  # street level is the limit


def test_zooming_far_out_keeps_the_aspect(view):
    for _ in range(30):
        view.zoom(1 / 1.5)
    (x0, x1), (y0, y1) = view.vb.viewRange()
    assert x1 - x0 <= 90 * 1.01
    assert_aspect_corrected(view, 1.0)
    assert not view.grab().toImage().isNull()


def test_aggregation_colours_a_cell_by_its_most_common_class():
    import geopandas as gpd
    import shapely as shp

    from app.core.classes import ASSET_CLASSES as AC
    from app.ui.map.layers import PointLayer

    # One tight cluster: three WAT and one PWR in the same cell; one GAS far away.
    xs = [114.0, 114.00001, 114.00002, 114.00003, 115.0]
    cls = ["WAT", "WAT", "PWR", "WAT", "GAS"]
    gdf = gpd.GeoDataFrame(
        {
            "asset_id": list("abcde"),
            "city": ["130100"] * 5,
            "asset_class": cls,
            "name": list("abcde"),
        },
        geometry=shp.points(xs, [38.0] * 5),
        crs=4326,
    )
    table = AssetTable.from_geodataframe(gdf)
    layer = PointLayer()
    layer.set_table(table, [AC[c].color for c in AC])
    ax, ay, key, count = layer._aggregate(3)  # cells of 0.0008 degrees
    codes = list(AC)
    by_count = {int(c): codes[int(k)] for k, c in zip(key, count)}
    assert by_count == {4: "WAT", 1: "GAS"}
    assert count.sum() == 5


def test_zoom_full_keeps_the_cities_clear_of_the_legend(qtbot):
    """The overview leaves the top-right corner, where the legend is drawn, free of data."""
    from app.gis import maps
    from app.ui.map import MapView

    view = MapView()
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    bounds = maps.city_boundaries(["130100", "130200"])
    view.set_boundaries(bounds)
    view.zoom_full()
    qtbot.wait(50)
    legend_w, _ = view.overlay.legend_size()
    assert legend_w > 0
    x0, _y0, x1, _y1 = view.view_bbox()
    legend_left_lon = x0 + (x1 - x0) * (view.width() - legend_w - 8) / view.width()
    assert bounds.total_bounds[2] < legend_left_lon
