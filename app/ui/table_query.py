"""Filtering and sorting the rows of the attribute table with numpy (no Qt).

At 1M rows a QSortFilterProxyModel asks Python for every cell; instead the model shows
``rows``, an int array of AssetTable row numbers, computed here on the worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RowFilter:
    text: str = ""
    classes: frozenset | None = None   # None: all
    statuses: frozenset | None = None
    cities: frozenset | None = None
    only_rows: np.ndarray | None = field(default=None, compare=False)  # e.g. the selection

    def is_empty(self) -> bool:
        return (not self.text.strip() and self.classes is None and self.statuses is None
                and self.cities is None and self.only_rows is None)


def _member_mask(values: np.ndarray, allowed) -> np.ndarray:
    return np.isin(values, np.array(sorted(allowed), dtype=object))


def filter_rows(columns: dict, n: int, flt: RowFilter) -> np.ndarray:
    """Row numbers (ascending) that pass ``flt``. ``columns`` maps name -> array of len n."""
    mask = np.ones(n, dtype=bool)
    for key, allowed in (("asset_class", flt.classes), ("status", flt.statuses),
                         ("city", flt.cities)):
        if allowed is not None:
            mask &= _member_mask(columns[key], allowed)
    if flt.only_rows is not None:
        only = np.zeros(n, dtype=bool)
        only[np.asarray(flt.only_rows, dtype=np.int64)] = True
        mask &= only
    text = flt.text.strip().lower()
    if text:
        candidates = np.flatnonzero(mask)
        names, codes, ids = columns["name"], columns["code"], columns["asset_id"]
        hits = [i for i in candidates
                if text in str(names[i]).lower() or text in str(ids[i]).lower()
                or (codes[i] is not None and text in str(codes[i]).lower())]
        return np.asarray(hits, dtype=np.int64)
    return np.flatnonzero(mask).astype(np.int64)


def sort_rows(columns: dict, rows: np.ndarray, column: str, descending: bool) -> np.ndarray:
    """``rows`` reordered by ``column`` (stable; None/missing values last)."""
    if len(rows) == 0:
        return rows
    values = columns[column][rows]
    if values.dtype == object:
        keys = np.array(["\uffff" if v is None else str(v) for v in values], dtype=object)
        order = np.argsort(keys, kind="stable")
    else:
        order = np.argsort(values, kind="stable")
    if descending:
        order = order[::-1]
    return rows[order]


def positions_of(rows_in_view: np.ndarray, table_rows, n: int) -> np.ndarray:
    """Positions in the view of the given table rows (those not shown are dropped)."""
    inverse = np.full(n, -1, dtype=np.int64)
    inverse[rows_in_view] = np.arange(len(rows_in_view), dtype=np.int64)
    pos = inverse[np.asarray(table_rows, dtype=np.int64)]
    return np.sort(pos[pos >= 0])


def contiguous_ranges(positions: np.ndarray, limit: int | None = None) -> list[tuple[int, int]]:
    """Sorted positions -> [(first, last)] inclusive runs, at most ``limit`` runs."""
    if len(positions) == 0:
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1)
    starts = np.concatenate(([positions[0]], positions[breaks + 1]))
    ends = np.concatenate((positions[breaks], [positions[-1]]))
    if limit is not None:
        starts, ends = starts[:limit], ends[:limit]
    return [(int(a), int(b)) for a, b in zip(starts, ends)]
