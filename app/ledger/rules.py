"""The rules that decide whether a record is valid at an index of a city's log.

One module, no SQL and no I/O, used by every component that accepts or believes a
record: the sequencer (its own log), the replica fold (other cities' logs into the codes
index), the verifier and `log verify` (app/ledger/audit.py). Each caller passes the state
it holds as plain values (`LedgerState`: the current codes-index rows and officials of
the log) and gets either a `Refusal` (the rule's name and a reason a person can act on)
or the new state.

The rules of a record type are one row of `RULES`: adding a record type is one new row
plus its fold in codes_index. A transfer-in is judged against the transfer-out it names
in another log (`LedgerState.source`), see docs/architecture.md, "Decisions: the life of
a code".

The entry signature is a rule too, but checking Ed25519 costs more than everything else
together (≈ 60 µs a record), so the caller says how: the sequencer and the verifier
check it; the replica fold does not (a signature can only be wrong if the city's own
sequencer accepted it, so it harms only that city's own codes, and the verifier checks it
whenever such a code is verified). See docs/architecture.md, "One set of rules".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.core.code_map import CodeMap, map_key, official_key
from app.core.errors import CoreError
from app.core.records import MAP_TYPE as _map_type
from app.core.records import map_root, parse_entry
from app.ledger import codes_index
from app.ledger.keys import UnusableKeyError, verify_key

Record = Mapping[str, Any]
Row = dict[str, Any]

# Rule names: stable (they are stored with misbehaviour evidence and printed by --json).
RECORD_SYNTAX = "record-syntax"
CODE_CITY = "code-city"
SIGNER_ACTIVE = "signer-active"
ENTRY_SIGNATURE = "entry-signature"
CODE_NEW = "code-new"
CODE_KNOWN = "code-known"
CODE_NOT_REVOKED = "code-not-revoked"
PREV_CHAIN = "prev-chain"
ADMIN_SIGNED = "admin-signed"
OFFICIAL_NEW = "official-new"
OFFICIAL_KEY = "official-key"
OFFICIAL_KNOWN = "official-known"
CODE_NOT_TRANSFERRED = "code-not-transferred"
TRANSFER_TARGET = "transfer-target"
TRANSFER_SOURCE = "transfer-source"
MAP_SIZE = "code-map-size"
MAP_ROOT = "code-map-root"
MAP_SUBMITTED = "code-map-submitted"
"""A code-map entry is the sequencer's own, never a submission (judged by the sequencer
only: in a log it is judged by size and root like any other entry)."""
TRANSFER_PENDING = "transfer-pending"
"""Not a breach: the transfer-out a transfer-in names is in a log this node does not hold
(or has not folded that far) yet. The sequencer refuses such a transfer-in; the replica
fold and the audit hold the log's later records back, with no evidence, until it is."""

ENTRY_TIME = "entry-time"
"""Judged where an entry first arrives (the node's /submit), not on replicas: the time
an official's workstation signed must be a real date no further ahead of this node's
clock than MAX_CLOCK_AHEAD_S. A record past that check stays valid as the clock moves."""

MAX_CLOCK_AHEAD_S = 3600.0  # a workstation clock an hour fast still submits


@dataclass(frozen=True)
class Refusal:
    """Why a record is not valid where it stands: the rule it breaks and a reason."""

    rule: str
    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class LogContext:
    """The log a record is judged in.

    `admin_vkey` is the city's admin verifier key, which alone signs official records; a
    replica does not know it (the trust file names the log and witness keys only), so
    there it is None and that one rule is not judged."""

    origin: str
    city_code: str
    admin_vkey: str | None = None

    @property
    def admin_name(self) -> str | None:
        return None if self.admin_vkey is None else self.admin_vkey.split("+", 1)[0]


@dataclass
class LedgerState:
    """What the rules need to know of a log before the record: the codes-index rows of
    the codes the records touch (any origin: codes are global) and the log's officials,
    keyed by name. Callers load the rows they need; `apply` updates both in place."""

    codes: MutableMapping[str, Row] = field(default_factory=dict)
    officials: MutableMapping[str, Row] = field(default_factory=dict)
    # (origin, index) -> the record at that index of another log this node holds and has
    # folded that far, else None: what a transfer-in is judged against (see TransferSource)
    source: TransferSource | None = None
    # The log's code map (code -> index of its latest record in this log; official ->
    # index of their official-revoke, else official-add) before the record, if kept; None: code-map entries' roots are not judged.
    # Asset records are queued in `map_pending` and set in one set_many when a
    # code-map record needs the root (a batch costs each touched map node once).
    code_map: CodeMap | None = None
    map_pending: dict[bytes, int] = field(default_factory=dict)

    def map_root(self) -> bytes:
        """The root of `code_map` with every record so far (code_map must be kept)."""
        if self.code_map is None:
            raise ValueError("this state keeps no code map")
        if self.map_pending:
            self.code_map.set_many(self.map_pending.items())
            self.map_pending.clear()
        return self.code_map.root()


