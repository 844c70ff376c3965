"""The node and its sequencer on SQLite and PostgreSQL: issuance, validation, officials."""

import json
import threading

import pytest

from app.core.checkpoint import open_checkpoint
from app.core.codes import make_code
from app.core.note import Verifier
from app.core.records import make_map_entry, sign_entry
from app.ledger.audit import audit_log
from app.ledger.keys import signing_key
from app.ledger.keystore import KeystoreError, WrongPassphrase
from app.ledger.map_state import is_map_entry
from app.ledger.node import Node, NodeError, NodeLocked, SubmissionRefused

from .conftest import CITY, POINT, point


def test_issue_update_transfer_revoke_history(node):
    r = node.issue(
        "alice", "alice-pw", "WAT", "Main 1", POINT, {"diameter_mm": 300}, owner="Water Bureau"
    )
    # 0 official-add alice, 1 its batch's code-map entry; each batch ends with one
    assert r.index == 2 and r.size == 4 and r.code.startswith("130100-WAT-")
    node.update(
        "alice",
        "alice-pw",
        r.code,
        name="Main 1 (relined)",
        geometry={"type": "LineString", "coordinates": [[114.5, 38.0], [114.6, 38.1]]},
    )
    node.transfer("alice", "alice-pw", r.code, "Heat Co")
    last = node.revoke("alice", "alice-pw", r.code, "demolished")
    state = node.code_state(r.code.lower())  # forgiving input
    assert (state.status, state.owner, state.name) == ("revoked", "Heat Co", "Main 1 (relined)")
    assert state.bbox == (114.5, 38.0, 114.6, 38.1)
    assert state.attributes == {"diameter_mm": 300}
    assert (state.first_index, state.latest_index) == (2, last.index)
    assert [(i, rec["type"]) for i, rec in node.history(r.code)] == [
        (2, "issue"),
        (4, "update"),
        (6, "transfer"),
        (8, "revoke"),
    ]
    with pytest.raises(SubmissionRefused, match="was revoked"):
        node.update("alice", "alice-pw", r.code, name="again")
    assert audit_log(node.store, node.origin).ok


def test_checkpoint_is_signed_by_the_log_key(node):
    node.issue("alice", "alice-pw", "GAS", "Valve", POINT)
    cp, _ = open_checkpoint(node.checkpoint_note(), [Verifier.from_key(node.log_vkey)], node.origin)
    assert cp.size == node.size() == 4
    assert node.latest_checkpoint().root_hash == cp.root_hash


def _entry(node, record, official="alice", pw="alice-pw"):
    return node.make_entry(official, pw, record)


