"""The words for what the services and jobs return as kinds and data, translated here in
the view (a job never words or translates a text)."""

from __future__ import annotations

from app.ledger import issuance
from app.ledger.issuance import IssueRefusal
from app.ui.i18n import tr
from app.ui.labels import ISSUE_PROBLEMS
from app.ui.ledger_jobs import NoNodeError, NotABundleError, NoTrustError


def describe(exc: BaseException) -> str:
    """A job's failure as the user reads it."""
    if isinstance(exc, NoNodeError):
        return tr("No city node in this data folder; create one with `cityledger init`.")
    if isinstance(exc, NoTrustError):
        return tr(
            "No network trust file is installed in {where}: verification "
            "needs the cities' keys from it (see `cityledger network`)."
        ).format(where=exc.where or tr("the data folder"))
    if isinstance(exc, NotABundleError):
        return tr("{path} is larger than 1 MiB; it is not a proof bundle").format(path=exc.path)
    return str(exc)


def issue_problem(kind: str) -> str:
    """An IssueRequest.problem() kind, worded."""
    return tr(ISSUE_PROBLEMS.get(kind, kind))


def issue_refusal(refusal: IssueRefusal, folder: object, asset: dict) -> str:
    """Why this node may not issue for the asset (issuance.may_issue), worded."""
    if refusal.kind == issuance.NO_NODE:
        return tr("No city node in {folder}. Create one with `cityledger init`.").format(
            folder=folder
        )
    if refusal.kind == issuance.NO_ASSET:
        return tr("Select an asset on the map or in the table first.")
    if refusal.kind == issuance.HAS_CODE:
        return tr("{name} already has the code {code}.").format(
            name=asset.get("name", ""), code=refusal.code
        )
    return tr("Only {city} can issue codes for its own assets; this node is {own}.").format(
        city=asset.get("city_name") or refusal.asset_city, own=refusal.node_city
    )
