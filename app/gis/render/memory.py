"""Giving freed memory back to the system after a bulk build."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def trim_heap() -> None:
    """Return free heap pages to the system (glibc's malloc_trim; a no-op elsewhere).

    Building the map's arrays frees a few hundred MB of temporaries (sort buffers,
    shapely's ragged arrays); glibc keeps much of that mapped, and at a million assets
    it is a quarter of the process's RSS until trimmed."""
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return
