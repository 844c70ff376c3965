"""What the search box means: a code (forgiving input), a proof bundle, a city, or an asset
name (no Qt). Codes and bundles are read by app.ledger.pasted, the verify dialog's reader."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_NAME_HITS = 10000


@dataclass
class SearchResult:
    kind: str  # "code", "bundle", "city", "name", "none"
    query: str
    code: str | None = None  # canonical code when kind == "code"
    city: str | None = None  # 6-digit code when kind == "city"
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    message: str = ""  # English template (see params) when nothing matched
    params: dict = field(default_factory=dict)


def match_city(text: str, cities: dict) -> str | None:
    """cities: code -> (name_zh, name_en). Exact code, exact name, then prefix."""
    q = text.strip().lower()
    if not q:
        return None
    if q in cities:
        return q
    for code, names in cities.items():
        if any(q == str(n).lower() for n in names if n):
            return code
    for code, names in cities.items():
        # 石家庄 matches 石家庄市; "shijia" matches Shijiazhuang
        if any(str(n).lower().startswith(q) for n in names if n):
            return code
    return None


def resolve(text: str, table, cities: dict) -> SearchResult:
    """Runs on the worker: a name search scans every row of ``table`` (an AssetTable)."""
    from app.core.texts import N_
    from app.ledger import pasted

    query = text.strip()
    if not query:
        return SearchResult("none", query, message=N_("empty search"))
    got = pasted.read_text(query)
    if got.kind == pasted.BUNDLE:
        return SearchResult("bundle", query)
    if got.kind == pasted.CODE and got.error is None:
        row = table.row_of_code(got.code) if table is not None else None
        rows = np.asarray([] if row is None else [row], dtype=np.int64)
        return SearchResult("code", query, code=got.code, rows=rows)
    city = match_city(query, cities)
    if city is not None:
        return SearchResult("city", query, city=city)
    if table is not None:
        row = table.find_asset_id(query)
        hits = [row] if row is not None else table.search_names(query, limit=MAX_NAME_HITS)
        if hits:
            return SearchResult("name", query, rows=np.asarray(hits, np.int64))
    if got.error is not None and query[:6].isdigit():  # meant as a code: say what is wrong
        return SearchResult("none", query, message=got.error, params=dict(got.params))
    return SearchResult("none", query, message=N_("nothing matches “{q}”"), params={"q": query})
