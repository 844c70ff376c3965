"""C2SP signed-note v1.0.0 — a port of golang.org/x/mod/sumdb/note.

Keys are strings in the Go note format:
  signer key   ``PRIVATE+KEY+<name>+<hex key id>+<base64(type || seed)>``
  verifier key ``<name>+<hex key id>+<base64(type || public key)>``
with key ID = SHA-256(name || 0x0A || type || public key)[:4] (big-endian uint32).
Type 0x01 is Ed25519 (this module). This module knows no other key type: a module that
implements one registers it with register_key_type when it is imported (app.core.cosignature
does for the tlog-cosignature witness type 0x04), and Verifier.from_key / Signer.from_key
then accept its keys — as Go's note package stays ignorant of its Verifier implementations.

Any object with ``name``, ``key_id`` and ``verify(msg, sig) -> bool`` (resp.
``sign(msg) -> bytes``) can be passed as a verifier (resp. signer).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from app.core.errors import InvalidSignatureError, KeyFormatError, NoteError, UnverifiedNoteError

ALG_ED25519 = 0x01
MAX_SIGNATURES = 100  # the spec requires accepting at least 16; Go accepts 100
_SIG_PREFIX = "\u2014 "  # em dash, space


class NoteVerifier(Protocol):
    """What open_note needs of a verifier (Go's note.Verifier)."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> int: ...
    def verify(self, msg: bytes, sig: bytes) -> bool: ...


class NoteSigner(Protocol):
    """What sign_note needs of a signer (Go's note.Signer)."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> int: ...
    def sign(self, msg: bytes) -> bytes: ...


def key_id(name: str, key_bytes: bytes) -> int:
    """SHA-256(name || "\\n" || key_bytes)[:4] as uint32; key_bytes = type || public key."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + key_bytes).digest()
    return int.from_bytes(digest[:4], "big")


def is_valid_name(name: str) -> bool:
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(ch.isspace() for ch in name)
    )


