"""Exceptions raised by app.core, and the root of every CityLedger exception.

Every exception CityLedger raises on purpose derives from CityLedgerError: the core's
CoreError family here, and the families of the layers above (StoreError, NodeError,
SubmissionRefused, KeystoreError, TrustError, ProofBundleError, VerifyError, PeerError,
…), so a boundary (the CLI's error mapper, the UI, the HTTP server) can catch one class
and show the message, which says what is wrong and where. Anything else is a bug.

Every parser in app.core raises a subclass of CoreError (itself a ValueError) for
malformed input, never another exception type.
"""

from __future__ import annotations

from typing import Any


class CityLedgerError(Exception):
    """Root of every exception CityLedger raises on purpose (see the module docstring)."""


class CoreError(CityLedgerError, ValueError):
    """Base class: the input is malformed or does not verify."""


class CodeError(CoreError):
    """An identity code is malformed. ``position`` is the 0-based index into the
    text the user typed, or None when the fault is not at one character (for
    example a check-character mismatch, whose typo can be anywhere)."""

    def __init__(self, message: str, position: int | None = None, **params: Any) -> None:
        # With params, ``message`` is an English template (marked N_) a view translates;
        # str(error) is always the formatted English.
        super().__init__(message.format(**params) if params else message)
        self.position = position
        self.template = message
        self.params = params


class EntryError(CoreError):
    """A log entry (record) is malformed, oversize or wrongly signed."""


class NoteError(CoreError):
    """A signed note, or a key string, is malformed."""


class KeyFormatError(NoteError):
    """A signer or verifier key string is malformed."""


class UnverifiedNoteError(NoteError):
    """The note carries no signature from a known key. ``note`` holds the text
    and the (unverified) signatures, for diagnostics only."""

    def __init__(self, note: Any) -> None:
        super().__init__("note has no verifiable signatures")
        self.note = note


class InvalidSignatureError(NoteError):
    """A signature from a known key failed to verify: the whole note is rejected."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"invalid signature for key {name}+{key_id:08x}")
        self.name = name
        self.key_id = key_id


class CheckpointError(CoreError):
    """A checkpoint body (tlog-checkpoint) is malformed."""


class CosignatureError(CoreError):
    """A cosignature (tlog-cosignature) is malformed."""


class ProofError(CoreError):
    """A Merkle inclusion or consistency proof does not verify, or its inputs are invalid."""


class TileError(CoreError):
    """A tile path or tile data is malformed, or a tile does not match the tree."""


class EntryBundleError(CoreError):
    """An entry bundle is malformed."""


class TlogProofError(CoreError):
    """A c2sp.org/tlog-proof@v1 document is malformed."""
