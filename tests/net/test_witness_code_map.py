"""A witness vouches for the code map too (issue 12): it reads the entries a checkpoint
adds from the city's endpoint, recomputes the map and refuses to co-sign (422, with the
reason) a checkpoint whose last entry is not a code-map entry with the right root. The
hostile city is a real HTTP server publishing a validly signed log; the witness is a real
node stack behind uvicorn. What it co-signs is kept apart from its replica (issue 10)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from app.core.code_map import CodeMap
from app.core.records import make_map_entry
from app.ledger.audit import audit_log
from app.ledger.map_state import is_map_entry, map_updates
from app.ledger.node import Node
from app.net import events as ev
from app.net import verify
from app.net.demo_network import create_network, free_port, issue_demo_codes
from app.net.service import NodeService
from app.net.static import write_static_log
from tests.net.conftest import PASS, ThreadServer

A, W = "130100", "130200"


@pytest.fixture(scope="module")
def cities(tmp_path_factory):
    """A's real log (a few batches, each ending in its code-map entry), and witness W
    serving on the port the trust file names; A's endpoint is left to each test."""
    root = tmp_path_factory.mktemp("witness-map")
    a_port, w_port = free_port(), free_port()
    create_network(root, [A, W], passphrase=PASS, ports={A: a_port, W: w_port})
    issue_demo_codes(root / A, 20, passphrase=PASS)
    issue_demo_codes(root / A, 10, passphrase=PASS, seed=2)
    a = Node.open(root / A)
    a.unlock(PASS)
    entries = a.store.entries(a.origin, 0, a.size())
    signer = a.log_signer()
    origin = a.origin
    a.close()
    w = Node.open(root / W)
    w.unlock(PASS)
    service = NodeService(w, sync=False)
    alerts: list = []
    service.bus.subscribe(lambda e: alerts.append(e) if e.kind == ev.ALERT else None)
    with ThreadServer(service.app, w_port) as server:
        yield {
            "root": root,
            "a_port": a_port,
            "origin": origin,
            "entries": entries,
            "signer": signer,
            "w": w,
            "w_url": server.url,
            "service": service,
            "alerts": alerts,
        }
    w.close()


def _publish(cities, static_server, tmp_path, entries) -> bytes:
    """Serve `entries` as A's log at A's endpoint, signed by A's log key."""
    note = write_static_log(tmp_path / "a", cities["origin"], entries, cities["signer"])
    static_server(tmp_path / "a", port=cities["a_port"])
    return note


def _ask(cities, note: bytes, old: int = 0) -> httpx.Response:
    body = verify.encode_add_checkpoint(old, [], note)
    return httpx.post(cities["w_url"] + "add-checkpoint", content=body, timeout=60)


def _root(entries: list[bytes]) -> bytes:
    return CodeMap(dict(map_updates(enumerate(entries)))).root()


def test_a_checkpoint_with_a_wrong_map_root_is_not_cosigned(cities, static_server, tmp_path):
    honest = cities["entries"]
    assert is_map_entry(honest[-1]) and sum(map(is_map_entry, honest)) >= 3
    # A rewrites its last code-map entry: the revoke it hides would not show offline
    lying = [*honest[:-1], make_map_entry(bytes(32), len(honest) - 1)]
    note = _publish(cities, static_server, tmp_path, lying)
    resp = _ask(cities, note)
    assert resp.status_code == 422, resp.text
    assert "commits a wrong code map" in resp.text and "code-map entry at index" in resp.text
    assert cities["w"].store.witnessed(cities["origin"]) is None  # nothing vouched for
    assert any("refused to co-sign" in e.data.get("message", "") for e in cities["alerts"])


def test_a_checkpoint_that_ends_in_no_code_map_is_not_cosigned(cities, static_server, tmp_path):
    honest = cities["entries"]
    note = _publish(cities, static_server, tmp_path, honest[:-1])  # the batch's map left out
    resp = _ask(cities, note)
    assert resp.status_code == 422, resp.text
    assert "is not a code-map entry" in resp.text
    assert cities["w"].store.witnessed(cities["origin"]) is None


def test_the_honest_log_is_cosigned_and_kept_apart_from_the_replica(
    cities, static_server, tmp_path
):
    honest = cities["entries"]
    assert base64.b64decode(json.loads(honest[-1])["root"]) == _root(honest[:-1])
    note = _publish(cities, static_server, tmp_path, honest)
    resp = _ask(cities, note)
    assert resp.status_code == 200, resp.text
    w, origin = cities["w"], cities["origin"]
    held = w.store.witnessed(origin)
    assert held is not None and held.size == len(honest) and held.cosignature in resp.text
    # issue 10: the replica holds no checkpoint beyond its entries, so the audit of every
    # log this witness holds passes before it has synced A
    assert w.store.log_info(origin).size == 0 and w.store.checkpoints(origin) == []
    for info in w.store.logs():
        report = audit_log(w.store, info.origin)
        assert report.ok, (info.origin, report.problems)
