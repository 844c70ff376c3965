"""Source texts the UI translates through tables rather than literal tr() calls.

Kept here so app/ui/i18n_catalog.py can check that each has a Chinese translation.
"""

from app.ledger import issuance

STATUS_ORDER = ("issued", "pending", "unverified", "revoked", "none")
STATUS_LABELS = {
    "issued": "Issued",
    "pending": "Pending",
    "unverified": "Unverified",
    "revoked": "Revoked",
    "none": "No code yet",
}

# (AssetTable column, header)
TABLE_COLUMNS = (
    ("code", "Code"),
    ("name", "Name"),
    ("asset_class", "Class"),
    ("city", "City"),
    ("status", "Status"),
    ("asset_id", "Asset ID"),
)

# app.ledger.verifier check names, capitalised as verification_view.check_title shows them.
VERIFIER_CHECKS = (
    "Bundle format",
    "Code syntax",
    "Record",
    "Entry signature",
    "Official active",
    "Inclusion",
    "Checkpoint signature",
    "Witness cosignatures",
    "Not revoked",
)
CHECK_STATUS = {"pass": "pass", "fail": "fail", "unknown": "unknown"}

RECORD_TYPES = ("issue", "update", "transfer", "revoke", "official-add", "official-revoke")

# app.ledger.issuance.IssueRequest.problem() kinds -> texts.
ISSUE_PROBLEMS = {
    issuance.NO_OFFICIAL: "Choose the official who signs.",
    issuance.NO_PASSPHRASE: "Enter the official's passphrase.",
    issuance.NO_CLASS: "Choose an asset class.",
    issuance.NO_NAME: "Give the asset a name.",
    issuance.NO_GEOMETRY: "The asset has no geometry.",
}
