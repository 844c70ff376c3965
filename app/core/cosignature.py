"""C2SP tlog-cosignature v1.0.1: timestamped Ed25519 witness cosignatures.

Key type 0x04; key ID = SHA-256(name || "\\n" || 0x04 || public key)[:4]. A
signature is ``u64 timestamp (big-endian) || Ed25519 signature`` (72 bytes) over

    cosignature/v1\\n
    time <timestamp>\\n
    <checkpoint note text>

CosignatureSigner / CosignatureVerifier plug into note.sign_note / open_note /
add_signatures like the plain Ed25519 ones; importing this module registers the key type
with app.core.note, so note.Verifier.from_key / Signer.from_key read 0x04 keys too.
"""

from __future__ import annotations

import struct
import time as _time
from collections.abc import Callable, Iterable

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from app.core.errors import CosignatureError
from app.core.note import (
    Signature,
    Signer,
    Verifier,
    generate_key,
    register_key_type,
    split_note,
)

ALG_COSIGNATURE_V1 = 0x04
HEADER = b"cosignature/v1\n"
SIGNATURE_SIZE = 72
MAX_TIMESTAMP = (1 << 63) - 1


def cosigned_message(timestamp: int, checkpoint_text: bytes) -> bytes:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CosignatureError(f"cosignature timestamp {timestamp} is outside 0..2^63-1")
    return HEADER + b"time %d\n" % timestamp + checkpoint_text


def generate_witness_key(name: str) -> tuple[str, str]:
    """A new (signer key, verifier key) pair of type 0x04."""
    return generate_key(name, ALG_COSIGNATURE_V1)


class CosignatureSigner(Signer):
    """Signs checkpoints as a witness. ``clock`` returns POSIX seconds (non-zero)."""

    alg = ALG_COSIGNATURE_V1

    def __init__(self, name: str, seed: bytes, clock: Callable[[], float] | None = None) -> None:
        super().__init__(name, seed)
        self.clock: Callable[[], float] = clock or (lambda: int(_time.time()))

    @staticmethod
    def from_key(skey: str, clock: Callable[[], float] | None = None) -> CosignatureSigner:
        signer = Signer.from_key(skey)
        if not isinstance(signer, CosignatureSigner):
            raise CosignatureError("not a cosignature (type 0x04) signer key")
        if clock is not None:
            signer.clock = clock
        return signer

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.public_key)

    def sign(self, msg: bytes) -> bytes:
        ts = int(self.clock())
        if ts <= 0:
            raise CosignatureError("cosignature timestamps must be positive")
        sig = self.signing_key.sign(cosigned_message(ts, msg)).signature
        return struct.pack(">Q", ts) + sig


class CosignatureVerifier(Verifier):
    """Verifies cosignature/v1 signatures; ``timestamp_of`` reads the signed time."""

    alg = ALG_COSIGNATURE_V1

    def __init__(self, name: str, public_key: bytes) -> None:
        super().__init__(name, public_key)
        self._vk = VerifyKey(self.public_key)

    @staticmethod
    def from_key(vkey: str) -> CosignatureVerifier:
        v = Verifier.from_key(vkey)
        if not isinstance(v, CosignatureVerifier):
            raise CosignatureError("not a cosignature (type 0x04) verifier key")
        return v

    def verify_timestamp(self, msg: bytes, sig: bytes) -> int | None:
        """The signed timestamp if ``sig`` is a valid cosignature of ``msg``, else None."""
        if len(sig) != SIGNATURE_SIZE:
            return None
        ts = int.from_bytes(sig[:8], "big")
        if ts > MAX_TIMESTAMP:
            return None
        try:
            self._vk.verify(cosigned_message(ts, msg), sig[8:])
        except BadSignatureError:
            return None
        return ts

    def verify(self, msg: bytes, sig: bytes) -> bool:
        return self.verify_timestamp(msg, sig) is not None


def signature_timestamp(sig: Signature) -> int:
    """The timestamp inside a cosignature line (unverified: verify the note first)."""
    raw = sig.raw
    if len(raw) != SIGNATURE_SIZE:
        raise CosignatureError(
            f"signature by {sig.name} is {len(raw)} bytes, not a 72-byte cosignature"
        )
    return int.from_bytes(raw[:8], "big")


def cosignature_timestamps(msg: bytes, witnesses: Iterable[CosignatureVerifier]) -> dict[str, int]:
    """Verified cosignatures on a signed note: witness name -> signed timestamp.

    Witnesses whose line is missing are absent; a present but invalid cosignature
    from a known witness raises CosignatureError (as open_note would reject it).
    """
    text, sigs = split_note(msg)
    body = text.encode("utf-8")
    by_id = {(w.name, w.key_id): w for w in witnesses}
    out: dict[str, int] = {}
    for sig in sigs:
        w = by_id.get((sig.name, sig.key_id))
        if w is None or sig.name in out:
            continue
        ts = w.verify_timestamp(body, sig.raw)
        if ts is None:
            raise CosignatureError(f"invalid cosignature by {sig.name}+{sig.key_id:08x}")
        out[sig.name] = ts
    return out


register_key_type(ALG_COSIGNATURE_V1, CosignatureVerifier, CosignatureSigner)
