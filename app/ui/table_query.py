"""Filtering and sorting the rows of the attribute table with numpy (no Qt).

At 1M rows a QSortFilterProxyModel asks Python for every cell; instead the model shows
``rows``, an int array of AssetTable row numbers, computed here on the worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.ui import asset_source


@dataclass(frozen=True)
class RowFilter:
    text: str = ""
    classes: frozenset | None = None  # None: all
    statuses: frozenset | None = None
    cities: frozenset | None = None
    only_rows: np.ndarray | None = field(default=None, compare=False)  # e.g. the selection
    # Rows a map style's shown categories leave (app.gis.life_style.visible); None: all.
    style_mask: np.ndarray | None = field(default=None, compare=False)


def filter_rows(table, flt: RowFilter, report=None) -> np.ndarray:
    """Row numbers (ascending) of ``table`` that pass ``flt``."""
    n = len(table)
    mask = (
        table.class_mask(flt.classes)
        & table.status_mask(flt.statuses)
        & table.city_mask(flt.cities)
    )
    if flt.style_mask is not None and len(flt.style_mask) == n:
        mask &= flt.style_mask
    if flt.only_rows is not None:
        only = np.zeros(n, dtype=bool)
        only[np.asarray(flt.only_rows, dtype=np.int64)] = True
        mask &= only
    candidates = np.flatnonzero(mask).astype(np.int64)
    text = flt.text.strip().casefold()
    if not text:
        return candidates
    hits = []
    codes = table.codes
    for k, i in enumerate(candidates.tolist()):
        if (
            text in table.name(i).casefold()
            or text in table.asset_id(i).casefold()
            or (codes[i] is not None and text in codes[i].casefold())
        ):
            hits.append(i)
        if report is not None and k % 100000 == 0:
            report(k, len(candidates))
    return np.asarray(hits, dtype=np.int64)


def sort_rows(table, rows: np.ndarray, column: str, descending: bool) -> np.ndarray:
    """``rows`` reordered by ``column`` (stable; rows without a value last)."""
    if len(rows) == 0:
        return rows
    order = np.argsort(asset_source.sort_keys(table, rows, column), kind="stable")
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
