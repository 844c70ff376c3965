"""Helpers over app.gis.assets.AssetTable in the shapes the UI needs.

The table is shared read-only with the worker thread (filter, sort, search scan it);
writes (a row's code/status after issuing or syncing) happen on the UI thread.
"""

from __future__ import annotations

import numpy as np

STRING_COLUMNS = ("code", "name", "asset_class", "city", "status", "asset_id")


def cell(table, row: int, key: str):
    """One cell by column name; names and ids are made on demand by the table's labels."""
    row = int(row)
    if key == "code":
        return table.codes[row]
    if key == "status":
        return table.status_of(row)
    if key in LIFE_COLUMNS:
        return life_cell(table, row, key)
    return getattr(table, key)(row)


LIFE_COLUMNS = ("condition", "inspected")


def life_cell(table, row: int, key: str):
    """The latest inspection's grade (int) or date ('YYYY-MM-DD'); None when the row has
    no code or no inspection, or the codes index has not been read yet."""
    life = table.life
    if life is None or row >= len(life):
        return None
    if key == "condition":
        return life.grade_of(row)
    when = life.inspected_at(row)
    return None if when is None else when.date().isoformat()


def display_name(table, row: int) -> str:
    """The asset's name in the UI language: its ``name_zh`` attribute in Chinese."""
    from app.ui.i18n import language, localized

    name = table.name(int(row))
    if language() != "zh_CN":
        return name
    return localized(name, (table.attributes(int(row)) or {}).get("name_zh"))


def row_count(table) -> int:
    return 0 if table is None else len(table)


def bbox(table, rows) -> tuple[float, float, float, float] | None:
    rows = np.asarray(rows, dtype=np.int64)
    return None if len(rows) == 0 else table.bounds(rows)


def set_code(table, row: int, code: str | None, status: str) -> None:
    table.set_codes([row], [code], status=status)


def sort_keys(table, rows: np.ndarray, key: str) -> np.ndarray:
    """Values of column ``key`` for ``rows`` that np.argsort orders like the text shown."""
    from app.gis.assets import CLASS_CODES, STATUSES

    if key == "asset_class":
        rank = np.argsort(np.argsort(np.asarray(CLASS_CODES)))
        return rank[table.class_idx[rows]]
    if key == "city":
        rank = np.argsort(np.argsort(np.asarray(table.city_codes)))
        return rank[table.city_idx[rows]]
    if key == "status":
        rank = np.argsort(np.argsort(np.asarray(STATUSES)))
        return rank[table.status[rows]]
    if key in LIFE_COLUMNS:
        life = table.life
        if life is None or len(life) != len(table):
            return np.zeros(len(rows))
        if key == "condition":  # ungraded rows last
            return np.where(life.grade[rows] == 0, 99, life.grade[rows])
        return np.nan_to_num(life.inspected[rows], nan=np.inf)
    if key == "code":
        values = table.codes[rows]
    else:
        getter = getattr(table, key)
        values = [getter(r) for r in rows.tolist()]
    # '\uffff' sorts rows without a value last.
    return np.array(["\uffff" if v is None else str(v) for v in values], dtype=object)
