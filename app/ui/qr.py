"""QR images (segno) as QImage/QPixmap for the inspector and the issue result."""

from __future__ import annotations

import io

import segno
from PySide6.QtGui import QImage, QPixmap


def qr_png(text: str, scale: int = 4) -> bytes:
    """PNG bytes of a QR for ``text`` (error correction M, the smallest version that fits)."""
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_pixmap(text: str, scale: int = 4) -> QPixmap:
    # PySide6's stub types the format as bytes, but the binding accepts only a str.
    image = QImage.fromData(qr_png(text, scale), "PNG")  # type: ignore[arg-type]
    if image.isNull():
        raise ValueError(f"could not render a QR image for {text[:40]!r}")
    return QPixmap.fromImage(image)
