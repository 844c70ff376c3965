"""The node's durable store: every log it holds (its own and replicas), keyed by origin.

`Store` composes the parts of app/ledger/stores (one concept each: log data, the codes
index, replicas, the outbox, peers and evidence), so callers hold one object. Only those
modules touch tables.

For the net helper (replication and serving), the entry points are:
  ensure_replica(origin, ...)          register another city's log
  append_replica(origin, ...)          store verified entry bundles + tiles (+ checkpoint)
  index_replica(origin)                fold stored replica entries into the codes index
  save_checkpoint(origin, ...)         store a verified checkpoint (compare-and-swap)
  read_tile / read_entry_bundle        serve tlog-tiles paths (None = not held)
  latest_checkpoint / checkpoint       signed notes, with cosignatures
  witnessed / save_witnessed          the latest checkpoint this node co-signed, per log
  add_cosignature, add_evidence, resolve_evidence, peer_update, outbox_*
"""

from __future__ import annotations

from app.ledger.db import StoreError
from app.ledger.stores.base import ConflictError
from app.ledger.stores.logs import LogInfo, StoredCheckpoint
from app.ledger.stores.lookups import Lookups, VerifiedLookup
from app.ledger.stores.outbox import Outbox
from app.ledger.stores.replica import Replicas
from app.ledger.stores.witnessed import Witnessed, WitnessedCheckpoints

__all__ = [
    "ConflictError",
    "LogInfo",
    "Store",
    "StoreError",
    "StoredCheckpoint",
    "VerifiedLookup",
    "Witnessed",
]


class Store(Replicas, Outbox, Lookups, WitnessedCheckpoints):
    """Everything the node keeps, in one SQLAlchemy database (SQLite or PostgreSQL)."""
