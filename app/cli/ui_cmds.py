"""`cityledger gui` (the desktop app), `cityledger wall` (the wall display) and
`cityledger demo` (`make run`: a live demo network, then the app on it)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from app.cli.common import EXIT_OK, CliError, emit_lines, print_json

DEFAULT_SCREENSHOT_DIR = Path("screenshots")


def register(sub) -> None:
    p = sub.add_parser(
        "gui",
        help="open the desktop app: map, layers, inspector, "
        "attribute table, issue and verify codes",
    )
    _common(p, "render the main window offscreen to FILE (PNG) once it has loaded, then exit")
    p.set_defaults(func=_gui)

    w = sub.add_parser(
        "wall",
        help="wall display: full screen, dark, read-only; rotating "
        "city views, live counters, recent codes, alerts",
    )
    _common(w, "render the wall offscreen to FILE (PNG) once it has loaded, then exit")
    _wall_options(w)
    w.set_defaults(func=_wall)

    if "demo" not in sub.choices:  # `make run`; yields to another area's demo if one exists
        d = sub.add_parser(
            "demo",
            help="start a demo network of Hebei cities (one node "
            "process each) and open the app on Shijiazhuang's",
        )
        _common(d, "render the main window offscreen to FILE (PNG), then stop the network")
        d.add_argument(
            "--seed-codes",
            type=int,
            default=20,
            metavar="N",
            help="codes each city issues when the network is first created",
        )
        d.add_argument(
            "--cities",
            type=int,
            default=5,
            metavar="N",
            help="member cities (default 5; up to the installed boundaries' prefecture-level "
            "cities: Hebei first, then across the provinces; one node process each)",
        )
        d.add_argument("--wall", action="store_true", help="open the wall instead")
        _wall_options(d)
        d.set_defaults(func=_demo)


def _wall_options(p) -> None:
    p.add_argument(
        "--rotate",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="wall: seconds per view before rotating to the next city (default 20)",
    )
    p.add_argument("--windowed", action="store_true", help="wall: a window instead of full screen")


def _common(p, screenshot_help: str) -> None:
    p.add_argument("--screenshot", type=Path, metavar="FILE", help=screenshot_help)
    p.add_argument(
        "--lang",
        choices=("en", "zh_CN"),
        default=None,
        help="UI language (default: from the system locale)",
    )
    p.add_argument(
        "--demo-assets",
        type=int,
        default=None,
        metavar="N",
        help="demo assets per city when no asset inventory was imported (default 20000)",
    )


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
        return _done(args, args.screenshot)
    if _has_display():
        status = int(runner(args, **kwargs) or 0)
        if args.json:
            print_json({"screenshot": None, "exit_status": status})
        return status
    from app.cli.display import virtual_display

    shot = DEFAULT_SCREENSHOT_DIR / default_name
    _say(args, "No display found: running on a virtual screen (Xvfb) and writing a screenshot.")
    with virtual_display():
        runner(args, screenshot=shot, **kwargs)
    return _done(args, shot)


def _done(args, shot: Path) -> int:
    emit_lines(args, {"screenshot": str(shot.resolve())}, f"screenshot written to {shot.resolve()}")
    return EXIT_OK


def _say(args, text: str) -> None:
    """Progress for the user: stdout, or stderr with --json (stdout holds the document)."""
    print(text, file=sys.stderr if args.json else sys.stdout, flush=True)


def _remembered_data_dir(args) -> Path:
    """--data, unless it is the default folder without a node and the app remembers the
    folder it had open last time (File ▸ Open data folder)."""
    from app.cli.common import default_data_dir

    if args.data != default_data_dir() or (args.data / "node.json").exists():
        return args.data
    from app.ui.app import settings

    last = settings().value("data_dir")
    if last and (Path(last) / "node.json").exists():
        _say(args, f"Opening the data folder used last time: {last}")
        return Path(last)
    return args.data


def _gui(args) -> int:
    from app.ui.app import run_gui

    args.data = _remembered_data_dir(args)
    return _run(args, lambda a, **kw: run_gui(a.data, **kw), "cityledger-main.png")


def _wall(args) -> int:
    if args.rotate <= 0:
        raise CliError(f"--rotate must be a positive number of seconds, got {args.rotate}")
    from app.ui.wall_data import folder_problem

    problem = folder_problem(args.data)
    if problem is not None:
        template, params = problem
        raise CliError("cannot show the wall: " + template.format(**params))
    from app.ui.app import run_wall

    return _run(
        args,
        lambda a, **kw: run_wall(a.data, rotate_s=a.rotate, windowed=a.windowed, **kw),
        "cityledger-wall.png",
    )


DEMO_DIR = "demo-network"
DEMO_WORKSTATION = "130100"


def _wait_for_convergence(net, timeout_s: float, quorum: int = 2) -> bool:
    """True once every city node holds every other city's log under a checkpoint with
    at least `quorum` witness cosignatures (so codes show as cross-verified at once)."""
    import time

    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            ready = [
                sum(
                    1
                    for h in httpx.get(n.url + "info", timeout=2).json().get("peers", {}).values()
                    if h.get("last_success")
                    and h.get("cosignatures", 0) >= quorum
                    and h.get("held_size") == h.get("peer_size")
                )
                for n in net.nodes
            ]
            if all(k >= len(net.nodes) - 1 for k in ready):
                return True
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    return False


def _demo(args) -> int:
    """The demo network lives in <data>/demo-network (created once, reused after); the app
    opens the Shijiazhuang node's folder, whose `node serve` process sequences and syncs
    while the app submits, verifies and shows it."""
    if args.seed_codes < 0:
        raise CliError(f"--seed-codes must be 0 or more, got {args.seed_codes}")
    from app.net.demo_network import (
        DEMO_OFFICIAL,
        DEMO_PASSPHRASE,
        cities_per_process,
        demo_cities,
        start_demo_network,
    )

    if args.cities < 3:  # quorum 2 needs two witnesses besides the city itself
        raise CliError(f"--cities must be 3 or more, got {args.cities}")
    cities = demo_cities(args.cities)
    if len(cities) < args.cities:
        raise CliError(f"--cities: the installed boundaries hold {len(cities)} cities")
    # Each size has its own folder: a network's members are fixed when it is created.
    base = args.data / (DEMO_DIR if args.cities == 5 else f"{DEMO_DIR}-{args.cities}")
    _say(args, f"Starting the demo network in {base} ({len(cities)} city nodes on 127.0.0.1)…")
    # Until the app's loop takes over the signals, SIGTERM unwinds through the `finally`
    # below, which stops the city nodes instead of orphaning them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    net = start_demo_network(
        base, cities=cities, seed_codes=args.seed_codes, per_process=cities_per_process(len(cities))
    )
    from app.net.supervisor import Supervisor

    supervisor = Supervisor(net.units, base / "supervisor.log").start()
    try:
        for node in net.nodes:
            _say(args, f"  {node.code}  {node.url}")
        _say(args, "Waiting for the cities to replicate and co-sign each other…")
        if not _wait_for_convergence(net, timeout_s=60):
            _say(args, "  not all peers are in sync yet; the status bar shows their state")
        _say(args, f"Issue codes as official '{DEMO_OFFICIAL}', passphrase '{DEMO_PASSPHRASE}'.")
        args.data = base / DEMO_WORKSTATION
        return _wall(args) if args.wall else _gui(args)
    finally:
        supervisor.stop()
        net.stop()
