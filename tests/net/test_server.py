"""The HTTP interface against the C2SP specs: tlog-tiles reads and tlog-witness
add-checkpoint, on a real uvicorn server (in a thread) over real node stores."""

from __future__ import annotations

import base64
import logging
import threading

import httpx
import pytest

from app.core import merkle
from app.core.checkpoint import Checkpoint
from app.core.cosignature import CosignatureVerifier
from app.core.note import Signer, generate_key, open_note, sign_note
from app.net import verify
from app.net.announce import AnnounceService
from app.net.demo_network import create_network, free_port, issue_demo_codes
from app.net.ledger_view import LedgerView
from app.net.server import Services, build_app
from app.net.service import NodeService, TrustCache
from app.net.witness import CosignCollector
from tests.net.conftest import PASS, ThreadServer

A, W = "130100", "130200"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from app.ledger.node import Node

    root = tmp_path_factory.mktemp("server")
    a_port, w_port = free_port(), free_port()
    # A is served where the trust file says: the witness reads its new entries from there
    net = create_network(root, [A, W], passphrase=PASS, ports={A: a_port, W: w_port})
    issue_demo_codes(root / A, 300, passphrase=PASS)
    a = Node.open(root / A)
    a.unlock(PASS)
    w = Node.open(root / W)
    w.unlock(PASS)
    a_service = NodeService(a, sync=False, witness=False)
    w_service = NodeService(w, sync=False)
    with (
        ThreadServer(a_service.app, a_port) as a_srv,
        ThreadServer(w_service.app, w_port) as w_srv,
    ):
        yield {
            "a": a,
            "w": w,
            "a_url": a_srv.url,
            "w_url": w_srv.url,
            "net": net,
            "a_view": LedgerView(a.store, a.origin),
            "w_service": w_service,
        }
    a.close()
    w.close()


def test_checkpoint_and_tiles_follow_tlog_tiles(setup):
    url = setup["a_url"]
    cp = httpx.get(url + "checkpoint")
    assert cp.status_code == 200
    assert cp.headers["content-type"] == "text/plain; charset=utf-8"
    assert "immutable" not in cp.headers["cache-control"]
    size = int(cp.text.split("\n")[1])
    assert size == 303  # official-add, 300 issues, each batch with its code-map entry
    full = httpx.get(url + "tile/0/000")
    assert full.status_code == 200 and len(full.content) == 256 * 32
    assert full.headers["content-type"] == "application/octet-stream"
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    partial = httpx.get(url + "tile/0/001.p/47")
    assert len(partial.content) == 47 * 32
    assert "immutable" not in partial.headers["cache-control"]
    bundle = httpx.get(url + "tile/entries/000")
    assert bundle.headers["cache-control"].endswith("immutable")
    entries = verify.decode_peer_entry_bundle(bundle.content, 256)
    assert verify.leaf_tile(entries) == full.content
    level1 = httpx.get(url + "tile/1/000.p/1").content
    assert level1 == merkle.root_of([full.content[i : i + 32] for i in range(0, 8192, 32)])
    for bad in (
        "tile/0/01",
        "tile/0/x000/001",
        "tile/64/000",
        "tile/0/000.p/256",
        "tile/0/999",
        "tile/entries/002",
    ):
        assert httpx.get(url + bad).status_code == 404, bad
    mirrored = httpx.get(url + "logs/" + setup["a"].origin + "/tile/0/000")
    assert mirrored.content == full.content
    assert httpx.get(url + "logs/nope.example/1/checkpoint").status_code == 404


