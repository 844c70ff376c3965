"""The map styles by the life of the codes, wired (issue 12): the codes index read into
per-row columns on the worker (app.gis.life_style), attached to the AssetTable for the
table's Condition / Last inspection columns and the inspector, and — when the layers
panel's colouring is one of the life styles — the map's colours, legend and filter.

Thin: what a row's category is, is decided in app.gis.life_style.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.gis import life_style
from app.ui.i18n import tr

if TYPE_CHECKING:
    from app.gis.assets import AssetTable
    from app.ui.main_window import MainWindow


def read_columns(ctx, table: AssetTable) -> life_style.LifeColumns:
    """Worker job: the table's life columns from the node's codes index."""
    from app.ui.workspace import all_codes

    if ctx.node is None:
        return life_style.empty_columns(len(table))
    return life_style.life_columns(table, all_codes(ctx.node))


class LifeStyles(QObject):
    columnsReady = Signal()  # the shown table's life columns were (re)read

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.w = window
        self.mode = "class"
        self.key: np.ndarray | None = None  # category per row of the current life style
        legend = window.layers.life_legend
        legend.paramsChanged.connect(self.apply)
        legend.shownChanged.connect(lambda _s: self.apply())

    @property
    def table(self) -> AssetTable | None:
        return self.w.ws.table if self.w.ws is not None else None

    def refresh(self) -> None:
        """Read the codes index again for the shown table (after a load, a sync, a batch)."""
        table = self.table
        if table is None:
            return
        self.w.backend.call_for(
            self,
            lambda ctx: read_columns(ctx, table),
            on_done=lambda cols: self._columns(table, cols),
        )

    def _columns(self, table: AssetTable, cols: life_style.LifeColumns) -> None:
        if table is not self.table or len(cols) != len(table):
            return  # another table is shown by now; its own refresh follows
        table.life = cols
        self.w.table.model.refresh_cells()
        if self.mode in life_style.STYLES:
            self.apply()
        self.columnsReady.emit()

    def set_mode(self, mode: str) -> None:
        """'class' / 'status' (the map's own colourings) or a life style."""
        self.mode = mode
        if mode not in life_style.STYLES:
            self.key = None
            self.w.layers.life_legend.show_style(None)
            self.w.map.set_color_mode(mode)
            self.w.table.set_style_mask(None)
            return
        self.apply()

    def apply(self) -> None:
        """Colour, legend and filter of the current life style over the current columns."""
        table, style = self.table, self.mode
        if table is None or style not in life_style.STYLES:
            return
        cols = table.life if table.life is not None else life_style.empty_columns(len(table))
        legend = self.w.layers.life_legend
        params = legend.params()
        key, cats = life_style.categorise(style, table, cols, params)
        counts = life_style.counts(key, cats)
        legend.show_style(style, cats, counts)
        shown = legend.shown()
        mask = None if len(shown) == len(cats) else life_style.visible(key, shown)
        values = life_style.label_params(params)
        entries = [
            (c.color, tr(c.label).format(**values))
            for k, c in enumerate(cats)
            if k in shown and counts[k]
        ]
        self.key = key
        self.w.map.set_custom_style(
            key, [c.color for c in cats], (tr(life_style.STYLE_TITLES[style]), entries), mask
        )
        self.w.table.set_style_mask(mask)
