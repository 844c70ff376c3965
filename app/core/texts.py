"""Marking English texts that a view translates, without importing Qt.

``N_("…{name}…")`` returns its argument unchanged; the UI's catalogue tool runs Qt's
lupdate with ``N_`` as an alias of QT_TR_NOOP, so every marked template lands in the
translation file, and a view shows ``tr(template).format(**params)``.
"""

from __future__ import annotations


def N_(template: str) -> str:  # gettext's name for "mark, do not translate"
    return template
