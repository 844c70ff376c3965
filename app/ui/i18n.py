"""zh-CN / en translation of the UI.

Source strings are English and go through ``tr()`` — Qt's lupdate reads every
``tr("…")`` in app/ui (as the default, empty context) and every ``N_("…")`` template of
the Qt-free layers (app.core.texts). Counts use Qt's plural forms: ``tr("%n witnesses",
None, n)``; the English catalogue supplies the singular. The catalogues are Qt Linguist
files in resources/i18n, updated by ``python -m app.ui.i18n_catalog update`` (lupdate)
and compiled by ``pyside6-lrelease`` (both shipped with PySide6-Essentials) into the
committed .qm files a standard QTranslator loads. tests/ui/test_i18n.py fails when a
user-visible text lacks a translation or a .qm is stale.
"""

from __future__ import annotations

import locale
import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.core.texts import Text

CONTEXT = ""  # lupdate files a bare tr() call of a Python module under the empty context
I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
LANGUAGES = ("en", "zh_CN")

_installed: list[QTranslator] = []
_current = ["en"]


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """The UI-language text; with ``n`` >= 0, the plural form for n (``%n`` replaced)."""
    return QCoreApplication.translate(CONTEXT, text, disambiguation, n)


def reason_text(template: str, params: dict) -> str:
    """A Qt-free layer's English template (marked N_) with its parameters, translated;
    text parameters that are themselves marked texts are translated too."""
    values = {k: _translated(v) for k, v in dict(params).items()}
    try:
        return tr(template).format(**values)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        return template.format(**params)


def _translated(value):
    if isinstance(value, Text):
        return reason_text(value.template, value.params)
    return tr(value) if isinstance(value, str) else value


def health_reason(health) -> str:
    """Why a city (app.ui.network_state.CityHealth) is in its state, in the UI language."""
    if health.why is None:
        return health.reason
    return reason_text(health.why.template, health.why.params)


def language() -> str:
    return _current[0]


def localized(en: str | None, zh: str | None) -> str:
    """A name in the UI language, falling back to the other one."""
    first, second = (zh, en) if language() == "zh_CN" else (en, zh)
    return str(first or second or "")


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
    _current[0] = language
    # English too has a catalogue: its plural forms ("1 cosignature", "2 cosignatures").
    translator = QTranslator(app)
    qm = I18N_DIR / f"cityledger_{language}.qm"
    if not translator.load(str(qm)):
        raise FileNotFoundError(f"translation catalogue missing or unreadable: {qm}")
    app.installTranslator(translator)
    _installed.append(translator)
    if language != "en":
        # Qt's own texts (standard dialog buttons, context menus), shipped with PySide6.
        qt = QTranslator(app)
        if qt.load(
            f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        ):
            app.installTranslator(qt)
            _installed.append(qt)
    return language
