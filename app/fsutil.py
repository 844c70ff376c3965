"""Atomic, durable file writes: the one helper every module that replaces a file uses.

A reader sees the old file or the new one, never a part of it, and once the call returns
the new file survives a crash: the data goes to a temporary file in the same folder, the
file is fsynced, renamed over the target, and the folder is fsynced so the rename itself
is on disk. Files that hold secrets keep mode 0600 (`private=True`, mkstemp's own mode);
others get 0644.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

PUBLIC_MODE = 0o644


def atomic_write(path: str | os.PathLike[str], data: bytes, *, private: bool = False) -> None:
    """Replace `path` with `data` atomically and durably (see the module docstring).
    The folder must exist; `private` keeps the file 0600."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if not private:
                os.fchmod(f.fileno(), PUBLIC_MODE)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_folder(target.parent)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary name beside `path` for writers that need a file name (GDAL drivers);
    when the block ends cleanly the file is fsynced and renamed over `path`, else removed.
    The name keeps the suffix, since drivers go by it (a GDAL writer also names the layer
    after the file: pass the layer name explicitly)."""
    target = Path(path)
    tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp{target.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(target.parent)


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """Make a rename or a new file in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
