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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.gis.render.viewport import Rect, intersect, scale_key, subtract

BAND_PIXELS = 1920 * 96  # pixels per unit of work: ~1/11 of a 1080p view
# Each band is rendered with 8 rows of margin above and below (discs and pens cross its
# edges): 32-row bands render 1.5x their pixels' marks, so bands go no smaller.
MIN_BAND_PIXELS = 1920 * 32
FIRST_BAND_PIXELS = 1920 * 48  # before anything is measured (a new scale, new data)
BAND_SECONDS = 0.03  # a band costing more is followed by smaller ones


@dataclass(frozen=True)
class Style:
    """How a scale is drawn, chosen once when it is first shown, so the strips a pan
    adds later match the rest: the marks' mode ('density', 'dots', 'discs') and
    whether shapes get wide pens and status rings."""

    mode: str
    fine: bool


class Canvas:
    def __init__(self, sx: float, sy: float, rect: Rect, style: Style, fill: int = 0):
        self.sx, self.sy = sx, sy
        self.rect = rect
        self.style = style  # how the scale is drawn, chosen when it was first shown
        _, _, w, h = rect
        self.fill = np.uint32(fill)  # the map's background: an opaque canvas is copied,
        self.image = np.full((h, w), self.fill, np.uint32)  # not blended, when blitted
        self._spare: np.ndarray | None = None
        self.pending: list[Rect] = [rect]
        self.band_pixels = FIRST_BAND_PIXELS
        self.waiting = False  # something was left out until background work is done
        self.refreshing = False  # re-rendering over a complete but outdated image

    def refresh(self) -> None:
        """Render everything again, showing the current image until it is replaced."""
        self.pending = [self.rect]
        self.waiting = False
        self.refreshing = True
        # What was measured drew less (the marks or shapes were still being built).
        self.band_pixels = min(self.band_pixels, FIRST_BAND_PIXELS)

    @property
    def complete(self) -> bool:
        return not self.pending

    def move_to(self, rect: Rect) -> None:
        """Show the window ``rect`` of the same scale: keep what overlaps, queue the rest."""
        if rect == self.rect:
            return
        ox, oy, ow, oh = self.rect
        nx, ny, nw, nh = rect
        # Two buffers used in turn: a fresh 8 MB array costs its page faults every pan.
        image = self._spare if self._spare is not None and self._spare.shape == (nh, nw) else None
        image = np.empty((nh, nw), np.uint32) if image is None else image
        keep = intersect(self.rect, rect)
        if keep is None:
            image[:] = self.fill
        else:
            kx, ky, kw, kh = keep
            image[: ky - ny] = self.fill
            image[ky - ny + kh :] = self.fill
            image[ky - ny : ky - ny + kh, : kx - nx] = self.fill
            image[ky - ny : ky - ny + kh, kx - nx + kw :] = self.fill
            image[ky - ny : ky - ny + kh, kx - nx : kx - nx + kw] = self.image[
                ky - oy : ky - oy + kh, kx - ox : kx - ox + kw
            ]
        pending = [r for p in self.pending if (r := intersect(p, rect)) is not None]
        pending += subtract(rect, self.rect)
        self._spare = self.image
        self.image, self.rect, self.pending = image, rect, pending

    def drop_spare(self) -> None:
        """Free the second buffer (only the canvas being panned needs one)."""
        self._spare = None

    def next_band(self) -> Rect | None:
        """The next rectangle to render (at most BAND_PIXELS, cut into full-width bands),
        taken off the queue; the one nearest the centre of the window first."""
        if not self.pending:
            self.refreshing = False
            return None
        cx = self.rect[0] + self.rect[2] / 2
        cy = self.rect[1] + self.rect[3] / 2
        self.pending.sort(key=lambda r: abs(r[0] + r[2] / 2 - cx) + abs(r[1] + r[3] / 2 - cy))
        x, y, w, h = self.pending.pop(0)
        rows = max(1, self.band_pixels // max(w, 1))
        if h <= rows:
            return x, y, w, h
        # Split off the band nearest the centre of the window.
        mid = min(max(int(cy) - rows // 2, y), y + h - rows)
        if mid > y:
            self.pending.append((x, y, w, mid - y))
        if mid + rows < y + h:
            self.pending.append((x, mid + rows, w, y + h - mid - rows))
        return x, mid, w, rows

    def took(self, rect: Rect, seconds: float) -> None:
        """Rendering ``rect`` took ``seconds``: size the next bands to about BAND_SECONDS
        each, so a dense part of the view (a city centre's roads zoomed out) does not
        hold the UI thread for a whole band of 100 ms."""
        per_pixel = seconds / max(rect[2] * rect[3], 1)
        fit = BAND_SECONDS / per_pixel if per_pixel > 0 else BAND_PIXELS
        self.band_pixels = int(min(max(fit, MIN_BAND_PIXELS), BAND_PIXELS))

    def put(self, rect: Rect, pixels: np.ndarray) -> None:
        """Store the rendered ``pixels`` of ``rect`` (which lies inside the window)."""
        x, y, w, h = rect
        ox, oy, _, _ = self.rect
        self.image[y - oy : y - oy + h, x - ox : x - ox + w] = pixels


class CanvasCache:
    """The canvases of the last few scales, most recent last."""

    def __init__(self, keep: int = 3, fill: int = 0):
        self.keep = keep
        self.fill = fill
        self._canvases: OrderedDict[tuple[float, float], Canvas] = OrderedDict()
        self._backdrop: Canvas | None = None

    def clear(self) -> None:
        """Forget every canvas; the most recent complete one is kept only to stand in,
        scaled, for the parts of the next view not rendered yet."""
        complete = [c for c in self._canvases.values() if c.complete]
        if complete:
            self._backdrop = complete[-1]
            self._backdrop.drop_spare()
        self._canvases.clear()

    def get(
        self, sx: float, sy: float, rect: Rect, style_of: Callable[[], Style]
    ) -> tuple[Canvas, Canvas | None]:
        """The canvas of this scale moved to ``rect`` (new if none; ``style_of()`` gives
        how it is drawn), and the most recent canvas of another scale (a placeholder
        for the parts not rendered yet) or None."""
        key = scale_key(sx, sy)
        previous = next(
            (c for k, c in reversed(self._canvases.items()) if k != key and c.complete),
            self._backdrop,
        )
        canvas = self._canvases.pop(key, None)
        for other in self._canvases.values():
            other.drop_spare()
        if canvas is None:
            canvas = Canvas(sx, sy, rect, style_of(), self.fill)
            if self._canvases:  # the band size that suited the last scale, to start with
                canvas.band_pixels = next(reversed(self._canvases.values())).band_pixels
        else:
            canvas.move_to(rect)
        self._canvases[key] = canvas
        while len(self._canvases) > self.keep:
            self._canvases.popitem(last=False)
        return canvas, previous