def test_an_unchanged_checkpoint_is_a_304_without_a_body(setup):
    for url in (setup["a_url"], setup["a_url"] + "logs/" + setup["a"].origin + "/"):
        first = httpx.get(url + "checkpoint")
        etag = first.headers["etag"]
        again = httpx.get(url + "checkpoint", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        other = httpx.get(url + "checkpoint", headers={"If-None-Match": '"stale"'})
        assert other.status_code == 200 and other.content == first.content


def test_announce_wakes_sync_for_news_only_and_checks_the_signature(setup):
    a, w = setup["a"], setup["w"]
    heard = []
    view = LedgerView(w.store, w.origin)
    service = AnnounceService(view, TrustCache(w.data_dir), lambda o, size: heard.append((o, size)))
    app = build_app(Services(w.origin, view.find_source, announce=service))
    note = setup["a_view"].served_checkpoint(a.origin)
    size = int(note.split(b"\n")[1])
    with ThreadServer(app) as srv:

        def post(body: bytes) -> httpx.Response:
            return httpx.post(srv.url + "announce", content=body)

        assert view.latest_checkpoint(a.origin) is None  # W has not synced A
        first = post(note)
        assert (first.status_code, first.text) == (202, "news\n")
        assert heard == [(a.origin, size)]
        replay = post(note)
        assert (replay.status_code, replay.text) == (202, "known\n")
        impostor = sign_note(
            Checkpoint(a.origin, size + 1, b"\x02" * 32).to_text(),
            Signer.from_key(generate_key(a.origin)[0]),
        )
        assert post(impostor).status_code == 403
        assert post(note.split(b"\n\n")[0] + b"\n").status_code == 403  # no signature
        assert post(b"nowhere.example/1\n1\n" + b"A" * 44 + b"\n\n").status_code == 404
        assert post(b"\xff\xfe").status_code == 400
        assert post(b"x" * 70_000).status_code == 413
        assert heard == [(a.origin, size)]  # only a valid, new announce woke sync


def _a_note(setup) -> bytes:
    return setup["a_view"].latest_checkpoint(setup["a"].origin).log_note


def _size(note: bytes) -> int:
    return int(note.split(b"\n")[1])


def _witnessed(setup) -> int:
    """The size of A's log the witness last co-signed (0: none yet)."""
    held = setup["w_service"].ledger.witnessed(setup["a"].origin)
    return held.size if held else 0


def _post(setup, body: bytes) -> httpx.Response:
    return httpx.post(setup["w_url"] + "add-checkpoint", content=body)


def test_add_checkpoint_status_codes(setup):
    a, w = setup["a"], setup["w"]
    note = _a_note(setup)
    # 400: malformed, or old size above the checkpoint's
    assert _post(setup, b"garbage").status_code == 400
    assert _post(setup, verify.encode_add_checkpoint(400, [], note)).status_code == 400
    assert _post(setup, b"old 01\n\n" + note).status_code == 400
    # 404: a log this witness does not know
    skey, _ = generate_key("unknown.example/log")
    stranger = sign_note(
        Checkpoint("unknown.example/log", 1, b"\x01" * 32).to_text(), Signer.from_key(skey)
    )
    assert _post(setup, verify.encode_add_checkpoint(0, [], stranger)).status_code == 404
    # 403: known origin, but no valid signature of its log key
    impostor_skey, _ = generate_key(a.origin)
    forged = sign_note(
        Checkpoint(a.origin, _size(note), b"\x02" * 32).to_text(), Signer.from_key(impostor_skey)
    )
    assert _post(setup, verify.encode_add_checkpoint(0, [], forged)).status_code == 403
    text, sig = note.decode().rsplit(" ", 1)
    broken = (text + " " + sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]).encode()
    assert _post(setup, verify.encode_add_checkpoint(0, [], broken)).status_code == 403
    # 413: oversized request
    assert _post(setup, b"old 0\n" + b"A" * 20000).status_code == 413

    # 200: a cosignature by the witness key, with a timestamp
    ok = _post(setup, verify.encode_add_checkpoint(0, [], note))
    assert ok.status_code == 200, ok.text
    verifier = CosignatureVerifier.from_key(w.witness_vkey)
    opened = open_note(note + ok.content, [verifier])
    assert [s.name for s in opened.sigs] == [verifier.name]
    assert verifier.verify_timestamp(opened.text.encode(), opened.sigs[0].raw) > 0
    # Re-cosigning the same size is allowed (a fresh timestamp).
    assert _post(setup, verify.encode_add_checkpoint(_size(note), [], note)).status_code == 200
    # 409: the old size is not what the witness holds; the body says what it holds.
    conflict = _post(setup, verify.encode_add_checkpoint(0, [], note))
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("text/x.tlog.size")
    assert conflict.text == f"{_size(note)}\n"
    # What the witness vouched for is its own state, not the replica's (issue 10): no
    # checkpoint of A is stored beyond the entries held, so `log verify` stays clean.
    assert w.store.log_info(a.origin).size == 0 and w.store.checkpoints(a.origin) == []


def test_a_validly_signed_checkpoint_with_an_absurd_size_is_4xx(setup, caplog):
    a = setup["a"]
    held = _witnessed(setup)
    root = base64.b64encode(b"\x03" * 32).decode()
    for size in ("9" * 5000, str(2**64), str(2**63), str(2**63 - 1)):
        note = sign_note(f"{a.origin}\n{size}\n{root}\n", a.log_signer())
        for old in (0, held):
            resp = _post(setup, verify.encode_add_checkpoint(old, [], note))
            assert 400 <= resp.status_code < 500, (size[:30], old, resp.status_code, resp.text)
    assert _witnessed(setup) == held  # nothing saved
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_checkpoint_with_no_signature_lines_is_403(setup):
    text = _a_note(setup).decode().split("\n\n")[0] + "\n"
    for note in (text, text + "\n"):
        resp = _post(setup, verify.encode_add_checkpoint(0, [], note.encode()))
        assert resp.status_code == 403, (note, resp.status_code, resp.text)


def test_out_of_range_tile_paths_are_4xx_without_a_traceback(setup, caplog):
    url, origin = setup["a_url"], setup["a"].origin
    deep = "x999/" * 8 + "999"
    for path in (
        f"tile/0/{deep}",
        f"tile/entries/{deep}",
        f"tile/0/{deep}.p/5",
        f"logs/{origin}/tile/0/{deep}",
        f"logs/{origin}/tile/entries/{deep}",
        "tile/0/x999/x999/x999/x999/x999/x999/999.p/255",
    ):
        resp = httpx.get(url + path)
        assert resp.status_code in (400, 404), (path, resp.status_code)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _grow(setup, n: int) -> bytes:
    issue_demo_codes(setup["a"].data_dir, n, passphrase=PASS, seed=n)
    return _a_note(setup)


