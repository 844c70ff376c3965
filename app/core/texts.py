"""Marking English texts that a view translates, without importing Qt.

``N_("…{name}…")`` returns its argument unchanged; the UI's catalogue tool runs Qt's
lupdate with ``N_`` as an alias of QT_TR_NOOP, so every marked template lands in the
translation file, and a view shows ``tr(template).format(**params)``.

A text with a count is marked ``NP_("…%n failed calls…", None, COUNT, one="…%n failed
call…")``: the count is the parameter ``n`` (COUNT), written ``%n`` as in Qt's plural
forms. lupdate reads ``NP_`` as ``tr(text, None, n)`` — the two unused positional
arguments are what make it a plural message — so the view gets each language's forms
(``tr(template, None, n)``, the English catalogue supplying "1 failed call"); ``one`` is
the English for a count of 1 that the Qt-free layers print (``english``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

COUNT = "n"  # the parameter a plural text (one with %n) takes its count from
_ONE: dict[str, str] = {}  # plural template -> its English form for a count of 1


def N_(template: str) -> str:  # gettext's name for "mark, do not translate"
    return template


def NP_(template: str, _disambiguation: None = None, _count: str = COUNT, *, one: str) -> str:
    """Mark a text with a count (``%n``, from the parameter ``n``) for Qt's plural forms."""
    _ONE[template] = one
    return template


def count_of(template: str, params: Mapping[str, object]) -> int | None:
    """The count a plural template (one with %n) takes from its parameters, else None."""
    if "%n" not in template:
        return None
    value = params.get(COUNT)
    return value if isinstance(value, int) else None


def english(template: str, params: Mapping[str, object]) -> str:
    """The English sentence of a marked template: ``%n`` as the count, in the singular
    form for 1; then the ``{name}`` parameters."""
    n = count_of(template, params)
    if n is not None:
        template = (_ONE.get(template, template) if n == 1 else template).replace("%n", str(n))
    return template.format(**params)


@dataclass(frozen=True)
class Text:
    """An English template (marked N_ or NP_) with its parameters, kept apart so a view
    can show it translated — also when it is itself a parameter of another text; str()
    is the English."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return english(self.template, self.params)
