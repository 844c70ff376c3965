"""The verifiable code index: every proof the map produces verifies, and no bit of a proof,
its key, value or root can change without the verification failing."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import code_map as M

keys = st.binary(min_size=32, max_size=32)
values = st.integers(min_value=0, max_value=M.MAX_VALUE)
maps = st.dictionaries(keys, values, max_size=40)


def reference_root(items: dict[bytes, int], depth: int = 0) -> bytes:
    """The root computed from the definition, level by level (independent of CodeMap)."""
    if not items:
        return M.EMPTY
    if len(items) == 1:
        ((k, v),) = items.items()
        return M.leaf_hash(k, v)
    left = {k: v for k, v in items.items() if not M._bit(k, depth)}
    right = {k: v for k, v in items.items() if M._bit(k, depth)}
    return M.node_hash(reference_root(left, depth + 1), reference_root(right, depth + 1))


def flip(data: bytes, bit: int) -> bytes:
    return data[: bit // 8] + bytes([data[bit // 8] ^ (0x80 >> (bit % 8))]) + data[bit // 8 + 1 :]


@settings(max_examples=150, deadline=None)
@given(maps, st.randoms(use_true_random=False))
def test_root_is_the_definition_and_independent_of_order(items, rnd):
    pairs = list(items.items())
    rnd.shuffle(pairs)
    m = M.CodeMap(pairs)
    assert m.root() == reference_root(items) and len(m) == len(items)
    for k, v in items.items():
        assert m.get(k) == v


@settings(max_examples=150, deadline=None)
@given(maps, keys)
def test_every_produced_proof_verifies(items, absent):
    m = M.CodeMap(items)
    root = m.root()
    for k, v in items.items():
        p = m.prove(k)
        assert p.value == v and M.verify_map_proof(root, k, v, p)
        assert not M.verify_map_proof(root, k, None, p)  # not also a proof of absence
        assert not M.verify_map_proof(root, k, (v + 1) % (M.MAX_VALUE + 1), p)
        assert M.decode_map_proof(k, p.encode()) == p
    if absent not in items:
        p = m.prove(absent)
        assert p.value is None and M.verify_map_proof(root, absent, None, p)
        assert not M.verify_map_proof(root, absent, 0, p)
        assert M.decode_map_proof(absent, p.encode()) == p


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=30), st.data())
def test_any_bit_flip_fails(items, data):
    m = M.CodeMap(items)
    root = m.root()
    key = data.draw(st.sampled_from(sorted(items)) | keys)
    value = m.get(key)
    proof = m.prove(key)
    encoded = proof.encode()
    for bit in range(len(encoded) * 8):
        try:
            forged = M.decode_map_proof(key, flip(encoded, bit))
        except M.MapProofError:
            continue  # refused as malformed: fine
        assert not M.verify_map_proof(root, key, forged.value, forged), bit
        assert not M.verify_map_proof(root, key, value, forged), bit
    for bit in range(256):
        assert not M.verify_map_proof(flip(root, bit), key, value, proof)
        # moved to another key, the proof may only ever state the truth about that key
        other = flip(key, bit)
        if M.verify_map_proof(root, other, value, M.MapProof(other, *_rest(proof))):
            assert m.get(other) == value


def _rest(p: M.MapProof):
    return p.siblings, p.leaf


@settings(max_examples=80, deadline=None)
@given(maps, st.lists(st.tuples(keys, values), max_size=20))
def test_updates_keep_old_snapshots_and_show_the_latest_value(items, updates):
    m = M.CodeMap(items)
    before, snapshot = m.root(), m.copy()
    expected = dict(items)
    for k, v in updates:
        m.set(k, v)
        expected[k] = v
    assert m.root() == reference_root(expected) and len(m) == len(expected)
    assert snapshot.root() == before  # persistent: the copy did not move
    for k, v in expected.items():
        p = m.prove(k)
        assert M.verify_map_proof(m.root(), k, v, p)


@settings(max_examples=80, deadline=None)
@given(maps, st.lists(st.tuples(keys | st.sampled_from([bytes(32)]), values), max_size=30))
def test_a_batch_equals_the_same_updates_one_by_one(items, updates):
    one_by_one, batched = M.CodeMap(items), M.CodeMap(items)
    snapshot = batched.copy()
    for k, v in updates:
        one_by_one.set(k, v)
    batched.set_many(updates)
    assert batched.root() == one_by_one.root() and len(batched) == len(one_by_one)
    assert snapshot.root() == M.CodeMap(items).root()


def test_a_revoked_codes_old_record_fails_against_the_map():
    """The use it is for: the issue record (index 3) of a code revoked at index 9."""
    m = M.CodeMap()
    m.set_code("130100-WAT-7K3M9Q2X-4", 3)
    m.set_code("130100-GAS-1A2B3C4D-7", 5)
    m.set_code("130100-WAT-7K3M9Q2X-4", 9)
    key = M.map_key("130100-WAT-7K3M9Q2X-4")
    assert key == hashlib.sha256(b"130100-WAT-7K3M9Q2X-4").digest()
    p = m.prove(key)
    assert M.verify_map_proof(m.root(), key, 9, p)
    assert not M.verify_map_proof(m.root(), key, 3, p)


def test_empty_map_and_compact_paths():
    m = M.CodeMap()
    k = bytes(32)
    assert m.root() == M.EMPTY and M.verify_map_proof(M.EMPTY, k, None, m.prove(k))
    m.set(k, 1)
    assert m.root() == M.leaf_hash(k, 1) and m.prove(k).siblings == ()
    # two keys that differ only in the last bit: a 255-level path, still one proof each
    k2 = k[:-1] + b"\x01"
    m.set(k2, 2)
    p = m.prove(k2)
    assert len(p.siblings) == 256 and M.verify_map_proof(m.root(), k2, 2, p)
    assert len(p.encode()) < 4 + 2 + 32 + 32 + 1 + 8 + 1  # empty siblings cost a bit


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "not a code map proof"),
        (M.PROOF_MAGIC + b"\x01", "truncated"),
        (M.PROOF_MAGIC + b"\x01\x01", "exceeds"),
        (M.PROOF_MAGIC + b"\x00\x01\x7f\x00", "past its depth"),
        (M.PROOF_MAGIC + b"\x00\x00\x03", "end marker"),
        (M.PROOF_MAGIC + b"\x00\x00\x00junk", "trailing"),
        (M.PROOF_MAGIC + b"\x00\x00\x02" + bytes(32) + bytes(8), "key itself"),
    ],
)
def test_malformed_proofs_are_refused(data, message):
    with pytest.raises(M.MapProofError, match=message):
        M.decode_map_proof(bytes(32), data)


@pytest.mark.parametrize("bad", [b"short", "x" * 32, 1])
def test_bad_keys_and_values_are_refused(bad):
    with pytest.raises(ValueError):
        M.CodeMap().set(bad, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        M.CodeMap().set(bytes(32), -1)
