"""What each record of a code changed, for the inspector's timeline."""

from __future__ import annotations

import pytest

from app.gis import timeline

POINT = {"type": "Point", "coordinates": [114.51, 38.04]}
MOVED = {"type": "Point", "coordinates": [114.51, 38.041]}  # ~111 m north


def _history():
    issue = {
        "type": "issue",
        "time": "2026-12-01T08:00:00Z",
        "official": "alice",
        "asset": {"name": "Pump", "geometry": POINT, "attributes": {"pressure": 3}},
    }
    update = {
        "type": "update",
        "time": "2026-12-02T08:00:00Z",
        "official": "bob",
        "asset": {"geometry": MOVED, "attributes": {"pressure": 4, "valve": "new"}},
        "service": "out-of-service",
    }
    inspect = {"type": "inspect", "official": "carol", "inspection": {"grade": 4, "note": "rust"}}
    revoke = {"type": "revoke", "official": "alice", "reason": "demolished"}
    return [(1, issue), (5, update), (9, inspect), (12, revoke)]


def test_each_record_says_what_it_changed_against_the_asset_just_before():
    steps = timeline.timeline(_history())
    assert [s.kind for s in steps] == ["issue", "update", "inspect", "revoke"]
    assert steps[0].changes == []
    changes = dict((k, d) for k, d in steps[1].changes if k != timeline.ATTRIBUTE)
    assert changes[timeline.MOVED][0] == pytest.approx(111.0, abs=1.0)
    assert changes[timeline.SERVICE] == (None, "out-of-service")
    attributes = [d for k, d in steps[1].changes if k == timeline.ATTRIBUTE]
    assert attributes == [("pressure", 3, 4), ("valve", None, "new")]
    assert steps[2].changes == [(timeline.INSPECTION, (4, "rust"))]
    assert steps[3].changes == [(timeline.REASON, ("demolished",))]
    # the geometry each record leaves: the issue's, then the moved one carried forward
    assert steps[0].geometry == POINT
    assert steps[1].geometry == steps[2].geometry == steps[3].geometry == MOVED
    assert (steps[1].official, steps[1].index) == ("bob", 5)
