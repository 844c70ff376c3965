"""Where a signed issue entry goes: the city's sequencer, or the durable outbox.

The one policy for the desktop app, the CLI and scripts (the UI's jobs only wrap it):
- a `node serve` process owns this data folder: POST the entry to its ``/submit``;
- else, the city keys are (or get) unlocked here: sequence in this process;
- else, or when the server does not answer: keep the signed entry in the outbox, pending
  until ``deliver_outbox`` hands it to the sequencer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.core.errors import CityLedgerError
from app.gis import asset_checks
from app.ledger import life
from app.ledger.issuance import IncompleteRequest, IssueOutcome, IssueRequest, issue_record
from app.ledger.keystore import KeystoreError
from app.net.client import PeerError, PeerUnavailable

if TYPE_CHECKING:
    from app.ledger.node import Node

OUTBOX_PAGE = 500
BATCH_CHUNK = 100  # entries signed and sequenced together; cancel is looked at between chunks


def submit_to_server(url: str, entry: bytes) -> dict[str, Any]:
    """POST a signed entry to a node server's /submit; its receipt (code, index, size)."""
    from app.net.client import PeerClient, new_http_client

    with new_http_client(max_connections=1) as http:
        receipt: dict[str, Any] = PeerClient(url, http).submit(entry)
        return receipt


def signed_entry(node: Node, req: IssueRequest) -> tuple[dict[str, Any], bytes]:
    """The record of ``req`` and its entry signed by the official; AssetRejected (nothing
    signed) when the asset fails app.gis.asset_checks."""
    record = issue_record(node, req)
    problems = asset_checks.check_with_override(  # the reason is signed with the record
        node.city_code, record["asset"], req.boundary_override, node.data_dir
    )
    if problems:
        raise asset_checks.AssetRejected(problems)
    return record, node.make_entry(req.official, req.passphrase, record)


def issue(node: Node, req: IssueRequest, served_url: str | None = None) -> IssueOutcome:
    """Sign ``req`` as its official, then sequence it (server, or here), or queue it."""
    if req.node_passphrase and not node.unlocked and not served_url:
        node.unlock(req.node_passphrase)
    record, entry = signed_entry(node, req)
    if served_url:
        try:
            receipt = submit_to_server(served_url, entry)
        except PeerUnavailable:
            pass  # the server is down: the outbox keeps the entry
        else:
            return IssueOutcome(receipt["code"], receipt["index"], receipt["size"], False, req.row)
    elif node.unlocked:
        done = node.submit(entry)
        return IssueOutcome(str(done.code), done.index, done.size, False, req.row)
    node.queue_entry(entry, record["code"])
    return IssueOutcome(record["code"], None, None, True, req.row)


@dataclass
class BatchOutcome:
    """What a batch did, truthfully at any moment it stops: every request is in exactly
    one of issued (in the log), pending (signed, in the outbox), refused (with its
    reason: an exception the view words) or not started (cancelled before its chunk)."""

    total: int
    issued: list[IssueOutcome] = field(default_factory=list)
    pending: list[IssueOutcome] = field(default_factory=list)
    # (row, why): an exception, or a refusal before signing (app.ledger.issuance.IssueRefusal)
    refused: list[tuple[int | None, object]] = field(default_factory=list)
    cancelled: bool = False

    @property
    def done(self) -> int:
        return len(self.issued) + len(self.pending) + len(self.refused)

    @property
    def not_started(self) -> int:
        return self.total - self.done


