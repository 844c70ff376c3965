"""Ed25519 work of large batches in worker processes.

PyNaCl releases the GIL, but in a node the signing, verifying and sequencing threads
still hand the GIL to each other tens of thousands of times a second, and on two cores
the hand-offs cost as much as the crypto. A batch of at least `threshold` entries is
therefore cut into chunks that worker processes verify (or sign), each returning one
byte per entry; smaller, interactive submissions stay in-process and keep their latency.

The pool starts lazily (forkserver context: never plain fork in this threaded program),
on the first large batch, and `close` stops it. If it cannot start or a worker dies, the
caller gets None (or a failed future) and does the work in-process: the pool only moves
work, it never decides anything the caller would not have decided itself.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor

from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError, CryptoError

log = logging.getLogger(__name__)

THRESHOLD = 512  # entries in one submission before the pool is used
CHUNK = 250  # entries per task: large enough to amortise pickling, small enough to share


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


def _verify_items(_, items: list[tuple[bytes, bytes, bytes]]) -> bytes:
    return verify_chunk(items)


def sign_chunk(seed: bytes, messages: list[bytes]) -> list[bytes]:
    """The 64-byte Ed25519 signature of each message under the key made from `seed`."""
    _, secret = crypto_sign_seed_keypair(seed)
    return [crypto_sign(m, secret)[:64] for m in messages]


class SigningPool:
    """A lazily started process pool for the Ed25519 work of large batches."""

    def __init__(self, workers: int | None = None, threshold: int = THRESHOLD,
                 chunk: int = CHUNK):
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self.threshold, self.chunk = threshold, chunk
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._broken = False  # a failed start or a dead worker: in-process from then on
        self._closed = False

    @property
    def started(self) -> bool:
        return self._executor is not None

    def worth_it(self, n: int) -> bool:
        return n >= self.threshold and not self._broken and not self._closed

    def _get(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._executor is None and not self._broken and not self._closed:
                try:
                    ctx = multiprocessing.get_context("forkserver")
                    self._executor = ProcessPoolExecutor(self.workers, mp_context=ctx)
                except Exception:
                    log.exception("cannot start the signing pool; working in-process")
                    self._broken = True
            return self._executor

    def _submit(self, fn, *args) -> Future | None:
        executor = self._get()
        if executor is None:
            return None
        try:
            return executor.submit(fn, *args)
        except Exception:  # BrokenProcessPool, or shut down meanwhile
            log.warning("signing pool unusable; working in-process", exc_info=True)
            self.mark_broken()
            return None

    def verify(self, items: list[tuple[bytes, bytes, bytes]]) -> list[Future] | None:
        """Futures of `verify_chunk` over consecutive chunks of `items`, or None if the
        pool is not available (then verify in-process)."""
        return self._chunks(_verify_items, None, items)

    def _chunks(self, fn, first, items: list) -> list[Future] | None:
        futures = []
        for i in range(0, len(items), self.chunk):
            f = self._submit(fn, first, items[i:i + self.chunk])
            if f is None:
                for g in futures:
                    g.cancel()
                return None
            futures.append(f)
        return futures

    def sign_later(self, seed: bytes, messages: list[bytes]) -> list[Future] | None:
        """Futures of the signatures of `messages` by the key of `seed` (the key's seed
        goes to our own worker processes through a pipe, never to disk); None if the pool
        is unavailable (then sign in-process). `signatures` collects them."""
        return self._chunks(sign_chunk, seed, messages)

    def signatures(self, futures: list[Future]) -> list[bytes] | None:
        """The results of `sign_later`, or None if the pool failed (sign in-process)."""
        try:
            return [s for f in futures for s in f.result()]
        except Exception:
            log.warning("signing pool failed; signing in-process", exc_info=True)
            self.mark_broken()
            return None

    def sign(self, seed: bytes, messages: list[bytes]) -> list[bytes] | None:
        futures = self.sign_later(seed, messages)
        return None if futures is None else self.signatures(futures)

    def mark_broken(self) -> None:
        with self._lock:
            self._broken = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers (waits for running chunks). Safe to call more than once."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def worker_cpu_seconds(self) -> float:
        """CPU seconds the live workers have used (Linux /proc; 0 elsewhere), so that
        benchmarks count the work moved out of the process."""
        executor = self._executor
        if executor is None:
            return 0.0
        total, tick = 0, os.sysconf("SC_CLK_TCK")
        for pid in list(getattr(executor, "_processes", None) or ()):
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick
