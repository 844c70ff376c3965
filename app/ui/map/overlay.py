"""Screen-space decorations over the map: legend, scale bar, cursor coordinates."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from app.ui.i18n import tr
from app.ui.labels import STATUS_LABELS
from app.ui.map.layers import STATUS_COLORS

EARTH_KM_PER_DEG = 111.32


def nice_length_km(max_km: float) -> float:
    """Largest 1/2/5 × 10^k kilometres not above max_km."""
    if max_km <= 0:
        return 0.0
    exp = math.floor(math.log10(max_km))
    for m in (5, 2, 1):
        if m * 10**exp <= max_km:
            return m * 10**exp
    return 10 ** (exp - 1) * 5


class MapOverlay(QtWidgets.QWidget):
    def __init__(self, parent):
        super().__init__(parent)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_NoSystemBackground)
        self.legend: list[tuple[str, str]] = []  # (colour, label)
        self.legend_title = ""
        self.km_per_px = 0.0
        self.cursor_text = ""
        self.dark = False
        self.show_legend = True
        self.text_px: int | None = None  # MapView.set_text_px; None: 9 pt
        self._legend_cache: tuple[tuple, QtGui.QPixmap] | None = None

    def set_legend(self, title: str, entries: list[tuple[str, str]]) -> None:
        self.legend_title, self.legend = title, entries
        self.update()

    def set_scale(self, km_per_px: float) -> None:
        self.km_per_px = km_per_px
        self.update()

    def set_cursor(self, lon: float | None, lat: float | None) -> None:
        self.cursor_text = "" if lon is None else f"{lat:.5f}°N  {lon:.5f}°E"
        self.update()

    def paintEvent(self, event):
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        p.setFont(self._font())
        fm = p.fontMetrics()
        if self.dark:
            panel, text = QtGui.QColor(13, 17, 23, 215), QtGui.QColor(225, 230, 236)
        else:
            panel, text = QtGui.QColor(255, 255, 255, 215), QtGui.QColor(30, 30, 30)
        self._paint_legend(p, fm, panel, text)
        self._paint_scale(p, fm, panel, text)
        if self.cursor_text:
            w = fm.horizontalAdvance(self.cursor_text) + 12
            r = QtCore.QRect(
                self.width() - w - 8, self.height() - fm.height() - 14, w, fm.height() + 6
            )
            p.fillRect(r, panel)
            p.setPen(text)
            p.drawText(r, QtCore.Qt.AlignmentFlag.AlignCenter, self.cursor_text)
        p.end()

    def _font(self) -> QtGui.QFont:
        font = QtGui.QFont(self.font())
        if self.text_px is None:
            font.setPointSizeF(9)
        else:
            font.setPixelSize(self.text_px)
        return font

    def legend_size(self, fm: QtGui.QFontMetrics | None = None) -> tuple[int, int]:
        """(width, height) in pixels of the legend panel; (0, 0) when none is shown."""
        if not self.legend or not self.show_legend:
            return 0, 0
        fm = fm or QtGui.QFontMetrics(self._font())
        w = (
            max(fm.horizontalAdvance(lbl) for _, lbl in self.legend + [("", self.legend_title)])
            + 34
        )
        return w, (fm.height() + 2) * (len(self.legend) + 1) + 8

    def _paint_legend(self, p, fm, panel, text):
        """The legend, drawn once into a pixmap and blitted: its text and circles cost
        a few ms on every frame of a pan otherwise."""
        if not self.legend or not self.show_legend:
            return
        w, h = self.legend_size(fm)
        ratio = self.devicePixelRatioF()
        key = (self.legend_title, tuple(self.legend), self.dark, w, h, ratio, p.font().key())
        if self._legend_cache is None or self._legend_cache[0] != key:
            pixmap = QtGui.QPixmap(int(w * ratio), int(h * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(QtCore.Qt.GlobalColor.transparent)
            q = QtGui.QPainter(pixmap)
            q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            q.setFont(p.font())
            self._draw_legend(q, fm, panel, text, w, h)
            q.end()
            self._legend_cache = (key, pixmap)
        p.drawPixmap(self.width() - w - 8, 8, self._legend_cache[1])

    def _draw_legend(self, p, fm, panel, text, w, h):
        lh = fm.height() + 2
        x, y = 0, 0
        p.fillRect(QtCore.QRect(x, y, w, h), panel)
        p.setPen(text)
        bold = QtGui.QFont(p.font())
        bold.setBold(True)
        p.save()
        p.setFont(bold)
        p.drawText(x + 8, y + 4 + fm.ascent(), self.legend_title)
        p.restore()
        for i, (color, label) in enumerate(self.legend):
            cy = y + 4 + lh * (i + 1)
            p.setBrush(QtGui.QColor(color))
            p.setPen(QtGui.QPen(text, 0.8))
            p.drawEllipse(QtCore.QRectF(x + 9, cy + (lh - 11) / 2, 11, 11))
            p.setPen(text)
            p.drawText(x + 27, cy + fm.ascent(), label)

    def _paint_scale(self, p, fm, panel, text):
        if self.km_per_px <= 0:
            return
        km = nice_length_km(self.km_per_px * 160)
        if km <= 0:
            return
        px = km / self.km_per_px
        label = f"{km:g} km" if km >= 1 else f"{km * 1000:g} m"
        x, y = 14, self.height() - 20
        p.fillRect(
            QtCore.QRectF(
                x - 6,
                y - fm.height() - 8,
                px + 12 + fm.horizontalAdvance(label) + 8,
                fm.height() + 20,
            ),
            panel,
        )
        p.setPen(QtGui.QPen(text, 2))
        p.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + px, y))
        p.drawLine(QtCore.QPointF(x, y - 5), QtCore.QPointF(x, y + 3))
        p.drawLine(QtCore.QPointF(x + px, y - 5), QtCore.QPointF(x + px, y + 3))
        p.drawText(QtCore.QPointF(x + px + 8, y + 4), label)


def status_legend() -> list[tuple[str, str]]:
    """(colour, status named in the UI language) of each code status."""
    return [(c, tr(STATUS_LABELS.get(s, s))) for s, c in STATUS_COLORS.items()]
