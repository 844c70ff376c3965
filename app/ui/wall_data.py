"""What the wall shows, gathered on the worker thread from the node (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field

RECENT = 8


@dataclass
class WallSnapshot:
    own_size: int | None = None
    codes_total: int = 0
    codes_revoked: int = 0
    per_city: dict = field(default_factory=dict)  # city code -> codes held
    recent: list = field(default_factory=list)  # [(code, name, time)]
    outbox_pending: int = 0
    failures: list = field(default_factory=list)  # [(code, "check, check")] of recent codes


def snapshot(ctx) -> WallSnapshot:
    node = ctx.node
    snap = WallSnapshot()
    if node is None:
        return snap
    snap.own_size = node.size()
    for (_cls, status), n in node.code_counts().items():
        snap.codes_total += n
        if status == "revoked":
            snap.codes_revoked += n
    trust = ctx.extra.get("trust")
    origins = {c.code: c.origin for c in trust.cities} if trust is not None else {}
    origins.setdefault(node.city_code, node.origin)
    for city, origin in origins.items():
        snap.per_city[city] = sum(node.code_counts(origin).values())
    snap.recent = [(s.code, s.name, s.time or "") for s in node.recent_codes(limit=RECENT)]
    snap.outbox_pending = len(node.store.outbox_items("pending", limit=10000))
    if trust is not None:
        snap.failures = verification_failures(node, trust, [code for code, _, _ in snap.recent])
    return snap


def verification_failures(node, trust, codes) -> list[tuple[str, str]]:
    """Re-verify the newest codes on every refresh: a wall should show a failure (a
    missing cosignature, a revoked official, a broken proof) as soon as it appears."""
    from app.ledger.verifier import verify_code

    out = []
    for code in codes:
        result = verify_code(node, code, trust)
        if not result.ok:
            out.append((code, ", ".join(c.name for c in result.failed)))
    return out
