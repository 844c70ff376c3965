"""`cityledger` command line. Each area registers its own subcommands; this module holds
the contract every command keeps (README, "The CLI contract"): `--json` on every command
(before or after it), exactly one JSON document on stdout with it, errors included, and
the exit statuses of app.cli.errors — argparse's usage errors too."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from app.cli.common import EXIT_USAGE, CliError, default_data_dir
from app.cli.errors import USAGE, report

# Modules that contribute subcommands; each defines register(subparsers).
COMMAND_MODULES: tuple[str, ...] = (
    "app.cli.ledger_cmds",
    "app.cli.net_cmds",
    "app.cli.follow_cmds",
    "app.cli.ui_cmds",
)
JSON_HELP = "print exactly one JSON document on stdout (errors too)"


class UsageError(CliError):
    """The command line is wrong; ``usage`` is the command's usage line, shown with it."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message, EXIT_USAGE, kind=USAGE)
        self.usage = usage


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises its usage errors, so main() reports them like any other
    (exit 2; a JSON document with --json) instead of exiting from inside parse_args."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}", self.format_usage())


def build_parser() -> ArgumentParser:
    import importlib

    parser = ArgumentParser(
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
    parser.add_argument("--json", action="store_true", default=False, help=JSON_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for p in _parsers(parser):
        if p is not parser:
            _json_option(p)
            if _children(p):
                p.set_defaults(func=_needs_action(p))
    return parser


def _children(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    out: dict[str, argparse.ArgumentParser] = {}
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            out.update(action.choices)
    return out


def _parsers(p: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield p
    seen: set[int] = set()
    for child in _children(p).values():
        if id(child) not in seen:  # aliases map several names to one parser
            seen.add(id(child))
            yield from _parsers(child)


def _json_option(p: argparse.ArgumentParser) -> None:
    """--json on this command; SUPPRESS keeps a `cityledger --json CMD` from being reset
    by the subcommand's own default."""
    action = p._option_string_actions.get("--json")
    if action is None:
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    else:
        action.default = argparse.SUPPRESS


def _needs_action(p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        if args.json:
            raise _missing(p)
        p.print_help()
        return EXIT_USAGE

    return run


def _missing(p: argparse.ArgumentParser) -> CliError:
    return UsageError(f"{p.prog}: choose one of: {', '.join(_children(p))}", p.format_usage())


def _wants_json(argv: Sequence[str]) -> bool:
    """--json on the command line, for errors found before argparse has read it."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in options


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    try:
        parser = build_parser()
        args: Any = parser.parse_args(argv)
        args.json = as_json = bool(getattr(args, "json", False))
        if args.data is None:
            args.data = default_data_dir()
        if not getattr(args, "func", None):
            if as_json:
                raise _missing(parser)
            parser.print_help()
            return EXIT_USAGE
        return int(args.func(args) or 0)
    except SystemExit:  # --help, --version
        raise
    except BaseException as e:  # the one place every error is reported
        return report(e, as_json)


if __name__ == "__main__":
    sys.exit(main())
