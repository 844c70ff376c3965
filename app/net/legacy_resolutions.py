"""One-time import of fork-evidence decisions kept in DATA/evidence-resolved.json.

Earlier versions recorded an operator's `evidence resolve` in that file beside the
database; the store now keeps it (evidence.resolved_at / resolution). On open, every
decision in an old file is copied into the store and the file is renamed to
evidence-resolved.json.imported, so no decision is lost and none is imported twice.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from app.ledger.db import StoreError
from app.ledger.store import Store

log = logging.getLogger(__name__)

LEGACY_FILE = "evidence-resolved.json"
IMPORTED_SUFFIX = ".imported"
_NO_NOTE = f"resolved before the store kept decisions (imported from {LEGACY_FILE})"


def import_legacy_resolutions(store: Store, data_dir: Path) -> int:
    """Copy the decisions of `data_dir`/evidence-resolved.json into `store`; returns how
    many were recorded. An unreadable file is left in place (the city stays frozen, as
    it did when that file could not be read) and a warning is logged."""
    path = Path(data_dir) / LEGACY_FILE
    if not path.is_file():
        return 0
    try:
        doc = json.loads(path.read_text("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("the top level is not an object")
    except (OSError, ValueError) as e:
        log.warning("%s not imported, left in place: %s", path, e)
        return 0
    open_ids = {row["id"] for row in store.evidence() if row["resolved_at"] is None}
    recorded = 0
    for key, decision in doc.items():
        try:
            evidence_id = int(key)
        except ValueError:
            log.warning("%s: %r is not an evidence id, skipped", path, key)
            continue
        if evidence_id not in open_ids:
            continue  # unknown here, or already decided in the store: the store wins
        decision = decision if isinstance(decision, dict) else {}
        note = decision.get("note")
        at = decision.get("time")
        try:
            store.resolve_evidence(
                evidence_id,
                note if isinstance(note, str) and note.strip() else _NO_NOTE,
                at=at if isinstance(at, (int, float)) and not isinstance(at, bool) else None,
            )
        except StoreError:
            continue  # another process imported it at the same moment
        recorded += 1
    try:
        os.replace(path, path.with_name(LEGACY_FILE + IMPORTED_SUFFIX))
    except OSError as e:
        log.warning("%s imported but not renamed: %s", path, e)
    return recorded
