"""Index arithmetic shared by the renderers."""

from __future__ import annotations

import numpy as np


def concat_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of the integer ranges [starts[i], ends[i]) (empty where ends <=
    starts), without a Python loop."""
    lengths = np.maximum(np.asarray(ends) - np.asarray(starts), 0)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return offsets + np.arange(total)
