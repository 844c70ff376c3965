"""The log audit finds each kind of damage and names where it is."""

import sqlalchemy as sa

from app.core.checkpoint import Checkpoint
from app.core.note import sign_note
from app.ledger.audit import audit_log
from app.ledger.schema import checkpoints, codes, entry_bundles, tiles
from app.ledger.tilelog import decode_entries, encode_entries

from .conftest import point


def _grow(node, n=300):
    return node.issue_many(
        "alice",
        "alice-pw",
        [{"asset_class": "HEA", "name": f"heat {i}", "geometry": point(i)} for i in range(n)],
    )


def test_clean_log_passes(node):
    _grow(node)
    report = audit_log(node.store, node.origin)
    # official-add, its code-map entry, 300 issues in one batch and theirs
    assert report.ok and report.size == 303 and report.entries_checked == 303
    assert report.checkpoints_checked == len(node.store.checkpoints(node.origin))


def test_changed_entry_is_found_at_its_tile(node):
    _grow(node)
    store = node.store
    with store.write() as conn:
        data = conn.execute(
            sa.select(entry_bundles.c.data).where(
                entry_bundles.c.origin == node.origin, entry_bundles.c.n == 0
            )
        ).scalar()
        ents = decode_entries(bytes(data))
        ents[7] = ents[7].replace(b"heat 5", b"heat X")  # 0 official-add, 1 code map
        conn.execute(
            sa.update(entry_bundles)
            .where(entry_bundles.c.origin == node.origin, entry_bundles.c.n == 0)
            .values(data=encode_entries(ents))
        )
    report = audit_log(store, node.origin)
    assert not report.ok
    assert report.first_mismatch.startswith("tile 0/0: stored hash #7 differs")


def test_lost_entries_and_overreaching_checkpoint(node):
    _grow(node)
    store = node.store
    with store.write() as conn:
        conn.execute(
            sa.delete(entry_bundles).where(
                entry_bundles.c.origin == node.origin, entry_bundles.c.n == 1
            )
        )
    report = audit_log(store, node.origin, check_index=False)
    assert "entry bundle 1 (entries 256…) is missing" in report.problems


def test_checkpoint_beyond_the_log_and_forged_root(node):
    _grow(node, 10)
    store = node.store
    fake = Checkpoint(node.origin, 50, b"\x01" * 32)
    wrong = Checkpoint(node.origin, 5, b"\x02" * 32)
    with store.write() as conn:
        for cp in (fake, wrong):
            conn.execute(
                sa.insert(checkpoints).values(
                    origin=node.origin,
                    size=cp.size,
                    root_hash=cp.root_hash,
                    created_at=0,
                    note=sign_note(cp.to_text(), node.log_signer()),
                )
            )
    problems = audit_log(store, node.origin).problems
    assert any("size 50 covers entries beyond the stored size 13" in p for p in problems)
    assert any(p.startswith("checkpoint at size 5: root 0202") for p in problems)


def test_checkpoint_whose_last_entry_is_no_code_map(node):
    """A checkpoint must end in its code-map entry: one signed over an entry of a code
    commits no map (what a witness refuses to co-sign)."""
    _grow(node, 10)
    store = node.store
    size = store.log_info(node.origin).size - 1  # the last issue, before the batch's code-map entry
    from app.net.ledger_view import LedgerView

    root = LedgerView(store, node.origin).root_at(node.origin, size)
    assert root is not None
    with store.write() as conn:
        conn.execute(
            sa.insert(checkpoints).values(
                origin=node.origin,
                size=size,
                root_hash=root,
                created_at=0,
                note=sign_note(Checkpoint(node.origin, size, root).to_text(), node.log_signer()),
            )
        )
    problems = audit_log(store, node.origin).problems
    assert problems == [
        f"checkpoint at size {size}: its last entry ({size - 1}) is not a code-map entry, "
        "so it commits no code map"
    ]


def test_tile_beyond_size_and_codes_index_drift(node):
    res = _grow(node, 5)
    store = node.store
    with store.write() as conn:
        conn.execute(sa.update(codes).where(codes.c.code == res[2].code).values(name="edited"))
        conn.execute(
            sa.update(tiles)
            .where(tiles.c.origin == node.origin, tiles.c.level == 0, tiles.c.n == 0)
            .values(width=200)
        )
    problems = audit_log(store, node.origin).problems
    assert f"codes index row {res[2].code}: name is 'edited', the log says 'heat 2'" in problems
    assert "tile 0/0 has width 200, beyond tree size 8" in problems
