"""Look of the app: CJK-capable fonts, a light desktop palette and the dark wall palette."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette

# Families with Simplified Chinese coverage, best first; Debian's fonts-wqy-microhei is
# what `make` installs, the others are common on desktops.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans SC",
)
_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def cjk_family() -> str | None:
    """A loaded family that renders Chinese; loads a known font file if fontconfig has none."""
    families = set(QFontDatabase.families())
    for name in CJK_FAMILIES:
        if name in families:
            return name
    for path in _FONT_FILES:
        if Path(path).exists():
            font_id = QFontDatabase.addApplicationFont(path)
            loaded = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if loaded:
                return loaded[0]
    return None


def apply_fonts(app, point_size: float | None = None) -> str | None:
    """Latin text in the platform sans, Chinese from a CJK family (explicit fallback chain)."""
    cjk = cjk_family()
    font = QFont(app.font())
    base = "DejaVu Sans" if "DejaVu Sans" in QFontDatabase.families() else font.family()
    font.setFamilies([base] + ([cjk] if cjk else []))
    if point_size:
        font.setPointSizeF(point_size)
    app.setFont(font)
    return cjk


def _palette(colors: dict) -> QPalette:
    pal = QPalette()
    for role, value in colors.items():
        pal.setColor(role, QColor(value))
    return pal


def light_palette() -> QPalette:
    return _palette(
        {
            QPalette.ColorRole.Window: "#f3f4f6",
            QPalette.ColorRole.WindowText: "#1f2933",
            QPalette.ColorRole.Base: "#ffffff",
            QPalette.ColorRole.AlternateBase: "#f5f7fa",
            QPalette.ColorRole.Text: "#1f2933",
            QPalette.ColorRole.Button: "#e9ecef",
            QPalette.ColorRole.ButtonText: "#1f2933",
            QPalette.ColorRole.Highlight: "#2f6fb3",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.ToolTipBase: "#ffffe6",
            QPalette.ColorRole.ToolTipText: "#1f2933",
            QPalette.ColorRole.PlaceholderText: "#8a94a0",
            QPalette.ColorRole.Link: "#2f6fb3",
        }
    )


def dark_palette() -> QPalette:
    return _palette(
        {
            QPalette.ColorRole.Window: "#0d1117",
            QPalette.ColorRole.WindowText: "#e6edf3",
            QPalette.ColorRole.Base: "#161b22",
            QPalette.ColorRole.AlternateBase: "#1c2230",
            QPalette.ColorRole.Text: "#e6edf3",
            QPalette.ColorRole.Button: "#21262d",
            QPalette.ColorRole.ButtonText: "#e6edf3",
            QPalette.ColorRole.Highlight: "#388bfd",
            QPalette.ColorRole.HighlightedText: "#ffffff",
        }
    )


# Code status colours, shared by the table, inspector and wall.
STATUS_COLORS = {
    "none": "#9aa5b1",
    "pending": "#d9822b",
    "issued": "#2e8540",
    "revoked": "#c23030",
    "unverified": "#8e6bbf",
}

CHECK_COLORS = {"pass": "#2e8540", "fail": "#c23030", "unknown": "#d9822b"}
# network_state lights (app.net.health states folded to three), on dark and light.
HEALTH_COLORS = {"green": "#2ea043", "amber": "#d29922", "red": "#f85149", None: "#6e7681"}

# app.ledger.verdict states: amber for the states that come right by waiting.
VERDICT_COLORS = {
    "verified": "#2e8540",
    "verified-offline": "#8a6d1f",  # proven record, later state unknown: never plain green
    "awaiting": "#b7791f",
    "pending": "#d9822b",
    "failed": "#c23030",
}

DESKTOP_STYLESHEET = """
QDockWidget::title { padding: 5px 8px; background: #e3e7ec; font-weight: bold; }
QGroupBox { font-weight: bold; margin-top: 14px; border: 1px solid #d5dae0;
            border-radius: 4px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QStatusBar QLabel { padding: 0 6px; }
QLabel#banner_offline { background: #c23030; color: white; padding: 2px 8px;
                        border-radius: 3px; font-weight: bold; }
QLabel#banner_online { background: #2e8540; color: white; padding: 2px 8px;
                       border-radius: 3px; }
QLabel#banner_local { background: #7b8794; color: white; padding: 2px 8px;
                      border-radius: 3px; }
QLineEdit#search { padding: 3px 6px; border: 1px solid #b8c0c8; border-radius: 4px;
                   min-width: 320px; background: white; }
QLabel#code_label { font-family: "DejaVu Sans Mono"; font-size: 13pt; font-weight: bold; }
QToolBar { spacing: 4px; padding: 2px; }
"""
