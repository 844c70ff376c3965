"""Labels shared by the layers panel, inspector and wall (source texts, translated at use)."""
STATUS_ORDER = ("issued", "pending", "unverified", "revoked", "none")
STATUS_LABELS = {"issued": "Issued", "pending": "Pending", "unverified": "Unverified",
                 "revoked": "Revoked", "none": "No code yet"}
