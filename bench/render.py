"""Map rendering benchmark: MapView vs GeoDataFrame.plot() on the same data, same run.

    .venv/bin/python bench/render.py [--points 1000000] [--lines 10000] [--polygons 10000]
                                     [--repeats 15] [--no-matplotlib]

Needs matplotlib for the baseline (bench only, not an app dependency):
``.venv/bin/pip install -e '.[bench]'`` or ``.venv/bin/pip install matplotlib==3.11.2``.

Data: demo assets of five Hebei cities (app/gis/demo_assets.py), split evenly.
Measured, offscreen at 1920x1080:
- cold start: a fresh interpreter imports the stack, generates the data, builds the
  AssetTable, shows a MapView and paints its first frame (parent measures wall time);
- first frame: set_table + first full paint (QWidget.grab) with everything in view;
- pan / zoom frame: translate by 10 % (or zoom by 1.25x) and repaint, median of repeats,
  at the province view and at a city view;
- RSS of the process after the MapView runs (before the matplotlib baseline is built);
- GeoDataFrame.plot() (matplotlib Agg, same size): first draw and pan redraw.
Targets (issue 6): first frame <= 1 s, pan/zoom frame <= 50 ms, RSS <= 600 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CITIES = ["130100", "130200", "130400", "130600", "131000"]
W, H = 1920, 1080


def rss_mb() -> tuple[float, float]:
    status = open("/proc/self/status").read()
    get = lambda k: int(status.split(k + ":")[1].split()[0]) / 1024  # noqa: E731
    return get("VmRSS"), get("VmHWM")


def make_demo(n_points, n_lines, n_polygons):
    from app.gis.demo_assets import DemoAssets, generate_demo

    k = len(CITIES)
    parts = [
        generate_demo(
            c,
            n_points // k + (i < n_points % k),
            n_lines // k + (i < n_lines % k),
            n_polygons // k + (i < n_polygons % k),
            seed=0,
        )
        for i, c in enumerate(CITIES)
    ]
    return DemoAssets.concat(parts)


def cold_child(args) -> None:
    """Runs in a fresh interpreter; prints READY when the first frame is painted."""
    from PySide6 import QtWidgets

    from app.gis import maps
    from app.gis.assets import AssetTable
    from app.ui.map import MapView

    app = QtWidgets.QApplication([])
    view = MapView()
    view.resize(W, H)
    view.set_boundaries(maps.city_boundaries(CITIES))
    view.show()
    view.grab()
    app.processEvents()
    print("SHOWN", flush=True)
    view.set_table(AssetTable.from_demo(make_demo(args.points, args.lines, args.polygons)))
    view.grab()
    app.processEvents()
    print("READY", flush=True)


CPU = {}  # measure -> median process CPU seconds (steadier than wall time on a busy box)


def timed(fn, repeats, label=None):
    out, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    if label:
        CPU[label] = statistics.median(cpu)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--polygons", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--no-matplotlib", action="store_true")
    ap.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cold_child:
        cold_child(args)
        return

    t = time.perf_counter()
    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--cold-child",
            "--points",
            str(args.points),
            "--lines",
            str(args.lines),
            "--polygons",
            str(args.polygons),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    marks = {}
    for line in child.stdout:
        marks[line.strip()] = time.perf_counter() - t
    child.wait()
    if "READY" not in marks:
        sys.exit("cold-start child failed (run with --cold-child to see why)")
    cold, cold_all = marks["SHOWN"], marks["READY"]
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import PySide6.QtWidgets, pyqtgraph, geopandas, shapely"],
        check=True,
    )
    floor = time.perf_counter() - t

    from PySide6 import QtWidgets

    from app.gis import maps
    from app.gis.assets import AssetTable
    from app.ui.map import MapView

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    t = time.perf_counter()
    demo = make_demo(args.points, args.lines, args.polygons)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    table = AssetTable.from_demo(demo)
    t_table = time.perf_counter() - t
    bounds = maps.city_boundaries(CITIES)

    view = MapView()
    view.resize(W, H)
    view.set_boundaries(bounds)
    view.show()
    app.processEvents()
    t, c = time.perf_counter(), time.process_time()
    view.set_table(table)
    view.grab()
    first = time.perf_counter() - t
    CPU["first"] = time.process_time() - c

    def pan_frame():
        pan_frame.sign = -pan_frame.sign
        view.pan(0.1 * pan_frame.sign, 0.05 * pan_frame.sign)
        view.grab()

    pan_frame.sign = 1

    def zoom_frame():
        zoom_frame.k += 1
        view.zoom(1.25 if zoom_frame.k % 2 else 0.8)
        view.grab()

    zoom_frame.k = 0

    view.zoom_full()
    view.grab()
    pan_prov = statistics.median(timed(pan_frame, args.repeats, "pan_prov"))
    zoom_prov = statistics.median(timed(zoom_frame, args.repeats, "zoom_prov"))
    mode_prov = view.points.last_stats.get("mode")
    view.zoom_to_city("130100")
    view.grab()
    pan_city = statistics.median(timed(pan_frame, args.repeats, "pan_city"))
    zoom_city = statistics.median(timed(zoom_frame, args.repeats, "zoom_city"))
    view.zoom_to_bbox((114.45, 38.0, 114.55, 38.06))
    view.grab()
    pan_street = statistics.median(timed(pan_frame, args.repeats, "pan_street"))
    mode_street = view.points.last_stats.get("mode")
    t = time.perf_counter()
    for _ in range(200):
        view.identify_at(114.5, 38.03)
    identify = (time.perf_counter() - t) / 200
    rss, peak = rss_mb()

    base_first = base_pan = None
    if not args.no_matplotlib:
        import geopandas as gpd
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        gdf = gpd.GeoDataFrame(
            {"asset_class": table.class_idx}, geometry=demo.geometries(), crs="EPSG:4326"
        )
        fig = plt.figure(figsize=(W / 100, H / 100), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
        t = time.perf_counter()
        bounds.boundary.plot(ax=ax, color="#4d5660", linewidth=0.8)
        gdf.plot(ax=ax, column="asset_class", cmap="tab20", markersize=1, linewidth=0.8)
        fig.canvas.draw()
        base_first = time.perf_counter() - t
        x0, x1 = ax.get_xlim()

        def mpl_pan():
            mpl_pan.sign = -mpl_pan.sign
            d = 0.1 * (x1 - x0) * mpl_pan.sign
            lo, hi = ax.get_xlim()
            ax.set_xlim(lo + d, hi + d)
            fig.canvas.draw()

        mpl_pan.sign = 1
        base_pan = statistics.median(timed(mpl_pan, max(3, args.repeats // 5)))

    n_total = len(table)
    print(
        f"\nbench/render.py: {args.points:,} points + {args.lines:,} lines + {args.polygons:,} polygons "
        f"= {n_total:,} assets, {W}x{H} offscreen, medians of {args.repeats}"
    )
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"data generation {t_gen:.2f} s, AssetTable build {t_table:.2f} s; "
        f"point modes: province={mode_prov}, street={mode_street}\n"
    )

    def ms(v):
        return "-" if v is None else f"{v * 1000:,.0f} ms"

    table_rows = [
        ("first frame (all in view)", ms(first), ms(base_first), "<= 1000 ms"),
        ("pan frame, province view", ms(pan_prov), ms(base_pan), "<= 50 ms"),
        ("zoom frame, province view", ms(zoom_prov), "", "<= 50 ms"),
        ("pan frame, city view", ms(pan_city), "", "<= 50 ms"),
        ("zoom frame, city view", ms(zoom_city), "", "<= 50 ms"),
        ("pan frame, street view", ms(pan_street), "", "<= 50 ms"),
        ("identify (click hit-test)", f"{identify * 1e3:.2f} ms", "", ""),
        (
            "cold start to interactive map",
            f"{cold:.2f} s",
            f"import floor {floor:.2f} s",
            "<= 1.5 s",
        ),
        ("  ... with all assets drawn", f"{cold_all:.2f} s", "(incl. data generation)", ""),
        ("RSS after map (peak)", f"{rss:.0f} MB ({peak:.0f})", "", "<= 600 MB"),
    ]
    cpu_of = {
        "first frame (all in view)": "first",
        "pan frame, province view": "pan_prov",
        "zoom frame, province view": "zoom_prov",
        "pan frame, city view": "pan_city",
        "zoom frame, city view": "zoom_city",
        "pan frame, street view": "pan_street",
    }
    print(f"{'measure':30} {'MapView':>18} {'(CPU)':>8} {'GeoDataFrame.plot':>22} {'target':>12}")
    for r in table_rows:
        cpu = ms(CPU[cpu_of[r[0]]]) if r[0] in cpu_of else ""
        print(f"{r[0]:30} {r[1]:>18} {cpu:>8} {r[2]:>22} {r[3]:>12}")
    if base_first:
        print(
            f"\nratio GeoDataFrame.plot / MapView: first frame {base_first / first:.1f}x, "
            f"pan {base_pan / pan_prov:.1f}x"
        )


if __name__ == "__main__":
    main()
