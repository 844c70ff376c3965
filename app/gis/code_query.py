"""Which assets' codes are in a given state of their life (issue 12): out of service,
decommissioned, in poor condition, not inspected for months, changed since a date —
read from the codes index (CodeState rows), matched to the rows of an AssetTable.

Qt-free; the app selects the rows found, so the map, the table ("Selected only") and
the actions on the selection all follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.gis.assets import AssetTable
    from app.ledger.codes_index import CodeState

OUT_OF_SERVICE = "out-of-service"
DECOMMISSIONED = "decommissioned"
POOR_CONDITION = "poor-condition"  # latest inspection graded at least ``value``
NOT_INSPECTED = "not-inspected"  # no inspection in the last ``value`` months
CHANGED_SINCE = "changed-since"  # a record in the last ``value`` days
KINDS = (OUT_OF_SERVICE, DECOMMISSIONED, POOR_CONDITION, NOT_INSPECTED, CHANGED_SINCE)


@dataclass(frozen=True)
class CodeQuery:
    kind: str
    value: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown code query {self.kind!r}; one of {', '.join(KINDS)}")


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def matches(query: CodeQuery, state: CodeState, now: datetime) -> bool:
    if state.status == "revoked":
        return False  # a revoked code's asset has no life left to look after
    if query.kind in (OUT_OF_SERVICE, DECOMMISSIONED):
        return state.service == query.kind
    if query.kind == POOR_CONDITION:
        return state.grade is not None and state.grade >= query.value
    if query.kind == NOT_INSPECTED:
        inspected = _time(state.inspected)
        return inspected is None or inspected < now - timedelta(days=30.44 * query.value)
    changed = _time(state.time)
    return changed is not None and changed >= now - timedelta(days=query.value)


def rows_matching(
    table: AssetTable,
    states: Iterable[CodeState],
    query: CodeQuery,
    now: datetime | None = None,
) -> list[int]:
    """Rows of ``table`` whose code's state matches ``query``, in row order."""
    now = now or datetime.now(UTC)
    rows = []
    for state in states:
        row = table.row_of_code(state.code)
        if row is not None and matches(query, state, now):
            rows.append(int(row))
    return sorted(rows)
