"""Proof bundles of codes verified on demand (cities this node does not follow)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.ledger.db import upsert
from app.ledger.schema import verified_lookups
from app.ledger.stores.base import Database, now


@dataclass(frozen=True)
class VerifiedLookup:
    code: str
    origin: str
    checkpoint_size: int
    bundle: bytes  # the tlog-proof bundle that verified
    peer: str  # where the answer came from
    verified_at: float


class Lookups(Database):
    def save_lookup(
        self, code: str, origin: str, checkpoint_size: int, bundle: bytes, peer: str
    ) -> None:
        row = {
            "code": code,
            "origin": origin,
            "checkpoint_size": checkpoint_size,
            "bundle": bundle,
            "peer": peer,
            "verified_at": now(),
        }
        with self.write() as conn:
            upsert(conn, verified_lookups, [row], ["code"])

    def cached_lookup(self, code: str) -> VerifiedLookup | None:
        with self.read() as conn:
            row = conn.execute(
                sa.select(verified_lookups).where(verified_lookups.c.code == code)
            ).first()
        return None if row is None else VerifiedLookup(**row._mapping)
