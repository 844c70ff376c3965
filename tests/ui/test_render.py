"""The main window and the wall rendered to PNG: not blank, and Chinese text is drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QImage, QPainter

from app.ui import theme


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format_RGB32)
    arr = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    # copy: the array must not outlive the QImage whose memory it views
    return arr.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3].copy()


def _glyph(char: str, font: QFont) -> np.ndarray:
    image = QImage(48, 48, QImage.Format_RGB32)
    image.fill(Qt.white)
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(Qt.black)
    painter.drawText(image.rect(), Qt.AlignCenter, char)
    painter.end()
    return _pixels(image).min(axis=2) < 128


def test_a_cjk_font_is_found_and_draws_distinct_glyphs(qapp):
    family = theme.apply_fonts(qapp)
    assert family in QFontDatabase.families()
    font = qapp.font()
    glyphs = [_glyph(ch, font) for ch in "石家庄市"]
    # Real glyphs differ from each other; missing-glyph boxes ("tofu") would all be equal.
    assert all(g.sum() > 20 for g in glyphs)
    assert len({g.tobytes() for g in glyphs}) == 4


def test_main_window_png_is_not_blank_and_shows_chinese_city_label(
    make_window, node_dir, tmp_path, qtbot, qapp
):
    from app.ui import i18n

    i18n.install(qapp, "zh_CN")  # city names follow the UI language
    try:
        w = make_window(node_dir)
    finally:
        i18n.install(qapp, "en")
    qtbot.wait(300)  # let docks settle their layout before measuring where the label is
    cities = w.layers.cities
    item = cities.item(0)
    rect = cities.visualItemRect(item)
    top_left = cities.viewport().mapTo(w, rect.topLeft())
    path = tmp_path / "main.png"
    assert w.grab().save(str(path), "PNG")
    pixels = _pixels(QImage(str(path)))
    assert pixels.shape[0] >= 900 and pixels.shape[1] >= 1500
    colors = np.unique(pixels.reshape(-1, 3)[::7], axis=0)
    assert len(colors) > 50, "a rendered window has many colours; a blank one has a few"

    assert item.text().startswith("石家庄市")
    label = pixels[
        top_left.y() : top_left.y() + rect.height(), top_left.x() : top_left.x() + rect.width()
    ]
    background = np.median(label.reshape(-1, 3), axis=0)
    ink = np.abs(label.astype(int) - background).sum(axis=2) > 150
    QImage(str(path)).copy(top_left.x(), top_left.y(), rect.width(), rect.height()).save(
        str(tmp_path / "label.png")
    )
    assert ink.sum() > 80, f"the city label has no drawn text (see {tmp_path / 'label.png'})"


def _ink(pixels: np.ndarray, widget, window) -> int:
    """Pixels of ``widget`` (inside ``window``'s grab) that differ clearly from its background."""
    top_left = widget.mapTo(window, widget.rect().topLeft())
    area = pixels[
        top_left.y() : top_left.y() + widget.height(), top_left.x() : top_left.x() + widget.width()
    ]
    background = np.median(area.reshape(-1, 3), axis=0)
    return int((np.abs(area.astype(int) - background).sum(axis=2) > 150).sum())


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_wall_png_in_chinese_is_dark_and_draws_cjk_names(qtbot, backend, node_dir, qapp, size):
    from app.ui import i18n
    from app.ui.wall import WallWindow

    i18n.install(qapp, "zh_CN")
    try:
        wall = WallWindow(backend, node_dir, rotate_s=60, demo_assets_per_city=300)
        qtbot.addWidget(wall)
        wall.resize(*size)
        wall.show()
        qtbot.waitUntil(lambda: wall.snapshot is not None, timeout=60000)
        qtbot.wait(200)
        pixels = _pixels(wall.grab().toImage())
        assert pixels.shape[:2] == (size[1], size[0])
        assert np.median(pixels) < 60, "the wall is dark"
        assert len(np.unique(pixels.reshape(-1, 3)[::5], axis=0)) > 30
        assert wall.c_codes.value.text() == "1"  # the seed code
        name = wall.city_rows[0].name
        assert name.full_text == "石家庄市" and wall.caption.text() == "网络总览"
        scale = size[1] // 1080
        assert _ink(pixels, name, wall) > 150 * scale * scale, "the CJK city name is not drawn"
        assert _ink(pixels, wall.caption, wall) > 400 * scale * scale
    finally:
        i18n.install(qapp, "en")
