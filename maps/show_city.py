"""Render demo assets of one or more cities to a PNG offscreen (a quick visual check).

    python maps/show_city.py 130100[,130200,...] [n_per_city] [out.png] [zoom-city]
"""
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6 import QtWidgets  # noqa: E402

from app.gis import maps  # noqa: E402
from app.gis.assets import AssetTable  # noqa: E402
from app.gis.demo_assets import generate_cities  # noqa: E402
from app.ui.map import MapView  # noqa: E402


def main(argv):
    codes = (argv[1] if len(argv) > 1 else "130100").split(",")
    n = int(argv[2]) if len(argv) > 2 else 5000
    out = argv[3] if len(argv) > 3 else "map.png"
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    t = time.perf_counter()
    table = AssetTable.from_demo(generate_cities(codes, n))
    view = MapView()
    view.resize(1400, 1000)
    view.set_boundaries(maps.city_boundaries(codes))
    view.set_table(table)
    view.show()
    if len(argv) > 4:
        view.zoom_to_bbox(argv[4].split(",")) if "," in argv[4] else view.zoom_to_city(argv[4])
    app.processEvents()
    view.grab().save(out)
    print(f"{len(table)} assets, {time.perf_counter() - t:.2f} s -> {out}")


if __name__ == "__main__":
    main(sys.argv)
