"""zh-CN / en translation of the UI.

Source strings are English and go through ``tr()`` (one Qt context, "CityLedger").
The Chinese catalogue is a Qt Linguist file, resources/i18n/cityledger_zh_CN.ts,
compiled by ``pyside6-lrelease`` (shipped with PySide6-Essentials) into the committed
cityledger_zh_CN.qm that a standard QTranslator loads. tests/ui/test_i18n.py checks that
every ``tr("...")`` literal in app/ui has a translation and that the .qm is up to date.
"""

from __future__ import annotations

import locale
import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

CONTEXT = "CityLedger"
I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
LANGUAGES = ("en", "zh_CN")

_installed: list[QTranslator] = []


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def system_language() -> str:
    """'zh_CN' for a Chinese locale, else 'en'."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    name = QLocale.system().name() or (locale.getlocale()[0] or "")
    return "zh_CN" if name.lower().startswith("zh") else "en"


def install(app, language: str | None = None) -> str:
    """Install the translator for ``language`` (None: the system's). Returns the language used."""
    language = language or system_language()
    if language not in LANGUAGES:
        raise ValueError(f"unknown UI language {language!r}; choose one of {', '.join(LANGUAGES)}")
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if language != "en":
        translator = QTranslator(app)
        qm = I18N_DIR / f"cityledger_{language}.qm"
        if not translator.load(str(qm)):
            raise FileNotFoundError(f"translation catalogue missing or unreadable: {qm}")
        app.installTranslator(translator)
        _installed.append(translator)
        # Qt's own texts (standard dialog buttons, context menus), shipped with PySide6.
        qt = QTranslator(app)
        if qt.load(
            f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        ):
            app.installTranslator(qt)
            _installed.append(qt)
    return language
