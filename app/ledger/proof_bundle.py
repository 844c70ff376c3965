"""Proof bundles: one file that proves a code's record offline, with the trust file alone.

The file is a C2SP tlog-proof (``c2sp.org/tlog-proof@v1``, extension ``.tlog-proof``):
the index of the code's record, its RFC 6962 inclusion proof and the co-signed
checkpoint, verbatim. The tlog-proof ``extra`` line carries what is needed to rebuild
and judge the record hash, in a compact binary form (base64 in the file):

    b"CLB1"
    u16 length + entry bytes                      (the code's record, as logged)
    optional, for the official who signed it:
      u64 index + u16 length + official-add entry bytes
      u8 count + count × 32-byte inclusion proof hashes (under the same checkpoint)
      optional, after it, the same for the official's official-revoke record, when the
      log holds one under the checkpoint (so a record signed after the revocation
      fails offline)

A bundle that carries the code map (docs/architecture.md, "A verifiable code index")
starts with b"CLB2" instead, and after the official parts (each now announced by a
u8 flag: 1 present, 0 absent) holds:

      u64 index + u16 length + code-map entry bytes   (the checkpoint's last entry)
      u8 count + count × 32-byte inclusion proof hashes
      u16 length + the code's map proof (app/core/code_map.MapProof.encode)
      u16 length + the signer's map proof (empty: none)

All integers big-endian. The extra data is not trusted as such: the entry is checked
against the inclusion proof, the official-add record against its own proof, the code-map
entry against its proof, and the map proofs against the root that entry commits.

For a QR code, `qr_payload` compresses the file (zlib) into ``cityledger-bundle:`` plus
URL-safe base64; `read_proof_bundle_bytes` accepts either form.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core import merkle as _merkle
from app.core import tiles as _tiles
from app.core import tlog_proof as _tlog_proof
from app.core.byte_reader import ByteReader
from app.core.code_map import map_key, official_key
from app.core.codes import parse_code
from app.core.errors import CityLedgerError
from app.ledger.map_state import build_map, is_map_entry
from app.ledger.store import Store, StoredCheckpoint

if TYPE_CHECKING:
    from app.ledger.node import Node

EXTRA_MAGIC = b"CLB1"
EXTRA_MAGIC_MAP = b"CLB2"
QR_PREFIX = "cityledger-bundle:"
PROOF_BUNDLE_SUFFIX = ".tlog-proof"
MAX_PROOF_BUNDLE_BYTES = 1 << 20


class ProofBundleError(CityLedgerError, ValueError):
    """A proof bundle that cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class OfficialProof:
    """The official-add record of the entry's signer, and its inclusion proof."""

    index: int
    entry: bytes
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class MapPart:
    """The checkpoint's code-map entry with its inclusion proof, and the map proofs of
    the record's code and of its signer (encoded MapProofs) under the root it commits."""

    index: int
    entry: bytes
    proof: tuple[bytes, ...]
    code_proof: bytes
    official_proof: bytes = b""


@dataclass(frozen=True)
class ProofBundle:
    entry: bytes
    index: int
    proof: tuple[bytes, ...]
    checkpoint: bytes  # the signed checkpoint note, with its cosignatures
    official: OfficialProof | None = None
    official_revoke: OfficialProof | None = None
    code_map: MapPart | None = None

    def encode(self) -> bytes:
        if self.code_map is not None:
            extra = _encode_map_extra(self)
        else:
            extra = _encode_extra(self.entry, self.official, self.official_revoke)
        return _tlog_proof.TlogProof(
            index=self.index, proof=tuple(self.proof), checkpoint=self.checkpoint, extra=extra
        ).encode()


def _encode_extra(
    entry: bytes, official: OfficialProof | None, revoke: OfficialProof | None = None
) -> bytes:
    if len(entry) > 0xFFFF:
        raise ProofBundleError(f"entry of {len(entry)} bytes exceeds 65535")
    if revoke is not None and official is None:
        raise ProofBundleError("an official-revoke record needs its official-add record")
    out = [EXTRA_MAGIC, struct.pack(">H", len(entry)), entry]
    for what, part in (("official-add", official), ("official-revoke", revoke)):
        if part is None:
            continue
        if len(part.entry) > 0xFFFF or len(part.proof) > 255:
            raise ProofBundleError(f"{what} record or proof too large")
        out += [
            struct.pack(">QH", part.index, len(part.entry)),
            part.entry,
            struct.pack(">B", len(part.proof)),
            *part.proof,
        ]
    return b"".join(out)


