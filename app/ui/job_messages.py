"""The words for what the services and jobs return as kinds and data, translated here in
the view (a job never words or translates a text)."""

from __future__ import annotations

from app.gis import asset_checks
from app.gis.geometry_edit import GeometryFileError
from app.ledger import issuance, life
from app.ledger.issuance import IssueRefusal
from app.ui.i18n import reason_text, tr
from app.ui.io_jobs import AssetImportError
from app.ui.labels import ISSUE_PROBLEMS
from app.ui.ledger_jobs import NoCode, NoNodeError, NotABundleError, NoTrustError


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
    if isinstance(exc, AssetImportError):
        return reason_text(exc.template, {k: _plain(v) for k, v in exc.params.items()})
    if isinstance(exc, asset_checks.AssetRejected):
        return "\n".join(asset_problem(p) for p in exc.problems)
    if isinstance(exc, GeometryFileError):
        return reason_text(exc.template, exc.params)
    return str(exc)


def asset_problem(problem: asset_checks.AssetProblem) -> str:
    """One finding of app.gis.asset_checks, worded."""
    if problem.kind == asset_checks.INVALID_GEOMETRY:
        return tr("Invalid geometry: {reason}").format(reason=problem.detail)
    if problem.kind == asset_checks.OUTSIDE_CITY:
        if problem.distance_km >= 0.1:
            where = tr("{km} km away").format(km=f"{problem.distance_km:,.1f}")
        else:
            where = tr("partly beyond it")
        return tr(
            "The asset lies outside the boundary of city {city} ({where}). If it belongs to "
            "the city, record the reason as the attribute {attribute}."
        ).format(city=problem.city, where=where, attribute=asset_checks.OVERRIDE_ATTRIBUTE)
    if problem.kind == asset_checks.OVERSIZE_VALUE:
        return tr("{what} has {size} characters; at most {limit} fit in a log entry.").format(
            what=(
                tr("Attribute {key}").format(key=problem.detail)
                if problem.detail
                else tr("The name")
            ),
            size=f"{problem.size:,}",
            limit=f"{asset_checks.MAX_VALUE_CHARS:,}",
        )
    return tr("The boundary override reason must be text of 1 to {limit} characters.").format(
        limit=asset_checks.MAX_OVERRIDE_CHARS
    )


def _plain(value: object) -> object:
    """A parameter as the template shows it (paths and nested errors as their text)."""
    return value if isinstance(value, (int, float)) else str(value)


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


def batch_refusal(reason: object, folder: object, asset: dict) -> str:
    """Why one asset of a batch was refused (a refusal before signing, a request that
    lacks something, or the failure of its record), worded."""
    if isinstance(reason, IssueRefusal):
        return issue_refusal(reason, folder, asset)
    if isinstance(reason, issuance.IncompleteRequest):
        return issue_problem(reason.kind)
    if isinstance(reason, NoCode):
        return tr("It has no code yet: issue one first.")
    if isinstance(reason, life.NotApplicable):
        return change_refusal(reason)
    if isinstance(reason, BaseException):
        return describe(reason)
    return str(reason)


def change_refusal(refusal: life.NotApplicable) -> str:
    """Why this node cannot make a change to a code (app.ledger.life), worded."""
    if refusal.kind == life.NOT_HERE:
        return tr(
            "Its code {code} is held by another city's log; only that city can change it."
        ).format(code=refusal.code)
    if refusal.kind == life.UNKNOWN_CODE:
        return tr("Its code {code} is not in any log held here (still pending?).").format(
            code=refusal.code
        )
    if refusal.kind == life.NO_CHANGE:
        return tr("Nothing to change for {code}.").format(code=refusal.code)
    return tr("{code} is not moving to this city.").format(code=refusal.code)
