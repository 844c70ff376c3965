"""The issuance services the UI, the CLI and scripts share (no Qt): who may issue, what a
request lacks, and where the signed entry goes (here, a node server, or the outbox)."""

from __future__ import annotations

import socket

import pytest

from app.gis.selection import Selection
from app.ledger import issuance
from app.ledger.issuance import IssueRequest, may_issue
from app.ledger.map_state import is_map_entry
from app.ledger.node import Node
from app.net import issuance as net_issuance

CITY = "130100"
POINT = {"type": "Point", "coordinates": [114.51, 38.04]}


@pytest.fixture()
def data_dir(tmp_path):
    d = tmp_path / "node"
    node = Node.create(d, CITY, "Shijiazhuang", "石家庄", "node-pw", batch_delay=0.005)
    node.add_official("alice", "alice-pw")
    node.close()
    return d


def request(**over) -> IssueRequest:
    base = dict(
        official="alice",
        passphrase="alice-pw",
        asset_class="WAT",
        name="Pump 1",
        geometry=POINT,
        attributes={"note": "x"},
        row=7,
        asset_id="A-7",
    )
    return IssueRequest(**{**base, **over})


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


@pytest.mark.parametrize(
    ("node_city", "asset", "kind"),
    [
        (None, {"city": CITY, "code": None}, issuance.NO_NODE),
        (CITY, None, issuance.NO_ASSET),
        (CITY, {"city": CITY, "code": "130100-WAT-00000000-X"}, issuance.HAS_CODE),
        (CITY, {"city": "130200", "code": None}, issuance.OTHER_CITY),
        (CITY, {"city": CITY, "code": None}, None),
    ],
)
def test_may_issue_only_for_own_assets_without_a_code(node_city, asset, kind):
    refusal = may_issue(node_city, asset)
    assert (refusal.kind if refusal else None) == kind


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("official", "", issuance.NO_OFFICIAL),
        ("passphrase", "", issuance.NO_PASSPHRASE),
        ("asset_class", "", issuance.NO_CLASS),
        ("name", "", issuance.NO_NAME),
        ("geometry", None, issuance.NO_GEOMETRY),
    ],
)
def test_a_request_names_what_it_lacks_as_a_kind(field, value, kind):
    assert request().problem() is None
    assert request(**{field: value}).problem() == kind


def test_unlocked_node_sequences_here(data_dir):
    with Node.open(data_dir, batch_delay=0.005) as node:
        node.unlock("node-pw")
        out = net_issuance.issue(node, request())
        assert not out.pending and out.index == 2 and out.row == 7  # 1: a code map
        state = node.code_state(out.code)
        assert state.attributes == {"note": "x", "asset_id": "A-7"}


def test_locked_node_queues_then_delivers_once_unlocked(data_dir):
    with Node.open(data_dir, batch_delay=0.005) as node:
        out = net_issuance.issue(node, request())
        assert out.pending and out.index is None
        assert node.code_state(out.code) is None
        assert net_issuance.deliver_outbox(node) == 0  # locked, no server: stays pending
        node.unlock("node-pw")
        assert net_issuance.deliver_outbox(node) == 1
        assert node.code_state(out.code).first_index == 2
        assert node.store.outbox_items("pending", origin=node.origin) == []


def test_a_server_that_does_not_answer_leaves_the_entry_pending(data_dir):
    url = closed_port_url()
    with Node.open(data_dir, batch_delay=0.005) as node:
        node.unlock("node-pw")  # even unlocked: the server owns the folder's sequencer
        out = net_issuance.issue(node, request(), served_url=url)
        assert out.pending
        assert net_issuance.deliver_outbox(node, url) == 0
        assert [i["code"] for i in node.store.outbox_items("pending", origin=node.origin)] == [
            out.code
        ]


def test_selection_model_tells_every_listener_and_ignores_echoes():
    sel, seen = Selection(), []

    def echoing_view(rows, source):
        seen.append((list(rows), source))
        assert not sel.select([99], "map")  # a view echoing while shown changes nothing

    sel.subscribe(echoing_view)
    assert sel.select([3, 5], "script")
    assert seen == [([3, 5], "script")] and sel.first == 3 and 5 in sel
    sel.clear()
    assert sel.rows == [] and sel.first is None


def test_a_delivery_killed_after_the_commit_is_delivered_not_refused(data_dir):
    """SIGKILL between the sequencer's commit and the outbox mark: the rerun's submit is
    refused as a duplicate, yet the entry is in the log — it must read delivered, at its
    index, or the user is told to issue the asset again."""
    with Node.open(data_dir) as node:
        node.unlock("node-pw")
        record = node.issue_record("WAT", "pump", POINT)
        entry = node.make_entry("alice", "alice-pw", record)
        node.queue_entry(entry, record["code"])
        logged = node.submit(entry).index  # the first delivery's commit, then the kill
        # another entry for the same code that the log does not hold stays refused
        renamed = {**record, "asset": {**record["asset"], "name": "pump 2"}}
        node.queue_entry(node.make_entry("alice", "alice-pw", renamed), record["code"])
        assert net_issuance.deliver_outbox(node) == 1
        (done,) = node.store.outbox_items("delivered")
        assert (done["code"], done["log_index"]) == (record["code"], logged)
        (refused,) = node.store.outbox_items("refused")
        assert "already exists" in refused["last_error"]
        assert node.size() == logged + 2  # the entry and its batch's code-map entry


def test_cli_issue_uses_the_same_policy_server_then_outbox(data_dir, capsys, monkeypatch):
    """`cityledger issue` on a folder a node server owns submits to that server (the node
    passphrase is not needed); with the server gone it queues the entry, and the next issue
    that sequences delivers it."""
    import json

    from app.cli.main import main
    from app.net.demo_network import NodeProcess, free_port
    from tests.net.test_folder_owner import start_holder

    monkeypatch.setenv("CITYLEDGER_OFFICIAL_PASSPHRASE", "alice-pw")
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", "not-the-node-passphrase")
    args = ["--data", str(data_dir), "issue", "--class", "WAT", "--name", "pump"]
    args += ["--lon", "114.51", "--lat", "38.04", "--json"]
    server = NodeProcess(CITY, data_dir, free_port(), passphrase="node-pw")
    server.extra_args = ("--no-sync", "--no-witness")
    server.start()
    try:
        assert main(args) == 0
        served = json.loads(capsys.readouterr().out)
    finally:
        server.stop()
    assert served["pending"] is False and served["index"] == 2

    holder = start_holder(data_dir, closed_port_url())  # owned, but nobody answers
    try:
        assert main(args) == 0
        queued = json.loads(capsys.readouterr().out)
    finally:
        holder.kill()
        holder.wait(10)
    assert queued["pending"] is True and queued["index"] is None

    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", "node-pw")  # now this process sequences
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    assert local["pending"] is False and local["outbox_delivered"] == 1
    with Node.open(data_dir) as node:
        records = node.store.entries(node.origin, 0, node.size())
        assert sum(not is_map_entry(e) for e in records) == 4  # the official and 3 codes
        assert node.code_state(queued["code"]) is not None
