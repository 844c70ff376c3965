"""The map styled and filtered by the life of the codes, and the last inspection and
condition on every asset (issue 12): real node, real pixels."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from app.gis import life_style
from app.ui.labels import TABLE_COLUMNS
from tests.ui.conftest import NODE_PASS, OFFICIAL, OFFICIAL_PASS, wait_idle


def _rgb(window, lon: float, lat: float) -> tuple[int, int, int]:
    view = window.map
    image = view.grab_settled().toImage()
    p = view.graphics.mapFromScene(view.vb.mapViewToScene(QtCore.QPointF(lon, lat)))
    p = view.graphics.mapTo(view, p)
    c = image.pixelColor(p.x(), p.y())
    return c.red(), c.green(), c.blue()


def _hex(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _style(w, qtbot, mode: str) -> None:
    combo = w.layers.color_mode
    with qtbot.waitSignal(w.life.columnsReady, timeout=30000):
        w.life.refresh()
    combo.setCurrentIndex(combo.findData(mode))


def test_condition_style_colours_filters_and_shows_the_grade_everywhere(
    make_window, node_dir, qtbot
):
    from app.ledger.node import Node

    seed = node_dir.joinpath("seed_code").read_text()
    with Node.open(node_dir) as node:
        node.unlock(NODE_PASS)
        node.inspect(OFFICIAL, OFFICIAL_PASS, seed, 5, "cracked housing")
    w = make_window(node_dir, per_city=30)
    table = w.ws.table
    row = table.row_of_code(seed)
    lon, lat = float(table.x[row]), float(table.y[row])
    w.map.zoom_to_bbox((lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002))

    _style(w, qtbot, life_style.CONDITION)
    assert w.map.color_mode == "custom"
    title, entries = w.map.overlay.legend_title, w.map.overlay.legend
    assert title == "Condition grade"
    # only what the map holds: 30 uncoded demo assets and one of grade 5
    assert [text for _c, text in entries] == ["Never coded", "Grade 5 (poor)"]
    grade5 = life_style.GRADE_COLORS[4]
    assert _rgb(w, lon, lat) == _hex(grade5)  # drawn in its grade's colour, over the rest

    # the table's columns and the inspector say it too
    model = w.table.model
    cols = [k for k, _h in TABLE_COLUMNS]
    view_row = int(np.flatnonzero(model.rows == row)[0])
    assert model.data(model.index(view_row, cols.index("condition"))) == "5"
    assert model.data(model.index(view_row, cols.index("inspected"))).startswith("20")
    with qtbot.waitSignal(w.detailsShown, timeout=30000):
        w.map.set_selection([row], emit=True)
    assert w.inspector.condition.text().startswith("Condition grade 5, last inspected 20")
    uncoded = next(r for r in range(len(table)) if table.codes[r] is None)
    w.select_rows([uncoded], "app")
    assert w.inspector.condition.text() == "No code yet: no inspection on record"

    # a category unchecked leaves the map and the table
    legend = w.layers.life_legend.categories
    position = [c.key for c in life_style.CONDITION_CATEGORIES].index("grade-5")
    legend.item(position).setCheckState(QtCore.Qt.CheckState.Unchecked)
    assert not w.map.visible_mask()[row]
    assert _rgb(w, lon, lat) != _hex(grade5)
    wait_idle(qtbot, w.backend)
    assert row not in set(w.table.model.rows.tolist())
    assert [text for _c, text in w.map.overlay.legend] == ["Never coded"]

    # back to the class colours: every asset again, the class legend
    w.layers.color_mode.setCurrentIndex(w.layers.color_mode.findData("class"))
    assert w.map.visible_mask()[row] and w.map.overlay.legend_title == "Assets"
    assert not w.layers.life_legend.isVisible()


def test_life_style_shows_a_code_updated_since_a_date(make_window, node_dir, qtbot):
    from app.ledger.node import Node

    seed = node_dir.joinpath("seed_code").read_text()
    with Node.open(node_dir) as node:
        node.unlock(NODE_PASS)
        node.update(OFFICIAL, OFFICIAL_PASS, seed, attributes={"note": "relabelled"})
    w = make_window(node_dir, per_city=30)
    row = w.ws.table.row_of_code(seed)
    _style(w, qtbot, life_style.LIFE)
    cats = life_style.LIFE_CATEGORIES
    assert cats[w.life.key[row]].key == "updated"  # updated within the last 30 days
    lon, lat = float(w.ws.table.x[row]), float(w.ws.table.y[row])
    w.map.zoom_to_bbox((lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002))
    assert _rgb(w, lon, lat) == _hex(cats[w.life.key[row]].color)
    # the date moved past the update: plain issued
    w.layers.life_legend.since.setDate(w.layers.life_legend.since.date().addDays(60))
    assert cats[w.life.key[row]].key == "issued"
