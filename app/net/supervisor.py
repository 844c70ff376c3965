"""Keeps the demo network's city nodes running: a node process that exits on its own
(a crash, a kill) is started again on the same port and folder, and the restart is
logged — to the logger and to a log file in the network's folder.

A node stopped on purpose (NodeProcess.stop or kill) has no process any more and is
left alone; stop the supervisor first when stopping the whole network.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Restart:
    code: str
    exit_status: int | None
    time: float
    error: str | None = None  # why the new process did not come up, if it did not


class Supervisor:
    def __init__(self, nodes, log_file: Path | None = None, interval: float = 1.0):
        self.nodes = list(nodes)
        self.log_file = Path(log_file) if log_file is not None else None
        self.interval = interval
        self.restarts: list[Restart] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="supervisor", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.check_once()

    def check_once(self) -> list[Restart]:
        """Restart every node whose process has exited; returns what was restarted."""
        done = []
        for node in self.nodes:
            proc = node.proc
            if proc is None or proc.poll() is None or self._stop.is_set():
                continue
            status = proc.returncode
            node.proc = None
            error = None
            try:
                node.start()
            except (OSError, RuntimeError) as e:  # it will be tried again next round
                error = str(e)
            restart = Restart(node.code, status, time.time(), error)
            self._log(restart)
            done.append(restart)
        self.restarts.extend(done)
        return done

    def _log(self, r: Restart) -> None:
        outcome = f"restart failed: {r.error}" if r.error else "restarted"
        line = f"city node {r.code} exited with status {r.exit_status}; {outcome}"
        (log.error if r.error else log.warning)(line)
        if self.log_file is not None:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.time))
            with self.log_file.open("a", encoding="utf-8") as f:
                f.write(f"{stamp} {line}\n")
