"""tlog-tiles math, TileHashReader and entry bundles.

Known-answer vectors:
- golang.org/x/mod sumdb/tlog/tlog_test.go (tilePaths, TestTree's tile checks) and
  tile_test.go (TestNewTilesForSize, FuzzParseTilePath seeds).
- C2SP tlog-tiles v0.1.0 text: index 1234067 -> x001/x234/067; a tree of size 70,000
  has 273 full + one 112-wide level-0 tile, one full + one 17-wide level-1 tile and a
  1-wide level-2 tile; size 256 has one full level-0 tile and a 1-wide level-1 tile.
"""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import CoreError, EntryBundleError, TileError
from app.core.merkle import (
    Appender,
    ListHashReader,
    check_record,
    leaf_hashes,
    prove_record,
    prove_tree,
    record_hash,
    root_of,
    stored_hash_index,
    stored_hashes,
    tree_hash,
)
from app.core.tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    Tile,
    TileHashReader,
    decode_entry_bundle,
    encode_entry_bundle,
    hash_from_tile,
    new_tiles,
    parse_tile_path,
    read_tile_data,
    tile_data_for_append,
    tile_for_index,
    tile_hash,
    tiles_for_size,
)

GO_TILE_PATHS = [  # tlog_test.go tilePaths (H, L, N, W); None = must fail
    ("tile/4/0/001", Tile(4, 0, 1, 16)),
    ("tile/4/0/001.p/5", Tile(4, 0, 1, 5)),
    ("tile/3/5/x123/x456/078", Tile(3, 5, 123456078, 8)),
    ("tile/3/5/x123/x456/078.p/2", Tile(3, 5, 123456078, 2)),
    ("tile/1/0/x003/x057/500", Tile(1, 0, 3057500, 2)),
    ("tile/3/5/123/456/078", None),
    ("tile/3/-1/123/456/078", None),
    ("tile/1/data/x003/x057/500", Tile(1, -1, 3057500, 2)),
]


@pytest.mark.parametrize("path, tile", GO_TILE_PATHS)
def test_go_tile_paths(path, tile):
    if tile is None:
        with pytest.raises(TileError):
            parse_tile_path(path, sumdb=True)
        return
    assert tile.sumdb_path() == path
    assert parse_tile_path(path, sumdb=True) == tile


def test_tlog_tiles_paths():
    assert Tile(8, 0, 1234067, 256).path() == "tile/0/x001/x234/067"
    assert Tile(8, 2, 5, 17).path() == "tile/2/005.p/17"
    assert Tile(8, ENTRIES_LEVEL, 1234067, 3).path() == "tile/entries/x001/x234/067.p/3"
    for p in [
        "tile/0/x001/x234/067",
        "tile/2/005.p/17",
        "tile/entries/x001/x234/067.p/3",
        "tile/63/000",
        "tile/entries/000.p/255",
    ]:
        assert parse_tile_path(p).path() == p
    for bad in [
        "tile/0/1234",
        "tile/0/x000/234",
        "tile/00/001",
        "tile/64/001",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/0/001.p/08",
        "tile/0/x1/001",
        "tile/data/001",
        "tiles/0/001",
        "tile/0/001.p",
        "tile/-1/001",
        "tile/0/",
        "tile/0/0x1",
        "tile/entries/001/",
        "tile/0/٠٠١",
    ]:
        with pytest.raises(TileError):
            parse_tile_path(bad)
    with pytest.raises(TileError):
        Tile(4, 0, 1, 16).path()  # tlog-tiles is height 8 only


@pytest.mark.parametrize(
    "old, new, want",
    [  # tile_test.go TestNewTilesForSize (height 10)
        (1, 1, 0),
        (100, 101, 1),
        (1023, 1025, 3),
        (1024, 1030, 1),
        (1030, 2000, 1),
        (1030, 10000, 10),
        (49516517, 49516586, 3),
    ],
)
def test_go_new_tiles_for_size(old, new, want):
    assert len(new_tiles(old, new, h=10)) == want


def test_spec_tiles_for_size():
    tiles = tiles_for_size(70000)
    level0 = [t for t in tiles if t.l == 0]
    assert sum(t.full for t in level0) == 273
    assert [t.w for t in level0 if not t.full] == [112]
    assert [(t.l, t.w) for t in tiles if t.l > 0] == [(1, 256), (1, 17), (2, 1)]
    assert [(t.l, t.n, t.w) for t in tiles_for_size(256)] == [(0, 0, 256), (1, 0, 1)]


def test_go_tree_with_tiles_height_2():
    """TestTree's tile half: tiles of height 2 extend their earlier versions, every
    stored hash is readable from its tile, and TileHashReader-backed proofs work."""
    H = 2
    storage, leaves, trees, tiles = [], [], [], {}

    class Reader:
        height = H

        def __init__(self):
            self.saved = 0

        def read_tiles(self, ts):
            return [tiles[t] for t in ts]

        def save_tiles(self, ts, data):
            self.saved += len(ts)

    for i in range(100):
        data = b"leaf %d" % i
        old_len = len(storage)
        storage += stored_hashes(i, data, ListHashReader(storage))
        leaves.append(record_hash(data))
        th = tree_hash(i + 1, ListHashReader(storage))
        trees.append(th)
        for t in new_tiles(i, i + 1, H):
            d = read_tile_data(t, ListHashReader(storage))
            old = tiles.get(Tile(t.h, t.l, t.n, t.w - 1), b"")
            assert d[: len(old)] == old
            tiles[t] = d
        for t in new_tiles(0, i + 1, H):
            assert tiles[t] == read_tile_data(t, ListHashReader(storage))
        for j in range(old_len, len(storage)):
            t = tile_for_index(j, H)
            assert hash_from_tile(t, tiles[t], j) == storage[j]
        reader = Reader()
        thr = TileHashReader(i + 1, th, reader)
        for j in range(i + 1):
            assert thr.read_hashes([stored_hash_index(0, j)]) == [leaves[j]]
            check_record(prove_record(i + 1, j, thr), i + 1, th, j, leaves[j])
            assert tree_hash(j + 1, thr) == trees[j]
            prove_tree(i + 1, j + 1, thr)
        assert reader.saved > 0
        with pytest.raises(TileError):
            thr.read_hashes([(i + 1) * 2])


