"""Everything the UI asks of the ledger, as jobs run on the worker thread.

Each takes the worker's context (``ctx.node``, ``ctx.extra['trust']``) and returns plain
values; the UI never holds the Node. The policy lives in the services the CLI and scripts
call too (``app.ledger.issuance``, ``app.net.issuance``); these jobs only wrap them. Nothing
here is worded for the user: failures carry their data and ``app.ui.job_messages`` words
them in the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.ledger import issuance
from app.ledger.issuance import IssueOutcome, IssueRequest
from app.net import issuance as net_issuance

if TYPE_CHECKING:
    from app.ledger.node import Node

__all__ = ["IssueOutcome", "IssueRequest", "NoNodeError", "NoTrustError", "NotABundleError"]


class NoNodeError(RuntimeError):
    """The UI was asked for ledger work but no node is open (worded by the view)."""


class NoTrustError(RuntimeError):
    """Verification was asked for but no trust file is installed in ``where``."""

    def __init__(self, where: object = None):
        super().__init__(where)
        self.where = where


class NotABundleError(ValueError):
    """A file offered as a proof bundle is far too large to be one."""

    def __init__(self, path: object):
        super().__init__(path)
        self.path = path


def _node(ctx) -> Node:
    if ctx.node is None:
        raise NoNodeError()
    return ctx.node


@dataclass
class CodeDetails:
    code: str
    state: object | None
    history: list
    verification: object | None
    error: str | None = None  # a verifier failure, as text
    missing_trust: NoTrustError | None = None  # no trust file: the view says what to do


def issue_context(ctx) -> tuple[list[str], bool]:
    return issuance.issue_context(_node(ctx), bool(ctx.extra.get("served_url")))


def issue(ctx, req: IssueRequest) -> IssueOutcome:
    return net_issuance.issue(_node(ctx), req, ctx.extra.get("served_url"))


def trust(ctx):
    """The installed network trust file; verification has no meaning without it."""
    found = ctx.extra.get("trust")
    if found is None:
        raise NoTrustError(ctx.data_dir)
    return found


def code_details(ctx, code: str) -> CodeDetails:
    """State, full history and verification of one code (own log or replica)."""
    from app.ledger.verifier import verify_code

    node = _node(ctx)
    state = node.code_state(code)
    history = list(node.history(code)) if state is not None else []
    try:
        result = verify_code(node, code, trust(ctx))
    except NoTrustError as exc:  # an expected state of a lone node: say what to do, plainly
        return CodeDetails(code, state, history, None, missing_trust=exc)
    except Exception as exc:  # shown in the inspector; a verifier bug must not hide the rest
        return CodeDetails(code, state, history, None, f"{type(exc).__name__}: {exc}")
    return CodeDetails(code, state, history, result)


def verify_input(ctx, text: str | None = None, data: bytes | None = None):
    """A typed/pasted code or bundle text, or a bundle file's bytes -> VerifyResult."""
    from app.core.codes import parse_code
    from app.core.errors import CodeError
    from app.ledger.proof_bundle import ProofBundleError, read_proof_bundle_bytes
    from app.ledger.verifier import verify_code, verify_proof_bundle

    if data is None:
        stripped = (text or "").strip()
        try:
            code = str(parse_code(stripped))
        except (CodeError, ValueError):
            code = None
        if code is not None:
            return verify_code(_node(ctx), code, trust(ctx))
        data = stripped.encode("utf-8")
    try:
        data = read_proof_bundle_bytes(data)  # unpacks a pasted QR payload
    except ProofBundleError:
        pass  # verify_proof_bundle reports the format failure as its first check
    return verify_proof_bundle(data, trust(ctx))


def read_file(_ctx, path: str) -> bytes:
    p = Path(path)
    if p.stat().st_size > (1 << 20):
        raise NotABundleError(p)
    return p.read_bytes()


def export_proof_bundle(ctx, code: str, path: str) -> list[str]:
    """Write the bundle to ``path``, and its QR beside it (``.qr.png``) when it fits one."""
    from app.ledger import proof_bundle

    quorum = ctx.extra["trust"].quorum if ctx.extra.get("trust") is not None else None
    data = proof_bundle.export_proof_bundle(_node(ctx), code, quorum=quorum).encode()
    Path(path).write_bytes(data)
    written = [path]
    if proof_bundle.proof_bundle_fits_qr(data):
        qr_path = str(Path(path).with_suffix(".qr.png"))
        proof_bundle.write_qr(proof_bundle.qr_payload(data), qr_path)
        written.append(qr_path)
    return written


def node_status(ctx) -> tuple[str | None, int | None, int, int]:
    """(own origin, log size, cosignatures on the latest checkpoint, outbox entries just
    delivered). Delivers the outbox first when this process sequences (the server
    poller does it otherwise)."""
    if ctx.node is None:
        return None, None, 0, 0
    delivered = 0 if ctx.extra.get("served_url") else net_issuance.deliver_outbox(ctx.node)
    cp = ctx.node.latest_checkpoint()
    return ctx.node.origin, ctx.node.size(), len(cp.cosignatures) if cp else 0, delivered
