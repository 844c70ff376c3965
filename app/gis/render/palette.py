"""Colours of the map as premultiplied ARGB32 words (what a QImage of
Format_ARGB32_Premultiplied holds per pixel, little-endian uint32)."""

from __future__ import annotations

import numpy as np

STATUS_COLORS: dict[str, str] = {
    "none": "#9e9e9e",
    "pending": "#f5a623",
    "issued": "#2ca02c",
    "revoked": "#d62728",
    "unverified": "#9467bd",
}
SELECTION_COLOR = "#ffeb3b"
OUTLINE_COLOR = "#202020"


def argb(color: str, alpha: int = 255) -> np.uint32:
    """Premultiplied ARGB32 of '#rrggbb' at ``alpha`` (0..255)."""
    text = color.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour must be '#rrggbb', got {color!r}")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    f = alpha / 255
    return np.uint32((alpha << 24) | (int(r * f) << 16) | (int(g * f) << 8) | int(b * f))


def palette(colors: list[str]) -> np.ndarray:
    """Opaque ARGB32 words of a list of '#rrggbb' colours."""
    return np.array([argb(c) for c in colors], np.uint32)


def with_alpha(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Opaque premultiplied ARGB32 colours scaled to per-element alpha."""
    a = alpha.astype(np.uint32)
    r = ((color >> 16) & 255) * a // 255
    g = ((color >> 8) & 255) * a // 255
    b = (color & 255) * a // 255
    return (a << 24) | (r << 16) | (g << 8) | b
