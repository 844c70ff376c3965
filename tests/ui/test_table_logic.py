"""Filtering, sorting and selection ranges of the attribute table; network state folding."""

from __future__ import annotations

import numpy as np
import pytest

from app.net.events import Event
from app.ui import network_state as ns
from app.ui import table_query
from app.ui.search import match_city, resolve


@pytest.fixture(scope="module")
def table():
    from app.gis.assets import AssetTable
    from app.gis.demo_assets import generate_cities

    return AssetTable.from_demo(generate_cities(["130100", "130600"], 500))


def test_filter_by_class_status_city_and_text(table):
    rows = table_query.filter_rows(table, table_query.RowFilter(classes=frozenset({"WAT"})))
    assert len(rows) and all(table.asset_class(r) == "WAT" for r in rows)
    rows = table_query.filter_rows(table, table_query.RowFilter(cities=frozenset({"130600"})))
    assert len(rows) == 500 and all(table.city(r) == "130600" for r in rows)
    name = table.name(7)
    rows = table_query.filter_rows(table, table_query.RowFilter(text=name.upper()))
    assert 7 in rows and all(name.casefold() in table.name(r).casefold() for r in rows)
    only = table_query.filter_rows(table, table_query.RowFilter(only_rows=np.array([3, 9])))
    assert only.tolist() == [3, 9]
    none = table_query.filter_rows(table, table_query.RowFilter(statuses=frozenset({"issued"})))
    assert len(none) == 0


def test_sort_by_name_and_class_both_directions(table):
    rows = np.arange(len(table))
    by_name = table_query.sort_rows(table, rows, "name", False)
    names = [table.name(r) for r in by_name]
    assert names == sorted(names)
    desc = table_query.sort_rows(table, rows, "asset_class", True)
    classes = [table.asset_class(r) for r in desc]
    assert classes == sorted(classes, reverse=True)


def test_codes_sort_last_when_missing(table):
    table.set_codes([10], ["130100-WAT-0000000C-0"], status="issued")
    try:
        order = table_query.sort_rows(table, np.array([5, 10, 20]), "code", False)
        assert order[0] == 10
    finally:
        table.set_codes([10], [None], status="none")


def test_positions_and_contiguous_ranges():
    view = np.array([5, 1, 2, 3, 9, 7])
    pos = table_query.positions_of(view, [1, 2, 3, 7, 8], 10)
    assert pos.tolist() == [1, 2, 3, 5]
    assert table_query.contiguous_ranges(pos) == [(1, 3), (5, 5)]
    assert table_query.contiguous_ranges(pos, limit=1) == [(1, 3)]
    assert table_query.contiguous_ranges(np.array([], np.int64)) == []


def test_search_resolves_code_city_name(table):
    cities = {"130100": ("石家庄市", "Shijiazhuang"), "130600": ("保定市", "Baoding")}
    assert match_city("保定", cities) == "130600"
    assert match_city("shijia", cities) == "130100"
    assert resolve("130600", table, cities).kind == "city"
    hit = resolve(table.name(12), table, cities)
    assert hit.kind == "name" and 12 in hit.rows
    from app.core.codes import make_code

    canonical = str(make_code("130100", "WAT", 12345))
    sloppy = canonical.replace("-", " ").lower()
    code = resolve(sloppy, table, cities)
    assert code.kind == "code" and code.code == canonical
    assert resolve("no such thing at all", table, cities).kind == "none"


def _health(origin, state, lag=0, t=100.0):
    return Event("health", origin, {"origin": origin, "state": state, "lag": lag}, time=t)


def test_network_state_counts_peers_and_offline_since():
    net = ns.NetworkState(own_origin="x/130100")
    assert net.online and net.counts() == {ns.IN_SYNC: 0, ns.LAGGING: 0, ns.DOWN: 0}
    net.apply(_health("x/130200", "ok"))
    net.apply(_health("x/130400", "ok", lag=12))
    net.apply(_health("x/130600", "failing"))
    assert net.counts() == {ns.IN_SYNC: 1, ns.LAGGING: 1, ns.DOWN: 1} and net.online
    for origin in ("x/130200", "x/130400"):
        net.apply(_health(origin, "failing", t=200.0))
    assert not net.online and net.offline_since == 200.0
    net.apply(_health("x/130200", "ok", t=300.0))
    assert net.online and net.offline_since is None
    net.apply(Event("checkpoint", "x/130100", {"size": 42}))
    assert net.log_size == 42
    for i in range(500):
        net.apply(Event("alert", "x/130200", {"message": f"fork {i}"}))
    assert len(net.alerts) == 200  # bounded: the wall runs for days
