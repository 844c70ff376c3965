"""What the codes index says of every asset, as columns, and the map styles made of it
(issue 12): colour and filter assets by the life of their codes — status (issued,
updated since a date, out of service, decommissioned, transferred, revoked, pending,
never coded), condition grade of the latest inspection, or "not inspected for N months".

Qt-free. ``life_columns`` turns CodeState rows into per-row numpy columns of an
AssetTable (built on the worker); ``categorise`` gives each row a small key and the
categories it indexes — the render takes the key and the colours, the legend and the
layers panel the labels (English templates marked ``N_``, translated by the view).
Key 0 is always "never coded": the render draws every non-zero key over the rest, so
the default of each style keeps coded assets standing out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from app.core.texts import N_

if TYPE_CHECKING:
    from app.gis.assets import AssetTable
    from app.ledger.codes_index import CodeState

LIFE = "life"
CONDITION = "condition"
INSPECTION = "inspection"
STYLES = (LIFE, CONDITION, INSPECTION)
STYLE_TITLES = {
    LIFE: N_("Life of the code"),
    CONDITION: N_("Condition grade"),
    INSPECTION: N_("Last inspection"),
}

# service column values
IN_SERVICE, OUT_OF_SERVICE, DECOMMISSIONED = 0, 1, 2
_SERVICE = {"out-of-service": OUT_OF_SERVICE, "decommissioned": DECOMMISSIONED}
# index status column values (the table's own status says none / pending / issued / revoked)
_INDEX_STATUS = {"issued": 1, "revoked": 2, "transferred": 3}
DAYS_PER_MONTH = 30.44

NEVER_CODED_COLOR = "#b4bac1"  # lighter than the class greys: the coded stand out
GONE_COLOR = "#4a4f55"  # revoked or transferred away, in the grade and inspection styles
GRADE_COLORS = ("#1a9850", "#91cf60", "#e6c229", "#fc8d59", "#d73027")  # 1 good … 5 poor


@dataclass(frozen=True)
class Category:
    key: str  # stable name: 'never-coded', 'issued', 'grade-3', …
    label: str  # English template (N_), may hold {months} / {date}
    color: str  # '#rrggbb'


@dataclass
class LifeColumns:
    """Per AssetTable row, what the codes index holds of its code (zeros / NaN for a
    row with no code, or one the index does not hold yet)."""

    indexed: np.ndarray  # uint8: 0 not in the index, 1 issued, 2 revoked, 3 transferred
    service: np.ndarray  # uint8: IN_SERVICE, OUT_OF_SERVICE, DECOMMISSIONED
    grade: np.ndarray  # uint8: 0 never inspected, else the latest grade 1..5
    inspected: np.ndarray  # float64 POSIX seconds of the latest inspection, NaN: never
    changed: np.ndarray  # float64 POSIX seconds of the latest record, NaN: unknown
    updated: np.ndarray  # bool: a record after the issue (latest index past the first)

    def __len__(self) -> int:
        return len(self.grade)

    def inspected_at(self, row: int) -> datetime | None:
        t = float(self.inspected[row])
        return None if np.isnan(t) else datetime.fromtimestamp(t, UTC)

    def grade_of(self, row: int) -> int | None:
        return int(self.grade[row]) or None


def _seconds(text: str | None) -> float:
    if not text:
        return float("nan")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return float("nan")


def life_columns(table: AssetTable, states: Iterable[CodeState]) -> LifeColumns:
    """The columns of ``table`` from the codes index (rows matched by code)."""
    n = len(table)
    cols = LifeColumns(
        indexed=np.zeros(n, np.uint8),
        service=np.zeros(n, np.uint8),
        grade=np.zeros(n, np.uint8),
        inspected=np.full(n, np.nan),
        changed=np.full(n, np.nan),
        updated=np.zeros(n, bool),
    )
    for state in states:
        row = table.row_of_code(state.code)
        if row is None:
            continue
        cols.indexed[row] = _INDEX_STATUS.get(state.status, 1)
        cols.service[row] = _SERVICE.get(state.service or "", IN_SERVICE)
        grade = state.grade or 0
        cols.grade[row] = grade if 1 <= grade <= 5 else 0
        cols.inspected[row] = _seconds(state.inspected)
        cols.changed[row] = _seconds(state.time)
        cols.updated[row] = state.latest_index != state.first_index
    return cols


def empty_columns(n: int) -> LifeColumns:
    return LifeColumns(
        np.zeros(n, np.uint8),
        np.zeros(n, np.uint8),
        np.zeros(n, np.uint8),
        np.full(n, np.nan),
        np.full(n, np.nan),
        np.zeros(n, bool),
    )


@dataclass(frozen=True)
class StyleParams:
    since: datetime | None = None  # 'updated since' (default: 30 days before now)
    months: int = 12  # 'not inspected for N months'
    now: datetime | None = None

    def resolved(self) -> tuple[datetime, datetime]:
        now = self.now or datetime.now(UTC)
        return now, self.since or now - timedelta(days=30)


LIFE_CATEGORIES = (
    Category("never-coded", N_("Never coded"), NEVER_CODED_COLOR),
    Category("pending", N_("Pending"), "#f5a623"),
    Category("issued", N_("Issued"), "#2ca02c"),
    Category("updated", N_("Updated since {date}"), "#1f77b4"),
    Category("out-of-service", N_("Out of service"), "#ff7f0e"),
    Category("decommissioned", N_("Decommissioned"), "#8c564b"),
    Category("transferred", N_("Transferred to another city"), "#9467bd"),
    Category("revoked", N_("Revoked"), "#d62728"),
)
CONDITION_CATEGORIES = (
    Category("never-coded", N_("Never coded"), NEVER_CODED_COLOR),
    Category("gone", N_("Revoked or transferred"), GONE_COLOR),
    Category("not-inspected", N_("Not inspected yet"), "#9467bd"),
    *(
        Category(f"grade-{g}", label, GRADE_COLORS[g - 1])
        for g, label in (
            (1, N_("Grade 1 (good)")),
            (2, N_("Grade 2")),
            (3, N_("Grade 3")),
            (4, N_("Grade 4")),
            (5, N_("Grade 5 (poor)")),
        )
    ),
)
INSPECTION_CATEGORIES = (
    Category("never-coded", N_("Never coded"), NEVER_CODED_COLOR),
    Category("gone", N_("Revoked or transferred"), GONE_COLOR),
    Category("recent", N_("Inspected in the last {months} months"), "#2ca02c"),
    Category("overdue", N_("Not inspected for {months} months"), "#ff7f0e"),
    Category("never-inspected", N_("Never inspected"), "#d62728"),
)
CATEGORIES = {
    LIFE: LIFE_CATEGORIES,
    CONDITION: CONDITION_CATEGORIES,
    INSPECTION: INSPECTION_CATEGORIES,
}


def _status_masks(table: AssetTable, cols: LifeColumns):
    from app.gis.assets import STATUSES

    status = table.status
    coded = status != STATUSES.index("none")
    pending = status == STATUSES.index("pending")
    revoked = (status == STATUSES.index("revoked")) | (cols.indexed == 2)
    transferred = cols.indexed == 3
    return coded, pending, revoked, transferred


def categorise(
    style: str, table: AssetTable, cols: LifeColumns, params: StyleParams = StyleParams()
) -> tuple[np.ndarray, tuple[Category, ...]]:
    """(key per row into the style's categories, the categories)."""
    if style not in CATEGORIES:
        raise ValueError(f"unknown style {style!r}; one of {', '.join(STYLES)}")
    if len(cols) != len(table):
        raise ValueError(f"life columns of {len(cols)} rows for a table of {len(table)}")
    now, since = params.resolved()
    cats = CATEGORIES[style]
    names = [c.key for c in cats]
    key = np.zeros(len(table), np.uint8)
    coded, pending, revoked, transferred = _status_masks(table, cols)
    gone = revoked | transferred

    def put(name: str, mask: np.ndarray) -> None:
        key[mask] = names.index(name)

    if style == LIFE:
        # Later puts win: the most telling state of a code is the one shown.
        put("pending", coded & pending)
        live = coded & ~pending
        put("issued", live)
        with np.errstate(invalid="ignore"):
            put("updated", live & cols.updated & (cols.changed >= since.timestamp()))
        put("out-of-service", live & (cols.service == OUT_OF_SERVICE))
        put("decommissioned", live & (cols.service == DECOMMISSIONED))
        put("transferred", coded & transferred)
        put("revoked", coded & revoked)
    elif style == CONDITION:
        put("not-inspected", coded)
        for g in range(1, 6):
            put(f"grade-{g}", coded & (cols.grade == g))
        put("gone", coded & gone)
    else:
        put("never-inspected", coded)
        inspected = ~np.isnan(cols.inspected)
        cutoff = (now - timedelta(days=DAYS_PER_MONTH * params.months)).timestamp()
        with np.errstate(invalid="ignore"):
            recent = inspected & (cols.inspected >= cutoff)
        put("overdue", coded & inspected & ~recent)
        put("recent", coded & recent)
        put("gone", coded & gone)
    return key, cats


def label_params(params: StyleParams) -> dict[str, object]:
    """The parameters of the categories' label templates."""
    _now, since = params.resolved()
    return {"months": params.months, "date": since.date().isoformat()}


def counts(key: np.ndarray, categories: tuple[Category, ...]) -> list[int]:
    """Rows per category (for the legend and the layers panel)."""
    return np.bincount(key, minlength=len(categories)).tolist()


def visible(key: np.ndarray, shown: Iterable[int]) -> np.ndarray:
    """Row mask of the rows whose category is among ``shown`` (category positions)."""
    return np.isin(key, np.fromiter(shown, np.int64))