def test_consistency_proof_is_checked_and_check_and_save_is_atomic(setup):
    view = setup["a_view"]
    w_size = _witnessed(setup)
    note1 = _grow(setup, 3)
    size1 = int(note1.split(b"\n")[1])
    proof = verify.consistency_proof(size1, w_size, view.own_hash_reader())
    # 422: a consistency proof that does not verify
    bad = [bytes(32)] * len(proof)
    assert _post(setup, verify.encode_add_checkpoint(w_size, bad, note1)).status_code == 422
    # Two concurrent updates from the same old size: exactly one may win.
    note2 = _grow(setup, 2)
    size2 = int(note2.split(b"\n")[1])
    reader = view.own_hash_reader()
    bodies = [
        verify.encode_add_checkpoint(w_size, verify.consistency_proof(s, w_size, reader), n)
        for s, n in ((size1, note1), (size2, note2))
    ]
    results = []
    threads = [
        threading.Thread(target=lambda b=b: results.append(_post(setup, b).status_code))
        for b in bodies * 3
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(200) == 1 and sorted(results).count(409) == 5
    assert _witnessed(setup) in (size1, size2)


def test_collector_rebuilds_the_proof_from_the_size_a_409_reports(setup):
    """The log does not know what the witness holds: it asks from 0, gets 409 with the
    witness's size, proves consistency from there and gets the cosignature."""
    a, w = setup["a"], setup["w"]
    view = setup["a_view"]
    held_by_witness = _witnessed(setup)
    _grow(setup, 2)
    latest = view.latest_checkpoint(a.origin)
    assert latest.size > held_by_witness > 0
    collector = CosignCollector(view, TrustCache(a.data_dir))
    try:
        assert collector.run_once() == 1
    finally:
        collector.stop()
    assert collector.witness_sizes[W] == latest.size
    cosigned = view.latest_checkpoint(a.origin)
    witness_name = CosignatureVerifier.from_key(w.witness_vkey).name
    assert list(cosigned.cosigners) == [witness_name]
    # The published checkpoint now carries the cosignature, verifiable by anyone.
    published = httpx.get(setup["a_url"] + "checkpoint").content
    opened = open_note(published, [CosignatureVerifier.from_key(w.witness_vkey)])
    assert [s.name for s in opened.sigs] == [witness_name]


def test_same_size_different_root_is_a_conflict_and_evidence(setup):
    a, w = setup["a"], setup["w"]
    held = setup["w_service"].ledger.witnessed(a.origin)
    forked = sign_note(Checkpoint(a.origin, held.size, b"\x03" * 32).to_text(), a.log_signer())
    resp = _post(setup, verify.encode_add_checkpoint(held.size, [], forked))
    assert resp.status_code == 409 and resp.text == f"{held.size}\n"
    evidence = w.store.evidence(a.origin)
    assert evidence and evidence[-1]["kind"] == "fork"
    # The witness co-signs nothing more of that log until the fork is resolved.
    assert _post(setup, verify.encode_add_checkpoint(held.size, [], held.note)).status_code == 422


@pytest.mark.postgres
def test_witness_check_and_save_is_atomic_on_postgresql(tmp_path, pg_url):
    """Two witness processes' worth of concurrency lands on one PostgreSQL row lock."""
    from app.ledger.node import Node

    a_port = free_port()
    create_network(tmp_path, [A, W], passphrase=PASS, db_urls={W: str(pg_url)}, ports={A: a_port})
    issue_demo_codes(tmp_path / A, 5, passphrase=PASS)
    a = Node.open(tmp_path / A)
    a_server = ThreadServer(NodeService(a, sync=False, witness=False).app, a_port).__enter__()
    services = []
    for _ in range(2):  # two independent services over the same database
        w = Node.open(tmp_path / W)
        w.unlock(PASS)
        services.append(NodeService(w, sync=False, witness=True))
    try:
        view = LedgerView(a.store, a.origin)
        note = view.latest_checkpoint(a.origin).log_note
        body = verify.encode_add_checkpoint(0, [], note)
        results = []
        threads = [
            threading.Thread(target=lambda s=s: results.append(s.witness(body).status))
            for s in services * 3
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Whatever the interleaving, one request wins; the others see the saved size (409).
        assert sorted(results) == [200, 409, 409, 409, 409, 409], results
        assert services[0].ledger.witnessed(a.origin).size == _size(note)
    finally:
        a_server.__exit__(None, None, None)
        a.close()
        for s in services:
            s.node.close()


def test_submit_refuses_a_signed_time_that_is_not_a_date_or_far_in_the_future(setup):
    """The time an official's workstation signed is bounded (rules.entry_time): a 4xx
    that says why, nothing sequenced; an hour of clock skew still passes."""
    import time

    from app.core.records import sign_entry
    from app.net.demo_network import DEMO_OFFICIAL, city_seat

    a, url = setup["a"], setup["a_url"] + "submit"
    lon, lat = city_seat(A)
    key = a._official_key(DEMO_OFFICIAL, PASS)

    def signed(when: str) -> bytes:
        rec = a.issue_record("WAT", "dated", {"type": "Point", "coordinates": [lon, lat]})
        return sign_entry({**rec, "time": when, "official": DEMO_OFFICIAL}, key)

    size = a.size()
    future = signed("9999-12-31T23:59:59Z")
    resp = httpx.post(url, content=future, timeout=30)
    assert resp.status_code == 422 and "ahead of this node's clock" in resp.text, resp.text
    resp = httpx.post(url, content=signed("2026-13-45T99:99:99Z"), timeout=30)
    assert resp.status_code == 422 and "not a real date" in resp.text, resp.text
    numeric = future.replace(b'"9999-12-31T23:59:59Z"', str(10**30).encode())
    resp = httpx.post(url, content=numeric, timeout=30)
    assert resp.status_code == 400 and "not RFC 3339" in resp.text, resp.text
    assert a.size() == size
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1800))
    assert httpx.post(url, content=signed(soon), timeout=30).status_code == 200
    assert a.size() == size + 2  # the entry and its batch's code-map entry
