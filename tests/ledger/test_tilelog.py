"""Tile bookkeeping against a direct RFC 6962 implementation (RFC 9162 §2.1.1 MTH)."""

import random

import pytest

from app.ledger.tilelog import (
    EMPTY_ROOT,
    TileLog,
    bundle_prefix,
    decode_entries,
    encode_entries,
    leaf_hash,
    node_hash,
    partial_tile_coords,
)


def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def test_root_matches_rfc6962_for_every_small_size():
    entries = [b"entry %d" % i for i in range(600)]
    tl = TileLog.empty()
    for i, e in enumerate(entries):
        tl.append([e])
        assert tl.root() == mth(entries[: i + 1]), f"size {i + 1}"


def test_tiles_hold_subtree_hashes_and_reload_continues_identically():
    rng = random.Random(7)
    entries = [b"e%d" % i for i in range(70_000)]
    tl, tiles, bundles, pos = TileLog.empty(), {}, {}, 0
    while pos < len(entries):
        k = rng.randint(1, 3000)
        t, b = tl.append(entries[pos : pos + k])
        tiles.update(t)
        bundles.update(b)
        pos += k
    assert tl.root() == mth(entries)
    # level 0 holds leaf hashes, level 1 the roots of 256-leaf subtrees, level 2 of 65536
    assert tiles[(0, 3)][5 * 32 : 6 * 32] == leaf_hash(entries[3 * 256 + 5])
    assert tiles[(1, 0)][2 * 32 : 3 * 32] == mth(entries[512:768])
    assert tiles[(2, 0)][:32] == mth(entries[:65536])
    assert decode_entries(bundles[12]) == entries[12 * 256 : 13 * 256]
    partial = {lvl: tiles[(lvl, n)] for lvl, n, _ in partial_tile_coords(tl.size)}
    for lvl, n, w in partial_tile_coords(tl.size):
        assert len(tiles[(lvl, n)]) == 32 * w
    reloaded = TileLog(tl.size, tl.frontier, partial, decode_entries(bundles[tl.size // 256]))
    reloaded.append([b"next"])
    assert reloaded.root() == mth(entries + [b"next"])


def test_bundle_prefix_and_truncation_errors():
    data = encode_entries([b"a", b"bb", b"ccc"])
    assert bundle_prefix(data, 2) == encode_entries([b"a", b"bb"])
    assert bundle_prefix(data, 4) is None
    with pytest.raises(ValueError, match="entry 2 claims 3 bytes"):
        decode_entries(data[:-1])


def test_reload_with_wrong_frontier_is_refused():
    with pytest.raises(ValueError, match="compact range"):
        TileLog(3, [b"x" * 32], {}, [])
