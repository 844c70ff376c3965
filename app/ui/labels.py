"""Source texts the UI translates through tables rather than literal tr() calls.

Each is marked ``N_`` so Qt's lupdate puts it in the catalogue; views show ``tr(text)``.
"""

from app.core.texts import N_
from app.ledger import issuance

STATUS_ORDER = ("issued", "pending", "unverified", "revoked", "none")
STATUS_LABELS = {
    "issued": N_("Issued"),
    "pending": N_("Pending"),
    "unverified": N_("Unverified"),
    "revoked": N_("Revoked"),
    "none": N_("No code yet"),
}
SERVICE_LABELS = {
    "in-service": N_("In service"),
    "out-of-service": N_("Out of service"),
    "decommissioned": N_("Decommissioned"),
}

# (AssetTable column, header)
TABLE_COLUMNS = (
    ("code", N_("Code")),
    ("name", N_("Name")),
    ("asset_class", N_("Class")),
    ("city", N_("City")),
    ("status", N_("Status")),
    ("asset_id", N_("Asset ID")),
    ("condition", N_("Condition")),
    ("inspected", N_("Last inspection")),
)

# app.ledger.verifier check names, capitalised as verification_view.check_title shows them.
VERIFIER_CHECKS = (
    N_("Bundle format"),
    N_("Code syntax"),
    N_("Record"),
    N_("Entry signature"),
    N_("Official active"),
    N_("Inclusion"),
    N_("Checkpoint signature"),
    N_("Witness cosignatures"),
    N_("Not revoked"),
)
CHECK_STATUS = {"pass": N_("pass"), "fail": N_("fail"), "unknown": N_("unknown")}

RECORD_TYPES = (
    N_("issue"),
    N_("update"),
    N_("transfer"),
    N_("revoke"),
    N_("inspect"),
    N_("transfer-out"),
    N_("transfer-in"),
    N_("official-add"),
    N_("official-revoke"),
)

# app.ledger.issuance.IssueRequest.problem() kinds -> texts.
ISSUE_PROBLEMS = {
    issuance.NO_OFFICIAL: N_("Choose the official who signs."),
    issuance.NO_PASSPHRASE: N_("Enter the official's passphrase."),
    issuance.NO_CLASS: N_("Choose an asset class."),
    issuance.NO_NAME: N_("Give the asset a name."),
    issuance.NO_GEOMETRY: N_("The asset has no geometry."),
}

# app/ui/map's legend titles (the wall shows them translated).
MAP_LEGEND_TITLES = (N_("Assets"), N_("Code status"))

# app.net.health states, as the status strip, layers panel and status bar name them.
HEALTH_STATES = {
    "ok": N_("in sync"),
    "lagging": N_("lagging"),
    "stale": N_("quorum not met"),
    "down": N_("down"),
    "own_down": N_("own node down"),
    "frozen": N_("fork evidence"),
    "unknown": N_("not reached yet"),
}