TransferSource = Callable[[str, int], "Row | None"]


SignatureCheck = Callable[[str], bool]
"""Given the verifier key of the signer, does the entry's signature verify?"""


def parse(entry: bytes) -> Row | Refusal:
    """The record in `entry`, or why it is not one (syntax, canonical form, size)."""
    try:
        return parse_entry(entry)
    except CoreError as exc:
        return Refusal(RECORD_SYNTAX, f"malformed entry: {exc}")


def entry_time(record: Record, now: float) -> Refusal | None:
    """Why the record's signed time cannot be accepted at `now` (unix time), or None."""
    text = record.get("time")
    try:
        # The record's syntax already fixed the shape (RFC 3339, Z); fromisoformat judges the
        # values 50x faster than strptime, on the sequencer's path of every entry.
        when = datetime.fromisoformat(str(text).split(".")[0].rstrip("Z"))
    except ValueError:
        return Refusal(ENTRY_TIME, f"time {text!r} is not a real date and time")
    ahead = when.replace(tzinfo=UTC).timestamp() - now
    if ahead > MAX_CLOCK_AHEAD_S:
        return Refusal(
            ENTRY_TIME,
            f"time {text} is {ahead / 3600:,.1f} hours ahead of this node's clock (at most "
            f"{MAX_CLOCK_AHEAD_S / 3600:g} accepted): is the signing workstation's clock wrong?",
        )
    return None


# ---------------------------------------------------------------- the rules
def official_active(row: Row | None, index: int) -> bool:
    """An official signs validly at `index` if added before it and not revoked at or
    before it."""
    return (
        row is not None
        and row["added_index"] < index
        and (row["revoked_index"] is None or index < row["revoked_index"])
    )


Rule = Callable[[LogContext, LedgerState, Record, int, "SignatureCheck | None"], "Refusal | None"]


def _prev_ok(prev: Any) -> bool:
    return prev is None or (type(prev) is int and prev >= 0)


