"""Map styles by the life of the codes (issue 12): every asset's category from the codes
index, Qt-free."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pytest
import shapely

from app.gis import life_style
from app.gis.assets import AssetTable
from app.gis.life_style import CONDITION, INSPECTION, LIFE, StyleParams, categorise, life_columns
from app.ledger.codes_index import CodeState

NOW = datetime(2026, 12, 2, tzinfo=UTC)
PARAMS = StyleParams(since=datetime(2026, 11, 1, tzinfo=UTC), months=12, now=NOW)


def _state(code, **kw):
    base = dict(code=code, origin="o", asset_class="WAT", name=code, status="issued", owner=None)
    base["geometry"] = None
    return CodeState(**{**base, **kw})


def _table(codes, statuses):
    frame = gpd.GeoDataFrame(
        {
            "asset_id": [f"a{i}" for i in range(len(codes))],
            "city": ["130100"] * len(codes),
            "asset_class": ["WAT"] * len(codes),
            "name": [c or f"n{i}" for i, c in enumerate(codes)],
            "code": codes,
            "status": statuses,
        },
        geometry=[shapely.Point(114.5 + i * 0.01, 38.0) for i in range(len(codes))],
        crs="EPSG:4326",
    )
    return AssetTable.from_geodataframe(frame)


STATES = [
    _state("ISSUED", time="2026-01-01T00:00:00Z"),
    _state("UPDATED", time="2026-11-20T00:00:00Z", latest_index=7, first_index=3),
    _state("OLDUPD", time="2026-10-20T00:00:00Z", latest_index=7, first_index=3),
    _state("OUT", service="out-of-service", latest_index=9, first_index=3, time="2026-11-30"),
    _state("DECOM", service="decommissioned", latest_index=9, first_index=3),
    _state("GRADE5", grade=5, inspected="2026-11-01T00:00:00Z", latest_index=4),
    _state("GRADE2", grade=2, inspected="2025-01-01T00:00:00Z", latest_index=4),
    _state("REVOKED", status="revoked", grade=5, inspected="2026-11-01T00:00:00Z"),
    _state("MOVED", status="transferred", moved_to="130200"),
]
CODES = [s.code for s in STATES] + ["PENDING", None]
STATUS = ["issued"] * 7 + ["revoked", "issued", "pending", "none"]


def _names(style):
    table = _table(CODES, STATUS)
    cols = life_columns(table, STATES)
    key, cats = categorise(style, table, cols, PARAMS)
    return dict(zip([c or "uncoded" for c in CODES], (cats[k].key for k in key)))


def test_life_status_of_every_asset():
    assert _names(LIFE) == {
        "ISSUED": "issued",
        "UPDATED": "updated",  # a record after the issue, since the date
        "OLDUPD": "issued",  # updated, but before the date
        "OUT": "out-of-service",  # out of service wins over a recent update
        "DECOM": "decommissioned",
        "GRADE5": "issued",  # records after the issue, but the index gives no time here
        "GRADE2": "issued",
        "REVOKED": "revoked",
        "MOVED": "transferred",
        "PENDING": "pending",  # signed, not in the log yet: the index does not hold it
        "uncoded": "never-coded",
    }


def test_condition_grade_from_the_latest_inspection():
    names = _names(CONDITION)
    assert names["GRADE5"] == "grade-5" and names["GRADE2"] == "grade-2"
    assert names["ISSUED"] == names["PENDING"] == "not-inspected"
    assert names["REVOKED"] == names["MOVED"] == "gone"  # no condition left to look after
    assert names["uncoded"] == "never-coded"


def test_not_inspected_for_n_months():
    names = _names(INSPECTION)
    assert names["GRADE5"] == "recent"  # a month ago
    assert names["GRADE2"] == "overdue"  # 23 months ago
    assert names["ISSUED"] == "never-inspected"
    assert names["uncoded"] == "never-coded"
    table = _table(CODES, STATUS)
    cols = life_columns(table, STATES)
    key, cats = categorise(INSPECTION, table, cols, StyleParams(months=24, now=NOW))
    assert cats[key[CODES.index("GRADE2")]].key == "recent"  # within 24 months


def test_key_zero_is_never_coded_and_masks_follow_the_shown_categories():
    table = _table(CODES, STATUS)
    cols = life_columns(table, STATES)
    for style in life_style.STYLES:
        key, cats = categorise(style, table, cols, PARAMS)
        assert cats[0].key == "never-coded"
        assert np.flatnonzero(key == 0).tolist() == [CODES.index(None)]
        assert sum(life_style.counts(key, cats)) == len(table)
    key, cats = categorise(LIFE, table, cols, PARAMS)
    revoked = [c.key for c in cats].index("revoked")
    mask = life_style.visible(key, [revoked])
    assert [CODES[r] for r in np.flatnonzero(mask)] == ["REVOKED"]


def test_columns_and_their_errors():
    table = _table(CODES, STATUS)
    cols = life_columns(table, STATES)
    row = CODES.index("GRADE5")
    assert cols.grade_of(row) == 5
    assert cols.inspected_at(row) == datetime(2026, 11, 1, tzinfo=UTC)
    assert cols.grade_of(CODES.index("ISSUED")) is None
    assert cols.inspected_at(CODES.index("ISSUED")) is None
    with pytest.raises(ValueError, match="unknown style"):
        categorise("colour", table, cols)
    with pytest.raises(ValueError, match="life columns of 3 rows"):
        categorise(LIFE, table, life_style.empty_columns(3))
