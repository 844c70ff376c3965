"""Where a signed issue entry goes: the city's sequencer, or the durable outbox.

The one policy for the desktop app, the CLI and scripts (the UI's jobs only wrap it):
- a `node serve` process owns this data folder: POST the entry to its ``/submit``;
- else, the city keys are (or get) unlocked here: sequence in this process;
- else, or when the server does not answer: keep the signed entry in the outbox, pending
  until ``deliver_outbox`` hands it to the sequencer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.gis import asset_checks
from app.ledger.issuance import IssueOutcome, IssueRequest, issue_record
from app.net.client import PeerError, PeerUnavailable

if TYPE_CHECKING:
    from app.ledger.node import Node

OUTBOX_PAGE = 500


def submit_to_server(url: str, entry: bytes) -> dict[str, Any]:
    """POST a signed entry to a node server's /submit; its receipt (code, index, size)."""
    from app.net.client import PeerClient, new_http_client

    with new_http_client(max_connections=1) as http:
        receipt: dict[str, Any] = PeerClient(url, http).submit(entry)
        return receipt


def issue(node: Node, req: IssueRequest, served_url: str | None = None) -> IssueOutcome:
    """Sign ``req`` as its official, then sequence it (server, or here), or queue it."""
    if req.node_passphrase and not node.unlocked and not served_url:
        node.unlock(req.node_passphrase)
    record = issue_record(node, req)
    problems = asset_checks.check_with_override(  # the reason is signed with the record
        node.city_code, record["asset"], req.boundary_override, node.data_dir
    )
    if problems:
        raise asset_checks.AssetRejected(problems)  # nothing signed
    entry = node.make_entry(req.official, req.passphrase, record)
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
