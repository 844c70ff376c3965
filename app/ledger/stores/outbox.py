"""The outbox: signed entries kept durably until their city's sequencer has them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.ledger.schema import outbox
from app.ledger.stores.base import Database, inserted_id, now


class Outbox(Database):
    # ---------------------------------------------------------------- outbox
    def outbox_add(self, origin: str, code: str | None, entry: bytes) -> int:
        """Keep a signed entry durably until it is delivered to `origin`'s sequencer."""
        with self.write() as conn:
            return inserted_id(
                conn.execute(
                    sa.insert(outbox).values(
                        origin=origin,
                        code=code,
                        entry=entry,
                        state="pending",
                        attempts=0,
                        created_at=now(),
                        updated_at=now(),
                    )
                )
            )

    def outbox_items(
        self, state: str = "pending", origin: str | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        q = sa.select(outbox).where(outbox.c.state == state)
        if origin:
            q = q.where(outbox.c.origin == origin)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(outbox.c.id).limit(limit))]

    def outbox_mark(
        self, item_id: int, state: str, error: str | None = None, log_index: int | None = None
    ) -> None:
        """Record a delivery attempt: 'delivered' (with log_index), 'refused', or 'pending'
        again with the error (attempts is incremented)."""
        if state not in ("pending", "delivered", "refused"):
            raise ValueError(f"unknown outbox state {state!r}")
        with self.write() as conn:
            conn.execute(
                sa.update(outbox)
                .where(outbox.c.id == item_id)
                .values(
                    state=state,
                    last_error=error,
                    log_index=log_index,
                    attempts=outbox.c.attempts + 1,
                    updated_at=now(),
                )
            )
