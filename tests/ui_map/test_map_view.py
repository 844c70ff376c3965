import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
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
    img = view.grab_settled().toImage()
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
    assert close(_color_at(view.grab_settled().toImage(), p), own)
    others = [c for c in ASSET_CLASSES if c != view.table.asset_class(row)]
    view.set_visible_classes(others)
    assert not close(_color_at(view.grab_settled().toImage(), p), own)
    assert view.identify_at(view.table.x[row], view.table.y[row]) is None
    view.set_visible_classes(None)
    view.table.set_codes([row], ["130100-WAT-7K3M9Q2X-4"], status="revoked")
    view.set_color_mode("status")
    assert close(_color_at(view.grab_settled().toImage(), p), QtGui.QColor("#d62728"))
    view.set_visible_statuses(["issued"])
    assert not close(_color_at(view.grab_settled().toImage(), p), QtGui.QColor("#d62728"))


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
    assert view.opacity("points") == pytest.approx(0.25)
    with pytest.raises(ValueError, match="unknown layer 'roads'"):
        view.set_opacity("roads", 1)


def test_dense_view_is_a_density_image_from_the_pyramid(view):
    """Zoomed out with many points the marks become a density image, drawn from the
    aggregation pyramid once it is built (in the background, once per data change)."""
    big = AssetTable.from_demo(generate_demo("130100", 300_000, 0, 0, seed=1))
    view.set_table(big)
    view.zoom_full()
    view.grab_settled()
    assert view.assets.last_stats["mode"] == "density"
    pyramid = view.assets.marks.pyramid
    assert pyramid is not None and pyramid.generation == view.assets.marks.generation
    c = _color_at(view.grab_settled().toImage(), to_widget(view, 114.48, 38.04))
    assert c != QtGui.QColor("#eef1f4")  # the city centre is covered
    # Zooming does not rebuild it: the same object serves every level.
    view.zoom(1.3)
    view.grab_settled()
    assert view.assets.marks.pyramid is pyramid


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
    assert not view.grab_settled().toImage().isNull()


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


def _hexagon(cx, cy, r):
    a = np.radians(np.arange(6) * 60)
    return shapely.Polygon(np.column_stack([cx + r * np.cos(a), cy + r * np.sin(a)]))


@pytest.fixture()
def overlap_view(qtbot):
    """Two overlapping hexagons and a square with a square hole, all one class (one
    colour, so one path: the case where even-odd filling cancelled the overlap)."""
    geoms = [
        _hexagon(114.0, 38.0, 0.01),
        _hexagon(114.012, 38.0, 0.01),
        shapely.Polygon(
            [(114.04, 37.99), (114.06, 37.99), (114.06, 38.01), (114.04, 38.01)],
            holes=[[(114.045, 37.995), (114.045, 38.005), (114.055, 38.005), (114.055, 37.995)]],
        ),
    ]
    gdf = gpd.GeoDataFrame(
        {"asset_id": list("abc"), "city": ["130100"] * 3, "asset_class": ["BLD"] * 3},
        geometry=geoms,
        crs=4326,
    ).assign(name=list("abc"))
    v = MapView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.set_legend_visible(False)
    v.set_table(AssetTable.from_geodataframe(gdf))
    v.show()
    qtbot.waitExposed(v)
    v.zoom_to_bbox((113.985, 37.985, 114.065, 38.015))
    return v


@pytest.mark.parametrize("painter", ["qpainter", "numpy"])
def test_overlapping_polygons_are_each_filled_and_holes_stay_empty(
    overlap_view, tmp_path, monkeypatch, painter
):
    """Both fills: QPainter's (a close-up view, few shapes) and numpy's scanlines (the
    view holding FINE_SHAPES or more)."""
    from app.ui.map import layers

    view = overlap_view
    if painter == "numpy":
        monkeypatch.setattr(layers, "FINE_SHAPES", 0)
        view.assets.invalidate()
    img = view.grab_settled().toImage()
    assert view.assets.last_stats["fine"] == (painter == "qpainter")
    img.save(str(tmp_path / "overlap.png"))
    background = QtGui.QColor("#eef1f4")
    only_a = _color_at(img, to_widget(view, 113.996, 38.0))
    overlap = _color_at(img, to_widget(view, 114.006, 38.0))
    only_b = _color_at(img, to_widget(view, 114.017, 38.0))
    ring = _color_at(img, to_widget(view, 114.0425, 38.0))
    hole = _color_at(img, to_widget(view, 114.05, 38.0))
    outside = _color_at(img, to_widget(view, 114.03, 38.0))
    assert not close(only_a, background, tol=10)
    assert overlap == only_a == only_b == ring  # filled once, everywhere inside
    assert close(hole, background, tol=2) and close(outside, background, tol=2)


def test_a_pan_draws_the_same_picture_as_a_fresh_render(view):
    """The pan shifts the last image and renders only the exposed strips; the result
    must be the image a full render of the new view gives."""
    view.zoom_to_city("130100")
    view.zoom(2)
    view.grab_settled()
    before = view.assets.rendered_px
    view.pan(0.13, -0.07)
    panned = view.grab_settled().toImage()
    strips = view.assets.rendered_px - before
    view.assets.invalidate()
    fresh = view.grab_settled().toImage()
    full = view.assets.rendered_px - before - strips
    assert 0 < strips < 0.3 * full  # the pan rendered only what it exposed
    diff = np.frombuffer(panned.constBits(), np.uint32) != np.frombuffer(
        fresh.constBits(), np.uint32
    )
    assert diff.mean() < 0.002, diff.mean()  # at most a few seam pixels


def test_a_first_view_shows_at_once_and_refines(view):
    """With a tiny budget a paint renders one band and leaves the rest for later
    paints: the map is never blocked by a whole frame."""
    view.assets.budget = view.assets.frame_budget = 0.0
    view.zoom_to_city("130200")
    view.grab()
    assert view.assets.last_stats["bands"] == 1 and view.assets.busy()
    view.grab_settled()
    assert not view.assets.busy()