def test_sequencer_refusals_are_specific_and_change_nothing(node, tmp_path):
    first = node.issue("alice", "alice-pw", "WAT", "P", POINT)
    size = node.size()
    dup = node.issue_record("WAT", "P", POINT, code=first.code)
    with pytest.raises(SubmissionRefused, match="already exists"):
        node.submit(_entry(node, dup))
    other_city = node.issue_record("WAT", "P", POINT, code=str(make_code("130200", "WAT")))
    with pytest.raises(SubmissionRefused, match="belongs to city 130200"):
        node.submit(_entry(node, other_city))
    stale = {"type": "transfer", "code": first.code, "owner": "X", "prev": 0}
    with pytest.raises(SubmissionRefused, match="latest record is index 2"):
        node.submit(_entry(node, stale))
    unknown = {"type": "transfer", "code": str(make_code(CITY, "WAT")), "owner": "X", "prev": 0}
    with pytest.raises(SubmissionRefused, match="unknown code"):
        node.submit(_entry(node, unknown))
    # a code-map entry is the sequencer's own: never taken from a submitter
    with pytest.raises(SubmissionRefused, match="made by the sequencer") as refused:
        node.submit(make_map_entry(bytes(32), node.size()))
    assert refused.value.rule == "code-map-submitted"
    good = json.loads(_entry(node, node.issue_record("WAT", "Q", POINT)))
    good["asset"]["name"] = "tampered"
    tampered = json.dumps(good, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(SubmissionRefused, match="signature does not verify"):
        node.submit(tampered)
    with pytest.raises(SubmissionRefused, match="malformed entry"):
        node.submit(b'{"type": "issue"}')
    with pytest.raises(SubmissionRefused, match="malformed entry.*65535"):
        node.submit(b"x" * 70000)
    # an official the log does not know: a key nobody registered
    from app.core.note import generate_key

    skey, _ = generate_key("mallory")
    forged = sign_entry(
        {
            **node.issue_record("WAT", "M", POINT),
            "time": "2026-01-01T00:00:00Z",
            "official": "mallory",
        },
        signing_key(skey),
    )
    with pytest.raises(SubmissionRefused, match="'mallory' is not registered"):
        node.submit(forged)
    assert node.size() == size
    assert audit_log(node.store, node.origin).ok


def test_batch_with_refusals_sequences_the_rest_in_order(node):
    records = [node.issue_record("PWR", f"pole {i}", point(i)) for i in range(5)]
    records[2] = {**records[2], "code": records[0]["code"]}  # duplicate inside the batch
    results = node.submit_many([_entry(node, r) for r in records])
    assert isinstance(results[2], SubmissionRefused)
    ok = [r for r in results if not isinstance(r, Exception)]
    assert [r.index for r in ok] == [2, 3, 4, 5]
    assert all(r.size == ok[-1].size for r in ok)  # one batch, one checkpoint


def test_officials_add_revoke_and_active_window(node):
    vkey = node.add_official("bob", "bob-pw")
    assert vkey.startswith("bob+")
    before = node.issue("bob", "bob-pw", "SCH", "School 1", POINT)
    node.revoke_official("bob", "left the bureau")
    rows = {o["name"]: o for o in node.officials()}
    assert rows["bob"]["active"] is False and rows["alice"]["active"] is True
    with pytest.raises(SubmissionRefused, match="'bob' was revoked at index"):
        node.issue("bob", "bob-pw", "SCH", "School 2", POINT)
    assert node.code_state(before.code).status == "issued"  # earlier records stay valid
    with pytest.raises(NodeError, match="already has a key file|already registered"):
        node.add_official("bob", "x")
    with pytest.raises(NodeError, match="invalid official name"):
        node.add_official("bad name", "x")
    # official records must be signed by the admin key, not by an official
    rec = {"type": "official-add", "subject": {"name": "eve", "key": vkey}, "prev": None}
    with pytest.raises(SubmissionRefused, match="must be signed by the admin key"):
        node.submit(_entry(node, rec))


def test_wrong_passphrases_and_locked_node(tmp_path, db_url):
    n = Node.create(tmp_path / "n", CITY, "Shijiazhuang", "石家庄", "pw", db_url=db_url)
    n.add_official("carol", "carol-pw")
    n.close()
    n = Node.open(tmp_path / "n", db_url=db_url)
    with pytest.raises(NodeLocked, match="locked"):
        n.add_official("dave", "d")
    with pytest.raises(WrongPassphrase):
        n.unlock("not-pw")
    n.unlock("pw")
    with pytest.raises(KeystoreError, match="wrong passphrase"):
        n.issue("carol", "nope", "WAT", "x", POINT)
    assert n.issue("carol", "carol-pw", "WAT", "x", POINT).index == 2
    with pytest.raises(KeystoreError, match="wrong passphrase"):
        n.issue("carol", "nope", "WAT", "x", POINT)  # also once the key is cached
    n.close()
    with pytest.raises(NodeError, match="already holds a node"):
        Node.create(tmp_path / "n", CITY, "a", "b", "pw", db_url=db_url)
    with pytest.raises(NodeError, match="invalid city code"):
        Node.create(tmp_path / "m", "12345", "a", "b", "pw")
    with pytest.raises(NodeError, match="origin 'has space/1' cannot name a key"):
        Node.create(tmp_path / "m", CITY, "a", "b", "pw", origin="has space/1")
    assert not (tmp_path / "m" / "keys" / "city.key").exists()


def test_queries_for_the_ui(node):
    for i in range(20):
        node.issue("alice", "alice-pw", "WAT" if i % 2 else "GAS", f"asset {i}", point(i))
    inside = node.codes_in_bbox(114.5, 38.0, 114.5005, 38.0005)
    assert sorted(s.name for s in inside) == [f"asset {i}" for i in range(6)]
    assert len(node.list_codes(asset_class="WAT")) == 10
    assert [s.name for s in node.list_codes(search="ASSET 1", limit=3)][0] == "asset 19"
    assert node.code_counts() == {("GAS", "issued"): 10, ("WAT", "issued"): 10}
    assert node.recent_codes(1)[0].name == "asset 19"


def test_serving_tiles_and_bundles(node):
    node.issue_many(
        "alice",
        "alice-pw",
        [{"asset_class": "ROD", "name": f"r{i}", "geometry": point(i)} for i in range(300)],
    )
    assert node.size() == 303  # each of the two batches ends with its code-map entry
    full = node.read_tile(node.origin, (0, 0))
    assert len(full) == 256 * 32
    assert node.read_tile(node.origin, (0, 1, 47)) == node.store.read_tile(node.origin, 0, 1, 47)
    assert node.read_tile(node.origin, (0, 1)) is None  # no full tile 1 yet
    assert node.read_tile(node.origin, (0, 1, 48)) is None
    assert node.read_tile(node.origin, (1, 0, 1)) is not None
    bundle = node.read_entries(node.origin, 1, 47)
    entries = node.store.entries(node.origin, 256, 303)
    assert bundle == b"".join(len(e).to_bytes(2, "big") + e for e in entries)
    assert node.read_entries(node.origin, 1, 48) is None


def test_two_writers_on_one_database_never_diverge(node, tmp_path, db_url):
    """Two Node objects (two sequencers) on the same log: the CAS serialises them."""
    other = Node.open(node.data_dir, db_url=db_url, batch_delay=0.001)
    other.unlock("node-pw")
    results = {}

    def run(n, tag):
        items = [
            {"asset_class": "TEL", "name": f"{tag}{i}", "geometry": point(i)} for i in range(150)
        ]
        results[tag] = [
            n.issue_many("alice", "alice-pw", items[j : j + 10]) for j in range(0, 150, 10)
        ]

    threads = [
        threading.Thread(target=run, args=(node, "a")),
        threading.Thread(target=run, args=(other, "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    receipts = [r for tag in results for batch in results[tag] for r in batch]
    assert all(not isinstance(r, Exception) for r in receipts)
    indices = {r.index for r in receipts}
    assert len(indices) == 300
    report = audit_log(node.store, node.origin)
    assert report.ok, report.problems
    # every other entry after the official-add is a batch's code-map entry
    others = [
        e for i, e in enumerate(node.store.entries(node.origin, 0, report.size)) if i not in indices
    ]
    assert all(is_map_entry(e) for e in others[1:]) and report.size == 301 + len(others) - 1


def test_issue_many_records_match_their_bytes_even_with_nested_sig_keys(node):
    """issue_many hands the sequencer pre-parsed records; they must equal what
    parse_entry reads from the bytes, also when attributes carry a "sig" key."""
    from app.core.records import parse_entry

    tricky = {"sig": "A" * 88, "note": '"sig":"quoted"'}
    res = node.issue_many(
        "alice",
        "alice-pw",
        [{"asset_class": "PLT", "name": "plant", "geometry": POINT, "attributes": tricky}],
    )
    ((index, rec),) = node.history(res[0].code)
    assert rec == parse_entry(node.store.entry(node.origin, index))
    assert rec["asset"]["attributes"] == tricky
    assert audit_log(node.store, node.origin).ok