def _part(what: str, part: OfficialProof | MapPart) -> list[bytes]:
    if len(part.entry) > 0xFFFF or len(part.proof) > 255:
        raise ProofBundleError(f"{what} record or proof too large")
    return [
        struct.pack(">QH", part.index, len(part.entry)),
        part.entry,
        struct.pack(">B", len(part.proof)),
        *part.proof,
    ]


def _encode_map_extra(b: ProofBundle) -> bytes:
    m = b.code_map
    assert m is not None
    if len(b.entry) > 0xFFFF:
        raise ProofBundleError(f"entry of {len(b.entry)} bytes exceeds 65535")
    if b.official_revoke is not None and b.official is None:
        raise ProofBundleError("an official-revoke record needs its official-add record")
    out = [EXTRA_MAGIC_MAP, struct.pack(">H", len(b.entry)), b.entry]
    for what, part in (("official-add", b.official), ("official-revoke", b.official_revoke)):
        out.append(b"\x01" if part is not None else b"\x00")
        if part is not None:
            out += _part(what, part)
    out += _part("code-map", m)
    for proof in (m.code_proof, m.official_proof):
        if len(proof) > 0xFFFF:
            raise ProofBundleError("map proof too large")
        out += [struct.pack(">H", len(proof)), proof]
    return b"".join(out)


def _decode_map_extra(
    extra: bytes,
) -> tuple[bytes, OfficialProof | None, OfficialProof | None, MapPart]:
    reader = ByteReader(extra, len(EXTRA_MAGIC_MAP), ProofBundleError, "extra data")
    take = reader.take

    def part(what: str) -> OfficialProof:
        index, n = struct.unpack(">QH", take(10, f"{what} header"))
        pentry = take(n, f"{what} entry")
        (count,) = struct.unpack(">B", take(1, f"{what} proof length"))
        proof = tuple(take(_merkle.HASH_SIZE, f"{what} proof hash {i}") for i in range(count))
        return OfficialProof(index=index, entry=pentry, proof=proof)

    def flagged(what: str) -> OfficialProof | None:
        flag = take(1, f"{what} flag")[0]
        if flag > 1:
            raise ProofBundleError(f"{what} flag {flag} is not 0 or 1")
        return part(what) if flag else None

    (n,) = struct.unpack(">H", take(2, "entry length"))
    entry = take(n, "entry")
    official = flagged("official-add")
    revoke = flagged("official-revoke")
    m = part("code-map")
    proofs = []
    for what in ("code map proof", "official map proof"):
        (length,) = struct.unpack(">H", take(2, f"{what} length"))
        proofs.append(take(length, what))
    if reader.remaining:
        raise ProofBundleError(f"{reader.remaining} unexpected trailing bytes in extra data")
    return entry, official, revoke, MapPart(m.index, m.entry, m.proof, proofs[0], proofs[1])


def _decode_extra(extra: bytes) -> tuple[bytes, OfficialProof | None, OfficialProof | None]:
    if not extra or not extra.startswith(EXTRA_MAGIC):
        raise ProofBundleError(
            "the tlog-proof 'extra' line does not hold a CityLedger entry "
            f"(expected it to start with {EXTRA_MAGIC!r})"
        )
    reader = ByteReader(extra, len(EXTRA_MAGIC), ProofBundleError, "extra data")
    take = reader.take

    def official_part(what: str) -> OfficialProof:
        index, n = struct.unpack(">QH", take(10, f"{what} header"))
        oentry = take(n, f"{what} entry")
        (count,) = struct.unpack(">B", take(1, f"{what} proof length"))
        proof = tuple(take(_merkle.HASH_SIZE, f"{what} proof hash {i}") for i in range(count))
        return OfficialProof(index=index, entry=oentry, proof=proof)

    (n,) = struct.unpack(">H", take(2, "entry length"))
    entry = take(n, "entry")
    official = official_part("official-add") if reader.remaining else None
    revoke = official_part("official-revoke") if reader.remaining else None
    if reader.remaining:
        raise ProofBundleError(f"{reader.remaining} unexpected trailing bytes in extra data")
    return entry, official, revoke


def decode_proof_bundle(data: bytes) -> ProofBundle:
    """Read a bundle (tlog-proof file or QR payload); ProofBundleError if malformed."""
    data = read_proof_bundle_bytes(data)
    try:
        p = _tlog_proof.decode_tlog_proof(data)
    except ValueError as e:
        raise ProofBundleError(f"not a valid c2sp.org/tlog-proof@v1 file: {e}") from e
    if p.extra is None:
        raise ProofBundleError("the tlog-proof has no 'extra' line, so it carries no entry")
    code_map = None
    if p.extra.startswith(EXTRA_MAGIC_MAP):
        entry, official, revoke, code_map = _decode_map_extra(p.extra)
    else:
        entry, official, revoke = _decode_extra(p.extra)
    return ProofBundle(
        entry=entry,
        index=p.index,
        proof=tuple(p.proof),
        checkpoint=p.checkpoint,
        official=official,
        official_revoke=revoke,
        code_map=code_map,
    )


def read_proof_bundle_bytes(data: bytes) -> bytes:
    """The tlog-proof bytes, unpacking a QR payload if that is what was given."""
    if not isinstance(data, (bytes, bytearray)):
        raise ProofBundleError("a proof bundle must be bytes")
    if len(data) > MAX_PROOF_BUNDLE_BYTES:
        raise ProofBundleError(f"file is larger than {MAX_PROOF_BUNDLE_BYTES} bytes; not a bundle")
    data = bytes(data)
    text = data.strip()
    if text.startswith(QR_PREFIX.encode()):
        try:
            packed = base64.b64decode(text[len(QR_PREFIX) :], altchars=b"-_", validate=True)
            inflater = zlib.decompressobj()
            data = inflater.decompress(packed, MAX_PROOF_BUNDLE_BYTES)
            if not inflater.eof:
                raise ValueError("the compressed data is truncated or too large")
        except (binascii.Error, zlib.error, ValueError) as e:
            raise ProofBundleError(f"QR payload is not valid compressed bundle data: {e}") from None
    return data


def qr_payload(bundle_bytes: bytes) -> str:
    """The compact text form of a bundle for a QR code."""
    return QR_PREFIX + base64.urlsafe_b64encode(zlib.compress(bundle_bytes, 9)).decode()


def write_qr(content: str, path: str | Path, *, scale: int = 4) -> None:
    """Save `content` as a QR image (PNG or SVG, from the file name); ValueError if too long."""
    import segno

    try:
        qr = segno.make_qr(content, error="m" if len(content) < 600 else "l")
    except segno.DataOverflowError:
        raise ValueError(f"{len(content)} characters do not fit in a QR code") from None
    qr.save(str(path), scale=scale, border=4)


def proof_bundle_fits_qr(bundle_bytes: bytes) -> bool:
    import segno

    try:
        segno.make_qr(qr_payload(bundle_bytes), error="l")
        return True
    except segno.DataOverflowError:
        return False


# --- gathering a bundle from a node's store ------------------------------------------


class NotInStoreError(CityLedgerError, LookupError):
    """The node does not hold what a proof needs (unknown code, missing entries/tiles)."""


def store_of(node_or_store: Node | Store) -> Store:
    """The Store behind a Node (or the Store itself)."""
    return node_or_store if isinstance(node_or_store, Store) else node_or_store.store


def stored_inclusion_proof(
    store: Store, origin: str, index: int, size: int, root: bytes
) -> list[bytes]:
    """Record `index`'s inclusion proof in tree (size, root), read from stored tiles that
    are authenticated against `root` as they are read."""

    def read_tile(t: _tiles.Tile) -> bytes | None:
        return store.read_tile(origin, t.l, t.n, None if t.full else t.w)

    reader = _tiles.TileHashReader(size, root, read_tile)
    try:
        return _merkle.prove_record(size, index, reader)
    except ValueError as e:
        raise NotInStoreError(
            f"cannot prove index {index} in {origin} at size {size}: {e}"
        ) from None


