"""Replacing a polygon's geometry on the map — its vertices dragged with the mouse, Ctrl+Z,
Esc, Enter — or from a file; the old shape ghosted until the ledger confirms (issue 12)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from PySide6 import QtCore
from PySide6.QtCore import Qt

from tests.ui.conftest import NODE_PASS, OFFICIAL, OFFICIAL_PASS, wait_idle
from tests.ui.test_batch_actions import start_batch_dialog

SQUARE = [[114.52, 38.05], [114.53, 38.05], [114.53, 38.06], [114.52, 38.06], [114.52, 38.05]]


def _window_with_a_coded_polygon(make_window, node_dir, qtbot):
    from app.ledger.node import Node

    with Node.open(node_dir) as node:
        node.unlock(NODE_PASS)
        code = node.issue(
            OFFICIAL,
            OFFICIAL_PASS,
            "BLD",
            "Pump house",
            {"type": "Polygon", "coordinates": [SQUARE]},
            {"asset_id": "bld-1"},
        ).code
    w = make_window(node_dir, per_city=20)
    row = w.ws.table.row_of_code(code)
    assert row is not None and w.ws.table.kind[row] == 2
    with qtbot.waitSignal(w.detailsShown, timeout=30000):
        w.map.set_selection([row], emit=True)
    w.map.zoom_to_bbox((114.515, 38.045, 114.535, 38.065))
    return w, row, code


def _device(w, lon, lat) -> QtCore.QPoint:
    return w.map.graphics.mapFromScene(w.map.vb.mapViewToScene(QtCore.QPointF(lon, lat)))


def _drag(qtbot, w, a, b) -> None:
    """A real left-button drag on the map's viewport from lon/lat a to b."""
    port = w.map.graphics.viewport()
    pa, pb = _device(w, *a), _device(w, *b)
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=pa)
    for t in np.linspace(0, 1, 6)[1:]:
        p = QtCore.QPoint(int(pa.x() + (pb.x() - pa.x()) * t), int(pa.y() + (pb.y() - pa.y()) * t))
        qtbot.mouseMove(port, p)
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=pb)


def _shape(w, row):
    return shapely.geometry.shape(shapely.geometry.mapping(w.ws.table.geometry(row)))


def test_vertices_dragged_undone_and_signed(make_window, node_dir, qtbot):
    w, row, code = _window_with_a_coded_polygon(make_window, node_dir, qtbot)
    actions = w.geometry_actions
    assert actions.act_edit.isEnabled() and actions.act_edit in w.selection_menu().actions()
    actions.act_edit.trigger()
    editor = actions.editor
    assert editor.editing and len(editor.handle_positions()) == 4
    view_before = w.map.view_bbox()

    _drag(qtbot, w, (114.53, 38.06), (114.535, 38.064))  # the north-east corner, outwards
    moved = editor.handle_positions()[2]
    assert abs(moved[0] - 114.535) < 3e-4 and abs(moved[1] - 38.064) < 3e-4
    assert w.map.view_bbox() == view_before  # the drag moved the vertex, not the map
    assert editor.edit.moves == 1
    qtbot.keyClick(w.map, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.edit.moves == 0 and editor.handle_positions()[2].tolist() == [114.53, 38.06]

    _drag(qtbot, w, (114.52, 38.05), (114.517, 38.047))  # the first vertex: the ring stays closed
    qtbot.keyClick(w.map, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(w, "batch_dialog", None) is not None, timeout=30000)
    dialog = w.batch_dialog
    assert "Reshape Pump house as drawn on the map" in dialog.what_label.text()
    assert not editor.editing and editor.geometry() is not None  # proposed, no handles
    (ghost,) = w.map.ghost()  # the old shape, ghosted, while the table keeps it
    assert _shape(w, row).equals(shapely.Polygon(SQUARE))
    start_batch_dialog(dialog, qtbot, NODE_PASS)
    with qtbot.waitSignal(dialog.batchDone, timeout=60000):
        dialog.start_button.click()
    qtbot.waitUntil(lambda: editor.geometry() is None, timeout=30000)
    new = _shape(w, w.ws.table.row_of_code(code))
    x0, y0 = new.exterior.coords[0]
    assert abs(x0 - 114.517) < 3e-4 and abs(y0 - 38.047) < 3e-4
    assert new.exterior.coords[0] == new.exterior.coords[-1]
    assert w.map.ghost() == []
    assert w.selection == [row] and w.map.selection() == [row]  # still selected, everywhere
    wait_idle(qtbot, w.backend)
    history = w.backend.ctx.node.history(code)
    assert [r["type"] for _i, r in history] == ["issue", "update"]
    signed = history[1][1]["asset"]["geometry"]["coordinates"][0][0]
    assert np.allclose(signed, new.exterior.coords[0], atol=1e-7)  # the log keeps 7 decimals


def test_escape_cancels_the_edit_and_keeps_the_selection(make_window, node_dir, qtbot):
    w, row, _code = _window_with_a_coded_polygon(make_window, node_dir, qtbot)
    w.geometry_actions.act_edit.trigger()
    _drag(qtbot, w, (114.53, 38.05), (114.54, 38.04))
    qtbot.keyClick(w.map, Qt.Key.Key_Escape)
    editor = w.geometry_actions.editor
    assert not editor.editing and editor.geometry() is None
    assert w.selection == [row]  # Esc went to the edit, not to Clear selection
    assert _shape(w, row).equals(shapely.Polygon(SQUARE))
    qtbot.keyClick(w.map, Qt.Key.Key_Escape)
    assert w.selection == []  # without an edit, Esc clears the selection as before


def test_geometry_replaced_from_a_projected_file(make_window, node_dir, qtbot, tmp_path):
    w, row, code = _window_with_a_coded_polygon(make_window, node_dir, qtbot)
    bigger = shapely.Polygon(SQUARE).buffer(0.002, join_style="mitre")
    path = tmp_path / "surveyed.geojson"
    gpd.GeoSeries([bigger], crs="EPSG:4326").to_crs("EPSG:3857").to_file(path)
    two = tmp_path / "two.geojson"
    gpd.GeoSeries([bigger, bigger], crs="EPSG:4326").to_file(two)

    w.geometry_actions.replace_from(str(two))
    qtbot.waitUntil(lambda: w.geometry_actions.refusal is not None, timeout=30000)
    assert "holds 2 features" in w.geometry_actions.refusal.text()
    w.geometry_actions.refusal.close()

    w.geometry_actions.replace_from(str(path))
    qtbot.waitUntil(lambda: getattr(w, "batch_dialog", None) is not None, timeout=30000)
    dialog = w.batch_dialog
    assert "surveyed.geojson" in dialog.what_label.text()
    assert len(w.map.ghost()) == 1 and _shape(w, row).equals(shapely.Polygon(SQUARE))
    start_batch_dialog(dialog, qtbot, NODE_PASS)
    with qtbot.waitSignal(dialog.batchDone, timeout=60000):
        dialog.start_button.click()
    qtbot.waitUntil(lambda: w.geometry_actions.editor.geometry() is None, timeout=30000)
    new = _shape(w, w.ws.table.row_of_code(code))
    assert new.symmetric_difference(bigger).area < 1e-10  # reprojected back to lon/lat
