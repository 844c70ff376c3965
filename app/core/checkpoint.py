"""C2SP tlog-checkpoint v1.0.0: the note text of a log's signed tree head.

<origin>\\n<tree size>\\n<base64 root hash>\\n[<extension line>\\n ...]
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from app.core.errors import CheckpointError, NoteError
from app.core.merkle import HASH_SIZE, MAX_TREE_SIZE
from app.core.note import Note, NoteVerifier, b64decode_strict, open_note


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin:
            raise CheckpointError("checkpoint origin must be a non-empty single line")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise CheckpointError(f"checkpoint size {self.size!r} is not a non-negative integer")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise CheckpointError("checkpoint root hash must be 32 bytes")
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for ext in self.extensions:
            if not isinstance(ext, str) or not ext or "\n" in ext:
                raise CheckpointError("checkpoint extension lines must be non-empty single lines")

    def to_text(self) -> str:
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root_hash).decode(),
            *self.extensions,
        ]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str | bytes) -> Checkpoint:
        return parse_checkpoint(text)


def parse_checkpoint(text: str | bytes) -> Checkpoint:
    """Parse checkpoint note text (not a signed note: see open_checkpoint)."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("checkpoint is not valid UTF-8") from None
    if not isinstance(text, str):
        raise CheckpointError("checkpoint must be text")
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(
            f"checkpoint has {len(lines)} lines; it needs origin, size and root hash"
        )
    origin, size_text, root_text, *ext = lines
    if not origin:
        raise CheckpointError("line 1: checkpoint origin is empty")
    if not (size_text.isascii() and size_text.isdigit()) or (
        size_text != "0" and size_text.startswith("0")
    ):
        raise CheckpointError(
            f"line 2: tree size {size_text[:40]!r} is not a decimal without leading zeroes"
        )
    if len(size_text) > len(str(MAX_TREE_SIZE)) or int(size_text) > MAX_TREE_SIZE:
        raise CheckpointError(f"line 2: tree size {size_text[:40]!r} is above 2^63 - 1")
    root = b64decode_strict(root_text)
    if root is None or len(root) != HASH_SIZE:
        raise CheckpointError(f"line 3: root hash {root_text!r} is not base64 of 32 bytes")
    for i, line in enumerate(ext, 4):
        if not line:
            raise CheckpointError(f"line {i}: extension lines must not be empty")
    if any(ch < "\x20" and ch != "\n" for ch in text):
        raise CheckpointError("checkpoint contains control characters")
    return Checkpoint(origin, int(size_text), root, tuple(ext))


def open_checkpoint(
    msg: bytes, verifiers: Iterable[NoteVerifier], origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint note and parse it; optionally require ``origin``.

    Raises NoteError subclasses for signature problems, CheckpointError for the body.
    """
    note = open_note(msg, verifiers)
    cp = parse_checkpoint(note.text)
    if origin is not None and cp.origin != origin:
        raise CheckpointError(f"checkpoint origin {cp.origin!r} is not the expected {origin!r}")
    return cp, note


__all__ = ["Checkpoint", "parse_checkpoint", "open_checkpoint", "NoteError"]
