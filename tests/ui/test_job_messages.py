"""The view words and translates what the services return as kinds and data."""

from __future__ import annotations

from app.gis import asset_checks
from app.gis.asset_checks import AssetProblem, AssetRejected
from app.ledger import issuance
from app.ledger.issuance import IssueRefusal
from app.ui import i18n, job_messages
from app.ui.ledger_jobs import NoTrustError

REJECTED = AssetRejected(
    [
        AssetProblem(asset_checks.INVALID_GEOMETRY, "Self-intersection[114.55 38.05]"),
        AssetProblem(asset_checks.OUTSIDE_CITY, "931.6 km away", city="130100", distance_km=931.6),
        AssetProblem(asset_checks.OVERSIZE_VALUE, "notes", 20_000),
    ]
)


def test_asset_problems_are_worded_in_the_language_of_the_view(qapp):
    english = job_messages.describe(REJECTED).split("\n")
    assert english == [
        "Invalid geometry: Self-intersection[114.55 38.05]",
        "The asset lies outside the boundary of city 130100 (931.6 km away). If it belongs "
        "to the city, record the reason as the attribute boundary_override.",
        "Attribute notes has 20,000 characters; at most 16,384 fit in a log entry.",
    ]
    try:
        assert i18n.install(qapp, "zh_CN") == "zh_CN"
        chinese = job_messages.describe(REJECTED).split("\n")
        assert chinese[0] == "几何图形无效：Self-intersection[114.55 38.05]"
        assert "城市 130100 的边界之外（相距 931.6 公里）" in chinese[1]
        assert chinese[2].startswith("属性 notes 有 20,000 个字符")
    finally:
        i18n.install(qapp, "en")


def test_refusals_and_missing_trust_are_worded_by_the_view(qapp):
    other = IssueRefusal(issuance.OTHER_CITY, asset_city="130200", node_city="130100")
    text = job_messages.issue_refusal(other, "/data", {"city_name": "唐山 Tangshan"})
    assert text == "Only 唐山 Tangshan can issue codes for its own assets; this node is 130100."
    assert job_messages.issue_problem(issuance.NO_NAME) == "Give the asset a name."
    assert "installed in /srv/node:" in job_messages.describe(NoTrustError("/srv/node"))


def test_an_import_failure_from_the_worker_is_translated_by_the_view(qapp, tmp_path):
    import json

    import pytest

    from app.ui.io_jobs import AssetImportError, read_asset_file

    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(AssetImportError) as caught:
        read_asset_file(str(empty), None)
    assert job_messages.describe(caught.value) == f"{empty} has no features"
    try:
        i18n.install(qapp, "zh_CN")
        assert job_messages.describe(caught.value) == i18n.tr("{path} has no features").format(
            path=empty
        )
        assert job_messages.describe(caught.value) != f"{empty} has no features"
    finally:
        i18n.install(qapp, "en")
