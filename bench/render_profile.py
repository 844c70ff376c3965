"""Where the map's time goes: one case of bench/render.py, its first frame and three
first zoom-ins 4x, with cProfile (UI thread) and per-stage timers (every thread).

    PYTHONPATH=. .venv/bin/python bench/render_profile.py [mix1m] [--png out.png]

Per stage: wall and CPU of the thread that ran it (background threads included:
marks, shapes, pyramid), and calls; per paint of the first frame its UI-thread CPU.
Print CPU beside wall: on a shared machine wall time is mostly waiting for a core.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import os
import pstats
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

STAGES = collections.defaultdict(lambda: [0.0, 0.0, 0])  # name -> [wall, cpu, calls]


def _timed(name, fn):
    @functools.wraps(fn)
    def wrapper(*a, **k):
        t, c = time.perf_counter(), time.thread_time()
        try:
            return fn(*a, **k)
        finally:
            s = STAGES[name]
            s[0] += time.perf_counter() - t
            s[1] += time.thread_time() - c
            s[2] += 1

    return wrapper


def _instrument() -> None:
    from app.gis.render import marks, raster, shapes
    from app.ui.map import layers

    stages = [
        (layers.AssetLayer, ["paint", "_render_band", "_raster_shapes", "_draw_shapes"]),
        (layers.AssetLayer, ["_style_marks", "_draw_placeholder", "_draw_coded"]),
        (shapes.ShapeSet, ["prepare", "merged", "in_block"]),
        (marks.Marks, ["__init__", "render", "build_pyramid", "set_style"]),
    ]
    for owner, names in stages:
        for name in names:
            setattr(owner, name, _timed(f"{owner.__name__}.{name}", getattr(owner, name)))
    for name in ("polylines", "fill_polygons", "density", "stamp"):
        setattr(raster, name, _timed(f"raster.{name}", getattr(raster, name)))
    layers.segments_in = _timed("segments_in", layers.segments_in)


def _report(label: str, prof: cProfile.Profile, wall: float, cpu: float) -> None:
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"\n=== {label}: wall {wall * 1e3:,.0f} ms, process CPU {cpu * 1e3:,.0f} ms; load {load}")
    for name, (w, c, n) in sorted(STAGES.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:34s} wall {w * 1e3:8.1f} ms  cpu {c * 1e3:8.1f} ms  calls {n}")
    STAGES.clear()
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("case", nargs="?", default="mix1m")
    ap.add_argument("--png", help="save the last zoomed-out picture here")
    args = ap.parse_args()
    _instrument()
    import render as bench
    from PySide6 import QtWidgets

    from app.gis import maps
    from app.ui.map import MapView

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    kind, n_points, n_lines, n_polygons = bench.CASES[args.case]
    _, _, table = bench.make_table(kind, n_points, n_lines, n_polygons)
    view = MapView()
    view.resize(bench.W, bench.H)
    if kind == "mix":
        view.set_boundaries(maps.city_boundaries(bench.CITIES))
    view.show()
    app.processEvents()
    paints: list[tuple[float, dict]] = []

    def settle(prof: cProfile.Profile) -> None:
        while True:
            c = time.thread_time()
            prof.enable()
            view.grab()
            prof.disable()
            paints.append((time.thread_time() - c, dict(view.assets.last_stats)))
            if not view.assets.busy():
                return
            app.processEvents()
            if not view.assets.canvases_pending():
                time.sleep(0.05)  # waiting on the background build, as the app polls

    prof = cProfile.Profile()
    t, c = time.perf_counter(), time.process_time()
    prof.enable()
    view.set_table(table)
    view.zoom_to_bbox(table.bounds())
    prof.disable()
    settle(prof)
    _report("first frame", prof, time.perf_counter() - t, time.process_time() - c)
    print("  UI-thread CPU per paint (ms):", " ".join(f"{p * 1e3:.0f}" for p, _ in paints))
    view.assets.wait_for_background()
    settle(cProfile.Profile())
    STAGES.clear()
    prof = cProfile.Profile()
    t, c = time.perf_counter(), time.process_time()
    for k in range(6):
        view.pan(0.1 * (-1) ** k, 0.05 * (-1) ** k)
        settle(prof)
    _report("6 pans (10 %, 5 %)", prof, time.perf_counter() - t, time.process_time() - c)
    prof = cProfile.Profile()
    wall = cpu = 0.0
    for _ in range(3):
        view.assets.canvases.clear()  # nothing of the 4x scale kept
        t, c = time.perf_counter(), time.process_time()
        prof.enable()
        view.zoom(4)
        prof.disable()
        settle(prof)
        wall, cpu = wall + time.perf_counter() - t, cpu + time.process_time() - c
        kept = {k: list(v) for k, v in STAGES.items()}
        view.zoom(0.25)
        settle(cProfile.Profile())
        STAGES.clear()
        STAGES.update(kept)
    _report("3 first zoom-ins 4x", prof, wall, cpu)
    if args.png:
        view.grab().save(args.png)


if __name__ == "__main__":
    main()
