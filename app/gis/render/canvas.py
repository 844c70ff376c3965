"""Rendered images kept per scale, so a pan or a return to an earlier zoom only draws
what it has not drawn yet (Qt-free: images are uint32 numpy arrays).

A :class:`Canvas` is one image of the global pixel grid of one scale (see viewport.py)
with the rectangles still to render.  Moving it to another window of the same scale
copies the overlap and queues the newly exposed strips; the renderer then works the
queue in bands, so no single step costs more than a band, and a frame can be shown
before the queue is empty (the missing parts show the previous scale's image scaled).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from app.gis.render.viewport import Rect, intersect, scale_key, subtract

BAND_ROWS = 160  # rows per unit of work: a full-width band of a 1080p view is ~1/7 of it


class Canvas:
    def __init__(self, sx: float, sy: float, rect: Rect, style: object):
        self.sx, self.sy = sx, sy
        self.rect = rect
        self.style = style  # how the scale is drawn, chosen when it was first shown
        _, _, w, h = rect
        self.image = np.zeros((h, w), np.uint32)
        self.pending: list[Rect] = [rect]
        self.waiting = False  # something was left out until background work is done
        self.refreshing = False  # re-rendering over a complete but outdated image

    def refresh(self) -> None:
        """Render everything again, showing the current image until it is replaced."""
        self.pending = [self.rect]
        self.waiting = False
        self.refreshing = True

    @property
    def complete(self) -> bool:
        return not self.pending

    def move_to(self, rect: Rect) -> None:
        """Show the window ``rect`` of the same scale: keep what overlaps, queue the rest."""
        if rect == self.rect:
            return
        ox, oy, ow, oh = self.rect
        nx, ny, nw, nh = rect
        image = np.zeros((nh, nw), np.uint32)
        keep = intersect(self.rect, rect)
        if keep is not None:
            kx, ky, kw, kh = keep
            image[ky - ny : ky - ny + kh, kx - nx : kx - nx + kw] = self.image[
                ky - oy : ky - oy + kh, kx - ox : kx - ox + kw
            ]
        pending = [r for p in self.pending if (r := intersect(p, rect)) is not None]
        pending += subtract(rect, self.rect)
        self.image, self.rect, self.pending = image, rect, pending

    def next_band(self) -> Rect | None:
        """The next rectangle to render (at most BAND_ROWS rows), taken off the queue;
        the one nearest the centre of the window first."""
        if not self.pending:
            self.refreshing = False
            return None
        cx = self.rect[0] + self.rect[2] / 2
        cy = self.rect[1] + self.rect[3] / 2
        self.pending.sort(key=lambda r: abs(r[0] + r[2] / 2 - cx) + abs(r[1] + r[3] / 2 - cy))
        x, y, w, h = self.pending.pop(0)
        if h <= BAND_ROWS:
            return x, y, w, h
        # Split off the band nearest the centre of the window.
        mid = min(max(int(cy) - BAND_ROWS // 2, y), y + h - BAND_ROWS)
        if mid > y:
            self.pending.append((x, y, w, mid - y))
        if mid + BAND_ROWS < y + h:
            self.pending.append((x, mid + BAND_ROWS, w, y + h - mid - BAND_ROWS))
        return x, mid, w, BAND_ROWS

    def put(self, rect: Rect, pixels: np.ndarray) -> None:
        """Store the rendered ``pixels`` of ``rect`` (which lies inside the window)."""
        x, y, w, h = rect
        ox, oy, _, _ = self.rect
        self.image[y - oy : y - oy + h, x - ox : x - ox + w] = pixels


class CanvasCache:
    """The canvases of the last few scales, most recent last."""

    def __init__(self, keep: int = 4):
        self.keep = keep
        self._canvases: OrderedDict[tuple[float, float], Canvas] = OrderedDict()

    def clear(self) -> None:
        self._canvases.clear()

    def get(self, sx: float, sy: float, rect: Rect, style_of) -> tuple[Canvas, Canvas | None]:
        """The canvas of this scale moved to ``rect`` (new if none; ``style_of()`` gives
        how it is drawn), and the most recent canvas of another scale (a placeholder
        for the parts not rendered yet) or None."""
        key = scale_key(sx, sy)
        previous = next(
            (c for k, c in reversed(self._canvases.items()) if k != key and c.complete), None
        )
        canvas = self._canvases.pop(key, None)
        if canvas is None:
            canvas = Canvas(sx, sy, rect, style_of())
        else:
            canvas.move_to(rect)
        self._canvases[key] = canvas
        while len(self._canvases) > self.keep:
            self._canvases.popitem(last=False)
        return canvas, previous