def test_tile_hash_reader_rejects_tampered_tiles():
    """Every tile a TileHashReader uses is authenticated, including full tiles below
    a partial parent (size 259: leaf 5's tile hangs under a 1-wide level-1 tile)."""
    leaves = [record_hash(b"%d" % i) for i in range(259)]
    a = Appender()
    res = a.append(leaves)
    tiles = tile_data_for_append(0, res)
    root = a.root()
    for victim in tiles:
        bad = dict(tiles)
        bad[victim] = bytes([tiles[victim][0] ^ 1]) + tiles[victim][1:]
        reader = TileHashReader(259, root, lambda t, d=bad: d[t])
        with pytest.raises(TileError, match="inconsistent"):
            reader.read_hashes([stored_hash_index(0, 5), stored_hash_index(0, 258)])
    good = TileHashReader(259, root, lambda t: tiles[t])
    assert good.read_hashes([stored_hash_index(0, 5)]) == [leaves[5]]
    short = TileHashReader(259, root, lambda t: tiles[t][:-1])
    with pytest.raises(TileError):
        short.read_hashes([0])


def test_tile_data_for_append_matches_stored_tiles():
    leaves = [os.urandom(32) for _ in range(70000)]
    a, storage, have = Appender(), [], {}
    pos = 0
    for k in (1, 300, 65000, 4699):
        old = a.size
        res = a.append(leaves[pos : pos + k])
        pos += k
        storage += res.stored_hashes()
        blobs = tile_data_for_append(old, res, have)
        assert set(blobs) == set(new_tiles(old, pos))
        for t, data in blobs.items():
            if t.l > 0 or t.n % 37 == 0 or not t.full:
                assert data == read_tile_data(t, ListHashReader(storage))
        have.update(blobs)
    full0 = Tile(8, 0, 3, 256)
    assert tile_hash(have[full0]) == have[Tile(8, 1, 0, 256)][3 * 32 : 4 * 32]
    with pytest.raises(TileError):
        tile_data_for_append(1, Appender(1, [leaves[0]]).append(leaves[1:3]))  # old tile missing


def test_bundles_roundtrip_and_errors():
    entries = [b"", b"a", os.urandom(300), b"x" * 65535]
    data = encode_entry_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:4] == b"\x00\x01"
    assert decode_entry_bundle(data) == entries
    assert decode_entry_bundle(data, 4) == entries
    with pytest.raises(EntryBundleError, match="4 entries, expected 5"):
        decode_entry_bundle(data, 5)
    with pytest.raises(EntryBundleError, match="more than"):
        decode_entry_bundle(data, 3)
    with pytest.raises(EntryBundleError, match="truncated"):
        decode_entry_bundle(data + b"\x00")
    with pytest.raises(EntryBundleError, match="claims"):
        decode_entry_bundle(data[:-1])
    with pytest.raises(EntryBundleError, match="65535"):
        encode_entry_bundle([b"x" * 65536])
    # A bundle's entries hash to its level-0 tile.
    bundle_entries = [b"entry %d" % i for i in range(256)]
    res = Appender().append(leaf_hashes(bundle_entries))
    tile = tile_data_for_append(0, res)[Tile(8, 0, 0, 256)]
    assert (
        b"".join(leaf_hashes(decode_entry_bundle(encode_entry_bundle(bundle_entries), 256))) == tile
    )
    assert tile_hash(tile) == root_of(leaf_hashes(bundle_entries))


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(
            st.sampled_from(
                [
                    "tile",
                    "0",
                    "1",
                    "entries",
                    "data",
                    "x001",
                    "001",
                    "012.p",
                    "5",
                    "x",
                    ".p",
                    "00",
                    "256",
                    "-1",
                    "8",
                ]
            ),
            max_size=7,
        ).map("/".join),
    ),
    st.booleans(),
)
def test_parse_tile_path_only_raises_tile_error(path, sumdb):
    try:
        t = parse_tile_path(path, sumdb=sumdb)
    except CoreError as e:
        assert isinstance(e, TileError)
    else:
        assert (t.sumdb_path() if sumdb else t.path()) == path


def test_tile_indices_beyond_any_64_bit_tree_are_refused():
    deepest = parse_tile_path("tile/0/x036/x028/x797/x018/x963/967")  # 2^55 - 1 fits
    assert deepest.n == (1 << 55) - 1
    for path in ("tile/0/x036/x028/x797/x018/x963/968", "tile/entries/" + "x999/" * 8 + "999"):
        with pytest.raises(TileError, match="out of range"):
            parse_tile_path(path)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.one_of(st.none(), st.integers(0, 20)))
def test_decode_entry_bundle_only_raises_entry_bundle_error(data, count):
    try:
        out = decode_entry_bundle(data, count)
    except CoreError as e:
        assert isinstance(e, EntryBundleError)
    else:
        assert encode_entry_bundle(out) == data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 20000))
def test_hash_from_tile_only_raises_tile_error(data, index):
    try:
        hash_from_tile(tile_for_index(index), data, index)
    except CoreError as e:
        assert isinstance(e, TileError)


def test_tile_height_constant():
    assert TILE_HEIGHT == 8
