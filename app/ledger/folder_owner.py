"""Which process owns a data folder (runs its sync engine and sequencer): a lock file.

The owner holds an exclusive ``flock`` on ``<data>/owner.lock`` for its whole lifetime;
the kernel drops it when the process ends, however it ends (SIGKILL included), so a
stale file never claims a folder — unlike a recorded pid, which the system may give to
another process. The file's text says who holds it (pid, URL it serves, start time) for
display and for finding the server; other processes learn the URL from it but decide
"owned or not" by the lock alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import CityLedgerError

OWNER_FILE = "owner.lock"
LEGACY_SERVE_FILE = "serve.json"  # where `node serve` recorded its URL before the lock file


@dataclass(frozen=True)
class Owner:
    pid: int | None
    url: str | None
    started: float | None


class FolderOwned(CityLedgerError):
    """Another process owns the data folder."""

    def __init__(self, data_dir: Path, owner: Owner):
        who = f"process {owner.pid}" if owner.pid else "another process"
        where = f" serving {owner.url}" if owner.url else ""
        super().__init__(f"{data_dir} is in use by {who}{where}; stop it first")
        self.owner = owner


def _read(path: Path) -> Owner:
    try:
        doc: Any = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        doc = None
    if not isinstance(doc, dict):
        return Owner(None, None, None)  # held, but its holder has not written yet
    pid, url, started = doc.get("pid"), doc.get("url"), doc.get("started")
    return Owner(
        pid if isinstance(pid, int) else None,
        url if isinstance(url, str) else None,
        float(started) if isinstance(started, (int, float)) else None,
    )


class OwnerLock:
    """The held lock; ``release()`` (or leaving the ``with`` block) gives the folder up."""

    def __init__(self, path: Path, fd: int):
        self.path, self._fd = path, fd

    def record(self, url: str | None) -> None:
        """Say who holds the lock: this pid and the URL it serves (None: not serving)."""
        last = url or last_url(self.path.parent)  # kept for `network add-city` and `log info`
        doc = {"pid": os.getpid(), "url": url, "started": time.time(), "last_url": last}
        text = json.dumps(doc)
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text.encode("utf-8"), 0)
        os.fsync(self._fd)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = -1

    def __enter__(self) -> OwnerLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(data_dir: Path | str, url: str | None = None) -> OwnerLock:
    """Own the folder, or raise FolderOwned naming the process that does."""
    path = Path(data_dir) / OWNER_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise FolderOwned(Path(data_dir), _read(path)) from None
    except BaseException:
        os.close(fd)
        raise
    lock = OwnerLock(path, fd)
    lock.record(url)
    return lock


def current_owner(data_dir: Path | str) -> Owner | None:
    """The process that holds the folder's lock now (None: nobody does)."""
    path = Path(data_dir) / OWNER_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def serving_url(data_dir: Path | str) -> str | None:
    """The URL of the `node serve` process that owns the folder now, when that is
    another process (to submit to it rather than sequence on its store)."""
    owner = current_owner(data_dir)
    if owner is None or owner.pid == os.getpid():
        return None
    return owner.url


def last_url(data_dir: Path | str) -> str | None:
    """The URL the folder's node was last served at, whether or not it still runs."""
    data_dir = Path(data_dir)
    for name, key in ((OWNER_FILE, "last_url"), (LEGACY_SERVE_FILE, "url")):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            url = json.loads((data_dir / name).read_text("utf-8")).get(key)
            if isinstance(url, str):
                return url
    return None
