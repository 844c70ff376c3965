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
import re
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.core.error_families import family
from app.core.texts import Text, count_of, english

CONTEXT = ""  # lupdate files a bare tr() call of a Python module under the empty context
I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
LANGUAGES = ("en", "zh_CN")

_installed: list[QTranslator] = []
_current = ["en"]


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """The UI-language text; with ``n`` >= 0, the plural form for n (``%n`` replaced)."""
    return QCoreApplication.translate(CONTEXT, text, disambiguation, n)


def reason_text(template: str, params: Mapping) -> str:
    """A Qt-free layer's English template (marked N_ or NP_) with its parameters,
    translated; text parameters that are themselves marked texts are translated too, and
    an error text of a known family (app.core.error_families) is shown as its phrase."""
    return reason_parts(template, params)[0]


def reason_parts(template: str, params: Mapping) -> tuple[str, list[str]]:
    """(the translated reason, the raw error texts it shows by their family's phrase:
    for a tooltip or a secondary line)."""
    details: list[str] = []
    values = {k: _translated(k, v, details) for k, v in dict(params).items()}
    n = count_of(template, params)
    try:
        return tr(template, None, -1 if n is None else n).format(**values), details
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
        return english(template, params), details


ERROR_PARAMS = ("error",)  # parameters that carry an exception's text
CITY_NAME_PARAMS = ("city_name", "names")  # the verifier names cities in English
_city_names: dict[str, str] = {}  # a member city's English name -> its Chinese one


def set_city_names(pairs) -> None:
    """(English, Chinese) names of the member cities (the trust file's), so a reason
    that names cities in English shows them in the UI language."""
    _city_names.clear()
    _city_names.update({en: zh for en, zh in pairs if en and zh})


def _city_names_localized(text: str) -> str:
    if language() != "zh_CN":
        return text
    # longest first, so a name that contains another is replaced whole
    for en in sorted(_city_names, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(en)}\b", _city_names[en], text)
    return text


def _translated(key: str, value, details: list[str]):
    if isinstance(value, Text):
        text, inner = reason_parts(value.template, value.params)
        details += inner
        return text
    if not isinstance(value, str):
        return value
    if key in CITY_NAME_PARAMS:
        return _city_names_localized(value)
    if key in ERROR_PARAMS:
        known = family(value)
        if known is not None:
            details.append(value)
            return reason_text(known.template, dict(known.params))
    return tr(value)


def health_reason(health) -> str:
    """Why a city (app.ui.network_state.CityHealth) is in its state, in the UI language."""
    return health_parts(health)[0]


def health_parts(health) -> tuple[str, list[str]]:
    """health_reason, and the raw error texts behind it (reason_parts)."""
    if health.why is None:
        return health.reason, []
    return reason_parts(health.why.template, health.why.params)


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
