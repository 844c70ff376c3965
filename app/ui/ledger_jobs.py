"""Everything the UI asks of the ledger, as jobs run on the worker thread.

Each takes the worker's context (``ctx.node``, ``ctx.extra['trust']``) and returns plain
values; the UI never holds the Node. The policy lives in the services the CLI and scripts
call too (``app.ledger.issuance``, ``app.net.issuance``); these jobs only wrap them. Nothing
here is worded for the user: failures carry their data and ``app.ui.job_messages`` words
them in the view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING

from app.core.errors import CityLedgerError
from app.gis import code_query
from app.gis.code_query import CodeQuery
from app.ledger import issuance, life
from app.ledger.issuance import IssueOutcome, IssueRequest
from app.net import issuance as net_issuance
from app.net.issuance import BatchOutcome

if TYPE_CHECKING:
    from app.gis.assets import AssetTable
    from app.ledger.codes_index import CodeState
    from app.ledger.node import Node
    from app.ledger.pasted import Pasted
    from app.ledger.trust import TrustFile
    from app.ledger.verdict import Verdict
    from app.ledger.verifier import VerifyResult
    from app.ui.worker import WorkerContext

__all__ = [
    "BatchOutcome",
    "IssueOutcome",
    "IssueRequest",
    "NoNodeError",
    "NoTrustError",
    "NotABundleError",
]


class NoNodeError(CityLedgerError, RuntimeError):
    """The UI was asked for ledger work but no node is open (worded by the view)."""


class NoTrustError(CityLedgerError, RuntimeError):
    """Verification was asked for but no trust file is installed in ``where``."""

    def __init__(self, where: object = None):
        super().__init__(where)
        self.where = where


class NotABundleError(CityLedgerError, ValueError):
    """A file offered as a proof bundle is far too large to be one."""

    def __init__(self, path: object):
        super().__init__(path)
        self.path = path


def _node(ctx: WorkerContext) -> Node:
    if ctx.node is None:
        raise NoNodeError()
    return ctx.node


@dataclass
class CodeDetails:
    code: str
    state: CodeState | None
    history: list
    verification: VerifyResult | None
    error: str | None = None  # a verifier failure, as text
    missing_trust: NoTrustError | None = None  # no trust file: the view says what to do
    verdict: Verdict | None = None
    source: tuple[str, str | None] | None = None  # (how, peer): app.net.on_demand


def issue_context(ctx: WorkerContext) -> tuple[list[str], bool]:
    return issuance.issue_context(_node(ctx), bool(ctx.extra.get("served_url")))


def issue(ctx: WorkerContext, req: IssueRequest) -> IssueOutcome:
    return net_issuance.issue(_node(ctx), req, ctx.extra.get("served_url"))


@dataclass(frozen=True)
class Signer:
    """Who signs a batch: the official and, when this process sequences, the city keys."""

    official: str
    passphrase: str
    node_passphrase: str = ""


def issue_rows(
    ctx: WorkerContext, table: AssetTable, rows: Sequence[int], signer: Signer, cancel: Event
) -> BatchOutcome:
    """Issue a code for each row's asset (the selection of a box, a table filter or a
    search), in the background; rows this node may not issue for are refused with the
    reason, the rest go to app.net.issuance.issue_batch. ``cancel`` stops it between chunks."""
    node = _node(ctx)
    requests, refused = [], []
    for row in rows:
        info = table.record(row)
        refusal = issuance.may_issue(node.city_code, info)
        if refusal is not None:
            refused.append((int(row), refusal))
            continue
        requests.append(
            IssueRequest(
                official=signer.official,
                passphrase=signer.passphrase,
                asset_class=info["asset_class"],
                name=info["name"] or info["asset_id"] or "",
                geometry=info["geometry"],
                attributes=info["attributes"] or {},
                row=int(row),
                asset_id=info["asset_id"],
                node_passphrase=signer.node_passphrase,
            )
        )
    ctx.report(len(refused), len(rows))
    out = net_issuance.issue_batch(
        node,
        requests,
        ctx.extra.get("served_url"),
        progress=lambda done, _total: ctx.report(done + len(refused), len(rows)),
        cancelled=cancel.is_set,
    )
    out.total = len(rows)
    out.refused[:0] = refused
    return out


def rows_in_state(ctx: WorkerContext, table: AssetTable, query: CodeQuery) -> list[int]:
    """Rows whose code is in the life state ``query`` names (app.gis.code_query)."""
    from app.ui.workspace import all_codes

    return code_query.rows_matching(table, all_codes(_node(ctx)), query)


class NoCode(CityLedgerError, ValueError):
    """A change was asked for an asset that has no code yet (issue one first)."""


def change_rows(
    ctx: WorkerContext,
    table: AssetTable,
    rows: Sequence[int],
    signer: Signer,
    kind: str,
    members: dict,
    cancel: Event,
) -> BatchOutcome:
    """The same change (app.ledger.life: update, inspect, transfer, revoke) to the code of
    each row, in the background, like :func:`issue_rows`."""
    node = _node(ctx)
    served = ctx.extra.get("served_url")
    if signer.node_passphrase and not node.unlocked and not served:
        node.unlock(signer.node_passphrase)
    changes, refused = [], []
    for row in rows:
        code = table.codes[int(row)]
        if not code:
            refused.append((int(row), NoCode()))
        else:
            changes.append((int(row), life.Change(kind, str(code), dict(members))))
    ctx.report(len(refused), len(rows))
    out = net_issuance.change_batch(
        node,
        signer.official,
        signer.passphrase,
        changes,
        served,
        progress=lambda done, _total: ctx.report(done + len(refused), len(rows)),
        cancelled=cancel.is_set,
    )
    out.total = len(rows)
    out.refused[:0] = refused
    return out


def trust(ctx: WorkerContext) -> TrustFile:
    """The installed network trust file; verification has no meaning without it."""
    found = ctx.extra.get("trust")
    if found is None:
        raise NoTrustError(ctx.data_dir)
    return found


def code_details(ctx, code: str) -> CodeDetails:
    """State, full history and verification of one code (own log or replica)."""
    from app.ledger.verdict import PENDING, Verdict, verdict_of
    from app.net.on_demand import LookupRefused, verify_anywhere

    node = _node(ctx)
    state = node.code_state(code)
    history = list(node.history(code)) if state is not None else []
    pending = state is None and in_outbox(node, code)
    try:
        # A followed city from the replica, another on demand from its node (issue 11).
        found = verify_anywhere(node.store, code, trust(ctx), node.origin)
        result = found.result
    except NoTrustError as exc:  # an expected state of a lone node: say what to do, plainly
        verdict = Verdict(PENDING) if pending else None
        return CodeDetails(code, state, history, None, missing_trust=exc, verdict=verdict)
    except LookupRefused as exc:  # no member gave a proof that authenticates: say why
        return CodeDetails(code, state, history, None, str(exc))
    except Exception as exc:  # shown in the inspector; a verifier bug must not hide the rest
        return CodeDetails(code, state, history, None, f"{type(exc).__name__}: {exc}")
    return CodeDetails(
        code,
        state,
        history,
        result,
        verdict=verdict_of(result, pending),
        source=(found.how, found.peer),
    )


def record_proofs(ctx, code: str) -> list:
    """Each record of ``code``'s chain proven on its own (app.ledger.record_proofs)."""
    from app.ledger.record_proofs import prove_chain

    node = _node(ctx)
    if ctx.extra.get("trust") is None:
        return []  # the inspector already says that verification needs a trust file
    return prove_chain(node.store, node.chain(code), trust(ctx))


