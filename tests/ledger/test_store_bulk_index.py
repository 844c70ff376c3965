"""Bulk folding of replicated entries into the codes index (Store.index_replica): the
msgspec fast path and the general json path give the same rows, and records of one code
spread over several chunks (update, transfer, revoke) fold as the log says."""

import json

import pytest
import sqlalchemy as sa

from app.ledger import codes_index
from app.ledger.audit import audit_log
from app.ledger.store import Store

from .conftest import point
from .test_store import REPLICA, _copy, replica_url  # noqa: F401 (fixture)

LINE = {"type": "LineString", "coordinates": [[114.1, 38.2], [114.3, 38.0], [114.2, 38.4]]}
POLYGON = {
    "type": "MultiPolygon",
    "coordinates": [[[[114.0, 38.0], [114.5, 38.0], [114.5, 38.6], [114.0, 38.0]]]],
}


@pytest.fixture
def busy_source(node):
    """60 codes of three geometry kinds, then updates/transfers/revokes of early codes
    (so, indexed 7 entries at a time, a code's records land in different chunks)."""
    geoms = [point(1), LINE, POLYGON]
    res = node.issue_many(
        "alice",
        "alice-pw",
        [
            {
                "asset_class": "WAT",
                "name": f"main {i}",
                "geometry": geoms[i % 3],
                "attributes": {"i": i, "time": "not the record's", "subject": {"sig": "x"}},
            }
            for i in range(60)
        ],
    )
    codes = [r.code for r in res]
    node.update("alice", "alice-pw", codes[0], name="renamed", geometry=LINE)
    node.transfer("alice", "alice-pw", codes[1], owner="parks department")
    node.update("alice", "alice-pw", codes[2], attributes={})
    node.revoke("alice", "alice-pw", codes[0], "replaced")
    node.update("alice", "alice-pw", codes[3], geometry=POLYGON, attributes={"k": "值"})
    node.add_official("bob", "bob-pw")
    node.transfer("bob", "bob-pw", codes[3], owner="water bureau")
    return node, codes


def test_chunked_bulk_index_matches_the_log(busy_source, replica_url):  # noqa: F811
    node, codes = busy_source
    size = node.size()
    replica = Store(replica_url)
    replica.ensure_replica(REPLICA, "130100", node.log_vkey, node.witness_vkey)
    cp, bundles, tiles = _copy(node.store, REPLICA, 0, size)
    replica.append_replica(
        REPLICA, 0, size, cp.root_hash, cp.note, bundles, tiles, index_codes=False
    )
    assert replica.index_replica(REPLICA, chunk=7) == size
    report = audit_log(replica, REPLICA)  # re-folds every record with the dict path
    assert report.ok, report.problems
    s0, s1, s2, s3 = (replica.code_state(c) for c in codes[:4])
    assert (s0.status, s0.name, s0.geometry, s0.bbox) == (
        "revoked",
        "renamed",
        LINE,
        (114.1, 38.0, 114.3, 38.4),
    )
    assert s1.owner == "parks department" and s1.status == "issued"
    assert s2.attributes == {} and s2.geometry == POLYGON
    assert s3.geometry == POLYGON and s3.bbox == (114.0, 38.0, 114.5, 38.6)
    assert (s3.owner, s3.official, s3.attributes) == ("water bureau", "bob", {"k": "值"})
    assert [o["name"] for o in replica.officials(REPLICA)] == ["alice", "bob"]
    # the rows are exactly the source's own index (folded by the sequencer)
    with node.store.read() as a, replica.read() as b:
        q = sa.text("SELECT * FROM codes ORDER BY code")
        assert [tuple(r) for r in a.execute(q)] == [tuple(r) for r in b.execute(q)]
    replica.close()


def _slow_record(data: bytes):
    rec = json.loads(data)
    return rec if isinstance(rec, dict) else None


ODD_ENTRIES = [
    # well-formed, canonical
    b'{"asset":{"attributes":{"a":[1,{"b":null}]},"class":"WAT","geometry":{"coordinates":'
    b'[[114.1,38.2],[114.3,38.0]],"type":"LineString"},"name":"x"},"code":"130100-WAT-A-1",'
    b'"official":"o","prev":null,"sig":"s","time":"t","type":"issue"}',
    # not canonical (spaces, escapes): rows keep the record's values
    b'{"type": "issue", "code": "130100-WAT-B-2", "official": "o", "time": "t", "asset": '
    b'{"class": "WAT", "name": "\\u00e9", "geometry": {"type": "Point", "coordinates": '
    b'[1e-07, 2]}, "attributes": {"z": 1, "a": 2}}}',
    # update with null geometry / null attributes / null name
    b'{"asset":{"attributes":null,"geometry":null,"name":null},"code":"130100-WAT-A-1",'
    b'"official":"o","type":"update"}',
    # geometry of unexpected shapes, a 3-D position, an empty one, a collection
    b'{"asset":{"geometry":{"coordinates":[[1,2,3],[4,5,6]],"type":"LineString"}},'
    b'"code":"130100-WAT-A-1","type":"update"}',
    b'{"asset":{"geometry":{"coordinates":[],"type":"LineString"}},"code":"130100-WAT-A-1",'
    b'"type":"update"}',
    b'{"asset":{"geometry":{"geometries":[{"coordinates":[3,4],"type":"Point"}],'
    b'"type":"GeometryCollection"}},"code":"130100-WAT-A-1","type":"update"}',
    b'{"asset":{"geometry":{"coordinates":[[1,"x"]],"type":"LineString"}},'
    b'"code":"130100-WAT-A-1","type":"update"}',
    b'{"asset":{"geometry":{"coordinates":[7,8]}},"code":"130100-WAT-A-1","type":"update"}',
    b'{"asset":{"geometry":[1,2],"attributes":[]},"code":"130100-WAT-A-1","type":"update"}',
    # types msgspec's schema refuses: the general path takes them
    b'{"code":"130100-WAT-A-1","owner":7,"type":"transfer"}',
    b'{"code":"130100-WAT-A-1","type":"revoke","official":["o"],"time":1}',
    b'{"asset":{"attributes":{"x":NaN},"geometry":null},"code":"130100-WAT-A-1","type":"update"}',
    b'{"code":"130100-WAT-A-1","type":"revoke","type":"update","asset":{"name":"dup"}}',
    # not code records / not objects / not JSON
    b'{"subject":{"key":"k","name":"o"},"type":"official-add"}',
    b"[1,2]",
    b'"text"',
    b'{"type":',
    b"\xff\xfe",
    b"",
]


def test_fast_decoding_folds_like_json_loads():
    state_fast = state_slow = None
    for i, data in enumerate(ODD_ENTRIES):
        fast, slow = codes_index.decode_record(data), _slow_record(data) if _json_ok(data) else None
        assert (fast is None) == (slow is None), data
        if fast is None or fast.get("type") not in codes_index.CODE_TYPES:
            continue
        try:
            want = codes_index.fold(state_slow, slow, i, "o")
        except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
            with pytest.raises(type(exc)):
                codes_index.fold(state_fast, fast, i, "o")
            continue
        got = codes_index.fold(state_fast, fast, i, "o")
        assert _normal(got) == _normal(want), data
        state_fast, state_slow = got, want


def _json_ok(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def _normal(row: dict) -> dict:
    """Row with its JSON text columns compared as values (a non-canonical entry keeps
    its own spelling in the fast path; a canonical one is byte-identical, see above)."""
    out = dict(row)
    for k in ("geometry", "attributes"):
        if out[k] is not None:
            out[k] = json.loads(out[k])
    return out
