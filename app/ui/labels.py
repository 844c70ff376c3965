"""Source texts the UI translates through tables rather than literal tr() calls.

Kept here so app/ui/i18n_catalog.py can check that each has a Chinese translation.
"""

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

# ledger_jobs.IssueRequest.problem() texts.
ISSUE_PROBLEMS = (
    "Choose the official who signs.",
    "Enter the official's passphrase.",
    "Choose an asset class.",
    "Give the asset a name.",
    "The asset has no geometry.",
)
