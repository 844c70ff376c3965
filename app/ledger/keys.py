"""Adapters from C2SP signed-note key strings to the PyNaCl keys entries are signed with.

Officials and the admin key sign log entries (raw Ed25519 over the entry message), not
notes, but they are kept and published in the same `name+hexid+base64` form as the log
key, so one format travels in records, key files and the trust file.
"""

from __future__ import annotations

import functools

from nacl.signing import SigningKey, VerifyKey

from app.core.errors import CityLedgerError, NoteError
from app.core.note import ALG_ED25519, Signer, Verifier


class UnusableKeyError(CityLedgerError, ValueError):
    """A key string is not a usable Ed25519 signed-note key."""


def signing_key(skey: str) -> SigningKey:
    try:
        signer = Signer.from_key(skey)
    except NoteError as exc:
        raise UnusableKeyError(str(exc)) from None
    if signer.alg != ALG_ED25519:
        raise UnusableKeyError(f"key {signer.name!r} is not a plain Ed25519 key")
    return signer.signing_key


@functools.lru_cache(maxsize=4096)
def verify_key(vkey: str) -> VerifyKey:
    try:
        verifier = Verifier.from_key(vkey)
    except (NoteError, TypeError, ValueError) as exc:
        raise UnusableKeyError(f"{exc}") from None
    if verifier.alg != ALG_ED25519:
        raise UnusableKeyError(f"key {verifier.name!r} is not a plain Ed25519 key")
    return VerifyKey(verifier.public_key)