def _code_shape(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    """The members the other rules read, with their types (the replica fold decodes
    records quickly and does not run the full syntax check of records.parse_entry)."""
    if not (
        isinstance(rec.get("code"), str)
        and isinstance(rec.get("official"), str)
        and _prev_ok(rec.get("prev"))
    ):
        return Refusal(
            RECORD_SYNTAX,
            f"{rec.get('type')} record at index {index} needs a code, an official and a prev",
        )
    return None


def _subject_shape(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    subject = rec.get("subject")
    key_ok = rec.get("type") != "official-add" or (
        isinstance(subject, dict) and isinstance(subject.get("key"), str)
    )
    if not (
        isinstance(subject, dict)
        and isinstance(subject.get("name"), str)
        and key_ok
        and isinstance(rec.get("official"), str)
        and _prev_ok(rec.get("prev"))
    ):
        return Refusal(
            RECORD_SYNTAX,
            f"{rec.get('type')} record at index {index} needs a subject, an official and a prev",
        )
    return None


def code_in_city(code: str, city_code: str) -> bool:
    """Only a city's own log may hold records of its codes (the code's 6-digit prefix)."""
    return code[:6] == city_code


def _code_city(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    """An issue needs the log's own city prefix; a later record may also be of a code a
    transfer-in brought into this log (it keeps its code and prefix)."""
    held = st.codes.get(rec["code"])
    moved_in = rec["type"] != "issue" and held is not None and held["origin"] == ctx.origin
    if not moved_in and not code_in_city(rec["code"], ctx.city_code):
        city = rec["code"][:6]
        return Refusal(
            CODE_CITY,
            f"code {rec['code']} belongs to city {city}; the log {ctx.origin} "
            f"is city {ctx.city_code}'s",
        )
    return None


def _signer_active(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: SignatureCheck | None
) -> Refusal | None:
    name = rec["official"]
    off = st.officials.get(name)
    if off is None:
        return Refusal(SIGNER_ACTIVE, f"official {name!r} is not registered in {ctx.origin}")
    if official_active(off, index):
        return _signature(sig, off["vkey"], name)
    if off["added_index"] >= index:
        return Refusal(
            SIGNER_ACTIVE,
            f"official {name!r} was added at index {off['added_index']}, not before index {index}",
        )
    return Refusal(
        SIGNER_ACTIVE,
        f"official {name!r} was revoked at index {off['revoked_index']} "
        f"and may not sign at {index}",
    )


def _signature(sig: SignatureCheck | None, vkey: str, name: str) -> Refusal | None:
    if sig is None:
        return None
    try:
        verify_key(vkey)
    except UnusableKeyError as exc:
        return Refusal(ENTRY_SIGNATURE, f"official {name!r} has an unusable key: {exc}")
    if not sig(vkey):
        return Refusal(ENTRY_SIGNATURE, f"entry signature does not verify with {name!r}'s key")
    return None


def _code_new(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    state = st.codes.get(rec["code"])
    if state is not None:
        return Refusal(
            CODE_NEW,
            f"code {rec['code']} already exists (index {state['first_index']} "
            f"of {state['origin']})",
        )
    return None


def _code_known(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    state = st.codes.get(rec["code"])
    if state is None or state["origin"] != ctx.origin:
        return Refusal(CODE_KNOWN, f"{rec['type']} of unknown code {rec['code']} in {ctx.origin}")
    return None


def _code_not_revoked(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    state = st.codes[rec["code"]]
    if state["status"] == "revoked":
        return Refusal(
            CODE_NOT_REVOKED,
            f"code {rec['code']} was revoked at index {state['latest_index']}; no further records",
        )
    return None


def _code_not_transferred(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    state = st.codes[rec["code"]]
    if state["status"] == codes_index.TRANSFERRED:
        return Refusal(
            CODE_NOT_TRANSFERRED,
            f"code {rec['code']} was transferred to city {state['moved_to']} at index "
            f"{state['latest_index']}; {ctx.origin} takes no further records of it",
        )
    return None


def _transfer_target(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    if not isinstance(rec.get("to"), str) or rec["to"] == ctx.city_code:
        return Refusal(
            TRANSFER_TARGET,
            f"transfer-out of {rec['code']} must name another member city, not {rec.get('to')!r}",
        )
    return None


def _transfer_in_new(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    """A code is taken over once: not while this log already holds it."""
    held = st.codes.get(rec["code"])
    if (
        held is not None
        and held["origin"] == ctx.origin
        and held["status"] != codes_index.TRANSFERRED
    ):
        return Refusal(
            CODE_NEW,
            f"code {rec['code']} is already held by {ctx.origin} (since index "
            f"{held['first_index']})",
        )
    return None


def _transfer_source(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    """A transfer-in is valid only with its transfer-out: record `prev` of the log
    `from`, a transfer-out of the same code to this city, accepted by that log's rules
    where this node holds it. Not held yet: pending, never accepted blindly."""
    origin, prev, code = rec["from"], rec["prev"], rec["code"]
    if not isinstance(origin, str) or origin == ctx.origin:
        return Refusal(
            TRANSFER_SOURCE, f"transfer-in of {code} must name another city's log, not {origin!r}"
        )
    source = None if st.source is None else st.source(origin, prev)
    if source is None:
        return Refusal(
            TRANSFER_PENDING,
            f"transfer-in of {code} names record {prev} of {origin}, which this node does "
            "not hold yet (sync that city first)",
        )
    if (
        source.get("type") != "transfer-out"
        or source.get("code") != code
        or source.get("to") != ctx.city_code
    ):
        return Refusal(
            TRANSFER_SOURCE,
            f"record {prev} of {origin} is not a transfer-out of {code} to city "
            f"{ctx.city_code}: a transfer-in without its transfer-out",
        )
    return None


def _prev_chain(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    latest = st.codes[rec["code"]]["latest_index"]
    if rec["prev"] != latest:
        return Refusal(
            PREV_CHAIN,
            f"{rec['type']} of {rec['code']} has prev {rec['prev']}, but the code's "
            f"latest record is index {latest} (of {ctx.origin})",
        )
    return None


def _admin_signed(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: SignatureCheck | None
) -> Refusal | None:
    if ctx.admin_vkey is None:
        return None
    if rec["official"] != ctx.admin_name:
        return Refusal(
            ADMIN_SIGNED,
            f"{rec['type']} must be signed by the admin key {ctx.admin_name!r}, "
            f"not {rec['official']!r}",
        )
    return _signature(sig, ctx.admin_vkey, rec["official"])


def _official_new(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    subject = rec["subject"]["name"]
    existing = st.officials.get(subject)
    if existing is not None:
        return Refusal(
            OFFICIAL_NEW,
            f"official {subject!r} was already registered at index {existing['added_index']}",
        )
    if rec["prev"] is not None:
        return Refusal(PREV_CHAIN, "official-add has prev null")
    try:
        verify_key(rec["subject"]["key"])
    except UnusableKeyError as exc:
        return Refusal(OFFICIAL_KEY, f"official {subject!r}: {exc}")
    return None


def _official_known(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    subject = rec["subject"]["name"]
    existing = st.officials.get(subject)
    if existing is None or existing["revoked_index"] is not None:
        return Refusal(OFFICIAL_KNOWN, f"official {subject!r} is not an active official")
    if rec["prev"] != existing["added_index"]:
        return Refusal(
            PREV_CHAIN,
            f"official-revoke of {subject!r} has prev {rec['prev']}, "
            f"expected {existing['added_index']}",
        )
    return None


def _map_size(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    """A code-map entry commits the map of the entries before it: its size is its index."""
    size = rec.get("size")
    if type(size) is not int or size != index or not isinstance(rec.get("root"), str):
        return Refusal(
            MAP_SIZE, f"code-map entry at index {index} must have size {index}, not {size!r}"
        )
    return None


def _map_root(
    ctx: LogContext, st: LedgerState, rec: Record, index: int, sig: Any
) -> Refusal | None:
    if st.code_map is None:
        return None
    try:
        claimed = map_root(dict(rec))
    except ValueError:
        claimed = b""
    expected = st.map_root()
    if claimed != expected:
        return Refusal(
            MAP_ROOT,
            f"code-map entry at index {index} commits root {claimed.hex()[:16]}…, but the "
            f"codes of {ctx.origin} before it give {expected.hex()[:16]}…",
        )
    return None


_ON_A_CODE: tuple[Rule, ...] = (
    _code_shape,
    _code_city,
    _signer_active,
    _code_known,
    _code_not_revoked,
    _code_not_transferred,
    _prev_chain,
)

# One row per record type: its rules, in the order they are judged (the first refusal
# wins, so a record is refused for the most basic reason first).
RULES: Mapping[str, tuple[Rule, ...]] = {
    "issue": (_code_shape, _code_city, _signer_active, _code_new),
    "update": _ON_A_CODE,
    "inspect": _ON_A_CODE,
    "transfer": _ON_A_CODE,
    "transfer-out": (*_ON_A_CODE, _transfer_target),
    "transfer-in": (_code_shape, _signer_active, _transfer_in_new, _transfer_source),
    "revoke": _ON_A_CODE,
    "official-add": (_subject_shape, _admin_signed, _official_new),
    "official-revoke": (_subject_shape, _admin_signed, _official_known),
    _map_type: (_map_size, _map_root),
}


def judge(
    ctx: LogContext,
    state: LedgerState,
    record: Record,
    index: int,
    signature: SignatureCheck | None = None,
    only: Collection[str] | None = None,
) -> Refusal | None:
    """The first rule `record` (already parsed) breaks at `index`, or None.

    `signature` checks the entry's signature against a verifier key; None leaves the
    signature unchecked (see the module note). `only` judges just the rules with those
    names (for a caller that cannot know the whole state, e.g. an offline verifier)."""
    kind = record.get("type")
    rules = RULES.get(kind) if isinstance(kind, str) else None
    if rules is None:
        return _only(
            Refusal(RECORD_SYNTAX, f"record type {record.get('type')!r} is not known"), only
        )
    for rule in rules:
        try:
            refusal = rule(ctx, state, record, index, signature)
        except (KeyError, TypeError, IndexError, AttributeError) as exc:
            # a record that the fast replica decoder let through with a missing member,
            # or (with `only`) a state the caller did not give
            refusal = Refusal(
                RECORD_SYNTAX, f"record at index {index} lacks what its type needs: {exc}"
            )
            if only is not None:
                continue
        if _only(refusal, only) is not None:
            return refusal
    return None


def _only(refusal: Refusal | None, only: Collection[str] | None) -> Refusal | None:
    return refusal if refusal is None or only is None or refusal.rule in only else None


def apply(
    ctx: LogContext,
    state: LedgerState,
    record: Record,
    index: int,
    signature: SignatureCheck | None = None,
) -> Refusal | Row:
    """Judge `record` at `index`; if valid, fold it into `state` and return the new
    codes-index row (asset records) or officials row (official records)."""
    refusal = judge(ctx, state, record, index, signature)
    if refusal is not None:
        return refusal
    if record["type"] == _map_type:
        return {}  # it changes no row: the map it commits was judged above
    if record["type"] in codes_index.OFFICIAL_TYPES:
        official = codes_index.fold_official(state.officials, record, index, ctx.origin)
        if state.code_map is not None:
            state.map_pending[official_key(official["name"])] = index
        return official
    code = record["code"]
    row = codes_index.fold(state.codes.get(code), record, index, ctx.origin)
    state.codes[code] = row
    if state.code_map is not None:
        state.map_pending[map_key(code)] = index
    return row
