"""`cityledger` command line. Each area registers its own subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import EXIT_USAGE, CliError, default_data_dir

# Modules that contribute subcommands; each defines register(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("app.cli.ledger_cmds", "app.cli.net_cmds", "app.cli.ui_cmds")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="cityledger",
        description="Verifiable identity codes for city infrastructure assets.",
    )
    parser.add_argument(
        "--data", type=Path, default=None, help=f"node data folder (default: {default_data_dir()})"
    )
    parser.add_argument(
        "--db",
        default=None,
        help="database URL, e.g. postgresql+psycopg://user@host/db "
        "(default: SQLite in the data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.data is None:
        args.data = default_data_dir()
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except CliError as e:
        print(f"cityledger: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
