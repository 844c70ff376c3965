"""The codes index (the current state of every code, folded from its log's records) and
the officials of every log: the node's materialised view for the map and look-ups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from app.ledger.codes_index import CodeState
from app.ledger.db import upsert
from app.ledger.schema import codes, officials
from app.ledger.stores.base import Database, rows_where_in


class CodesIndex(Database):
    @staticmethod
    def upsert_codes(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
        upsert(conn, codes, rows, ["code"])

    @staticmethod
    def upsert_officials(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
        upsert(conn, officials, rows, ["origin", "name"])

    # ---------------------------------------------------------------- codes and officials
    def code_state(self, code: str) -> CodeState | None:
        with self.read() as conn:
            row = conn.execute(sa.select(codes).where(codes.c.code == code)).first()
        return None if row is None else CodeState.from_row(row)

    def code_states(self, code_list: Iterable[str]) -> dict[str, CodeState]:
        """The state of each given code the index holds, by code (a query per chunk)."""
        out: dict[str, CodeState] = {}
        with self.read() as conn:
            for row in rows_where_in(conn, sa.select(codes), codes.c.code, list(code_list)):
                out[row.code] = CodeState.from_row(row)
        return out

    def codes_in_bbox(
        self,
        minx: float,
        miny: float,
        maxx: float,
        maxy: float,
        origin: str | None = None,
        limit: int | None = None,
    ) -> list[CodeState]:
        """Codes whose geometry's bbox intersects the given box (EPSG:4326 degrees)."""
        q = sa.select(codes).where(
            codes.c.minx <= maxx, codes.c.maxx >= minx, codes.c.miny <= maxy, codes.c.maxy >= miny
        )
        if origin:
            q = q.where(codes.c.origin == origin)
        q = q.order_by(codes.c.code)
        if limit:
            q = q.limit(limit)
        with self.read() as conn:
            return [CodeState.from_row(r) for r in conn.execute(q)]

    def list_codes(
        self,
        origin: str | None = None,
        asset_class: str | None = None,
        status: str | None = None,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[CodeState]:
        """Codes filtered by origin, class, status and a case-insensitive code/name search."""
        q = sa.select(codes)
        if origin:
            q = q.where(codes.c.origin == origin)
        if asset_class:
            q = q.where(codes.c.asset_class == asset_class)
        if status:
            q = q.where(codes.c.status == status)
        if search:
            pat = f"%{search.strip()}%"
            q = q.where(sa.or_(codes.c.code.ilike(pat), codes.c.name.ilike(pat)))
        order = codes.c.latest_index.desc() if newest_first else codes.c.latest_index
        q = q.order_by(order, codes.c.code).limit(limit).offset(offset)
        with self.read() as conn:
            return [CodeState.from_row(r) for r in conn.execute(q)]

    def code_counts(self, origin: str | None = None) -> dict[tuple[str, str], int]:
        """{(asset_class, status): count}, for dashboards."""
        q = sa.select(codes.c.asset_class, codes.c.status, sa.func.count()).group_by(
            codes.c.asset_class, codes.c.status
        )
        if origin:
            q = q.where(codes.c.origin == origin)
        with self.read() as conn:
            return {(c, s): n for c, s, n in conn.execute(q)}

    def officials(self, origin: str) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [
                dict(r._mapping)
                for r in conn.execute(
                    sa.select(officials)
                    .where(officials.c.origin == origin)
                    .order_by(officials.c.added_index)
                )
            ]

    @staticmethod
    def load_code_rows(conn: sa.Connection, code_list: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Current index rows (as dicts) of the given codes that exist."""
        out: dict[str, dict[str, Any]] = {}
        for row in rows_where_in(conn, sa.select(codes), codes.c.code, list(code_list)):
            out[row.code] = dict(row._mapping)
        return out

    @staticmethod
    def official_rows(conn: sa.Connection, origin: str) -> dict[str, dict[str, Any]]:
        """The officials of `origin`'s log, {name: row}."""
        return {
            r.name: dict(r._mapping)
            for r in conn.execute(sa.select(officials).where(officials.c.origin == origin))
        }

    def code_rows(self, origin: str) -> Iterator[dict[str, Any]]:
        """Every codes-index row of `origin` (for the audit)."""
        with self.read() as conn:
            rows = conn.execute(sa.select(codes).where(codes.c.origin == origin)).all()
        for row in rows:
            yield dict(row._mapping)
