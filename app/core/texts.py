"""Marking English texts that a view translates, without importing Qt.

``N_("…{name}…")`` returns its argument unchanged; the UI's catalogue tool runs Qt's
lupdate with ``N_`` as an alias of QT_TR_NOOP, so every marked template lands in the
translation file, and a view shows ``tr(template).format(**params)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def N_(template: str) -> str:  # gettext's name for "mark, do not translate"
    return template


@dataclass(frozen=True)
class Text:
    """An English template (marked N_) with its parameters, kept apart so a view can
    show it translated — also when it is itself a parameter of another text; str() is
    the English."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template.format(**self.params)
