"""What the search box means: a code (forgiving input), a city, or an asset name (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_NAME_HITS = 10000


@dataclass
class SearchResult:
    kind: str  # "code", "city", "name", "none"
    query: str
    code: str | None = None  # canonical code when kind == "code"
    city: str | None = None  # 6-digit code when kind == "city"
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    message: str = ""


def _as_code(text: str) -> str | None:
    from app.core.codes import parse_code
    from app.core.errors import CoreError

    try:
        return str(parse_code(text))
    except (CoreError, ValueError):
        return None


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
    query = text.strip()
    if not query:
        return SearchResult("none", query, message="empty search")
    code = _as_code(query)
    if code is not None:
        row = table.row_of_code(code) if table is not None else None
        rows = np.asarray([] if row is None else [row], dtype=np.int64)
        return SearchResult("code", query, code=code, rows=rows)
    city = match_city(query, cities)
    if city is not None:
        return SearchResult("city", query, city=city)
    if table is not None:
        row = table.find_asset_id(query)
        hits = [row] if row is not None else table.search_names(query, limit=MAX_NAME_HITS)
        if hits:
            return SearchResult("name", query, rows=np.asarray(hits, np.int64))
    return SearchResult("none", query, message=f"nothing matches {query!r}")
