"""`python -m app.net …`: the network subcommands alone (same as `cityledger …`).

Node processes started by the demo network and tests use this entry point, so a node
process loads only the headless layers it needs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import net_cmds
from app.cli.common import EXIT_USAGE, CliError, default_data_dir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.net")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--db", default=None)
    net_cmds.register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    args = parser.parse_args(argv)
    args.data = args.data or default_data_dir()
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
