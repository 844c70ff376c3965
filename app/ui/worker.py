"""The one thread that does the UI's I/O: Node, SQL, hashing, files and network.

The UI thread hands closures ``fn(ctx)`` to :class:`Backend`; they run in order on one
worker thread, where ``ctx.node`` is the opened Node (SQLite connections stay on the
thread that made them). Results come back through Qt signals emitted on the worker
thread and delivered queued, so every callback runs on the UI thread. Long jobs report
progress with ``ctx.report(done, total)``.

The worker is a Python ``threading.Thread``, not a QThread: pyproj >= 3.7 keeps its PROJ
context in thread-local storage that only Python-created threads set up, and creating a
CRS (every GeoDataFrame does) on a QThread segfaults (pyproj issue #1509). Signals
emitted from a Python thread are delivered the same way.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


@dataclass
class WorkerContext:
    """State owned by the worker thread; only job functions touch it."""

    node: Any = None
    data_dir: Any = None
    extra: dict = field(default_factory=dict)
    report: Callable[[int, int], None] = lambda done, total: None
    closers: list = field(default_factory=list)  # run on this thread before the node closes

    def close(self) -> None:
        """Stop background work (closers, newest first), then close the node."""
        for close in reversed(self.closers):
            try:
                close()
            except Exception:  # stopping is best effort
                log.exception("stopping background work failed")
        self.closers.clear()
        node, self.node = self.node, None
        if node is not None:
            try:
                node.close()
            except Exception:  # closing is best effort
                log.exception("closing the node failed")


class _Signals(QObject):
    """Lives on the UI thread; emitted from the worker, so connections are queued."""

    finished = Signal(int, object)
    failed = Signal(int, object)
    progress = Signal(int, int, int)


@dataclass
class _Job:
    label: str
    on_done: Callable | None
    on_error: Callable | None
    on_progress: Callable | None
    owner: QObject | None = None

    def owner_gone(self) -> bool:
        """The widget that asked was destroyed meanwhile: its callbacks must not run."""
        return self.owner is not None and not shiboken6.isValid(self.owner)


class Backend(QObject):
    """Queue of jobs for the worker thread, with busy/progress signals for the status bar."""

    busyChanged = Signal(str)  # label of the running job, "" when idle
    progress = Signal(str, int, int)  # label, done, total
    jobFailed = Signal(str, object)  # label, exception (when the caller gave no on_error)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ctx = WorkerContext()
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._queue: queue.Queue = queue.Queue()
        self._signals = _Signals()
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self._on_progress)
        self._thread = threading.Thread(target=self._loop, name="cityledger-worker", daemon=True)
        self._thread.start()

    # worker thread ------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self.ctx.close()
                return
            job_id, fn = item
            self.ctx.report = lambda done, total, j=job_id: self._signals.progress.emit(
                j, int(done), int(total)
            )
            try:
                result = fn(self.ctx)
            except Exception as exc:  # reported to the UI, which shows it; never lost
                log.debug("job %s failed:\n%s", job_id, traceback.format_exc())
                self._signals.failed.emit(job_id, exc)
            else:
                self._signals.finished.emit(job_id, result)

    # UI thread ------------------------------------------------------------------
    def call(
        self,
        fn,
        on_done=None,
        on_error=None,
        on_progress=None,
        label: str = "",
        owner: QObject | None = None,
    ) -> int:
        if not self._thread.is_alive():
            raise RuntimeError("the worker thread has stopped")
        job_id = next(self._ids)
        self._jobs[job_id] = _Job(label, on_done, on_error, on_progress, owner)
        if label:
            self.busyChanged.emit(label)
        self._queue.put((job_id, fn))
        return job_id

    def call_for(self, owner: QObject, fn, **kwargs) -> int:
        """call(), with callbacks dropped if ``owner`` is destroyed before the job ends."""
        return self.call(fn, owner=owner, **kwargs)

    def pending(self) -> int:
        return len(self._jobs)

    def _pop(self, job_id: int) -> _Job | None:
        job = self._jobs.pop(job_id, None)
        if job is not None and job.label and not any(j.label for j in self._jobs.values()):
            self.busyChanged.emit("")
        return job

    def _on_finished(self, job_id: int, result) -> None:
        job = self._pop(job_id)
        if job and job.on_done and not job.owner_gone():
            job.on_done(result)

    def _on_failed(self, job_id: int, exc) -> None:
        job = self._pop(job_id)
        if job is None or job.owner_gone():
            return
        if job.on_error:
            job.on_error(exc)
        else:
            self.jobFailed.emit(job.label, exc)

    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.owner_gone():
            return
        if job.on_progress:
            job.on_progress(done, total)
        self.progress.emit(job.label, done, total)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Finish queued jobs, close the node on its own thread, end the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout_s)
