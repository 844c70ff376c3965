"""C2SP tlog-proof (``c2sp.org/tlog-proof@v1``): an offline-verifiable proof that
an entry is in a log, with the log's (co)signed checkpoint.

    c2sp.org/tlog-proof@v1
    [extra <base64>]
    index <decimal>
    <base64 hash>            (inclusion proof, leaf sibling first, zero or more)
    <empty line>
    <signed checkpoint note, verbatim>
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from app.core.checkpoint import Checkpoint, open_checkpoint
from app.core.errors import TlogProofError
from app.core.merkle import HASH_SIZE, check_record
from app.core.note import NoteVerifier, b64decode_strict

HEADER = "c2sp.org/tlog-proof@v1"
FILE_EXTENSION = ".tlog-proof"


def _b64(text: str, what: str) -> bytes:
    raw = b64decode_strict(text)
    if raw is None:
        raise TlogProofError(f"{what} is not (canonical) base64")
    return raw


@dataclass(frozen=True)
class TlogProof:
    index: int
    proof: tuple[bytes, ...]
    checkpoint: bytes  # the signed checkpoint note, verbatim
    extra: bytes | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "proof", tuple(self.proof))
        if isinstance(self.index, bool) or not isinstance(self.index, int) or self.index < 0:
            raise TlogProofError(f"index {self.index!r} is not a non-negative integer")
        if any(len(h) != HASH_SIZE for h in self.proof):
            raise TlogProofError("every inclusion proof hash is 32 bytes")
        if not isinstance(self.checkpoint, bytes) or not self.checkpoint:
            raise TlogProofError("the proof needs a signed checkpoint")

    def encode(self) -> bytes:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.proof)
        return ("\n".join(lines) + "\n\n").encode("ascii") + self.checkpoint

    def verify(
        self, leaf_hash: bytes, log_verifiers: Iterable[NoteVerifier], origin: str | None = None
    ) -> Checkpoint:
        """Check the checkpoint signature (log_verifiers; witnesses are checked by
        the caller's policy) and the inclusion of ``leaf_hash`` at ``index``.
        Returns the checkpoint; raises a CoreError subclass on failure."""
        cp, _ = open_checkpoint(self.checkpoint, log_verifiers, origin)
        check_record(list(self.proof), cp.size, cp.root_hash, self.index, leaf_hash)
        return cp


def encode_tlog_proof(proof: TlogProof) -> bytes:
    return proof.encode()


def decode_tlog_proof(data: bytes) -> TlogProof:
    """Parse a tlog-proof document; raises TlogProofError when malformed."""
    if not isinstance(data, (bytes, bytearray)):
        raise TlogProofError("tlog-proof data must be bytes")
    data = bytes(data)
    head, sep, checkpoint = data.partition(b"\n\n")
    if not sep:
        raise TlogProofError("no empty line before the checkpoint")
    if not checkpoint:
        raise TlogProofError("the checkpoint after the empty line is missing")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise TlogProofError("proof header lines are not ASCII") from None
    if lines[0] != HEADER:
        raise TlogProofError(f"line 1 is {lines[0][:40]!r}, not {HEADER!r}")
    pos = 1
    extra = None
    if pos < len(lines) and lines[pos].startswith("extra "):
        extra = _b64(lines[pos][6:], "line 2 (extra data)")
        pos += 1
    if pos >= len(lines) or not lines[pos].startswith("index "):
        raise TlogProofError(f"line {pos + 1} must be 'index <n>'")
    idx = lines[pos][6:]
    if not idx.isdigit() or (idx != "0" and idx.startswith("0")):
        raise TlogProofError(
            f"line {pos + 1}: index {idx!r} is not a decimal without leading zeroes"
        )
    pos += 1
    hashes = []
    for i in range(pos, len(lines)):
        h = _b64(lines[i], f"line {i + 1} (proof hash)")
        if len(h) != HASH_SIZE:
            raise TlogProofError(f"line {i + 1}: proof hash is {len(h)} bytes, not 32")
        hashes.append(h)
    return TlogProof(int(idx), tuple(hashes), checkpoint, extra)
