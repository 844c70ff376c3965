"""What this node vouched for as a witness: per log, the latest checkpoint it co-signed.

Kept apart from the replica's checkpoints (app/ledger/stores/logs.py), which are stored
only together with the entries they cover: a witness co-signs a checkpoint before it holds
its entries, and `log verify` must not find a checkpoint beyond the stored log."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.ledger.schema import witnessed
from app.ledger.stores.base import Database, now


@dataclass(frozen=True)
class Witnessed:
    origin: str
    size: int
    root_hash: bytes
    note: bytes  # the log-signed checkpoint note
    cosignature: str  # this node's cosignature line for it


class WitnessedCheckpoints(Database):
    def witnessed(self, origin: str) -> Witnessed | None:
        with self.read() as conn:
            row = conn.execute(sa.select(witnessed).where(witnessed.c.origin == origin)).first()
        if row is None:
            return None
        m = row._mapping
        return Witnessed(
            m["origin"], m["size"], bytes(m["root_hash"]), bytes(m["note"]), m["cosignature"]
        )

    def save_witnessed(
        self,
        origin: str,
        size: int,
        root: bytes,
        note: bytes,
        cosignature: str,
        expected_size: int | None,
    ) -> bool:
        """Record that this node co-signed `note` iff its latest witnessed size is still
        `expected_size` (None: nothing witnessed yet); False if another request moved it."""
        row = {
            "origin": origin,
            "size": size,
            "root_hash": root,
            "note": note,
            "cosignature": cosignature,
            "updated_at": now(),
        }
        if expected_size is None:
            try:
                with self.write() as conn:
                    conn.execute(sa.insert(witnessed).values(**row))
            except sa.exc.IntegrityError:  # another request witnessed it first
                return False
            return True
        with self.write() as conn:
            res = conn.execute(
                sa.update(witnessed)
                .where(witnessed.c.origin == origin, witnessed.c.size == expected_size)
                .values(**row)
            )
            return res.rowcount == 1
