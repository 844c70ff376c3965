"""RFC 6962 / RFC 9162 Merkle trees — a port of golang.org/x/mod/sumdb/tlog (tlog.go)
plus list-based helpers and a fast batch Appender.

Hashes are 32-byte ``bytes``. A *reader* is any object with
``read_hashes(indexes: list[int]) -> list[bytes]`` returning the hashes at those
stored-hash indexes (the Crosby–Wallach linear order of StoredHashIndex); use
ListHashReader for an in-memory list.

Hot paths (root_of, leaf_hashes, Appender.append) work level by level with list
comprehensions over ``hashlib.sha256`` so that no per-node Python objects are
created beyond the digests themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, overload

from app.core.errors import ProofError

HASH_SIZE = 32
# Tree sizes and indices are 64-bit on the wire (RFC 6962) and signed 64-bit in SQL: every
# size a peer or client sends is checked against this before it reaches arithmetic or a store.
MAX_TREE_SIZE = (1 << 63) - 1
EMPTY_HASH = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


class HashReader(Protocol):
    """Anything that returns the stored hashes at the given stored-hash indexes."""

    def read_hashes(self, indexes: list[int]) -> list[bytes]: ...


def record_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior hash SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """record_hash of every entry, in order."""
    sha = _sha256
    return [sha(b"\x00" + e).digest() for e in entries]


def _pair_up(level: list[bytes]) -> list[bytes]:
    sha = _sha256
    it = iter(level)
    return [sha(b"\x01" + a + b).digest() for a, b in zip(it, it)]


# --- stored hash indexes (tlog.go) -------------------------------------------------


def stored_hash_index(level: int, n: int) -> int:
    """Position of the level-``level`` hash number ``n`` in the linear stored-hash order."""
    n = ((n + 1) << level) - 1  # the level-0 record that completes this subtree
    # Level 0's n'th hash is written at n + n/2 + n/4 + ... = 2n - popcount(n).
    return 2 * n - n.bit_count() + level


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """Inverse of stored_hash_index: (level, n)."""
    n = index // 2
    index_n = stored_hash_index(0, n)
    if index_n > index:
        raise AssertionError("bad math")
    while True:
        # Each record n adds 1 + trailing_zeros(n+1) hashes.
        m = n + 1
        x = index_n + 1 + ((m & -m).bit_length() - 1)
        if x > index:
            break
        n += 1
        index_n = x
    level = index - index_n
    return level, n >> level


def stored_hash_count(n: int) -> int:
    """Number of stored hashes for a tree of ``n`` records."""
    if n == 0:
        return 0
    num = stored_hash_index(0, n - 1) + 1
    i = n - 1
    while i & 1:
        num += 1
        i >>= 1
    return num


class ListHashReader:
    """A reader over a list of stored hashes (index -> hash)."""

    def __init__(self, hashes: Sequence[bytes]) -> None:
        self.hashes = hashes

    def read_hashes(self, indexes: list[int]) -> list[bytes]:
        h = self.hashes
        try:
            return [h[i] for i in indexes]
        except IndexError:
            raise ProofError("hash index not stored") from None


def _read(reader: HashReader, indexes: list[int]) -> list[bytes]:
    hashes = reader.read_hashes(indexes)
    if len(hashes) != len(indexes):
        raise ProofError(f"read_hashes({len(indexes)} indexes) returned {len(hashes)} hashes")
    return hashes


def stored_hashes_for_record_hash(n: int, h: bytes, reader: HashReader) -> list[bytes]:
    """Hashes to store when writing record ``n`` with leaf hash ``h``, starting at
    stored_hash_index(0, n)."""
    hashes = [h]
    m = ((n + 1) & -(n + 1)).bit_length() - 1  # trailing zeros of n+1
    indexes = [stored_hash_index(i, (n >> i) - 1) for i in range(m - 1, -1, -1)]
    old = _read(reader, indexes)
    for i in range(m):
        h = node_hash(old[m - 1 - i], h)
        hashes.append(h)
    return hashes


def stored_hashes(n: int, data: bytes, reader: HashReader) -> list[bytes]:
    return stored_hashes_for_record_hash(n, record_hash(data), reader)


def _maxpow2(n: int) -> tuple[int, int]:
    """k, l: the largest power of two k = 2**l strictly smaller than n (n >= 2)."""
    l = (n - 1).bit_length() - 1
    return 1 << l, l


def _sub_tree_index(lo: int, hi: int, need: list[int]) -> list[int]:
    while lo < hi:
        k, level = _maxpow2(hi - lo + 1)
        if lo & (k - 1):
            raise AssertionError("bad math in sub_tree_index")
        need.append(stored_hash_index(level, lo >> level))
        lo += k
    return need


def _sub_tree_hash(lo: int, hi: int, hashes: list[bytes], pos: int) -> tuple[bytes, int]:
    num = 0
    while lo < hi:
        k, _ = _maxpow2(hi - lo + 1)
        num += 1
        lo += k
    h = hashes[pos + num - 1]
    for i in range(num - 2, -1, -1):
        h = node_hash(hashes[pos + i], h)
    return h, pos + num


def subtree_indexes(n: int) -> list[int]:
    """Stored indexes of the perfect subtrees of a tree of size n, largest first
    (the compact range / right edge)."""
    return _sub_tree_index(0, n, [])


def tree_hash(n: int, reader: HashReader) -> bytes:
    """Root hash of the tree of ``n`` records, from stored hashes."""
    if n == 0:
        return EMPTY_HASH
    indexes = _sub_tree_index(0, n, [])
    h, _ = _sub_tree_hash(0, n, _read(reader, indexes), 0)
    return h


# --- record (inclusion) proofs -----------------------------------------------------


def _leaf_proof_index(lo: int, hi: int, n: int, need: list[int]) -> list[int]:
    if lo + 1 == hi:
        return need
    k, _ = _maxpow2(hi - lo)
    if n < lo + k:
        _leaf_proof_index(lo, lo + k, n, need)
        _sub_tree_index(lo + k, hi, need)
    else:
        _sub_tree_index(lo, lo + k, need)
        _leaf_proof_index(lo + k, hi, n, need)
    return need


def _leaf_proof(lo: int, hi: int, n: int, hashes: list[bytes], pos: int) -> tuple[list[bytes], int]:
    if lo + 1 == hi:
        return [], pos
    k, _ = _maxpow2(hi - lo)
    if n < lo + k:
        p, pos = _leaf_proof(lo, lo + k, n, hashes, pos)
        th, pos = _sub_tree_hash(lo + k, hi, hashes, pos)
    else:
        th, pos = _sub_tree_hash(lo, lo + k, hashes, pos)
        p, pos = _leaf_proof(lo + k, hi, n, hashes, pos)
    p.append(th)
    return p, pos


def prove_record(t: int, n: int, reader: HashReader) -> list[bytes]:
    """Inclusion proof that the tree of size ``t`` contains record ``n``."""
    if t < 0 or n < 0 or n >= t:
        raise ProofError(f"invalid inputs: record {n} is not in a tree of size {t}")
    indexes = _leaf_proof_index(0, t, n, [])
    if not indexes:
        return []
    p, _ = _leaf_proof(0, t, n, _read(reader, indexes), 0)
    return p


def check_record(proof: Sequence[bytes], t: int, th: bytes, n: int, h: bytes) -> None:
    """Raise ProofError unless ``proof`` shows tree (t, th) has record n with leaf hash h."""
    if t < 0 or n < 0 or n >= t:
        raise ProofError(f"invalid inputs: record {n} is not in a tree of size {t}")
    if verify_inclusion(n, t, h, proof) != th:
        raise ProofError(f"inclusion proof for record {n} in tree of size {t} does not verify")


# --- tree (consistency) proofs -----------------------------------------------------


def _tree_proof_index(lo: int, hi: int, n: int, need: list[int]) -> list[int]:
    if n == hi:
        if lo == 0:
            return need
        return _sub_tree_index(lo, hi, need)
    k, _ = _maxpow2(hi - lo)
    if n <= lo + k:
        _tree_proof_index(lo, lo + k, n, need)
        _sub_tree_index(lo + k, hi, need)
    else:
        _sub_tree_index(lo, lo + k, need)
        _tree_proof_index(lo + k, hi, n, need)
    return need


def _tree_proof(lo: int, hi: int, n: int, hashes: list[bytes], pos: int) -> tuple[list[bytes], int]:
    if n == hi:
        if lo == 0:
            return [], pos
        th, pos = _sub_tree_hash(lo, hi, hashes, pos)
        return [th], pos
    k, _ = _maxpow2(hi - lo)
    if n <= lo + k:
        p, pos = _tree_proof(lo, lo + k, n, hashes, pos)
        th, pos = _sub_tree_hash(lo + k, hi, hashes, pos)
    else:
        th, pos = _sub_tree_hash(lo, lo + k, hashes, pos)
        p, pos = _tree_proof(lo + k, hi, n, hashes, pos)
    p.append(th)
    return p, pos


def prove_tree(t: int, n: int, reader: HashReader) -> list[bytes]:
    """Consistency proof that the tree of size ``t`` extends the tree of size ``n``."""
    if t < 1 or n < 1 or n > t:
        raise ProofError(f"invalid inputs: no consistency proof from size {n} to {t}")
    indexes = _tree_proof_index(0, t, n, [])
    if not indexes:
        return []
    p, _ = _tree_proof(0, t, n, _read(reader, indexes), 0)
    return p


def check_tree(proof: Sequence[bytes], t: int, th: bytes, n: int, h: bytes) -> None:
    """Raise ProofError unless ``proof`` shows tree (t, th) extends tree (n, h)."""
    if t < 1 or n < 1 or n > t:
        raise ProofError(f"invalid inputs: no consistency proof from size {n} to {t}")
    if not verify_consistency(n, t, h, th, proof):
        raise ProofError(f"consistency proof from size {n} to {t} does not verify")


# --- list-based RFC 9162 helpers ---------------------------------------------------


def root_of(hashes: list[bytes]) -> bytes:
    """Merkle tree hash over a list of leaf hashes (pairing level by level; the odd
    node at the end of a level is carried up, which equals RFC 6962's split)."""
    level = hashes
    if not level:
        return EMPTY_HASH
    while len(level) > 1:
        nxt = _pair_up(level)
        if len(level) & 1:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _subtree_root(hashes: list[bytes], lo: int, hi: int) -> bytes:
    return root_of(hashes[lo:hi])


def inclusion_proof(index: int, hashes: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[n]) from all leaf hashes (O(n))."""
    n = len(hashes)
    if not 0 <= index < n:
        raise ProofError(f"leaf {index} is not in a tree of size {n}")
    proof: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k, _ = _maxpow2(hi - lo)
        if index < lo + k:
            proof.append(_subtree_root(hashes, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_subtree_root(hashes, lo, lo + k))
            lo = lo + k
    proof.reverse()
    return proof


@overload
def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Iterable[bytes], root: None = None
) -> bytes: ...
@overload
def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Iterable[bytes], root: bytes
) -> bool: ...
def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Iterable[bytes], root: bytes | None = None
) -> bytes | bool:
    """RFC 9162 §2.1.3.2. Returns the computed root, or (if ``root`` is given) whether
    it matches. Raises ProofError for a proof of the wrong shape."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf_hash
    sha = _sha256
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = sha(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r if root is None else r == root


def consistency_proof(m: int, hashes: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) from all leaf hashes."""
    n = len(hashes)
    if not 0 < m <= n:
        raise ProofError(f"no consistency proof from size {m} to {n}")
    proof: list[bytes] = []
    lo, hi, complete = 0, n, True
    while m != hi:  # SUBPROOF(m, D[lo:hi], complete)
        k, _ = _maxpow2(hi - lo)
        if m <= lo + k:
            proof.append(_subtree_root(hashes, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_subtree_root(hashes, lo, lo + k))
            lo, complete = lo + k, False
    if not complete:
        proof.append(_subtree_root(hashes, lo, hi))
    proof.reverse()
    return proof


def verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: Iterable[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2. True when the proof is valid; ProofError for bad sizes."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to {second}")
    hashes = list(proof)
    if first == second:
        return not hashes and first_hash == second_hash
    if first == 0:
        return not hashes  # the empty tree is a prefix of every tree
    if not hashes:
        return False
    if first & (first - 1) == 0:  # first is a power of two: prepend first_hash
        hashes.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = hashes[0]
    sha = _sha256
    for c in hashes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = sha(b"\x01" + c + fr).digest()
            sr = sha(b"\x01" + c + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


# --- batch appending (compact range) ------------------------------------------------


@dataclass
class AppendResult:
    """What one Appender.append call produced.

    ``levels[l]`` lists the new complete nodes at tree level ``l`` in order: the
    hashes at positions ``old_size >> l`` .. ``(new_size >> l) - 1``.
    """

    old_size: int
    new_size: int
    levels: list[list[bytes]] = field(default_factory=list)

    def level_hashes(self, level: int) -> list[bytes]:
        return self.levels[level] if level < len(self.levels) else []

    def stored_hashes(self) -> list[bytes]:
        """The new hashes in stored-hash order, i.e. for indexes
        stored_hash_count(old_size) .. stored_hash_count(new_size) - 1."""
        out: list[bytes] = []
        levels, old = self.levels, self.old_size
        for n in range(old, self.new_size):
            out.append(levels[0][n - old])
            m, lvl = n + 1, 1
            while not m & 1:
                m >>= 1
                out.append(levels[lvl][m - 1 - (old >> lvl)])
                lvl += 1
        return out


class Appender:
    """The right edge (compact range) of a tree, to which leaf hashes are appended
    in batches. ``edge`` lists the roots of the perfect subtrees of the current
    tree, largest first (the hashes at ``subtree_indexes(size)``)."""

    def __init__(self, size: int = 0, edge: Iterable[bytes] = ()) -> None:
        hashes = list(edge)
        if size < 0 or len(hashes) != size.bit_count():
            raise ProofError(
                f"a tree of size {size} has {size.bit_count()} edge hashes, not {len(hashes)}"
            )
        self.size = size
        self.edge = hashes

    @classmethod
    def from_reader(cls, size: int, reader: HashReader) -> Appender:
        return cls(size, _read(reader, subtree_indexes(size)) if size else [])

    def _edge_by_level(self) -> dict[int, bytes]:
        levels = [l for l in range(self.size.bit_length() - 1, -1, -1) if self.size >> l & 1]
        return dict(zip(levels, self.edge))

    def root(self) -> bytes:
        if not self.edge:
            return EMPTY_HASH
        h = self.edge[-1]
        for e in reversed(self.edge[:-1]):
            h = node_hash(e, h)
        return h

    def append(self, hashes: list[bytes]) -> AppendResult:
        """Append leaf hashes; returns the new nodes per level and updates the edge."""
        old, new = self.size, self.size + len(hashes)
        result = AppendResult(old, new)
        if not hashes:
            return result
        edge = self._edge_by_level()
        cur = list(hashes)
        level = 0
        while cur:
            result.levels.append(cur)
            a, b = old >> level, new >> level  # cur holds positions a .. b-1
            seq = [edge[level]] + cur if a & 1 else cur
            if (b >> 1) <= (a >> 1):
                break
            nxt = _pair_up(seq)
            level += 1
            cur = nxt
        new_edge = []
        for l in range(new.bit_length() - 1, -1, -1):
            if new >> l & 1:
                pos = (new >> l) - 1
                if pos >= old >> l:
                    new_edge.append(result.levels[l][pos - (old >> l)])
                else:
                    new_edge.append(edge[l])
        self.size, self.edge = new, new_edge
        return result
