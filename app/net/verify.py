"""The verification steps of sync and witnessing, on top of app.core's tlog primitives.

Everything a peer sends goes through here before it can reach the store: checkpoint
signatures (log key, witness cosignatures), tiles (authenticated against a checkpoint's
root with a verifying tile hash reader), entry bundles (their leaf hashes must form tiles
that authenticate against the same root), and witness requests' consistency proofs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import threading
from dataclasses import dataclass, field

from app.core import checkpoint as _checkpoint
from app.core import merkle
from app.core import note as _note
from app.core import tiles as _tiles
from app.core.errors import CityLedgerError, CoreError, InvalidSignatureError, UnverifiedNoteError
from app.ledger.trust import witness_verifier
from app.net.paths import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH

MAX_PROOF_LINES = 63


class VerifyError(CityLedgerError, ValueError):
    """Data from a peer does not verify; the message says what and where."""


class UnknownLog(VerifyError):
    pass


class BadSignature(VerifyError):
    pass


@dataclass
class CheckpointView:
    """A checkpoint whose log signature verified, with the cosignatures that verified."""

    origin: str
    size: int
    root: bytes
    body: str  # the checkpoint text (what is signed)
    log_note: bytes  # the text and the log's own signature line(s) only
    cosigners: dict[str, str] = field(default_factory=dict)  # witness name -> sig line

    @property
    def note(self) -> bytes:
        """The note with every verified signature (log first, then cosignatures)."""
        return self.log_note + "".join(self.cosigners[k] for k in sorted(self.cosigners)).encode()


def checkpoint_origin(note: bytes) -> str:
    """The origin line of a (not yet verified) checkpoint note."""
    first, _, _ = note.partition(b"\n")
    try:
        return first.decode("utf-8")
    except UnicodeDecodeError:
        raise VerifyError("checkpoint origin line is not UTF-8") from None


def open_member_checkpoint(note: bytes, city, trust) -> CheckpointView:
    """Verify `note` as a checkpoint of `city`'s log, keeping valid member cosignatures."""
    log_verifier = _note.Verifier.from_key(city.log_vkey)
    verifiers = [log_verifier]
    witness_names = set()
    for c in trust.witness_cities(city.origin):
        try:
            verifiers.append(witness_verifier(c.witness_vkey))
            witness_names.add(c.witness_key_name)
        except ValueError:
            continue  # a malformed key in the trust file only loses that witness
    _, blank, signatures = note.partition(b"\n\n")
    if not blank or not signatures.strip():
        # tlog-witness: "none of the signatures verify" is a 403, also when there are none.
        raise BadSignature("the checkpoint carries no signature lines")
    try:
        opened = _note.open_note(note, verifiers)
    except UnverifiedNoteError:
        raise BadSignature(f"no valid signature by the log key {log_verifier.name!r}") from None
    except InvalidSignatureError as e:
        raise BadSignature(f"bad signature: {e}") from None
    except CoreError as e:
        raise VerifyError(f"malformed checkpoint note: {e}") from None
    log_sigs = [s for s in opened.sigs if s.name == log_verifier.name]
    if not log_sigs:
        raise BadSignature(f"not signed by the log key {log_verifier.name!r}")
    try:
        cp = _checkpoint.Checkpoint.parse(opened.text)
    except CoreError as e:
        raise VerifyError(f"malformed checkpoint: {e}") from None
    if cp.origin != city.origin:
        raise VerifyError(f"checkpoint origin {cp.origin!r} is not {city.origin!r}")
    log_note = (opened.text + "\n" + "".join(s.line() for s in log_sigs)).encode()
    cosigners = {s.name: s.line() for s in opened.sigs if s.name in witness_names}
    return CheckpointView(cp.origin, cp.size, cp.root_hash, opened.text, log_note, cosigners)


class PeerTiles:
    """A tile reader (for app.core.tiles.TileHashReader) backed by a peer, with overrides.

    Overrides are tiles we computed ourselves (level-0 tiles from fetched entry bundles):
    the hash reader authenticates them against the checkpoint like any other tile.
    """

    height = TILE_HEIGHT

    def __init__(self, peer, cp: CheckpointView):
        self.peer = peer
        self.cp = cp
        self.overrides: dict[tuple[int, int], bytes] = {}
        self._cache: dict[tuple[int, int, int], bytes] = {}
        self._verified: dict[tuple[int, int], bytes] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def overriding(self, level0: dict[int, bytes]):
        """Serve these level-0 tiles (computed from entries) instead of the peer's."""
        with self._lock:
            self.overrides.update({(0, n): d for n, d in level0.items()})
        try:
            yield
        finally:
            with self._lock:
                for n in level0:
                    self.overrides.pop((0, n), None)

    def read_tiles(self, tiles) -> list[bytes]:
        out = []
        for t in tiles:
            key = (t.l, t.n)
            override = self.overrides.get(key)
            if override is not None and len(override) == t.w * HASH_SIZE:
                out.append(override)
                continue
            with self._lock:
                data = self._cache.get((t.l, t.n, t.w))
            if data is None:
                data = self.peer.tile(t.l, t.n, t.w)
                with self._lock:
                    self._cache[(t.l, t.n, t.w)] = data
            out.append(data)
        return out

    def save_tiles(self, tiles, data) -> None:
        # TileHashReader calls this only after authenticating `tiles` against the root.
        with self._lock:
            for t, d in zip(tiles, data):
                if t.l > 0:
                    self._verified[(t.l, t.n)] = d

    def verified_tiles(self) -> dict[tuple[int, int], bytes]:
        """Upper-level tiles authenticated so far (level 0 comes from the bundles)."""
        with self._lock:
            return dict(self._verified)


def _hash_reader(tiles: PeerTiles):
    return _tiles.TileHashReader(tiles.cp.size, tiles.cp.root, tiles)


def root_at(size: int, tiles: PeerTiles) -> bytes:
    """The root of the first `size` entries, from tiles authenticated against tiles.cp."""
    if size == 0:
        return merkle.root_of([])
    try:
        return merkle.tree_hash(size, _hash_reader(tiles))
    except CoreError as e:
        raise VerifyError(
            f"the peer's tiles do not match its checkpoint of size {tiles.cp.size}: {e}"
        ) from None


def decode_peer_entry_bundle(data: bytes, count: int) -> list[bytes]:
    """The entries of an entry bundle a peer served, or VerifyError."""
    try:
        return _tiles.decode_entry_bundle(data, count)
    except CoreError as e:
        raise VerifyError(str(e)) from None


def leaf_tile(entries: list[bytes]) -> bytes:
    return b"".join(merkle.record_hash(e) for e in entries)


def check_bundles(
    cp: CheckpointView, bundles: dict[int, list[bytes]], tiles: PeerTiles
) -> dict[int, bytes]:
    """Verify that every bundle's entries are the log's entries at cp; return the level-0
    tiles (leaf hashes) they make. VerifyError otherwise."""
    if not bundles:
        return {}
    level0 = {n: leaf_tile(entries) for n, entries in bundles.items()}
    indexes = [merkle.stored_hash_index(0, n * TILE_WIDTH) for n in sorted(bundles)]
    reader = _hash_reader(tiles)
    try:
        with tiles.overriding(level0):
            reader.read_hashes(indexes)
    except CoreError as e:
        lo, hi = min(bundles), max(bundles)
        raise VerifyError(
            f"entry bundles {lo}..{hi} do not match the checkpoint of size "
            f"{cp.size} (corrupt bundle or tile): {e}"
        ) from None
    return level0


# --- tlog-witness add-checkpoint ---------------------------------------------------


@dataclass
class AddCheckpointRequest:
    old_size: int
    proof: list[bytes]
    note: bytes


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint body: `old N`, ≤63 base64 proof lines, blank line, note."""
    lines_end = body.find(b"\n\n")
    if lines_end < 0:
        raise VerifyError("no blank line between the proof and the checkpoint")
    header = body[:lines_end].split(b"\n")
    note = body[lines_end + 2 :]
    first = header[0]
    if not first.startswith(b"old "):
        raise VerifyError("the first line must be 'old <size>'")
    digits = first[4:]
    if not digits.isdigit() or (len(digits) > 1 and digits.startswith(b"0")) or len(digits) > 19:
        raise VerifyError(f"bad old size {digits[:40]!r}")
    proof_lines = header[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise VerifyError(f"{len(proof_lines)} consistency proof lines (at most 63)")
    proof = []
    for i, line in enumerate(proof_lines, start=2):
        try:
            h = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise VerifyError(f"line {i}: proof hash is not base64") from None
        if len(h) != HASH_SIZE:
            raise VerifyError(f"line {i}: proof hash has {len(h)} bytes, not 32")
        proof.append(h)
    return AddCheckpointRequest(int(digits), proof, note)


def encode_add_checkpoint(old_size: int, proof: list[bytes], note: bytes) -> bytes:
    lines = [f"old {old_size}\n"] + [base64.b64encode(h).decode() + "\n" for h in proof]
    return ("".join(lines) + "\n").encode() + note


def check_consistency(
    proof: list[bytes], size: int, root: bytes, old_size: int, old_root: bytes
) -> bool:
    try:
        merkle.check_tree(proof, size, root, old_size, old_root)
        return True
    except CoreError:
        return False


def consistency_proof(size: int, old_size: int, reader) -> list[bytes]:
    """RFC 6962 consistency proof old_size -> size from a hash reader over our own tiles."""
    if old_size == 0 or old_size == size:
        return []
    return list(merkle.prove_tree(size, old_size, reader))


def cosignature_lines(body: str, cosigner) -> bytes:
    """The signature line(s) a witness returns: its cosignature over the checkpoint body."""
    signed = _note.sign_note(body, cosigner)
    return signed[len(body.encode()) + 1 :]
