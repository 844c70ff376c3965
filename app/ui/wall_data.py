"""What the wall shows, gathered on the worker thread from the node (no Qt), and the
type sizes that keep it readable from across a control room."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.texts import N_

RECENT = 8
MIN_TEXT_PX = 24  # at 1920×1080 (seen from ~5 m), no text is smaller than this
# Text roles of the wall and their pixel sizes on a 1080-line screen.
_TYPE_1080 = {
    "small": 24,
    "body": 26,
    "section": 30,
    "title": 36,
    "clock": 40,
    "caption": 44,
    "counter": 52,
    "takeover": 64,
}


def type_sizes(width: int, height: int) -> dict[str, int]:
    """Pixel size of each text role for a wall of ``width``×``height`` pixels: scaled with
    the screen (a 3840×2160 wall gets twice the 1080p sizes), never below MIN_TEXT_PX."""
    scale = max(0.5, min(width / 1920, height / 1080))
    return {role: max(MIN_TEXT_PX, round(px * scale)) for role, px in _TYPE_1080.items()}


def folder_problem(data_dir) -> tuple[str, dict] | None:
    """Why a folder cannot feed a wall (an English template and its parameters), or None."""
    folder = Path(data_dir)
    if not folder.exists():
        return N_("the data folder {folder} does not exist"), {"folder": str(folder)}
    if not folder.is_dir():
        return N_("{folder} is not a folder"), {"folder": str(folder)}
    from app.ledger.node import CONFIG

    if not (folder / CONFIG).exists():
        return (
            N_(
                "{folder} holds no city node, so the wall would show an empty network: "
                "pass --data with a node's folder (created by `cityledger init`), "
                "or run `cityledger demo --wall`"
            ),
            {"folder": str(folder)},
        )
    return None


@dataclass
class WallSnapshot:
    own_size: int | None = None
    codes_total: int = 0
    codes_revoked: int = 0
    per_city: dict = field(default_factory=dict)  # city code -> codes held
    recent: list = field(default_factory=list)  # [(code, name, name_zh, time)]
    outbox_pending: int = 0
    failures: list = field(default_factory=list)  # [(code, "check, check")] of recent codes
    acknowledged: dict = field(default_factory=dict)  # alert key -> when acknowledged


def snapshot(ctx, data_dir=None) -> WallSnapshot:
    from app.ui.alerts import acknowledged

    node = ctx.node
    snap = WallSnapshot()
    if data_dir is not None:
        snap.acknowledged = acknowledged(data_dir)
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
    snap.recent = [
        (s.code, s.name, str((s.attributes or {}).get("name_zh") or ""), s.time or "")
        for s in node.recent_codes(limit=RECENT)
    ]
    snap.outbox_pending = len(node.store.outbox_items("pending", limit=10000))
    if trust is not None:
        snap.failures = verification_failures(node, trust, [code for code, *_ in snap.recent])
    return snap


def verification_failures(node, trust, codes) -> list[tuple[str, str]]:
    """Re-verify the newest codes on every refresh: a wall should show a failure (a
    missing cosignature, a revoked official, a broken proof) as soon as it appears."""
    from app.ledger.verifier import verify_code

    out = []
    for code in codes:
        result = verify_code(node, code, trust)
        if not result.ok:
            out.append((code, ", ".join(c.name[:1].upper() + c.name[1:] for c in result.failed)))
    return out
