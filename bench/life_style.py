"""Map styles by the life of the codes (issue 12): what a style change costs the UI thread
(categorise + counts + filter mask over every row), what reading the codes index into
columns costs the worker, and what a confirmed reshape costs (every shape rebuilt).

    PYTHONPATH=. .venv/bin/python bench/life_style.py [--rows 1000000] [--codes 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import shapely

from app.gis import life_style
from app.gis.assets import AssetTable, ListLabels
from app.ledger.codes_index import CodeState
from app.ui.workspace import reshaped


def _median(fn, runs=5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--codes", type=int, default=100_000)
    ap.add_argument("--shapes", type=int, default=300_000)
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    n, k = a.rows, a.codes
    codes = np.full(n, None, dtype=object)
    coded = rng.choice(n, k, replace=False)
    for i, r in enumerate(coded):
        codes[r] = f"130100-WAT-{i:08d}-0"
    status = np.zeros(n, np.int8)
    status[coded] = 2
    table = AssetTable(
        kind=np.zeros(n, np.int8),
        class_idx=np.zeros(n, np.int8),
        city_codes=["130100"],
        city_idx=np.zeros(n, np.int16),
        x=rng.uniform(114, 115, n),
        y=rng.uniform(38, 39, n),
        shapes=[],
        labels=ListLabels([str(i) for i in range(n)], [""] * n, [{}] * n),
        codes=codes,
        status=status,
    )
    services = [None, None, None, "out-of-service", "decommissioned"]
    states = [
        CodeState(
            code=codes[r],
            origin="o",
            asset_class="WAT",
            name="",
            status="issued",
            owner=None,
            geometry=None,
            first_index=i,
            latest_index=i + (i % 3),
            time=f"2026-{1 + i % 12:02d}-01T00:00:00Z",
            service=services[i % 5],
            grade=(i % 6) or None,
            inspected=f"2025-{1 + i % 12:02d}-15T00:00:00Z" if i % 6 else None,
        )
        for i, r in enumerate(coded)
    ]
    rows = []
    t = _median(lambda: life_style.life_columns(table, states), runs=3)
    rows.append((f"life_columns: {k:,} codes onto {n:,} rows (worker)", t))
    cols = life_style.life_columns(table, states)
    for style in life_style.STYLES:

        def apply(style=style):
            key, cats = life_style.categorise(style, table, cols)
            life_style.counts(key, cats)
            life_style.visible(key, range(1, len(cats)))

        rows.append(
            (f"style {style}: categorise + counts + mask, {n:,} rows (UI thread)", _median(apply))
        )
    m = a.shapes
    cx, cy = rng.uniform(114, 115, m), rng.uniform(38, 39, m)
    polys = shapely.box(cx, cy, cx + 1e-4, cy + 1e-4)
    shape_table = AssetTable(
        kind=np.full(m, 2, np.int8),
        class_idx=np.zeros(m, np.int8),
        city_codes=["130100"],
        city_idx=np.zeros(m, np.int16),
        x=cx,
        y=cy,
        shapes=polys,
        labels=ListLabels([str(i) for i in range(m)], [""] * m, [{}] * m),
    )
    new = {"type": "Polygon", "coordinates": [[[114, 38], [114.1, 38], [114.1, 38.1], [114, 38]]]}
    t = _median(lambda: reshaped(shape_table, 7, new), runs=3)
    rows.append((f"reshaped: one polygon of {m:,} replaced, table rebuilt (worker)", t))
    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    print("| operation | median |\n|---|---|")
    for what, t in rows:
        print(f"| {what} | {t * 1e3:,.0f} ms |")


if __name__ == "__main__":
    main()
