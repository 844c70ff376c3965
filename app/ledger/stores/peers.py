"""Peer health and evidence of misbehaviour against member cities."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.ledger.db import StoreError, upsert
from app.ledger.schema import evidence, peers
from app.ledger.stores.base import Database, inserted_id, now

FORK = "fork"  # two inconsistent signed checkpoints of one log
MISBEHAVIOUR = "misbehaviour"  # a logged entry that breaks an entry rule


class PeersAndEvidence(Database):
    # ---------------------------------------------------------------- peers and evidence
    def peer_update(
        self,
        url: str,
        origin: str | None = None,
        ok: bool = True,
        size: int | None = None,
        error: str | None = None,
    ) -> None:
        with self.write() as conn:
            row = conn.execute(sa.select(peers).where(peers.c.url == url)).first()
            failures = 0 if ok else (row.failures + 1 if row else 1)
            values = {
                "url": url,
                "origin": origin or (row.origin if row else None),
                "state": "ok" if ok else "failing",
                "last_size": size if size is not None else (row.last_size if row else None),
                "last_seen": now() if ok else (row.last_seen if row else None),
                "failures": failures,
                "last_error": None if ok else error,
            }
            upsert(conn, peers, [values], ["url"])

    def peers(self) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(peers).order_by(peers.c.url))]

    def add_evidence(
        self, origin: str, kind: str, note_a: bytes, note_b: bytes, detail: str
    ) -> int:
        """Keep proof of misbehaviour (e.g. two inconsistent signed checkpoints)."""
        with self.write() as conn:
            return self.insert_evidence(conn, origin, kind, note_a, note_b, detail)

    @staticmethod
    def insert_evidence(
        conn: sa.Connection,
        origin: str,
        kind: str,
        note_a: bytes,
        note_b: bytes,
        detail: str,
        entry_index: int | None = None,
        rule: str | None = None,
    ) -> int:
        """add_evidence inside the caller's transaction; returns the evidence id."""
        return inserted_id(
            conn.execute(
                sa.insert(evidence).values(
                    origin=origin,
                    kind=kind,
                    note_a=note_a,
                    note_b=note_b,
                    detail=detail,
                    created_at=now(),
                    entry_index=entry_index,
                    rule=rule,
                )
            )
        )

    @staticmethod
    def open_misbehaviour(conn: sa.Connection, origin: str) -> bool:
        """Whether unresolved misbehaviour evidence holds `origin`'s records back."""
        return (
            conn.execute(
                sa.select(evidence.c.id)
                .where(
                    evidence.c.origin == origin,
                    evidence.c.kind == MISBEHAVIOUR,
                    evidence.c.resolved_at.is_(None),
                )
                .limit(1)
            ).first()
            is not None
        )

    @staticmethod
    def resolved_misbehaviour(conn: sa.Connection, origin: str) -> set[int]:
        """Indices of `origin`'s entries judged as misbehaviour and resolved by an
        operator: they stay out of the codes index, and folding goes on past them."""
        return {
            int(i)
            for i in conn.execute(
                sa.select(evidence.c.entry_index).where(
                    evidence.c.origin == origin,
                    evidence.c.kind == MISBEHAVIOUR,
                    evidence.c.resolved_at.is_not(None),
                )
            ).scalars()
        }

    def resolve_evidence(self, evidence_id: int, note: str, at: float | None = None) -> None:
        """Record the operator's decision on evidence `evidence_id` (with why, and when:
        now unless `at` is given). Unknown or already resolved evidence is refused and
        nothing changes: a decision, once made, is not silently overwritten."""
        if not isinstance(note, str) or not note.strip():
            raise StoreError(f"evidence #{evidence_id}: the resolution needs a note saying why")
        with self.write() as conn:
            done = conn.execute(
                sa.update(evidence)
                .where(evidence.c.id == evidence_id, evidence.c.resolved_at.is_(None))
                .values(resolved_at=now() if at is None else float(at), resolution=note)
            )
            if done.rowcount == 1:
                return
            row = conn.execute(
                sa.select(evidence.c.resolved_at, evidence.c.resolution).where(
                    evidence.c.id == evidence_id
                )
            ).first()
        if row is None:
            raise StoreError(f"no evidence #{evidence_id}")
        raise StoreError(
            f"evidence #{evidence_id} is already resolved "
            f"(at {row.resolved_at:.0f}: {row.resolution})"
        )

    def evidence(self, origin: str | None = None) -> list[dict[str, Any]]:
        """Every piece of evidence (oldest first), with `resolved_at` and `resolution`
        (both None while it is open)."""
        q = sa.select(evidence).order_by(evidence.c.id)
        if origin:
            q = q.where(evidence.c.origin == origin)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