def in_outbox(node, code: str) -> bool:
    """The code's signed entry waits in the outbox for its city's sequencer."""
    return any(
        item.get("code") == code
        for item in node.store.outbox_items("pending", origin=node.origin, limit=10000)
    )


@dataclass
class PastedVerification:
    """What the user gave (app.ledger.pasted.Pasted) and, if it was usable, its
    verification and the asset it names (name, name_zh, city, city_en, city_zh)."""

    pasted: Pasted
    result: VerifyResult | None = None
    asset: dict | None = None
    source: tuple[str, str | None] | None = None  # (how, peer) of a code: app.net.on_demand


def verify_input(ctx, text: str | None = None, data: bytes | None = None) -> PastedVerification:
    """A typed/pasted code or bundle text, or a file's bytes (bundle or QR image)."""
    from app.ledger import pasted as _pasted
    from app.ledger.verifier import verify_proof_bundle
    from app.net.on_demand import verify_anywhere

    got = _pasted.read_text(text or "") if data is None else _pasted.read_bytes(data)
    if got.error is not None or got.kind == _pasted.NOTHING:
        return PastedVerification(got)
    source = None
    if got.code is not None:  # kind CODE, parsed
        node = _node(ctx)
        found = verify_anywhere(node.store, got.code, trust(ctx), node.origin)
        result, source = found.result, (found.how, found.peer)
    elif got.bundle is not None:  # kind BUNDLE
        result = verify_proof_bundle(got.bundle, trust(ctx), replica=ctx.node)
    else:
        return PastedVerification(got)
    return PastedVerification(got, result, asset_of(result, ctx.extra.get("trust")), source)


def asset_of(result, trust_file) -> dict | None:
    """The asset a verified record names, with its city's names from the trust file."""
    record = getattr(result, "record", None) or {}
    asset = record.get("asset") or {}
    code = record.get("code") or getattr(result, "code", None)
    if not code:
        return None
    city_code = str(code)[:6]
    city = trust_file.city(city_code) if trust_file is not None else None
    attributes = asset.get("attributes") or {}
    return {
        "code": str(code),
        "name": asset.get("name") or "",
        "name_zh": attributes.get("name_zh") or "",
        "city": city_code,
        "city_en": city.name_en if city else "",
        "city_zh": city.name_zh if city else "",
    }


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


def node_status(ctx: WorkerContext) -> tuple[str | None, int | None, int, int]:
    """(own origin, log size, cosignatures on the latest checkpoint, outbox entries just
    delivered). Delivers the outbox first when this process sequences (the server
    poller does it otherwise)."""
    if ctx.node is None:
        return None, None, 0, 0
    delivered = 0 if ctx.extra.get("served_url") else net_issuance.deliver_outbox(ctx.node)
    cp = ctx.node.latest_checkpoint()
    return ctx.node.origin, ctx.node.size(), len(cp.cosignatures) if cp else 0, delivered
