"""The CLI contract's error half: one mapper from any exception to (kind, message, exit
status), used by every command module (README, "The CLI contract").

Exit status: 0 success; 1 refused or failed verification; 2 usage or input error; 130
interrupted; 141 standard output closed early; 70 (EX_SOFTWARE) for a bug, with its
traceback on stderr. With --json the
error is one JSON document on stdout, ``{"ok": false, "error": {"kind", "message"}}``
(plus ``position`` for a mistyped code); without it, one line on stderr.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.cli.common import EXIT_FAILED, EXIT_USAGE, CliError, print_json
from app.core.errors import CityLedgerError, CodeError

EXIT_INTERRUPTED = 130
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE, as a shell reports `cityledger … | head`
EXIT_BUG = 70  # sysexits.h EX_SOFTWARE: not the user's fault

# Kinds a script may branch on (README lists them).
USAGE = "usage"  # the command line itself is wrong
INPUT = "input"  # a file, value or code given is wrong or unreadable
CODE = "code"  # an identity code is mistyped (the message says how)
NODE = "node"  # the data folder, its database or its keys cannot be used
REFUSED = "refused"  # the sequencer, a trust file check or an admin check said no
VERIFICATION = "verification"  # something did not verify
NOT_FOUND = "not_found"  # the node does not hold what was asked for
NETWORK = "network"  # a peer could not be reached or misbehaved
FAILED = "failed"  # any other CityLedger failure
INTERRUPTED = "interrupted"
INTERNAL = "internal"


@dataclass(frozen=True)
class MappedError:
    kind: str
    message: str
    exit_code: int
    position: int | None = None

    def doc(self) -> dict[str, Any]:
        error: dict[str, Any] = {"kind": self.kind, "message": self.message}
        if self.position is not None:
            error["position"] = self.position
        return {"ok": False, "error": error}


# (module, class) -> (kind, exit status, message prefix). Looked up along the exception's
# MRO by name, so the most specific family wins and mapping an error imports nothing (a
# node process started with `python -m app.net` loads no GIS stack to report one).
# tests/cli/test_contract.py checks every entry names a class that exists.
FAMILIES: dict[tuple[str, str], tuple[str, int, str]] = {
    ("app.ledger.sequencer", "SubmissionRefused"): (
        REFUSED,
        EXIT_FAILED,
        "refused by the sequencer: ",
    ),
    ("app.ledger.trust", "TrustError"): (REFUSED, EXIT_FAILED, ""),
    ("app.net.verify", "VerifyError"): (VERIFICATION, EXIT_FAILED, ""),
    ("app.net.sync", "ForkDetected"): (VERIFICATION, EXIT_FAILED, ""),
    ("app.net.on_demand", "LookupRefused"): (VERIFICATION, EXIT_FAILED, ""),
    ("app.ledger.follow", "FollowError"): (INPUT, EXIT_USAGE, ""),
    ("app.net.client", "PeerError"): (NETWORK, EXIT_FAILED, ""),
    ("app.ledger.proof_bundle", "NotInStoreError"): (NOT_FOUND, EXIT_FAILED, ""),
    ("app.ledger.keystore", "KeystoreError"): (NODE, EXIT_USAGE, ""),
    ("app.ledger.db", "StoreError"): (NODE, EXIT_USAGE, ""),
    ("app.ledger.node", "NodeError"): (NODE, EXIT_USAGE, ""),
    ("app.ledger.proof_bundle", "ProofBundleError"): (INPUT, EXIT_USAGE, ""),
    ("app.gis.maps", "BoundaryError"): (INPUT, EXIT_USAGE, ""),
    ("app.gis.assets", "AssetTableError"): (INPUT, EXIT_USAGE, ""),
    ("app.core.errors", "CoreError"): (INPUT, EXIT_USAGE, ""),
}


def map_error(exc: BaseException) -> MappedError:
    """The one mapping from an exception to what the user sees and the exit status."""
    if isinstance(exc, CliError):
        return MappedError(exc.kind, str(exc), exc.exit_code, exc.position)
    if isinstance(exc, CodeError):
        return MappedError(CODE, str(exc), EXIT_USAGE, exc.position)
    if isinstance(exc, KeyboardInterrupt):
        return MappedError(INTERRUPTED, "interrupted", EXIT_INTERRUPTED)
    if isinstance(exc, BrokenPipeError):
        return MappedError(INTERRUPTED, "standard output was closed", EXIT_PIPE_CLOSED)
    if isinstance(exc, CityLedgerError):
        for cls in type(exc).__mro__:
            family = FAMILIES.get((cls.__module__, cls.__qualname__))
            if family is not None:
                kind, status, prefix = family
                return MappedError(kind, prefix + str(exc), status)
        return MappedError(FAILED, str(exc), EXIT_FAILED)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return MappedError(INPUT, f"{where}{exc.strerror or exc}", EXIT_USAGE)
    return MappedError(INTERNAL, f"internal error (a bug): {type(exc).__name__}: {exc}", EXIT_BUG)


def as_cli_error(exc: BaseException) -> CliError:
    """`exc` as a CliError carrying its mapped kind and exit status."""
    m = map_error(exc)
    return CliError(m.message, m.exit_code, kind=m.kind, position=m.position)


@contextlib.contextmanager
def mapped_errors() -> Iterator[None]:
    """Map CityLedger errors to CliError early, where a command needs them as CliError
    (to clean up, or to tell them apart from its own); main() maps whatever escapes."""
    try:
        yield
    except CliError:
        raise
    except CityLedgerError as e:
        raise as_cli_error(e) from None


def report(exc: BaseException, as_json: bool) -> int:
    """Show `exc` as the contract says (JSON on stdout, or a line on stderr); its status."""
    m = map_error(exc)
    if isinstance(exc, BrokenPipeError):  # the reader left: nothing to say, nowhere to say it
        with contextlib.suppress(OSError, ValueError):  # no real stdout (a test's capture)
            # Python would flush stdout again at exit and complain on stderr.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return m.exit_code
    if m.kind == INTERNAL:
        traceback.print_exception(exc, file=sys.stderr)
    if as_json:
        print_json(m.doc())
    elif m.kind == USAGE:  # as argparse words it: the usage line, then "prog: error: …"
        prog, _, message = m.message.partition(": ")
        sys.stderr.write(getattr(exc, "usage", "") + f"{prog}: error: {message}\n")
    elif m.kind != INTERRUPTED:
        print(f"cityledger: error: {m.message}", file=sys.stderr)
    return m.exit_code
