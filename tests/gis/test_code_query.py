"""Finding the assets whose codes are in a state of their life (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import pytest
import shapely

from app.gis.assets import AssetTable
from app.gis.code_query import (
    CHANGED_SINCE,
    NOT_INSPECTED,
    OUT_OF_SERVICE,
    POOR_CONDITION,
    CodeQuery,
    rows_matching,
)
from app.ledger.codes_index import CodeState

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _state(code, **kw):
    base = dict(code=code, origin="o", asset_class="WAT", name=code, status="issued", owner=None)
    base["geometry"] = None
    return CodeState(**{**base, **kw})


def _table(codes):
    frame = gpd.GeoDataFrame(
        {
            "asset_id": [f"a{i}" for i in range(len(codes))],
            "city": ["130100"] * len(codes),
            "asset_class": ["WAT"] * len(codes),
            "name": codes,
            "code": codes,
            "status": ["issued"] * len(codes),
        },
        geometry=[shapely.Point(114.5 + i * 0.01, 38.0) for i in range(len(codes))],
        crs="EPSG:4326",
    )
    return AssetTable.from_geodataframe(frame)


def test_each_query_finds_exactly_the_codes_in_that_state():
    states = [
        _state("A", service="out-of-service", time="2026-11-30T00:00:00Z"),
        _state("B", grade=5, inspected="2026-11-01T00:00:00Z", time="2026-11-20T00:00:00Z"),
        _state("C", grade=2, inspected="2025-01-01T00:00:00Z", time="2025-01-01T00:00:00Z"),
        _state("D", status="revoked", service="out-of-service", grade=5),
        _state("E", time="2026-06-01T00:00:00Z"),  # never inspected
    ]
    table = _table(["A", "B", "C", "D", "E", "F"])  # F: a code the index does not hold

    def rows(kind, value=0):
        return [table.code(r) for r in rows_matching(table, states, CodeQuery(kind, value), NOW)]

    assert rows(OUT_OF_SERVICE) == ["A"]  # D is revoked: no life left
    assert rows(POOR_CONDITION, 4) == ["B"]
    assert rows(NOT_INSPECTED, 12) == ["A", "C", "E"]
    assert rows(CHANGED_SINCE, 30) == ["A", "B"]
    with pytest.raises(ValueError, match="unknown code query"):
        CodeQuery("broken")
