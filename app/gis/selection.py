"""The selected assets: one model that the map, the table, the inspector and scripts share.

The views (Qt widgets) listen to it and show it; a script selects through it and the window
follows, as napari's layer model drives its ``_qt`` views.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Listener = Callable[[list[int], str], None]


class Selection:
    def __init__(self) -> None:
        self.rows: list[int] = []
        self._listeners: list[Listener] = []
        self._notifying = False

    def subscribe(self, listener: Listener) -> None:
        """``listener(rows, source)`` after every change of the selection."""
        self._listeners.append(listener)

    def select(self, rows: Iterable[int], source: str = "script") -> bool:
        """Select ``rows`` (table rows) on behalf of ``source`` ('map', 'table', 'search',
        'app', 'script'). A view that echoes the selection back while it is being shown
        changes nothing; returns whether the selection was taken."""
        if self._notifying:
            return False
        self.rows = [int(r) for r in rows]
        self._notifying = True
        try:
            for listener in list(self._listeners):
                listener(self.rows, source)
        finally:
            self._notifying = False
        return True

    def clear(self, source: str = "script") -> bool:
        return self.select([], source)

    @property
    def first(self) -> int | None:
        return self.rows[0] if self.rows else None

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, row: object) -> bool:
        return row in self.rows
