"""One signing-pool worker process: Ed25519 verify/sign of chunks sent over its stdin.

Run by path (`python -P signing_worker.py`) by app/ledger/signing_pool.py; it imports
nothing of the host program (only PyNaCl), so no code of whatever started the node runs
here. Requests and replies are length-prefixed pickles over the pipes from and to the
parent node process, which alone writes them. End of input (the node closed the pool or
died) ends the worker.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import IO

from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError, CryptoError

HEADER = struct.Struct("<I")


def signature_valid(key: bytes, message: bytes, sig: bytes) -> bool:
    """Whether `sig` is a valid Ed25519 signature of `message` by the raw 32-byte `key`."""
    if len(sig) != 64 or len(key) != 32:
        return False
    try:
        crypto_sign_open(sig + message, key)
    except (BadSignatureError, CryptoError, ValueError):
        return False
    return True


def verify_chunk(items: list[tuple[bytes, bytes, bytes]]) -> bytes:
    """For each (raw public key, message, signature): 1 if valid, else 0."""
    return bytes(signature_valid(*item) for item in items)


def sign_chunk(seed: bytes, messages: list[bytes]) -> list[bytes]:
    """The 64-byte Ed25519 signature of each message under the key made from `seed`."""
    _, secret = crypto_sign_seed_keypair(seed)
    return [crypto_sign(m, secret)[:64] for m in messages]


def read_frame(stream: IO[bytes]) -> bytes | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    body = stream.read(size)
    return body if len(body) == size else None


def write_frame(stream: IO[bytes], data: bytes) -> None:
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    while (frame := read_frame(inp)) is not None:
        kind, seed, items = pickle.loads(frame)
        result = verify_chunk(items) if kind == "verify" else sign_chunk(seed, items)
        write_frame(out, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
