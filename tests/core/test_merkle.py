"""RFC 6962 Merkle math.

Known-answer vectors:
- transparency-dev/merkle testonly/constants.go (LeafInputs, NodeHashes, RootHashes;
  the 8-leaf RFC 6962 test tree from google/certificate-transparency).
- transparency-dev/merkle proof/verify_test.go at 022f84c (inclusionProofs,
  consistencyProofs tables, leaf numbers 1-based as there).
- golang.org/x/mod sumdb/tlog/tlog_test.go (TestTree, TestSplitStoredHashIndex,
  TestEmptyTree) and note_test.go (RecordHash("hello world") in TestFormatTree).
"""

import base64
import hashlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import ProofError
from app.core.merkle import (
    EMPTY_HASH,
    Appender,
    ListHashReader,
    check_record,
    check_tree,
    consistency_proof,
    inclusion_proof,
    leaf_hashes,
    node_hash,
    prove_record,
    prove_tree,
    record_hash,
    root_of,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    stored_hashes,
    subtree_indexes,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex
LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
LEVEL0 = [
    h(x)
    for x in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    )
]
LEVEL1 = [
    h(x)
    for x in (
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    )
]
LEVEL2 = [
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
]
ROOTS = [
    h(x)
    for x in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
# (leaf 1-based, tree size, proof) from verify_test.go inclusionProofs.
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (size1, size2, proof) from verify_test.go consistencyProofs.
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def storage_for(leaves):
    st_hashes = []
    for i, leaf in enumerate(leaves):
        st_hashes += stored_hashes(i, leaf, ListHashReader(st_hashes))
    return st_hashes


def test_rfc6962_leaf_node_and_root_vectors():
    assert EMPTY_HASH == ROOTS[0] == root_of([]) == tree_hash(0, None)
    lh = leaf_hashes(LEAF_INPUTS)
    assert lh == LEVEL0 == [record_hash(x) for x in LEAF_INPUTS]
    assert [node_hash(lh[2 * i], lh[2 * i + 1]) for i in range(4)] == LEVEL1
    assert [node_hash(LEVEL1[0], LEVEL1[1]), node_hash(LEVEL1[2], LEVEL1[3])] == LEVEL2
    storage = storage_for(LEAF_INPUTS)
    for n in range(9):
        assert root_of(lh[:n]) == ROOTS[n]
        assert tree_hash(n, ListHashReader(storage)) == ROOTS[n]
        a = Appender()
        a.append(lh[:n])
        assert a.root() == ROOTS[n]


def test_go_record_hash_hello_world():
    # sumdb/tlog note_test.go TestFormatTree: RecordHash("hello world").
    assert (
        base64.b64encode(record_hash(b"hello world")).decode()
        == "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="
    )


@pytest.mark.parametrize("leaf, size, proof", INCLUSION)
def test_inclusion_vectors(leaf, size, proof):
    proof = [h(p) for p in proof]
    lh = leaf_hashes(LEAF_INPUTS)
    assert inclusion_proof(leaf - 1, lh[:size]) == proof
    assert prove_record(size, leaf - 1, ListHashReader(storage_for(LEAF_INPUTS[:size]))) == proof
    assert verify_inclusion(leaf - 1, size, lh[leaf - 1], proof, ROOTS[size]) is True
    check_record(proof, size, ROOTS[size], leaf - 1, lh[leaf - 1])
    with pytest.raises(ProofError):
        check_record(proof, size, ROOTS[size], leaf - 1, b"\x00" * 32)


@pytest.mark.parametrize("size1, size2, proof", CONSISTENCY)
def test_consistency_vectors(size1, size2, proof):
    proof = [h(p) for p in proof]
    lh = leaf_hashes(LEAF_INPUTS)
    if size1 != size2:
        assert consistency_proof(size1, lh[:size2]) == proof
        assert prove_tree(size2, size1, ListHashReader(storage_for(LEAF_INPUTS[:size2]))) == proof
        check_tree(proof, size2, ROOTS[size2], size1, ROOTS[size1])
        with pytest.raises(ProofError):
            check_tree(proof, size2, ROOTS[size1], size1, ROOTS[size2])  # swapped roots
    assert verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)


def test_verify_rejects_bad_shapes():
    lh = leaf_hashes(LEAF_INPUTS)
    with pytest.raises(ProofError):
        verify_inclusion(8, 8, lh[0], [], ROOTS[8])
    with pytest.raises(ProofError):
        verify_inclusion(0, 8, lh[0], [lh[1]], ROOTS[8])  # too short
    proof = inclusion_proof(0, lh)
    with pytest.raises(ProofError):
        verify_inclusion(0, 8, lh[0], proof + [lh[2]], ROOTS[8])  # too long
    assert not verify_consistency(2, 8, ROOTS[2], ROOTS[8], [])
    assert not verify_consistency(3, 3, ROOTS[3], ROOTS[3], [lh[0]])
    with pytest.raises(ProofError):
        verify_consistency(5, 3, ROOTS[5], ROOTS[3], [])
    with pytest.raises(ProofError):
        prove_record(3, 3, ListHashReader([]))
    with pytest.raises(ProofError):
        prove_tree(3, 0, ListHashReader([]))


def test_go_split_stored_hash_index():
    for level in range(10):
        for n in range(100):
            assert split_stored_hash_index(stored_hash_index(level, n)) == (level, n)
    # Go's loop form, for a few values.
    assert [stored_hash_index(0, n) for n in range(8)] == [0, 1, 3, 4, 7, 8, 10, 11]
    assert (
        stored_hash_index(1, 0) == 2
        and stored_hash_index(2, 0) == 6
        and stored_hash_index(3, 0) == 14
    )


def test_go_tree_port():
    """sumdb/tlog TestTree (without tiles; see test_tiles.py for those): for every size
    up to 100, stored hashes count, tree hash, every record proof and tree proof."""
    storage, leaves, trees = [], [], []
    for i in range(100):
        data = b"leaf %d" % i
        storage += stored_hashes(i, data, ListHashReader(storage))
        leaves.append(record_hash(data))
        assert stored_hash_count(i + 1) == len(storage)
        th = tree_hash(i + 1, ListHashReader(storage))
        assert th == root_of(leaves)
        trees.append(th)
        for j in range(i + 1):
            p = prove_record(i + 1, j, ListHashReader(storage))
            check_record(p, i + 1, th, j, leaves[j])
            for k in range(len(p)):
                bad = list(p)
                bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
                with pytest.raises(ProofError):
                    check_record(bad, i + 1, th, j, leaves[j])
        for j in range(i + 1):
            p = prove_tree(i + 1, j + 1, ListHashReader(storage))
            check_tree(p, i + 1, th, j + 1, trees[j])
            assert p == consistency_proof(j + 1, leaves)


def test_appender_matches_stored_hashes_in_batches():
    leaves = [os.urandom(32) for _ in range(2100)]
    a, storage, pos = Appender(), [], 0
    for k in (1, 2, 3, 5, 255, 256, 257, 1, 700, 300, 319):
        old = a.size
        res = a.append(leaves[pos : pos + k])
        pos += k
        assert res.old_size == old and res.new_size == pos
        assert len(storage) == stored_hash_count(old)
        storage += res.stored_hashes()
        assert len(storage) == stored_hash_count(pos)
        assert a.root() == root_of(leaves[:pos]) == tree_hash(pos, ListHashReader(storage))
        assert a.edge == ListHashReader(storage).read_hashes(subtree_indexes(pos))
        assert Appender.from_reader(pos, ListHashReader(storage)).edge == a.edge
        for level in range(12):
            want = [storage[stored_hash_index(level, n)] for n in range(old >> level, pos >> level)]
            assert res.level_hashes(level) == want
    assert a.append([]).levels == []
    with pytest.raises(ProofError):
        Appender(3, [leaves[0]])


def flip_bit(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 300), data=st.data())
def test_inclusion_proofs_verify_and_bit_flips_fail(size, data):
    leaves = [hashlib.sha256(b"%d" % i).digest() for i in range(size)]
    root = root_of(leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, leaves)
    assert verify_inclusion(index, size, leaves[index], proof, root)
    bit = data.draw(st.integers(0, 255))
    assert not verify_inclusion(index, size, flip_bit(leaves[index], bit), proof, root)
    assert not verify_inclusion(index, size, leaves[index], proof, flip_bit(root, bit))
    for k in range(len(proof)):
        bad = proof[:k] + [flip_bit(proof[k], bit)] + proof[k + 1 :]
        assert not verify_inclusion(index, size, leaves[index], bad, root)


@settings(max_examples=150, deadline=None)
@given(size2=st.integers(1, 300), data=st.data())
def test_consistency_proofs_verify_and_bit_flips_fail(size2, data):
    leaves = [hashlib.sha256(b"c%d" % i).digest() for i in range(size2)]
    size1 = data.draw(st.integers(1, size2))
    r1, r2 = root_of(leaves[:size1]), root_of(leaves)
    proof = consistency_proof(size1, leaves) if size1 < size2 else []
    assert verify_consistency(size1, size2, r1, r2, proof)
    bit = data.draw(st.integers(0, 255))
    assert not verify_consistency(size1, size2, flip_bit(r1, bit), r2, proof)
    assert not verify_consistency(size1, size2, r1, flip_bit(r2, bit), proof)
    for k in range(len(proof)):
        bad = proof[:k] + [flip_bit(proof[k], bit)] + proof[k + 1 :]
        assert not verify_consistency(size1, size2, r1, r2, bad)
