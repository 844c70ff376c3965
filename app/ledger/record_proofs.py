"""Each record of a code's life proven on its own (issue 12: the inspector's timeline
shows every record with its own verification result).

A record is proven the way an offline bundle is: its entry, its inclusion proof under
the held checkpoint that covers it (the newest one with the quorum of cosignatures),
the official's add (and revoke) records — verified by the verifier's own bundle path
(app.ledger.verifier.verify_proof_bundle), so one set of checks judges a record here,
in a bundle and on the CLI. The code-level check "not revoked" is left out: whether a
later record supersedes this one is the timeline's own story, not this record's proof.
A transfer-in is checked with the store, which holds the transfer-out's log or says
why not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.ledger.proof_bundle import (
    NotInStoreError,
    ProofBundle,
    bundle_at,
    choose_checkpoint,
)
from app.ledger.verifier import NOT_REVOKED, VerifyResult, verify_proof_bundle

if TYPE_CHECKING:
    from app.ledger.store import Store
    from app.ledger.trust import TrustFile


@dataclass(frozen=True)
class RecordProof:
    origin: str
    index: int
    result: VerifyResult | None  # None: the record could not be proven here (``error``)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


def record_bundle(store: Store, origin: str, index: int, quorum: int | None) -> ProofBundle:
    """The proof bundle of record ``index`` of ``origin`` (any record, not only a code's
    latest), under the held checkpoint that covers it."""
    entry = store.entry(origin, index)
    cp = choose_checkpoint(store, origin, index, quorum)
    return bundle_at(store, origin, index, entry, _official_of(entry), cp)


def _official_of(entry: bytes) -> str | None:
    import json

    try:
        record = json.loads(entry)
    except ValueError:
        return None
    name = record.get("official") if isinstance(record, dict) else None
    return name if isinstance(name, str) else None


def prove_record(store: Store, origin: str, index: int, trust: TrustFile) -> RecordProof:
    try:
        bundle = record_bundle(store, origin, index, trust.quorum)
    except (IndexError, NotInStoreError, ValueError) as e:
        return RecordProof(origin, index, None, str(e))
    result = verify_proof_bundle(bundle.encode(), trust, replica=store)
    result.checks = [c for c in result.checks if c.name != NOT_REVOKED]
    return RecordProof(origin, index, result)


def prove_chain(
    store: Store, chain: Sequence[tuple[str, int, dict[str, Any]]], trust: TrustFile
) -> list[RecordProof]:
    """One RecordProof per (origin, index, record) of a code's chain (Node.chain)."""
    return [prove_record(store, origin, index, trust) for origin, index, _record in chain]
