"""Store functions other areas call (replication, serving, cosignatures, outbox, peers,
evidence) on SQLite and PostgreSQL, against a real node's log."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from app.ledger.audit import audit_log
from app.ledger.db import StoreError, write_tx
from app.ledger.store import ConflictError, Store
from app.ledger.tilelog import TILE_WIDTH, TileLog

from .conftest import point

REPLICA = "cityledger.example/130100"


def _copy(src: Store, origin: str, old: int, new: int):
    """What sync hands over: the checkpoint, the bundles and tiles covering [old, new)."""
    cp = src.checkpoint(origin, new)
    bundles = {
        n: src.read_entry_bundle(origin, n, min(TILE_WIDTH, new - n * TILE_WIDTH))
        for n in range(old // TILE_WIDTH, (new + TILE_WIDTH - 1) // TILE_WIDTH)
    }
    with src.read() as conn:
        tiles = {
            (r.level, r.n): bytes(r.data)
            for r in conn.execute(
                sa.text("SELECT level, n, data FROM tiles WHERE origin = :o"), {"o": origin}
            )
        }
    return cp, bundles, tiles


@pytest.fixture
def replica_url(request, db_url, tmp_path):
    """A second empty database of the same kind as db_url, for the replicating node."""
    if db_url.startswith("postgresql"):
        return request.getfixturevalue("pg_server").create_database()
    return f"sqlite:///{tmp_path / 'replica.sqlite3'}"


@pytest.fixture
def source(node):
    """A city log of 305 entries (an official, 298 codes, one updated, one revoked: four
    batches, each with its code-map entry)."""
    res = node.issue_many(
        "alice",
        "alice-pw",
        [{"asset_class": "BRG", "name": f"bridge {i}", "geometry": point(i)} for i in range(298)],
    )
    node.update("alice", "alice-pw", res[0].code, name="bridge zero")
    node.revoke("alice", "alice-pw", res[1].code, "collapsed")
    return node


def test_replica_append_serves_and_audits_like_the_source(source, replica_url):
    replica = Store(replica_url)
    replica.ensure_replica(REPLICA, "130100", source.log_vkey, source.witness_vkey)
    src = source.store
    # replicated in two steps: up to the checkpoint after the 298 issues (each batch ends
    # with its code-map entry: 2 + 298 + 1), then the update's and the revoke's batches
    first, total = 301, source.size()
    assert total == first + 4 and src.checkpoint(REPLICA, first) is not None
    cp, bundles, tiles = _copy(src, REPLICA, 0, first)
    replica.append_replica(
        REPLICA,
        0,
        first,
        cp.root_hash,
        cp.note,
        bundles,
        {
            k: v[: 32 * (first >> (8 * k[0]))]
            for k, v in tiles.items()
            if (first >> (8 * k[0])) > k[1] * TILE_WIDTH
        },
    )
    assert replica.log_info(REPLICA).indexed_size == first
    cp, bundles, tiles = _copy(src, REPLICA, first, total)
    _, whole, _ = _copy(src, REPLICA, 0, total)  # every bundle: the size check passes
    with pytest.raises(ConflictError):
        replica.append_replica(REPLICA, 0, total, cp.root_hash, cp.note, whole, tiles)
    replica.append_replica(
        REPLICA, first, total, cp.root_hash, cp.note, bundles, tiles, index_codes=False
    )
    assert replica.log_info(REPLICA).indexed_size == first
    assert replica.index_replica(REPLICA, chunk=40) == total
    assert replica.read_tile(REPLICA, 0, 0) == src.read_tile(REPLICA, 0, 0)
    w = total - TILE_WIDTH
    assert replica.read_entry_bundle(REPLICA, 1, w) == src.read_entry_bundle(REPLICA, 1, w)
    assert replica.code_counts() == {("BRG", "issued"): 297, ("BRG", "revoked"): 1}
    assert [o["name"] for o in replica.officials(REPLICA)] == ["alice"]
    report = audit_log(replica, REPLICA)
    assert report.ok, report.problems
    assert report.checkpoints_checked == 2


def test_replica_append_refuses_incomplete_bundles(source, replica_url):
    replica = Store(replica_url)
    replica.ensure_replica(REPLICA, "130100", source.log_vkey)
    cp, bundles, tiles = _copy(source.store, REPLICA, 0, 301)
    del bundles[1]
    with pytest.raises(StoreError, match="bundles hold 256 of the 301 new entries"):
        replica.append_replica(REPLICA, 0, 301, cp.root_hash, cp.note, bundles, tiles)
    assert replica.log_info(REPLICA).size == 0 and replica.read_tile(REPLICA, 0, 0) is None
    with pytest.raises(StoreError, match="own log"):
        source.store.ensure_replica(REPLICA, "130100", None)


def test_cosignatures_outbox_peers_evidence(node):
    store, origin = node.store, node.origin
    with pytest.raises(StoreError, match="no checkpoint .* at size 99"):
        store.add_cosignature(origin, 99, "w1", "— w1 AAAA")
    store.add_cosignature(origin, 2, "w1", "— w1 AAAA", 10)  # the official's checkpoint
    store.add_cosignature(origin, 2, "w1", "— w1 BBBB", 20)  # a refresh replaces
    store.add_cosignature(origin, 2, "w0", "— w0 CCCC", 5)
    assert node.checkpoint_note().endswith(b"\n\xe2\x80\x94 w0 CCCC\n\xe2\x80\x94 w1 BBBB\n")
    entry = node.make_entry("alice", "alice-pw", node.issue_record("MED", "clinic", point()))
    oid = node.queue_entry(entry, code="c1")
    assert [i["id"] for i in store.outbox_items()] == [oid]
    store.outbox_mark(oid, "pending", error="connection refused")
    assert store.outbox_items()[0]["attempts"] == 1
    store.outbox_mark(oid, "delivered", log_index=7)
    assert store.outbox_items() == [] and store.outbox_items("delivered")[0]["log_index"] == 7
    with pytest.raises(ValueError, match="unknown outbox state"):
        store.outbox_mark(oid, "lost")
    store.peer_update("http://127.0.0.1:9/", origin="x/1", ok=False, error="refused")
    store.peer_update("http://127.0.0.1:9/", ok=False, error="refused")
    assert store.peers()[0]["failures"] == 2 and store.peers()[0]["state"] == "failing"
    store.peer_update("http://127.0.0.1:9/", ok=True, size=12)
    assert store.peers()[0]["failures"] == 0 and store.peers()[0]["origin"] == "x/1"
    eid = store.add_evidence("x/1", "fork", b"note a", b"note b", "size 5: two roots")
    assert store.evidence("x/1")[0]["id"] == eid and store.evidence("y/2") == []
    assert store.evidence()[0]["resolved_at"] is None and store.evidence()[0]["resolution"] is None


def test_resolving_evidence_records_the_decision_once(node):
    store = node.store
    eid = store.add_evidence("x/1", "fork", b"note a", b"note b", "size 5: two roots")
    with pytest.raises(StoreError, match=f"no evidence #{eid + 1}"):
        store.resolve_evidence(eid + 1, "checked")
    with pytest.raises(StoreError, match="needs a note"):
        store.resolve_evidence(eid, "  ")
    assert store.evidence()[0]["resolved_at"] is None
    store.resolve_evidence(eid, "checked with the city", at=1234.5)
    row = store.evidence("x/1")[0]
    assert (row["resolved_at"], row["resolution"]) == (1234.5, "checked with the city")
    with pytest.raises(StoreError, match=f"evidence #{eid} is already resolved"):
        store.resolve_evidence(eid, "again")
    row = store.evidence("x/1")[0]
    assert (row["resolved_at"], row["resolution"]) == (1234.5, "checked with the city")


def _database_at(db_url: str, revision: str) -> sa.Engine:
    """An engine over a database migrated only up to `revision` (an older release's store)."""
    from alembic import command
    from alembic.config import Config

    from app.ledger.db import MIGRATIONS, make_engine

    engine = make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    with write_tx(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return engine


def test_upgrade_from_0002_keeps_evidence_rows(db_url):
    """A store created before decisions were kept in it gains the columns, rows intact."""
    engine = _database_at(db_url, "0002")
    with write_tx(engine) as conn:
        conn.execute(
            sa.text(
                "INSERT INTO evidence (origin, kind, note_a, note_b, detail, created_at) "
                "VALUES ('x/1', 'fork', :a, :b, 'two roots', 99.0)"
            ),
            {"a": b"na", "b": b"nb"},
        )
    engine.dispose()
    store = Store(db_url)
    try:
        with store.read() as conn:
            assert (
                conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0007"
            )
        (row,) = store.evidence()
        assert (row["origin"], row["detail"], bytes(row["note_a"]), row["created_at"]) == (
            "x/1",
            "two roots",
            b"na",
            99.0,
        )
        assert row["resolved_at"] is None and row["resolution"] is None
        assert row["entry_index"] is None and row["rule"] is None  # 0004: fork evidence
        store.resolve_evidence(row["id"], "checked")
        assert store.evidence()[0]["resolution"] == "checked"
    finally:
        store.close()


def test_migrations_are_idempotent_and_versioned(db_url):
    Store(db_url).close()
    store = Store(db_url)  # second open: nothing to do
    with store.read() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0007"
    store.close()


def test_a_store_at_the_head_opens_without_alembic(db_url):
    """The head comes from the migration file names (checked against Alembic's own), so
    opening a current store needs no Alembic import (0.4 s of every CLI command)."""
    import subprocess
    import sys

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.ledger.db import MIGRATIONS, head_revision

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()
    Store(db_url).close()  # created and migrated
    probe = (
        "import sys; from app.ledger.store import Store; "
        f"Store({db_url!r}).close(); print(sorted(m for m in sys.modules if 'alembic' in m))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_unusable_database_url_is_a_clear_error():
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        Store("mysql://localhost/x")
    with pytest.raises(StoreError, match="invalid database URL"):
        Store("not a url")


def test_inline_indexing_inside_a_caller_transaction(source, replica_url):
    """The net helper's path: append_replica with the decoded entries folds them in the
    same transaction; the indexed size follows, and a lagging index is caught up first."""
    replica = Store(replica_url)
    replica.ensure_replica(REPLICA, "130100", source.log_vkey)
    cp, bundles, tiles = _copy(source.store, REPLICA, 0, 301)
    entries = source.store.entries(REPLICA, 0, 301)
    first = TileLog.empty()
    first.append(entries[:250])
    root_250 = first.root()
    replica.append_replica(REPLICA, 0, 250, root_250, None, bundles, tiles, index_codes=False)
    replica.append_replica(
        REPLICA, 250, 301, cp.root_hash, cp.note, bundles, tiles, entries=entries[250:]
    )
    assert replica.log_info(REPLICA).indexed_size == 301
    report = audit_log(replica, REPLICA)
    assert report.ok, report.problems


def test_upgrade_from_0001_keeps_logs_and_marks_them_indexed(db_url):
    """An existing 0001 database gains logs.indexed_size = size on open."""
    engine = _database_at(db_url, "0001")
    with write_tx(engine) as conn:
        conn.execute(
            sa.text(
                "INSERT INTO logs (origin, kind, size, root_hash, frontier, "
                "updated_at) VALUES ('a/1', 'own', 7, :r, :f, 0)"
            ),
            {"r": b"\0" * 32, "f": b""},
        )
    engine.dispose()
    store = Store(db_url)
    info = store.log_info("a/1")
    assert (info.size, info.indexed_size) == (7, 7)
    store.close()


def test_upsert_stores_values_exactly_and_a_later_row_wins(db_url):
    """The one upsert under every bulk write (executemany on SQLite, one JSON statement
    on PostgreSQL): bytes of every value, floats bit for bit (an int in a float column
    too), NULLs and non-ASCII text come back as written; a key given twice keeps its
    last row, as row-by-row executemany does."""
    from app.ledger.db import upsert
    from app.ledger.schema import codes, tiles

    store = Store(db_url)
    base = {
        "origin": "o",
        "asset_class": "WAT",
        "status": "issued",
        "owner": None,
        "geometry": '{"type": "Point"}',
        "attributes": '{"材料": "铸铁 \\"x\\" \\\\ \\n"}',
        "minx": 0.1 + 0.2,
        "miny": 114,
        "maxx": -1e-300,
        "maxy": 38.0,
        "first_index": 2**40,
        "latest_index": 2**40,
    }
    rows = [
        {"code": "A", "name": "first", **base},
        {"code": "B", "name": "水管 '; DROP TABLE codes; --", **base},
        {"code": "A", "name": "second", **base},
    ]
    blob = bytes(range(256)) * 4
    with store.write() as conn:
        upsert(conn, codes, rows, ["code"])
        upsert(
            conn,
            tiles,
            [{"origin": "o", "level": 0, "n": 7, "width": 32, "data": blob}],
            ["origin", "level", "n"],
        )
    with store.read() as conn:
        got = {r.code: r for r in conn.execute(sa.select(codes).order_by(codes.c.code))}
        data = conn.execute(sa.select(tiles.c.data)).scalar_one()
    store.close()
    assert [(c, r.name) for c, r in got.items()] == [
        ("A", "second"),
        ("B", "水管 '; DROP TABLE codes; --"),
    ]
    for r in got.values():
        assert (r.attributes, r.owner, r.first_index) == (base["attributes"], None, 2**40)
        assert (r.minx, r.miny, r.maxx, r.maxy) == (0.1 + 0.2, 114.0, -1e-300, 38.0)
    assert bytes(data) == blob
