"""Audit of a stored log: recompute every hash from the stored entries.

`audit_log(store, origin)` re-hashes the entries bundle by bundle, rebuilds every tile and
compares it with the stored one, checks the root of every stored checkpoint against the
recomputed tree at that size and its signature against the log key, checks that no
checkpoint, tile or bundle reaches beyond the stored size, and (optionally) that the
codes index equals the fold of the log's records. The report names the first mismatch
precisely (entry index, tile coordinates, checkpoint size).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.checkpoint import open_checkpoint
from app.core.code_map import CodeMap
from app.core.errors import CoreError
from app.core.note import Verifier
from app.ledger import codes_index, rules
from app.ledger.map_state import is_map_entry
from app.ledger.store import LogInfo, Store
from app.ledger.tilelog import HASH_SIZE, TILE_WIDTH, TileLog, decode_entries, tile_width_at

_CHUNK = 64  # bundles read per query


@dataclass
class AuditReport:
    origin: str
    size: int = 0
    entries_checked: int = 0
    checkpoints_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_mismatch(self) -> str | None:
        return self.problems[0] if self.problems else None

    def fail(self, message: str) -> None:
        if len(self.problems) < 100:
            self.problems.append(message)


def audit_log(store: Store, origin: str, check_index: bool = True) -> AuditReport:
    report = AuditReport(origin)
    info = store.log_info(origin)
    if info is None:
        report.fail(f"no log {origin!r} in the store")
        return report
    report.size = size = info.size
    cps = store.checkpoints(origin)
    verifier = None
    if info.log_vkey:
        try:
            verifier = Verifier.from_key(info.log_vkey)
        except CoreError as exc:
            report.fail(f"the log key of {origin} is unusable: {exc}")
    for cp in cps:
        if cp.size > size:
            report.fail(
                f"checkpoint at size {cp.size} covers entries beyond the stored size "
                f"{size} (entries {size}..{cp.size - 1} are lost)"
            )
        if verifier is not None:
            try:
                parsed, _ = open_checkpoint(cp.note, [verifier], origin)
            except CoreError as exc:
                report.fail(f"checkpoint at size {cp.size}: signature/format check failed: {exc}")
                continue
            if parsed.size != cp.size or parsed.root_hash != cp.root_hash:
                report.fail(
                    f"checkpoint at size {cp.size}: the signed note says size "
                    f"{parsed.size}, root {parsed.root_hash.hex()[:16]}…, unlike its row"
                )
    by_size = {cp.size: cp for cp in cps if cp.size <= size}
    stops = sorted({s for s in by_size if s > 0} | {size}) if size else []
    tl = TileLog.empty()
    stored_tiles = _StoredTiles(store, origin)
    judged = _Judged(store, info)
    index = 0
    pending: list[bytes] = []

    def flush(upto: int) -> None:
        nonlocal pending
        chunk, pending = pending, []
        tile_rows, _ = tl.append(chunk)
        for (level, n), data in sorted(tile_rows.items()):
            stored = stored_tiles.get(level, n)
            if stored is None or stored[: len(data)] != data:
                first = _first_diff(stored or b"", data)
                report.fail(
                    f"tile {level}/{n}: stored hash {first} differs from the one "
                    f"recomputed from entries (tree size {upto})"
                )
        cp = by_size.get(upto)
        if cp is not None and chunk and not is_map_entry(chunk[-1]):
            report.fail(
                f"checkpoint at size {upto}: its last entry ({upto - 1}) is not a code-map "
                "entry, so it commits no code map"
            )
        if cp is not None:
            report.checkpoints_checked += 1
            if cp.root_hash != tl.root():
                report.fail(
                    f"checkpoint at size {upto}: root {cp.root_hash.hex()[:16]}… is not "
                    f"the tree hash {tl.root().hex()[:16]}… of the stored entries"
                )

    if 0 in by_size:
        report.checkpoints_checked += 1
        if by_size[0].root_hash != tl.root():
            report.fail("checkpoint at size 0 does not have the empty-tree root")
    stop_iter = iter(stops)
    next_stop = next(stop_iter, -1)
    for n in range(0, (size + TILE_WIDTH - 1) // TILE_WIDTH, _CHUNK):
        rows = store.bundle_rows(origin, n, n + _CHUNK)
        for b in range(n, min(n + _CHUNK, (size + TILE_WIDTH - 1) // TILE_WIDTH)):
            if b not in rows:
                report.fail(f"entry bundle {b} (entries {b * TILE_WIDTH}…) is missing")
                return report
            try:
                ents = decode_entries(rows[b])
            except ValueError as exc:
                report.fail(f"entry bundle {b}: {exc}")
                return report
            want = min(TILE_WIDTH, size - b * TILE_WIDTH)
            if len(ents) != want:
                report.fail(f"entry bundle {b} holds {len(ents)} entries; size {size} needs {want}")
                ents = ents[:want]
                if len(ents) < want:
                    return report
            for e in ents:
                pending.append(e)
                if check_index:
                    if index == info.indexed_size:
                        judged.freeze_index()
                    judged.fold(report, index, e)
                index += 1
                report.entries_checked += 1
                while index == next_stop:
                    flush(index)
                    next_stop = next(stop_iter, -1)
    if tl.root() != info.root_hash:
        report.fail(
            f"the log row's root {info.root_hash.hex()[:16]}… is not the tree hash "
            f"{tl.root().hex()[:16]}… of its {size} entries"
        )
    covered = max(by_size, default=0)
    if not cps and info.kind == "own":
        report.fail(f"no checkpoint is stored for {origin}")
    elif size and covered != size and info.kind == "own":
        report.fail(
            f"no checkpoint covers the stored size {size} (latest is {max(by_size, default=0)})"
        )
    if info.indexed_size > size or (info.kind == "own" and info.indexed_size != size):
        report.fail(f"the codes index claims {info.indexed_size} entries of a log of {size}")
    elif info.kind == "replica" and info.indexed_size > covered:
        # a replica's entries past its latest checkpoint were verified when fetched (an
        # interrupted catch-up keeps them), but the index believes only covered entries
        report.fail(
            f"the codes index folded {info.indexed_size} entries; a checkpoint covers {covered}"
        )
    _check_widths(store, origin, size, report)
    if check_index:
        _check_index(store, origin, judged.codes, report)
    return report


class _StoredTiles:
    def __init__(self, store: Store, origin: str):
        self.store, self.origin = store, origin

    def get(self, level: int, n: int) -> bytes | None:
        return self.store.tile_row(self.origin, level, n)


def _first_diff(stored: bytes, data: bytes) -> str:
    for i in range(0, len(data), HASH_SIZE):
        if stored[i : i + HASH_SIZE] != data[i : i + HASH_SIZE]:
            return f"#{i // HASH_SIZE}" + (" (missing)" if len(stored) <= i else "")
    return "?"


class _Judged:
    """The codes index as the entry rules build it from the log: what the stored index
    must equal. An entry that breaks a rule is a problem, unless it is misbehaviour
    evidence an operator has resolved (a replica then keeps it out of its index)."""

    def __init__(self, store: Store, info: LogInfo):
        self.ctx = rules.LogContext(info.origin, info.city_code or "", info.admin_vkey)
        self.store = store
        self.state = rules.LedgerState(source=self._source, code_map=CodeMap())
        self.pending: str | None = None  # why the log's later records are held back
        self.resolved = {
            e["entry_index"]
            for e in store.evidence(info.origin)
            if e["kind"] == "misbehaviour" and e["resolved_at"] is not None
        }
        self.indexed: dict[str, dict[str, Any]] | None = None

    def freeze_index(self) -> None:
        """The log's entries from here on are not folded into the stored index yet
        (a replica's index may lag): they are still judged, not compared."""
        self.indexed = dict(self.state.codes)  # folding replaces rows, never edits them

    @property
    def codes(self) -> dict[str, dict[str, Any]]:
        """What the stored codes index must hold."""
        return dict(self.state.codes) if self.indexed is None else self.indexed

    def _source(self, origin: str, index: int) -> dict[str, Any] | None:
        """The transfer-out a transfer-in names, as the replica fold reads it."""
        if type(index) is not int:
            return None
        with self.store.read() as conn:
            entry = self.store.folded_entry(conn, origin, index)
        return None if entry is None else codes_index.decode_record(entry)

    def fold(self, report: AuditReport, index: int, entry: bytes) -> None:
        if index in self.resolved or self.pending is not None:
            return
        # decoded as the replica fold decodes it, so that both judge the same record
        rec = codes_index.decode_record(entry)
        result = (
            rules.Refusal(rules.RECORD_SYNTAX, "not a JSON object")
            if rec is None
            else rules.apply(self.ctx, self.state, rec, index)
        )
        if isinstance(result, rules.Refusal) and result.rule == rules.TRANSFER_PENDING:
            # the index stops here too (the replica fold holds the rest back): compare
            # what came before, judge nothing after it
            self.freeze_index()
            self.pending = result.reason
        elif isinstance(result, rules.Refusal):
            report.fail(f"entry {index} breaks rule {result.rule}: {result.reason}")


def _check_widths(store: Store, origin: str, size: int, report: AuditReport) -> None:
    for kind, level, n, width in store.stored_widths(origin):
        if width > tile_width_at(size, level, n):
            if kind == "tile":
                report.fail(f"tile {level}/{n} has width {width}, beyond tree size {size}")
            else:
                report.fail(f"entry bundle {n} has {width} entries, beyond size {size}")


def _check_index(store: Store, origin: str, folded: dict[str, Any], report: AuditReport) -> None:
    keys = (
        "origin",
        "asset_class",
        "name",
        "status",
        "owner",
        "geometry",
        "attributes",
        "first_index",
        "latest_index",
        "service",
        "grade",
        "inspected",
        "moved_to",
    )
    seen = set()
    for m in store.code_rows(origin):
        want = folded.get(m["code"])
        seen.add(m["code"])
        if want is None:
            report.fail(f"codes index has {m['code']}, which no record of the log issues")
        elif any(m[k] != want[k] for k in keys):
            bad = next(k for k in keys if m[k] != want[k])
            report.fail(
                f"codes index row {m['code']}: {bad} is {m[bad]!r}, the log says {want[bad]!r}"
            )
    # a code this log transferred out is held by the receiving city's row once this node
    # has folded that city's transfer-in
    moved_on = {
        c for c, r in folded.items() if r["status"] == codes_index.TRANSFERRED and c not in seen
    }
    if len(seen) != len(folded) - len(moved_on):
        report.fail(
            f"codes index holds {len(seen)} codes of {origin}; the log issues "
            f"{len(folded) - len(moved_on)}"
        )