def issue_batch(
    node: Node,
    requests: Sequence[IssueRequest],
    served_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> BatchOutcome:
    """Issue many requests chunk by chunk, like :func:`issue` one by one but sequenced
    together. A request whose asset fails its checks is refused alone; a wrong
    passphrase stops the batch (it would fail every request). ``cancelled`` is asked
    before each chunk: what was handed to the sequencer or the outbox stays there."""
    out = BatchOutcome(len(requests))
    first = requests[0] if requests else None
    if first and first.node_passphrase and not node.unlocked and not served_url:
        node.unlock(first.node_passphrase)
    for start in range(0, len(requests), BATCH_CHUNK):
        if cancelled():
            out.cancelled = True
            break
        signed: list[tuple[IssueRequest, str, bytes]] = []
        for req in requests[start : start + BATCH_CHUNK]:
            problem = req.problem()
            if problem is not None:
                out.refused.append((req.row, IncompleteRequest(problem)))
                continue
            try:
                record, entry = signed_entry(node, req)
            except KeystoreError:
                raise  # the official's key, not this asset: every request would fail
            except (CityLedgerError, ValueError, TypeError) as exc:  # this asset's record
                out.refused.append((req.row, exc))
            else:
                signed.append((req, record["code"], entry))
        _sequence_chunk(node, signed, served_url, out)
        if progress is not None:
            progress(out.done, out.total)
    return out


def _sequence_chunk(
    node: Node,
    signed: list[tuple[IssueRequest, str, bytes]],
    served_url: str | None,
    out: BatchOutcome,
) -> None:
    """Hand one chunk's entries to the server, this node's sequencer, or the outbox."""
    if not signed:
        return
    if served_url is None and node.unlocked:
        results = node.submit_many([entry for _req, _code, entry in signed])
        for (req, code, _entry), r in zip(signed, results):
            if isinstance(r, BaseException):
                out.refused.append((req.row, r))
            else:
                out.issued.append(
                    IssueOutcome(str(r.code or code), r.index, r.size, False, req.row)
                )
        return
    _send_or_queue(node, [(req.row, code, entry) for req, code, entry in signed], served_url, out)


def deliver_outbox(node: Node, served_url: str | None = None) -> int:
    """Hand the outbox's pending entries to the sequencer (the server's /submit, or this
    node's own when its keys are unlocked); how many were delivered. A refused entry is
    marked refused with the reason; a server that does not answer leaves the rest
    pending for the next call."""
    if not (served_url or node.unlocked):
        return 0
    delivered = 0
    for item in node.store.outbox_items("pending", origin=node.origin, limit=OUTBOX_PAGE):
        try:
            if served_url:
                index = submit_to_server(served_url, item["entry"])["index"]
            else:
                index = node.submit(item["entry"]).index
        except PeerUnavailable as exc:
            node.store.outbox_mark(item["id"], "pending", error=str(exc))
            break
        except (PeerError, ValueError) as exc:  # refused: it will never be accepted
            logged = logged_index(node, item["code"], item["entry"])
            if logged is None:
                node.store.outbox_mark(item["id"], "refused", error=str(exc))
                continue
            index = logged  # delivered by an earlier run that died before marking it
        node.store.outbox_mark(item["id"], "delivered", log_index=index)
        delivered += 1
    return delivered


def logged_index(node: Node, code: str | None, entry: bytes) -> int | None:
    """The index at which the node's own log holds exactly `entry`, if it does: a delivery
    killed between the sequencer's commit and the outbox mark is refused as a duplicate
    when it is sent again, yet it is in the log."""
    if code is None:
        return None
    for index, _record in node.history(code):
        if node.store.entry(node.origin, index) == entry:
            return index
    return None


def change_batch(
    node: Node,
    official: str,
    passphrase: str,
    changes: Sequence[tuple[int | None, life.Change]],
    served_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> BatchOutcome:
    """Later changes (app/ledger/life.py) to many codes, ``(row, change)`` each, chunk by
    chunk like :func:`issue_batch`: sequenced here (Node.change_many) when the city keys
    are unlocked, else sent to the node server or kept in the outbox. A change the log
    already holds (a batch run again) counts as confirmed; one this node cannot make is
    refused with its life.NotApplicable."""
    out = BatchOutcome(len(changes))
    for start in range(0, len(changes), BATCH_CHUNK):
        if cancelled():
            out.cancelled = True
            break
        chunk = changes[start : start + BATCH_CHUNK]
        if served_url is None and node.unlocked:
            results = node.change_many(official, passphrase, [c for _row, c in chunk])
            for (row, change), r in zip(chunk, results):
                _count_change(out, row, change.code, r)
        else:
            signed: list[tuple[int | None, str, bytes]] = []
            for row, change in chunk:
                record = node.change_record(change)
                if isinstance(record, dict):
                    entry = node.make_entry(official, passphrase, record)
                    signed.append((row, record["code"], entry))
                else:
                    _count_change(out, row, change.code, record)
            served_url = _send_or_queue(node, signed, served_url, out)
        if progress is not None:
            progress(out.done, out.total)
    return out


def _count_change(out: BatchOutcome, row: int | None, code: str, result: object) -> None:
    if isinstance(result, life.Done):
        out.issued.append(IssueOutcome(code, result.index, None, False, row))
    elif isinstance(result, (life.NotApplicable, BaseException)):
        out.refused.append((row, result))
    else:  # a Receipt
        index, size = getattr(result, "index", None), getattr(result, "size", None)
        out.issued.append(IssueOutcome(code, index, size, False, row))


def _send_or_queue(
    node: Node,
    signed: list[tuple[int | None, str, bytes]],
    served_url: str | None,
    out: BatchOutcome,
) -> str | None:
    """POST each signed entry to the node server; once it does not answer (or with none),
    keep the rest in the outbox. The server's URL while it answers, else None."""
    for row, code, entry in signed:
        if served_url:
            try:
                receipt = submit_to_server(served_url, entry)
            except PeerUnavailable:
                served_url = None  # down: this and the rest wait in the outbox
            except PeerError as exc:
                out.refused.append((row, exc))
                continue
            else:
                out.issued.append(IssueOutcome(code, receipt["index"], receipt["size"], False, row))
                continue
        node.queue_entry(entry, code)
        out.pending.append(IssueOutcome(code, None, None, True, row))
    return served_url
