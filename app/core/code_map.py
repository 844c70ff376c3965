"""A verifiable code index: a compact sparse Merkle map from a code to the index of its
latest record in the city's log (docs/architecture.md, "A verifiable code index").

The map is a binary trie over 256-bit keys, ``key = SHA-256(code)``, walked from the most
significant bit. It is *compact*: a subtree that holds a single leaf is that leaf, so a
path is as long as the bits that separate its key from its nearest neighbour (≈ log2 n),
not 256. Hashes (SHA-256, domain-separated like RFC 6962):

    empty subtree   32 zero bytes
    leaf            SHA-256(0x00 ‖ key ‖ u64 big-endian value)
    inner node      SHA-256(0x01 ‖ left ‖ right)

The tree, hence the root, depends only on the set of (key, value) pairs, never on the
order they were set in. A proof for a key lists the sibling hashes from the root down and
ends in what the key's path reaches: its own leaf (inclusion, with the value), an empty
subtree, or another key's leaf that shares the path (both prove non-inclusion).

`CodeMap` is persistent (setting a key copies its path and shares the rest) and hashes
lazily, so a batch of updates costs the nodes it touches once. Pure: no I/O.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from app.core.byte_reader import ByteReader
from app.core.errors import CoreError
from app.core.merkle import HASH_SIZE  # SHA-256, as the log's tree

KEY_SIZE = HASH_SIZE  # a key is the SHA-256 of a code
_sha256 = hashlib.sha256
EMPTY = bytes(HASH_SIZE)
MAX_VALUE = (1 << 64) - 1
PROOF_MAGIC = b"CLM1"


class MapProofError(CoreError):
    """A code map proof that cannot be read; the message says what is wrong."""


def map_key(code: str) -> bytes:
    """The map key of a (canonical) code: SHA-256 of its UTF-8 text."""
    return hashlib.sha256(code.encode("utf-8")).digest()


def official_key(name: str) -> bytes:
    """The map key of an official of the log: SHA-256 of "official:" and the name (no
    code starts with that, so the two kinds of key never meet)."""
    return hashlib.sha256(b"official:" + name.encode("utf-8")).digest()


def leaf_hash(key: bytes, value: int) -> bytes:
    return hashlib.sha256(b"\x00" + key + struct.pack(">Q", value)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _bit(key: bytes, depth: int) -> int:
    return (key[depth >> 3] >> (7 - (depth & 7))) & 1


def _common_prefix_bits(a: bytes, b: bytes) -> int:
    x = int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    return KEY_SIZE * 8 - x.bit_length()


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise ValueError(f"a map key is {KEY_SIZE} bytes (SHA-256 of the code)")


def _check_value(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VALUE:
        raise ValueError(f"a map value is an integer in [0, 2^64), not {value!r}")


class _Leaf:
    __slots__ = ("key", "value", "_hash")

    def __init__(self, key: bytes, value: int) -> None:
        self.key = key
        self.value = value
        self._hash: bytes | None = None

    def hash(self) -> bytes:
        if self._hash is None:
            self._hash = leaf_hash(self.key, self.value)
        return self._hash


class _Inner:
    __slots__ = ("left", "right", "_hash")

    def __init__(self, left: _Tree, right: _Tree) -> None:
        self.left = left
        self.right = right
        self._hash: bytes | None = None

    def hash(self) -> bytes:
        if self._hash is None:
            left, right = self.left, self.right
            self._hash = _sha256(
                b"\x01"
                + (EMPTY if left is None else left.hash())
                + (EMPTY if right is None else right.hash())
            ).digest()
        return self._hash


_Tree: TypeAlias = _Leaf | _Inner | None


def _hash_of(t: _Tree) -> bytes:
    return EMPTY if t is None else t.hash()


def _join(a: _Leaf, b: _Leaf, depth: int) -> _Inner:
    """The subtree at `depth` holding two leaves with different keys."""
    bit_a, bit_b = _bit(a.key, depth), _bit(b.key, depth)
    if bit_a != bit_b:
        return _Inner(a, b) if bit_a == 0 else _Inner(b, a)
    below = _join(a, b, depth + 1)
    return _Inner(below, None) if bit_a == 0 else _Inner(None, below)


def _split(leaves: list[_Leaf], depth: int) -> int:
    """Where the leaves (sorted, sharing their first `depth` bits) turn to bit 1."""
    return bisect.bisect_left(leaves, 1, key=lambda leaf: _bit(leaf.key, depth))


def _build(leaves: list[_Leaf], depth: int) -> _Tree:
    """The subtree at `depth` of sorted leaves with distinct keys."""
    if len(leaves) <= 1:
        return leaves[0] if leaves else None
    cut = _split(leaves, depth)
    return _Inner(_build(leaves[:cut], depth + 1), _build(leaves[cut:], depth + 1))


def _set_one(t: _Tree, leaf: _Leaf, depth: int, replaced: list[int]) -> _Tree:
    """`t` with one leaf set in it: the path copied in a loop (below the nodes a batch
    shares, most of a batch's leaves walk alone, and recursion costs more there)."""
    key = leaf.key
    path: list[tuple[_Inner, int]] = []
    while isinstance(t, _Inner):
        bit = (key[depth >> 3] >> (7 - (depth & 7))) & 1
        path.append((t, bit))
        t = t.right if bit else t.left
        depth += 1
    new: _Tree
    if t is None:
        new = leaf
    elif t.key == key:
        replaced[0] += 1
        new = leaf
    else:
        new = _join(t, leaf, depth)
    for node, bit in reversed(path):
        new = _Inner(node.left, new) if bit else _Inner(new, node.right)
    return new


def _merge(t: _Tree, leaves: list[_Leaf], depth: int, replaced: list[int]) -> _Tree:
    """`t` with sorted, distinct-key `leaves` set in it; untouched subtrees are shared.
    Counts in replaced[0] the leaves that replaced an existing key's value."""
    if not leaves:
        return t
    if len(leaves) == 1:
        return _set_one(t, leaves[0], depth, replaced)
    if t is None:
        return _build(leaves, depth)
    if isinstance(t, _Leaf):
        at = bisect.bisect_left(leaves, t.key, key=lambda leaf: leaf.key)
        if at < len(leaves) and leaves[at].key == t.key:
            replaced[0] += 1
            return _build(leaves, depth)  # t's value is replaced
        return _build(leaves[:at] + [t] + leaves[at:], depth)
    cut = _split(leaves, depth)
    return _Inner(
        _merge(t.left, leaves[:cut], depth + 1, replaced),
        _merge(t.right, leaves[cut:], depth + 1, replaced),
    )


@dataclass(frozen=True)
class MapProof:
    """The path of `key` from the root: sibling hashes (root first) and what it ends in:
    `leaf` = (key, value) of the leaf there, or None for an empty subtree."""

    key: bytes
    siblings: tuple[bytes, ...]
    leaf: tuple[bytes, int] | None

    @property
    def value(self) -> int | None:
        """The key's value if the proof shows it is in the map, else None."""
        if self.leaf is not None and self.leaf[0] == self.key:
            return self.leaf[1]
        return None

    def encode(self) -> bytes:
        """Compact binary form: magic, u16 depth, a bitmap of the non-empty siblings,
        those siblings, then the end (0: empty; 1: this key's leaf + u64 value; 2: another
        key + u64 value). The key itself is not encoded: the verifier knows it."""
        depth = len(self.siblings)
        bitmap = bytearray((depth + 7) // 8)
        hashes = []
        for i, h in enumerate(self.siblings):
            if h != EMPTY:
                bitmap[i >> 3] |= 0x80 >> (i & 7)
                hashes.append(h)
        out = [PROOF_MAGIC, struct.pack(">H", depth), bytes(bitmap), *hashes]
        if self.leaf is None:
            out.append(b"\x00")
        elif self.leaf[0] == self.key:
            out += [b"\x01", struct.pack(">Q", self.leaf[1])]
        else:
            out += [b"\x02", self.leaf[0], struct.pack(">Q", self.leaf[1])]
        return b"".join(out)


def decode_map_proof(key: bytes, data: bytes) -> MapProof:
    """Read `MapProof.encode()` output for `key`; MapProofError if malformed."""
    _check_key(key)
    if not isinstance(data, bytes) or not data.startswith(PROOF_MAGIC):
        raise MapProofError(f"not a code map proof (expected it to start with {PROOF_MAGIC!r})")
    reader = ByteReader(data, len(PROOF_MAGIC), MapProofError, "code map proof")
    take = reader.take
    (depth,) = struct.unpack(">H", take(2, "depth"))
    if depth > KEY_SIZE * 8:
        raise MapProofError(f"code map proof depth {depth} exceeds {KEY_SIZE * 8}")
    bitmap = take((depth + 7) // 8, "bitmap")
    if depth % 8 and bitmap[-1] & (0xFF >> (depth % 8)):
        raise MapProofError("code map proof bitmap has bits set past its depth")
    siblings = tuple(
        take(HASH_SIZE, f"sibling {i}") if bitmap[i >> 3] & (0x80 >> (i & 7)) else EMPTY
        for i in range(depth)
    )
    end = take(1, "end marker")[0]
    leaf: tuple[bytes, int] | None
    if end == 0:
        leaf = None
    elif end == 1:
        leaf = (key, struct.unpack(">Q", take(8, "value"))[0])
    elif end == 2:
        other = take(KEY_SIZE, "other key")
        if other == key:
            raise MapProofError("code map proof names the key itself as another key")
        leaf = (other, struct.unpack(">Q", take(8, "value"))[0])
    else:
        raise MapProofError(f"code map proof end marker {end} is not 0, 1 or 2")
    if reader.remaining:
        raise MapProofError(f"{reader.remaining} unexpected trailing bytes in code map proof")
    return MapProof(key, siblings, leaf)


def verify_map_proof(root: bytes, key: bytes, value: int | None, proof: MapProof) -> bool:
    """Does `proof` show, under `root`, that `key` maps to `value` (None: is absent)?"""
    if proof.key != key or len(proof.siblings) > KEY_SIZE * 8:
        return False
    depth = len(proof.siblings)
    if proof.leaf is None:
        if value is not None:
            return False
        h = EMPTY
    else:
        other, other_value = proof.leaf
        if len(other) != KEY_SIZE:
            return False
        if other == key:
            if value != other_value:
                return False
        elif value is not None or _common_prefix_bits(other, key) < depth:
            return False  # another key's leaf proves absence only on this key's path
        h = leaf_hash(other, other_value)
    for d in range(depth - 1, -1, -1):
        sibling = proof.siblings[d]
        if len(sibling) != HASH_SIZE:
            return False
        h = node_hash(sibling, h) if _bit(key, d) else node_hash(h, sibling)
    return h == root


class CodeMap:
    """The map itself. `set` is O(path), `root` hashes only what changed since."""

    __slots__ = ("_tree", "_size")

    def __init__(self, items: Mapping[bytes, int] | Iterable[tuple[bytes, int]] = ()) -> None:
        self._tree: _Tree = None
        self._size = 0
        self.set_many(items.items() if isinstance(items, Mapping) else items)

    def __len__(self) -> int:
        return self._size

    def copy(self) -> CodeMap:
        """An independent map sharing this one's nodes (setting a key copies its path)."""
        other = CodeMap()
        other._tree, other._size = self._tree, self._size
        return other

    def set(self, key: bytes, value: int) -> None:
        self.set_many([(key, value)])

    def set_many(self, pairs: Iterable[tuple[bytes, int]]) -> None:
        """Set a batch of keys (a later pair for the same key wins) in one pass over the
        tree: each touched node is rebuilt once, however many of the batch's keys lie
        below it."""
        batch: dict[bytes, int] = {}
        for key, value in pairs:
            _check_key(key)
            _check_value(value)
            batch[key] = value
        leaves = [_Leaf(k, batch[k]) for k in sorted(batch)]
        replaced = [0]
        # The new nodes are acyclic (reference counting frees them); the cyclic
        # collector's passes, triggered by the allocations, would walk the whole map
        # each time: a third of a 1,000-code batch's cost into a 100k map.
        paused = gc.isenabled()
        gc.disable()
        try:
            self._tree = _merge(self._tree, leaves, 0, replaced)
        finally:
            if paused:
                gc.enable()
        self._size += len(leaves) - replaced[0]

    def set_code(self, code: str, index: int) -> None:
        self.set(map_key(code), index)

    def get(self, key: bytes) -> int | None:
        t, depth = self._tree, 0
        while isinstance(t, _Inner):
            t = t.right if _bit(key, depth) else t.left
            depth += 1
        return t.value if isinstance(t, _Leaf) and t.key == key else None

    def root(self) -> bytes:
        return _hash_of(self._tree)

    def prove(self, key: bytes) -> MapProof:
        """The inclusion proof of `key` if it is in the map, else its non-inclusion proof."""
        _check_key(key)
        siblings: list[bytes] = []
        t, depth = self._tree, 0
        while isinstance(t, _Inner):
            if _bit(key, depth):
                siblings.append(_hash_of(t.left))
                t = t.right
            else:
                siblings.append(_hash_of(t.right))
                t = t.left
            depth += 1
        leaf = (t.key, t.value) if isinstance(t, _Leaf) else None
        return MapProof(key, tuple(siblings), leaf)
