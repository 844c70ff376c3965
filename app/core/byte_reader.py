"""Reading a small binary layout field by field (proof bundles' extra data, code map
proofs): a short read names the field and the byte where the data ran out."""

from __future__ import annotations

from collections.abc import Callable


class ByteReader:
    def __init__(
        self, data: bytes, start: int, error: Callable[[str], Exception], what: str
    ) -> None:
        self.data = data
        self.pos = start
        self.error = error
        self.what = what  # e.g. "code map proof", for the messages

    def take(self, n: int, field: str) -> bytes:
        if self.pos + n > len(self.data):
            raise self.error(f"{self.what} truncated in the {field} (byte {self.pos})")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos
