"""`cityledger gui` (the desktop app) and `cityledger wall` (the wall display)."""
from __future__ import annotations

import os
from pathlib import Path

from app.cli.common import EXIT_OK, CliError

DEFAULT_SCREENSHOT_DIR = Path("screenshots")


def register(sub) -> None:
    p = sub.add_parser("gui", help="open the desktop app: map, layers, inspector, "
                                   "attribute table, issue and verify codes")
    _common(p, "render the main window offscreen to FILE (PNG) once it has loaded, then exit")
    p.set_defaults(func=_gui)

    w = sub.add_parser("wall", help="wall display: full screen, dark, read-only; rotating "
                                    "city views, live counters, recent codes, alerts")
    _common(w, "render the wall offscreen to FILE (PNG) once it has loaded, then exit")
    w.add_argument("--rotate", type=float, default=20.0, metavar="SECONDS",
                   help="seconds per view before rotating to the next city (default 20)")
    w.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    w.set_defaults(func=_wall)


def _common(p, screenshot_help: str) -> None:
    p.add_argument("--screenshot", type=Path, metavar="FILE", help=screenshot_help)
    p.add_argument("--lang", choices=("en", "zh_CN"), default=None,
                   help="UI language (default: from the system locale)")
    p.add_argument("--demo-assets", type=int, default=None, metavar="N",
                   help="demo assets per city when no asset inventory was imported "
                        "(default 20000)")


def _has_display() -> bool:
    from app.cli.display import has_display

    return has_display() or os.environ.get("QT_QPA_PLATFORM") == "offscreen"


def _run(args, runner, default_name: str) -> int:
    if args.demo_assets is not None and args.demo_assets < 0:
        raise CliError(f"--demo-assets must be 0 or more, got {args.demo_assets}")
    kwargs = dict(language=args.lang, demo_assets_per_city=args.demo_assets)
    if args.screenshot is not None:
        if not _has_display():
            os.environ["QT_QPA_PLATFORM"] = "offscreen"  # grab() renders without a screen
        runner(args, screenshot=args.screenshot, **kwargs)
        print(f"screenshot written to {args.screenshot.resolve()}")
        return EXIT_OK
    if _has_display():
        return runner(args, **kwargs)
    from app.cli.display import virtual_display

    shot = DEFAULT_SCREENSHOT_DIR / default_name
    print("No display found: running on a virtual screen (Xvfb) and writing a screenshot.")
    with virtual_display():
        runner(args, screenshot=shot, **kwargs)
    print(f"screenshot written to {shot.resolve()}")
    return EXIT_OK


def _gui(args) -> int:
    from app.ui.app import run_gui

    return _run(args, lambda a, **kw: run_gui(a.data, **kw), "cityledger-main.png")


def _wall(args) -> int:
    if args.rotate <= 0:
        raise CliError(f"--rotate must be a positive number of seconds, got {args.rotate}")
    from app.ui.app import run_wall

    return _run(args, lambda a, **kw: run_wall(a.data, rotate_s=a.rotate,
                                                windowed=a.windowed, **kw),
                "cityledger-wall.png")
