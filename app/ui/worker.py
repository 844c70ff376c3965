"""The one thread that does the UI's I/O: Node, SQL, hashing, files and network.

The UI thread hands closures ``fn(ctx)`` to :class:`Backend`; they run in order on a
QThread, where ``ctx.node`` is the opened Node (SQLite connections stay on the thread
that made them). Results come back through queued signals, so every callback runs on the
UI thread. Long jobs report progress with ``ctx.report(done, total)``.
"""
from __future__ import annotations

import itertools
import logging
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


@dataclass
class WorkerContext:
    """State owned by the worker thread; only job functions touch it."""

    node: Any = None
    data_dir: Any = None
    extra: dict = field(default_factory=dict)
    report: Callable[[int, int], None] = lambda done, total: None
    closers: list = field(default_factory=list)  # run on this thread before the node closes


class _Worker(QObject):
    finished = Signal(int, object)
    failed = Signal(int, object)
    progress = Signal(int, int, int)

    def __init__(self):
        super().__init__()
        self.ctx = WorkerContext()

    @Slot(int, object)
    def run(self, job_id: int, fn) -> None:
        self.ctx.report = lambda done, total: self.progress.emit(job_id, int(done), int(total))
        try:
            result = fn(self.ctx)
        except Exception as exc:  # reported to the UI, which shows it; never lost
            log.debug("job %s failed:\n%s", job_id, traceback.format_exc())
            self.failed.emit(job_id, exc)
        else:
            self.finished.emit(job_id, result)

    @Slot()
    def shutdown(self) -> None:
        for close in reversed(self.ctx.closers):
            try:
                close()
            except Exception:  # stopping is best effort at exit
                log.exception("stopping background work failed")
        self.ctx.closers.clear()
        node, self.ctx.node = self.ctx.node, None
        if node is not None and hasattr(node, "close"):
            try:
                node.close()
            except Exception:  # closing is best effort at exit
                log.exception("closing the node failed")


@dataclass
class _Job:
    label: str
    on_done: Callable | None
    on_error: Callable | None
    on_progress: Callable | None


class Backend(QObject):
    """Queue of jobs for the worker thread, with busy/progress signals for the status bar."""

    _submit = Signal(int, object)
    _shutdown = Signal()
    busyChanged = Signal(str)          # label of the running job, "" when idle
    progress = Signal(str, int, int)   # label, done, total
    jobFailed = Signal(str, object)    # label, exception (when the caller gave no on_error)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._thread = QThread()
        self._thread.setObjectName("cityledger-worker")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._shutdown.connect(self._worker.shutdown)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.progress.connect(self._on_progress)
        self._thread.start()

    def call(self, fn, on_done=None, on_error=None, on_progress=None, label: str = "") -> int:
        job_id = next(self._ids)
        self._jobs[job_id] = _Job(label, on_done, on_error, on_progress)
        if label:
            self.busyChanged.emit(label)
        self._submit.emit(job_id, fn)
        return job_id

    def pending(self) -> int:
        return len(self._jobs)

    def _pop(self, job_id: int) -> _Job | None:
        job = self._jobs.pop(job_id, None)
        if job is not None and job.label and not any(j.label for j in self._jobs.values()):
            self.busyChanged.emit("")
        return job

    def _on_finished(self, job_id: int, result) -> None:
        job = self._pop(job_id)
        if job and job.on_done:
            job.on_done(result)

    def _on_failed(self, job_id: int, exc) -> None:
        job = self._pop(job_id)
        if job is None:
            return
        if job.on_error:
            job.on_error(exc)
        else:
            self.jobFailed.emit(job.label, exc)

    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            return
        if job.on_progress:
            job.on_progress(done, total)
        self.progress.emit(job.label, done, total)

    def stop(self, timeout_ms: int = 10000) -> None:
        """Close the node on its own thread, then end the thread."""
        if not self._thread.isRunning():
            return
        self._shutdown.emit()
        self._thread.quit()
        self._thread.wait(timeout_ms)