def b64decode_strict(text: str) -> bytes | None:
    """Standard base64 as Go's StdEncoding reads it (canonical padding), or None."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    # Go's StdEncoding is strict: reject non-canonical padding bits.
    return raw if base64.b64encode(raw).decode() == text else None


def _split_key(text: str, parts: int) -> list[str]:
    fields = text.split("+", parts - 1) if isinstance(text, str) else []
    if len(fields) != parts:
        raise KeyFormatError(
            "malformed key: expected "
            + ("PRIVATE+KEY+name+id+key" if parts == 5 else "name+id+key")
        )
    return fields


def _parse_id(hex_id: str) -> int:
    if len(hex_id) != 8 or any(c not in "0123456789abcdefABCDEF" for c in hex_id):
        raise KeyFormatError(f"malformed key id {hex_id!r}: expected 8 hex digits")
    return int(hex_id, 16)


def _check_key(name: str, key: bytes, what: str) -> None:
    if not is_valid_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    if len(key) != 32:
        raise KeyFormatError(f"an Ed25519 {what} is 32 bytes")


class Verifier:
    """Verifies Ed25519 note signatures (type 0x01)."""

    alg = ALG_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_key(name, public_key, "public key")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, bytes([self.alg]) + self.public_key)
        self._vk = VerifyKey(self.public_key)

    @staticmethod
    def from_key(vkey: str) -> Verifier:
        """A verifier for a ``name+id+base64`` key of type 0x01 or 0x04."""
        name, hex_id, b64 = _split_key(vkey, 3)
        want = _parse_id(hex_id)
        raw = b64decode_strict(b64)
        if not is_valid_name(name) or not raw:
            raise KeyFormatError(f"malformed verifier key {vkey!r}")
        if key_id(name, raw) != want:
            raise KeyFormatError(f"verifier key id {hex_id} does not match its name and key")
        cls = _key_type(raw[0], "verifier")[0]
        if len(raw) != 33:
            raise KeyFormatError("malformed verifier key: the public key is not 32 bytes")
        return cls(name, raw[1:])

    def vkey(self) -> str:
        raw = bytes([self.alg]) + self.public_key
        return f"{self.name}+{self.key_id:08x}+{base64.b64encode(raw).decode()}"

    def verify(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != 64:
            return False
        try:
            self._vk.verify(msg, sig)
        except BadSignatureError:
            return False
        return True


class Signer:
    """Signs notes with an Ed25519 key (type 0x01)."""

    alg = ALG_ED25519

    def __init__(self, name: str, seed: bytes) -> None:
        _check_key(name, seed, "seed")
        self.name = name
        self._sk = SigningKey(bytes(seed))
        self.public_key = bytes(self._sk.verify_key)
        self.key_id = key_id(name, bytes([self.alg]) + self.public_key)

    @staticmethod
    def from_key(skey: str) -> Signer:
        """A signer for a ``PRIVATE+KEY+name+id+base64`` key of type 0x01 or 0x04."""
        priv, key, name, hex_id, b64 = _split_key(skey, 5)
        want = _parse_id(hex_id)
        raw = b64decode_strict(b64)
        if priv != "PRIVATE" or key != "KEY" or not is_valid_name(name) or not raw:
            raise KeyFormatError("malformed signer key")
        cls = _key_type(raw[0], "signer")[1]
        if len(raw) != 33:
            raise KeyFormatError("malformed signer key: the seed is not 32 bytes")
        signer = cls(name, raw[1:])
        if signer.key_id != want:
            raise KeyFormatError(f"signer key id {hex_id} does not match its name and key")
        return signer

    @property
    def signing_key(self) -> SigningKey:
        return self._sk

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)

    def sign(self, msg: bytes) -> bytes:
        return self._sk.sign(msg).signature


_KEY_TYPES: dict[int, tuple[type[Verifier], type[Signer]]] = {}


def register_key_type(alg: int, verifier: type[Verifier], signer: type[Signer]) -> None:
    """Let from_key read keys of type ``alg``: both classes take (name, 32-byte key)."""
    _KEY_TYPES[alg] = (verifier, signer)


def _key_type(alg: int, what: str) -> tuple[type[Verifier], type[Signer]]:
    try:
        return _KEY_TYPES[alg]
    except KeyError:
        raise KeyFormatError(f"unknown {what} algorithm 0x{alg:02x}") from None


register_key_type(ALG_ED25519, Verifier, Signer)


def _encode_keys(name: str, alg: int, seed: bytes, public_key: bytes) -> tuple[str, str]:
    kid = key_id(name, bytes([alg]) + public_key)
    skey = f"PRIVATE+KEY+{name}+{kid:08x}+{base64.b64encode(bytes([alg]) + seed).decode()}"
    vkey = f"{name}+{kid:08x}+{base64.b64encode(bytes([alg]) + public_key).decode()}"
    return skey, vkey


def generate_key(name: str, alg: int = ALG_ED25519) -> tuple[str, str]:
    """A new (signer key, verifier key) pair of strings."""
    if not is_valid_name(name):
        raise KeyFormatError(f"invalid key name {name!r}: non-empty, no spaces, no '+'")
    sk = SigningKey.generate()
    return _encode_keys(name, alg, bytes(sk), bytes(sk.verify_key))


def ed25519_vkey(name: str, public_key: bytes) -> str:
    """The verifier-key string of an Ed25519 public key."""
    return Verifier(name, public_key).vkey()


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    b64: str  # base64(key id || signature), exactly as in the note

    @property
    def raw(self) -> bytes:
        """The signature bytes after the 4-byte key id."""
        return base64.b64decode(self.b64)[4:]

    def line(self) -> str:
        return f"{_SIG_PREFIX}{self.name} {self.b64}\n"


@dataclass(frozen=True)
class Note:
    text: str
    sigs: tuple[Signature, ...] = field(default=())
    unverified_sigs: tuple[Signature, ...] = field(default=())


def _index_verifiers(
    verifiers: Iterable[NoteVerifier] | None,
) -> dict[tuple[str, int], list[NoteVerifier]]:
    known: dict[tuple[str, int], list[NoteVerifier]] = {}
    for v in verifiers or ():
        known.setdefault((v.name, v.key_id), []).append(v)
    return known


def split_note(msg: bytes) -> tuple[str, list[Signature]]:
    """Parse a signed note's text and signature lines, verifying nothing."""
    if not isinstance(msg, (bytes, bytearray)):
        raise NoteError("malformed note: expected bytes")
    try:
        s = bytes(msg).decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("malformed note: not valid UTF-8") from None
    for i, ch in enumerate(s):
        if ch < "\x20" and ch != "\n":
            raise NoteError(f"malformed note: control character {ch!r} at offset {i}")
    split = s.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, sig_block = s[: split + 1], s[split + 2 :]
    if not sig_block or not sig_block.endswith("\n"):
        raise NoteError("malformed note: missing signatures or final newline")
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return text, [parse_signature_line(line, n) for n, line in enumerate(lines, 1)]


def note_text(msg: bytes) -> str:
    """The text of a signed note (ending in its newline), before any signature is checked.
    The one place that cuts a note at its signature block: callers that only read the
    body (a checkpoint, a trust file) use this, then verify with open_note."""
    return split_note(msg)[0]


def parse_signature_line(line: str, n: int = 1) -> Signature:
    """One ``— name base64`` signature line (without its newline); ``n`` numbers it in
    the error message. Verifies nothing."""
    if not line.startswith(_SIG_PREFIX):
        raise NoteError(f"malformed note: signature line {n} does not start with '— '")
    name, _, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    raw = b64decode_strict(b64) if b64 else None
    if not is_valid_name(name) or raw is None or len(raw) < 5:
        raise NoteError(f"malformed note: signature line {n} is not '— name base64'")
    return Signature(name, struct.unpack(">I", raw[:4])[0], b64)


def open_note(msg: bytes, verifiers: Iterable[NoteVerifier] | None = ()) -> Note:
    """Verify a signed note against known verifiers (C2SP signed-note semantics).

    Signatures by unknown (name, key id) pairs are ignored (kept in
    ``unverified_sigs``); a failing signature by a known key rejects the note
    (InvalidSignatureError); no verified signature -> UnverifiedNoteError.
    """
    text, sigs = split_note(msg)
    known = _index_verifiers(verifiers)
    body = text.encode("utf-8")
    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    seen_unverified: set[str] = set()
    for sig in sigs:
        found = known.get((sig.name, sig.key_id))
        if not found:
            if sig.line() not in seen_unverified:
                seen_unverified.add(sig.line())
                unverified.append(sig)
            continue
        if len(found) > 1:
            raise NoteError(f"ambiguous key {sig.name}+{sig.key_id:08x}")
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        if not found[0].verify(body, sig.raw):
            raise InvalidSignatureError(sig.name, sig.key_id)
        verified.append(sig)
    note = Note(text, tuple(verified), tuple(unverified))
    if not verified:
        raise UnverifiedNoteError(note)
    return note


def _signature_lines(
    text: str, signers: Iterable[NoteSigner]
) -> tuple[list[Signature], set[tuple[str, int]]]:
    if not isinstance(text, str) or not text.endswith("\n"):
        raise NoteError("malformed note: text must end in a newline")
    body = text.encode("utf-8")
    out: list[Signature] = []
    have: set[tuple[str, int]] = set()
    for s in signers:
        if not is_valid_name(s.name):
            raise NoteError(f"invalid signer name {s.name!r}")
        raw = struct.pack(">I", s.key_id) + s.sign(body)
        out.append(Signature(s.name, s.key_id, base64.b64encode(raw).decode()))
        have.add((s.name, s.key_id))
    return out, have


def sign_note(text: str, *signers: NoteSigner, existing: Iterable[Signature] = ()) -> bytes:
    """Sign ``text`` (must end in newline). ``existing`` signatures are kept, except
    those replaced by a signer with the same name and key id (as in Go's note.Sign)."""
    for ch in text if isinstance(text, str) else "":
        if ch < "\x20" and ch != "\n":
            raise NoteError(f"malformed note: control character {ch!r} in text")
    new, have = _signature_lines(text, signers)
    kept = [sig for sig in existing if (sig.name, sig.key_id) not in have]
    return (text + "\n" + "".join(sig.line() for sig in kept + new)).encode("utf-8")


def add_signatures(msg: bytes, *signers: NoteSigner) -> bytes:
    """Add (or replace) signatures on an already-signed note, e.g. a cosignature,
    keeping every existing line. Nothing is verified here."""
    text, sigs = split_note(msg)
    return sign_note(text, *signers, existing=sigs)
