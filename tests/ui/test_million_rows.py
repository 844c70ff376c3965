"""The attribute table over a million assets: lazy (Qt asks only for painted cells),
filtering and sorting off the UI thread, selection linked by ranges."""

from __future__ import annotations

import numpy as np
import pytest

from app.ui.docks.table_dock import AttributeTable

N = 1_000_000


class CountingLabels:
    """The table's labels, counting how many names were made (each costs Python work)."""

    def __init__(self, inner):
        self.inner, self.names = inner, 0

    def name(self, i):
        self.names += 1
        return self.inner.name(i)

    def asset_id(self, i):
        return self.inner.asset_id(i)

    def attributes(self, i):
        return self.inner.attributes(i)

    def find_asset_id(self, asset_id):
        return self.inner.find_asset_id(asset_id)


@pytest.fixture(scope="module")
def million():
    from app.gis.assets import AssetTable
    from app.gis.demo_assets import generate_demo

    table = AssetTable.from_demo(generate_demo("130100", N))
    table.labels = CountingLabels(table.labels)
    return table


@pytest.mark.slow
def test_million_rows_are_shown_lazily_and_filtered_off_thread(qtbot, backend, million):
    widget = AttributeTable(backend)
    qtbot.addWidget(widget)
    widget.resize(1200, 400)
    widget.show()
    million.labels.names = 0
    widget.set_table(million)
    qtbot.waitUntil(lambda: backend.pending() == 0, timeout=60000)
    qtbot.wait(100)
    assert widget.model.rowCount() == N
    # a few repaints of ~20 visible rows, never a pass over the million
    assert million.labels.names < 2000, "only the painted rows may be asked for"
    last = widget.model.index(N - 1, 1)
    assert widget.model.data(last) == million.name(N - 1)

    widget.set_layer_filter(classes={"MED"})
    qtbot.waitUntil(lambda: 0 < widget.model.rowCount() < N, timeout=60000)
    rows = widget.model.rows
    assert all(million.asset_class(r) == "MED" for r in rows[:: max(1, len(rows) // 500)])

    # selection from the map: 50k scattered rows become ranges, not 50k index objects
    chosen = rows[::2][:50000]
    widget.select_table_rows(chosen, scroll=True)
    selection = widget.view.selectionModel().selection()
    assert 0 < len(selection) <= 5000
    first = selection[0]
    assert widget.model.table_row(first.top()) == chosen[0]


@pytest.mark.slow
def test_million_rows_sort_by_class_descending(qtbot, backend, million):
    from PySide6.QtCore import Qt

    widget = AttributeTable(backend)
    qtbot.addWidget(widget)
    widget.set_table(million)
    qtbot.waitUntil(lambda: backend.pending() == 0, timeout=60000)
    widget.view.horizontalHeader().setSortIndicator(2, Qt.DescendingOrder)
    qtbot.waitUntil(lambda: backend.pending() == 0, timeout=60000)
    head = [million.asset_class(r) for r in widget.model.rows[:3]]
    tail = [million.asset_class(r) for r in widget.model.rows[-3:]]
    assert head[0] >= tail[-1] and head == sorted(head, reverse=True)
    assert len(widget.model.rows) == N and len(np.unique(widget.model.rows)) == N