def choose_checkpoint(
    store: Store, origin: str, index: int, quorum: int | None = None
) -> StoredCheckpoint:
    """The stored checkpoint to prove `index` under: the newest one covering it that
    carries at least `quorum` cosignature lines, else the one with the most of them.
    One grouped query, however many checkpoints the log has."""
    rows = store.cosigned_checkpoints(origin, above=index)
    if not rows:
        raise NotInStoreError(f"no stored checkpoint of {origin} covers index {index}")
    size = next((sz for sz, n in rows if quorum is not None and n >= quorum), None)
    if size is None:
        size = max(rows, key=lambda r: (r[1], r[0]))[0]
    cp = store.checkpoint(origin, size)
    if cp is None:
        raise NotInStoreError(f"checkpoint {size} of {origin} vanished from the store")
    return cp


def official_proof(
    store: Store, origin: str, name: str, size: int, root: bytes, before: int
) -> OfficialProof | None:
    """The official-add record of `name` (before index `before`) and its inclusion proof."""
    row = next((o for o in store.officials(origin) if o["name"] == name), None)
    if row is None or row["added_index"] >= before:
        return None
    return _proof_of(store, origin, row["added_index"], size, root)


def official_revoke_proof(
    store: Store, origin: str, name: str, size: int, root: bytes
) -> OfficialProof | None:
    """The official-revoke record of `name` under the checkpoint of `size`, if any."""
    row = next((o for o in store.officials(origin) if o["name"] == name), None)
    if row is None or row["revoked_index"] is None or row["revoked_index"] >= size:
        return None
    return _proof_of(store, origin, row["revoked_index"], size, root)


def _proof_of(store: Store, origin: str, index: int, size: int, root: bytes) -> OfficialProof:
    return OfficialProof(
        index=index,
        entry=store.entry(origin, index),
        proof=tuple(stored_inclusion_proof(store, origin, index, size, root)),
    )


def export_proof_bundle(
    node_or_store: Node | Store, code: str, quorum: int | None = None
) -> ProofBundle:
    """The proof bundle of `code`'s latest record, from a node's own log or a replica."""
    store = store_of(node_or_store)
    canonical = str(parse_code(code))
    state = store.code_state(canonical)
    if state is None:
        raise NotInStoreError(f"code {canonical} is not in any log held by this node")
    index = state.latest_index
    try:
        entry = store.entry(state.origin, index)
    except IndexError as e:
        raise NotInStoreError(str(e)) from None
    cp = choose_checkpoint(store, state.origin, index, quorum)
    bundle = bundle_at(store, state.origin, index, entry, state.official, cp)
    code_map = map_part(store, state.origin, cp, canonical, state.official)
    return dataclasses.replace(bundle, code_map=code_map)


def bundle_at(
    store: Store, origin: str, index: int, entry: bytes, official: str | None, cp: StoredCheckpoint
) -> ProofBundle:
    """Record `index` of `origin` proven under `cp`, with its signer's add and any revoke
    (no code-map part: that proves a code's latest record, which the caller knows)."""
    proof = stored_inclusion_proof(store, origin, index, cp.size, cp.root_hash)
    added = revoke = None
    if official:
        added = official_proof(store, origin, official, cp.size, cp.root_hash, index)
        if added is not None:
            revoke = official_revoke_proof(store, origin, official, cp.size, cp.root_hash)
    return ProofBundle(
        entry=entry,
        index=index,
        proof=tuple(proof),
        checkpoint=cp.with_cosignatures(),
        official=added,
        official_revoke=revoke,
    )


def map_part(
    store: Store, origin: str, cp: StoredCheckpoint, code: str, official: str | None
) -> MapPart | None:
    """The checkpoint's code-map entry, its inclusion proof and the map proofs of `code`
    and `official`; None under a checkpoint that ends in no code-map entry."""
    if cp.size == 0:
        return None
    try:
        last = store.entry(origin, cp.size - 1)
    except IndexError as e:
        raise NotInStoreError(str(e)) from None
    if not is_map_entry(last):
        return None
    # the map after [0, size) is the one its last entry commits: that entry sets nothing
    code_map = store.map_cache.peek(origin, cp.size)
    if code_map is None:
        code_map = build_map(store.bundle_rows, origin, cp.size)
        store.map_cache.offer(origin, cp.size, code_map)
    return MapPart(
        index=cp.size - 1,
        entry=last,
        proof=tuple(stored_inclusion_proof(store, origin, cp.size - 1, cp.size, cp.root_hash)),
        code_proof=code_map.prove(map_key(code)).encode(),
        official_proof=code_map.prove(official_key(official)).encode() if official else b"",
    )
