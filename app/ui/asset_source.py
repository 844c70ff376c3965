"""Read access to the AssetTable (app.gis.assets) in the shapes the UI needs.

The UI reads the table's columns as numpy arrays, shared read-only with the worker thread;
the only writes (a row's code/status after issuing or syncing) happen on the UI thread
through :func:`set_code`.
"""
from __future__ import annotations

import numpy as np

TEXT_COLUMNS = ("asset_id", "city", "asset_class", "name", "code", "status")


def _raw(table, name):
    for getter in (lambda: table.column(name), lambda: table[name],
                   lambda: getattr(table, name), lambda: table.frame[name]):
        try:
            value = getter()
        except (AttributeError, KeyError, TypeError, IndexError):
            continue
        if value is not None and not callable(value):
            return value
    raise KeyError(f"the asset table has no column {name!r}")


def columns(table) -> dict[str, np.ndarray]:
    """name -> numpy array (object dtype for text) for the table's text columns."""
    out = {}
    for name in TEXT_COLUMNS:
        arr = np.asarray(_raw(table, name))
        out[name] = arr if arr.dtype == object else arr.astype(object)
    return out


def row_count(table) -> int:
    return 0 if table is None else len(table)


def attributes(table, row: int) -> dict:
    try:
        value = _raw(table, "attributes")[row]
    except KeyError:
        return {}
    return dict(value) if isinstance(value, dict) else {}


def geometry(table, row: int):
    return _raw(table, "geometry")[row]


def bbox(table, rows) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of the given rows' geometries."""
    import shapely

    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return None
    geoms = np.asarray(_raw(table, "geometry"), dtype=object)[rows]
    b = shapely.total_bounds(geoms)
    return None if not np.all(np.isfinite(b)) else tuple(float(v) for v in b)


def set_code(table, row: int, code: str | None, status: str) -> None:
    if hasattr(table, "set_code"):
        table.set_code(row, code, status)
        return
    _raw(table, "code")[row] = code
    _raw(table, "status")[row] = status


def find_code(cols: dict, code: str) -> int | None:
    hits = np.flatnonzero(cols["code"] == code)
    return int(hits[0]) if len(hits) else None
