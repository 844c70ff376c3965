"""Shared pieces of the command line: exit codes, errors, data folder, output."""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

from app.core.errors import CityLedgerError

EXIT_OK = 0
EXIT_FAILED = 1  # verification failed or request refused
EXIT_USAGE = 2  # usage or input error

PASSPHRASE_ENV = "CITYLEDGER_PASSPHRASE"


class CliError(CityLedgerError):
    """An error the user can act on; printed without a traceback (app.cli.errors).
    ``kind`` names its class for --json (default "input" for exit 2, else "failed")."""

    def __init__(
        self,
        message: str,
        exit_code: int = EXIT_USAGE,
        *,
        kind: str | None = None,
        position: int | None = None,
    ) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.kind = kind or ("input" if exit_code == EXIT_USAGE else "failed")
        self.position = position


def default_data_dir() -> Path:
    if os.environ.get("CITYLEDGER_DATA"):
        return Path(os.environ["CITYLEDGER_DATA"])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "cityledger"


def passphrase(prompt: str = "Passphrase: ", confirm: bool = False) -> str:
    """The passphrase from CITYLEDGER_PASSPHRASE, else asked on the terminal."""
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise CliError(f"no passphrase: set {PASSPHRASE_ENV} or run on a terminal")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat passphrase: ") != first:
        raise CliError("the two passphrases differ")
    return first


def print_json(doc: object) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    sys.stdout.flush()  # a long-running command (node serve) prints its one document first


def emit_lines(args: object, doc: object, *lines: str) -> None:
    """A command's result: `doc` as the one JSON document with --json, else `lines`."""
    if getattr(args, "json", False):
        print_json(doc)
    else:
        for line in lines:
            print(line)


def warn(args: object, message: str) -> None:
    """A warning on stderr (never stdout: with --json that holds the one document)."""
    print(f"cityledger: warning: {message}", file=sys.stderr)
