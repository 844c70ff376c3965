"""Map rendering benchmark: MapView beside GeoDataFrame.plot() on the same data, same run.

The full table of bench/README.md (every case, medians of 5, the GeoDataFrame.plot
baseline for the 1M cases; 10-25 min depending on the machine's load):

    PYTHONPATH=. .venv/bin/python bench/render.py --baseline-max 1000000

    options: [--cases box1m,box3m,box10m,mix1m] [--repeats 5] [--no-matplotlib]
             [--baseline-max POINTS]   (3M points in GeoDataFrame.plot take ~4 min)

Needs matplotlib for the baseline (bench only, not an app dependency):
``.venv/bin/pip install -e '.[bench]'`` (or, to leave a shared venv alone,
``.venv/bin/pip install --target /tmp/mpl matplotlib==3.11.2`` then remove numpy and
pillow from /tmp/mpl and run with ``PYTHONPATH=.:/tmp/mpl``).  Profile of one case's
first frame and first zoom-in (cProfile + per-stage CPU/wall): bench/render_profile.py.

Each case runs in its own process (so its RSS is its own), offscreen at 1920x1080:
- box<N>: N uniform random points + 10k lines + 10k polygons in a 2 x 1.4 degree box,
  everything in view; mix1m: the app's own mix, 700k points + 200k lines + 100k
  polygons of the demo generator in 5 Hebei cities, with their boundaries.
- load: AssetTable built from the columns + MapView.set_table (data generation apart);
- first frame: from set_table to the first paint (something shows), and to the
  complete picture (every band rendered, marks and vertices built in the background);
  "longest paint" is the longest single paint of that, what the UI thread could not
  answer, with the CPU the UI thread itself spent in it (the rest is the machine's load
  and the background threads);
- pan: translate by (10 %, 5 %) of the view: the first frame after it, and the paints
  until the picture is complete (CPU: of the whole process, all threads), medians;
- zoom-in 4x: first (nothing cached at that scale: the frame shows the previous scale
  scaled under what 8 ms rendered, then refines) and repeat (back out and in again);
- RSS (peak) after the MapView work, before the baseline is built;
- GeoDataFrame.plot() (matplotlib Agg, same size): first draw and a pan redraw.
Targets (issue 14): pan and zoom frame <= 16 ms at 1M points all in view, <= 50 ms at
10M; first frame <= 1 s at 1M and for the 1M mix (UI never blocked > 100 ms); 10M
loaded <= 8 s; RSS <= 600 MB for the 1M mix, <= 2 GB for 10M points.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CITIES = ["130100", "130200", "130400", "130600", "131000"]
W, H = 1920, 1080
BOX = (114.0, 38.0, 116.0, 39.4)
CASES = {
    "box1m": ("box", 1_000_000, 10_000, 10_000),
    "box3m": ("box", 3_000_000, 10_000, 10_000),
    "box10m": ("box", 10_000_000, 10_000, 10_000),
    "mix1m": ("mix", 700_000, 200_000, 100_000),
    # Quick checks of the bench itself (not the figures): --cases box100k,mix100k
    "box100k": ("box", 100_000, 1_000, 1_000),
    "mix100k": ("mix", 70_000, 20_000, 10_000),
}


def rss_mb() -> tuple[float, float]:
    status = open("/proc/self/status").read()

    def get(k: str) -> float:
        return int(status.split(k + ":")[1].split()[0]) / 1024

    return get("VmRSS"), get("VmHWM")


class BoxLabels:
    """Labels made on demand (a uniform box has no names worth storing)."""

    def asset_id(self, i: int) -> str:
        return f"B{i:08d}"

    def name(self, i: int) -> str:
        return f"asset {i}"

    def attributes(self, i: int) -> dict:
        return {}

    def find_asset_id(self, asset_id: str) -> int | None:
        return int(asset_id[1:]) if asset_id.startswith("B") else None


def box_columns(n_points: int, n_lines: int, n_polygons: int):
    """Uniform points, random-walk lines (2-8 vertices, 100-400 m steps) and rotated
    rectangles or hexagons (50-300 m) in BOX; overlaps happen as they fall."""
    import shapely

    from app.gis.assets import CLASS_CODES

    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = BOX
    px, py = rng.uniform(x0, x1, n_points), rng.uniform(y0, y1, n_points)
    nv = rng.integers(2, 9, n_lines)
    starts = np.column_stack([rng.uniform(x0, x1, n_lines), rng.uniform(y0, y1, n_lines)])
    idx = np.repeat(np.arange(n_lines), nv)
    steps = rng.uniform(0.001, 0.004, len(idx))[:, None] * np.column_stack(
        [np.cos(a := rng.uniform(0, 2 * np.pi, len(idx))), np.sin(a)]
    )
    first = np.r_[True, idx[1:] != idx[:-1]]
    steps[first] = 0
    walk = np.cumsum(steps, axis=0)
    walk -= np.repeat(walk[first], nv, axis=0)
    lines = shapely.linestrings(starts[idx] + walk, indices=idx)
    k = np.arange(7) % 6 * (np.pi / 3)
    r = rng.uniform(0.0005, 0.003, n_polygons)
    cx, cy = rng.uniform(x0, x1, n_polygons), rng.uniform(y0, y1, n_polygons)
    ring = np.stack([cx[:, None] + r[:, None] * np.cos(k), cy[:, None] + r[:, None] * np.sin(k)], 2)
    polygons = shapely.polygons(ring)
    shapes = np.concatenate([lines, polygons])
    rep = shapely.point_on_surface(shapes)
    kind = np.r_[np.zeros(n_points), np.ones(n_lines), np.full(n_polygons, 2)].astype(np.int8)
    n = len(kind)
    return dict(
        kind=kind,
        class_idx=rng.integers(0, len(CLASS_CODES), n).astype(np.int8),
        city_codes=("130100",),
        city_idx=np.zeros(n, np.int16),
        x=np.r_[px, shapely.get_x(rep)],
        y=np.r_[py, shapely.get_y(rep)],
        shapes=shapes,
        labels=BoxLabels(),
    )


def make_table(kind: str, n_points: int, n_lines: int, n_polygons: int):
    """(seconds to generate the data, seconds to build the AssetTable, table)."""
    from app.gis.assets import AssetTable

    t = time.perf_counter()
    if kind == "box":
        cols = box_columns(n_points, n_lines, n_polygons)
        t_gen = time.perf_counter() - t
        t = time.perf_counter()
        table = AssetTable(**cols)
    else:
        from app.gis.demo_assets import DemoAssets, generate_demo

        k = len(CITIES)
        demo = DemoAssets.concat(
            [
                generate_demo(
                    c,
                    n_points // k + (i < n_points % k),
                    n_lines // k + (i < n_lines % k),
                    n_polygons // k + (i < n_polygons % k),
                    seed=0,
                )
                for i, c in enumerate(CITIES)
            ]
        )
        t_gen = time.perf_counter() - t
        t = time.perf_counter()
        table = AssetTable.from_demo(demo)
    return t_gen, time.perf_counter() - t, table


def run_case(name: str, repeats: int, baseline: bool) -> dict:
    from PySide6 import QtWidgets

    from app.gis import maps
    from app.ui.map import MapView

    kind, n_points, n_lines, n_polygons = CASES[name]
    out: dict = {"case": name}
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    out["gen_s"], out["table_s"], table = make_table(kind, n_points, n_lines, n_polygons)
    view = MapView()
    view.resize(W, H)
    if kind == "mix":
        view.set_boundaries(maps.city_boundaries(CITIES))
    view.show()
    app.processEvents()

    ui_cpu = [0.0]  # the longest paint in CPU time of the UI thread alone

    def settle(background: bool = False) -> tuple[float, float]:
        """Paint until the picture is complete (and, with ``background``, everything
        built in the background is in): (seconds, longest single paint)."""
        t, longest = time.perf_counter(), 0.0
        while True:
            p, pc = time.perf_counter(), time.thread_time()
            view.grab()
            longest = max(longest, time.perf_counter() - p)
            ui_cpu[0] = max(ui_cpu[0], time.thread_time() - pc)
            if not view.assets.busy() and not (background and view.assets.background_running()):
                return time.perf_counter() - t, longest
            app.processEvents()
            if not view.assets.canvases_pending():
                # Waiting on the background build: poll like the app does (every 50 ms
                # its refine timer), not in a loop of full repaints whose CPU would count.
                time.sleep(0.05)

    t, c = time.perf_counter(), time.process_time()
    view.set_table(table)
    out["set_table_s"] = time.perf_counter() - t
    out["load_s"] = out["table_s"] + out["set_table_s"]
    view.zoom_to_bbox(table.bounds())
    p = time.perf_counter()
    view.grab()
    out["first_paint_s"] = time.perf_counter() - t
    blocked = max(out["set_table_s"], time.perf_counter() - p)
    rest, longest = settle()
    out["blocked_cpu_s"] = ui_cpu[0]
    out["first_complete_s"] = time.perf_counter() - t
    out["first_cpu_s"] = time.process_time() - c  # all threads of the process
    settle(background=True)  # the pyramid, before anything else is measured
    out["blocked_s"] = max(blocked, longest)

    def timed(action) -> tuple[float, float, float]:
        """(first frame, complete picture, CPU of the process) for an action and the
        paints that follow it until the picture is complete."""
        c, t = time.process_time(), time.perf_counter()
        action()
        view.grab()
        first = time.perf_counter() - t
        settle()
        return first, time.perf_counter() - t, time.process_time() - c

    def medians(runs: list[tuple[float, float, float]]) -> list[float]:
        return [statistics.median(r[k] for r in runs) for k in range(3)]

    sign = [1]

    def pan() -> None:
        sign[0] = -sign[0]
        view.pan(0.1 * sign[0], 0.05 * sign[0])

    pans = [timed(pan) for _ in range(repeats + 2)][2:]
    out["pan_frame_s"], out["pan_s"], out["pan_cpu_s"] = medians(pans)
    firsts, repeat = [], []
    for _ in range(repeats):
        view.assets.canvases.clear()  # nothing of the 4x scale kept
        firsts.append(timed(lambda: view.zoom(4)))
        timed(lambda: view.zoom(0.25))
        repeat.append(timed(lambda: view.zoom(4)))
        timed(lambda: view.zoom(0.25))
    out["zoom_frame_s"], out["zoom_first_s"], out["zoom_first_cpu_s"] = medians(firsts)
    out["zoom_repeat_frame_s"], out["zoom_repeat_s"], out["zoom_repeat_cpu_s"] = medians(repeat)
    out["mode"] = view.assets.last_stats.get("mode")
    out["rss_mb"], out["peak_mb"] = rss_mb()

    if baseline and n_points <= baseline:
        import geopandas as gpd
        import matplotlib
        import shapely

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        geoms = np.empty(len(table), object)
        pts = table.kind == 0
        geoms[pts] = shapely.points(table.x[pts], table.y[pts])
        geoms[table.shape_rows] = table.shapes
        gdf = gpd.GeoDataFrame({"asset_class": table.class_idx}, geometry=geoms, crs="EPSG:4326")
        fig = plt.figure(figsize=(W / 100, H / 100), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
        t = time.perf_counter()
        gdf.plot(ax=ax, column="asset_class", cmap="tab20", markersize=1, linewidth=0.8)
        fig.canvas.draw()
        out["mpl_first_s"] = time.perf_counter() - t
        lo, hi = ax.get_xlim()
        d = 0.1 * (hi - lo)
        t = time.perf_counter()
        ax.set_xlim(lo + d, hi + d)
        fig.canvas.draw()
        out["mpl_pan_s"] = time.perf_counter() - t
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cases", default="box1m,box3m,box10m,mix1m")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-matplotlib", action="store_true")
    ap.add_argument("--baseline-max", type=int, default=3_000_000, help="points")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    baseline = 0 if args.no_matplotlib else args.baseline_max
    if args.child:
        print("RESULT " + json.dumps(run_case(args.child, args.repeats, baseline)), flush=True)
        return
    load_before = open("/proc/loadavg").read().split()[:3]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = []
    for name in args.cases.split(","):
        cmd = [sys.executable, __file__, "--child", name, "--repeats", str(args.repeats)]
        cmd += ["--no-matplotlib"] if args.no_matplotlib else []
        cmd += ["--baseline-max", str(args.baseline_max)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if not line:
            sys.exit(f"case {name} failed:\n{proc.stderr[-3000:]}")
        results.append(json.loads(line[0][7:]))
        print(f"  {name} done", file=sys.stderr, flush=True)
    load_after = open("/proc/loadavg").read().split()[:3]

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v * 1000:,.0f} ms"

    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:,.2f} s"

    print(
        f"\nbench/render.py {started}, {W}x{H} offscreen, medians of {args.repeats}; "
        f"load average before {' '.join(load_before)}, after {' '.join(load_after)}\n"
    )
    print(
        "| case | load: table + set_table | first frame: paint / complete (CPU) "
        "[longest paint (its UI-thread CPU)] "
        "| pan: frame / complete (CPU) | zoom-in 4x first: frame / complete (CPU) "
        "| zoom-in 4x repeat: frame / complete (CPU) | RSS (peak) "
        "| GeoDataFrame.plot first / pan |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        mpl = f"{s(r['mpl_first_s'])} / {s(r['mpl_pan_s'])}" if "mpl_first_s" in r else "not run"
        print(
            f"| {r['case']} | {s(r['load_s'])} = {s(r['table_s'])} + {s(r['set_table_s'])} "
            f"| {ms(r['first_paint_s'])} / {ms(r['first_complete_s'])} "
            f"({ms(r['first_cpu_s'])}) [{ms(r['blocked_s'])} ({ms(r['blocked_cpu_s'])})] "
            f"| {ms(r['pan_frame_s'])} / {ms(r['pan_s'])} ({ms(r['pan_cpu_s'])}) "
            f"| {ms(r['zoom_frame_s'])} / {ms(r['zoom_first_s'])} ({ms(r['zoom_first_cpu_s'])}) "
            f"| {ms(r['zoom_repeat_frame_s'])} / {ms(r['zoom_repeat_s'])} "
            f"({ms(r['zoom_repeat_cpu_s'])}) "
            f"| {r['rss_mb']:,.0f} MB ({r['peak_mb']:,.0f}) | {mpl} |"
        )
    print(
        "\ndata generation (not in load): "
        + ", ".join(f"{r['case']} {s(r['gen_s'])}" for r in results)
    )


if __name__ == "__main__":
    main()
