"""Ed25519 work of large batches in worker processes.

PyNaCl releases the GIL, but in a node the signing, verifying and sequencing threads
still hand the GIL to each other tens of thousands of times a second, and on two cores
the hand-offs cost as much as the crypto. A batch of at least `threshold` entries is
therefore cut into chunks that worker processes verify (one byte per entry) or sign;
smaller, interactive submissions stay in-process and keep their latency.

The workers are plain child processes (app/ledger/signing_worker.py run by path with
`-P`: fork+exec, no multiprocessing, so nothing of the host program's main module runs
in them), fed over their stdin/stdout by one thread each. They start lazily on the first
large batch; `close` (Node.close) stops them, and a worker whose parent dies sees the
end of its input and exits. If they cannot start or one dies, the caller gets None (or a
failed future) and does the work in-process: the pool only moves work, it never decides
anything the caller would not have decided itself.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from app.core.errors import CityLedgerError
from app.ledger import signing_worker
from app.ledger.signing_worker import read_frame, signature_valid, write_frame

__all__ = ["SigningPool", "PoolBroken", "signature_valid", "THRESHOLD", "CHUNK"]

log = logging.getLogger(__name__)

THRESHOLD = 512  # entries in one submission before the pool is used
CHUNK = 250  # entries per task: large enough to amortise pickling, small enough to share
WORKER = Path(signing_worker.__file__).resolve()


class PoolBroken(CityLedgerError, RuntimeError):
    """A signing-pool worker died or could not be reached."""


# A chunk's future and its pickled (kind, seed, items); None tells a feeder to stop.
_Task = tuple[Future[Any], bytes] | None


class _Worker:
    """One child process and the thread that feeds it tasks from the shared queue."""

    def __init__(self, tasks: queue.Queue[_Task], on_failure: Callable[[], None]) -> None:
        if getattr(sys, "frozen", False):  # a PyInstaller build has no interpreter to run us
            raise PoolBroken("a frozen build has no Python interpreter for worker processes")
        flags = ["-P"] if sys.version_info >= (3, 11) else []
        self.proc = subprocess.Popen(
            [sys.executable, *flags, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        if self.proc.stdin is None or self.proc.stdout is None:  # not with PIPE
            raise PoolBroken(f"signing worker {self.proc.pid} has no pipes")
        self._stdin, self._stdout = self.proc.stdin, self.proc.stdout
        self._tasks, self._on_failure = tasks, on_failure
        self.thread = threading.Thread(
            target=self._feed, daemon=True, name=f"signing pool feeder {self.proc.pid}"
        )
        self.thread.start()

    def _feed(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            future, payload = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                write_frame(self._stdin, payload)
                reply = read_frame(self._stdout)
                if reply is None:
                    raise PoolBroken(
                        f"signing worker {self.proc.pid} ended (exit status {self.proc.poll()})"
                    )
                future.set_result(pickle.loads(reply))
            except Exception as exc:
                future.set_exception(
                    exc
                    if isinstance(exc, PoolBroken)
                    else PoolBroken(f"signing worker {self.proc.pid}: {exc}")
                )
                self._on_failure()
                return

    def stop(self, timeout: float) -> None:
        """Close its input (the worker exits at end of input) and reap it."""
        try:
            self._stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._stdout.close()


class SigningPool:
    """Lazily started worker processes for the Ed25519 work of large batches."""

    def __init__(self, workers: int | None = None, threshold: int = THRESHOLD, chunk: int = CHUNK):
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self.threshold, self.chunk = threshold, chunk
        self._lock = threading.Lock()
        self._tasks: queue.Queue[_Task] = queue.Queue()
        self._workers: list[_Worker] = []
        self._broken = False  # a failed start or a dead worker: in-process from then on
        self._closed = False

    @property
    def started(self) -> bool:
        return bool(self._workers)

    def worth_it(self, n: int) -> bool:
        return n >= self.threshold and not self._broken and not self._closed

    def worker_pids(self) -> list[int]:
        return [w.proc.pid for w in self._workers]

    def _start(self) -> bool:
        with self._lock:
            if self._broken or self._closed:
                return False
            if not self._workers:
                try:
                    for _ in range(self.workers):
                        self._workers.append(_Worker(self._tasks, self.mark_broken))
                except Exception:
                    log.exception("cannot start the signing pool; working in-process")
                    self._broken = True
            if self._broken:
                return False
            return True

    def _chunks(self, kind: str, seed: bytes | None, items: list[Any]) -> list[Future[Any]] | None:
        if not self._start():
            return None
        futures: list[Future[Any]] = []
        for i in range(0, len(items), self.chunk):
            future: Future[Any] = Future()
            payload = pickle.dumps(
                (kind, seed, items[i : i + self.chunk]), protocol=pickle.HIGHEST_PROTOCOL
            )
            self._tasks.put((future, payload))
            futures.append(future)
        return futures

    def verify(self, items: list[tuple[bytes, bytes, bytes]]) -> list[Future[bytes]] | None:
        """Futures of `verify_chunk` over consecutive chunks of `items` (raw key, message,
        signature), or None if the pool is not available (then verify in-process)."""
        return self._chunks("verify", None, items)

    def sign_later(self, seed: bytes, messages: list[bytes]) -> list[Future[list[bytes]]] | None:
        """Futures of the signatures of `messages` by the key of `seed` (the seed goes to
        our own child processes through a pipe, never to disk); None if the pool is not
        available (then sign in-process). `signatures` collects them."""
        return self._chunks("sign", seed, messages)

    def signatures(self, futures: list[Future[list[bytes]]]) -> list[bytes] | None:
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
        """Stop using the pool (the callers work in-process from now on)."""
        with self._lock:
            if self._broken:
                return
            self._broken = True
        self._shutdown(wait=False)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the workers (running chunks finish, queued ones are cancelled). Safe to
        call more than once."""
        with self._lock:
            self._closed = True
        self._shutdown(wait=True, timeout=timeout)

    def _shutdown(self, wait: bool, timeout: float = 10.0) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        while True:  # cancel what no worker has taken yet
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                task[0].cancel()
        for _ in workers:
            self._tasks.put(None)
        if not wait:
            for w in workers:  # a dead worker's pipe may be full: do not block here
                threading.Thread(target=w.stop, args=(timeout,), daemon=True).start()
            return
        for w in workers:
            if w.thread is not threading.current_thread():
                w.thread.join(timeout)
            w.stop(timeout)

    def worker_cpu_seconds(self) -> float:
        """CPU seconds the live workers have used (Linux /proc; 0 elsewhere), so that
        benchmarks count the work moved out of the process."""
        if not os.path.isdir("/proc"):
            return 0.0
        total, tick = 0, os.sysconf("SC_CLK_TCK")
        for pid in self.worker_pids():
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick
