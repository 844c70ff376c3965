"""Is this code verified? Each check (docs/architecture.md, "Verification"), with its
outcome and reason.

A code is *verified* when its latest record is signed by an official who was active at
that index, the record is included under a checkpoint signed by its city's log key (from
the trust file), that checkpoint carries cosignatures of at least k witnesses listed in
the trust file (the log's own city does not count), and no revoke follows it.

`verify_code` asks a node (its own log or a replica); `verify_proof_bundle` needs only the
bundle and the trust file. Both run the same checks through `_Checker`. What a bundle
cannot know offline — whether a later record (a revoke, even one under the same
checkpoint) supersedes the bundled one, whether the signer was revoked before signing —
is reported as `unknown`; such a result is not VERIFIED but VERIFIED_OFFLINE ("verified
as of checkpoint N, later records unknown offline"), never a plain VERIFIED.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.core import checkpoint as _checkpoint
from app.core import codes as _codes
from app.core import merkle as _merkle
from app.core import note as _note
from app.core import records as _records
from app.core.errors import CodeError, InvalidSignatureError
from app.core.texts import N_
from app.ledger import rules
from app.ledger.codes_index import CodeState
from app.ledger.db import StoreError
from app.ledger.proof_bundle import (
    NotInStoreError,
    choose_checkpoint,
    store_of,
    stored_inclusion_proof,
)
from app.ledger.store import Store
from app.ledger.trust import City, TrustFile, witness_verifier

if TYPE_CHECKING:
    from app.ledger.node import Node

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"

# The verdicts (VerifyResult.outcome; stable: scripts read them from --json).
VERIFIED = "verified"  # every check passed
VERIFIED_OFFLINE = "verified-offline"  # the bundle's record is proven; later state unknown
NOT_VERIFIED = "not-verified"  # a check failed (or could not be made where it must be)

# Check names, in the order they are reported (stable: scripts read them from --json).
BUNDLE_FORMAT = "bundle format"
CODE_SYNTAX = "code syntax"
RECORD = "record"
ENTRY_SIGNATURE = "entry signature"
OFFICIAL_ACTIVE = "official active"
INCLUSION = "inclusion"
CHECKPOINT_SIGNATURE = "checkpoint signature"
WITNESS_QUORUM = "witness cosignatures"
NOT_REVOKED = "not revoked"
TRANSFER = "transfer"  # only for a code another member city transferred to its log


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # pass | fail | unknown
    reason: str
    blocking: bool = True  # an `unknown` that does not block is a stated limit, not a failure
    # The reason as an English template (marked N_) and its parameters, so a view can
    # translate it. Counts are written "(proof hashes: 3)", never "3 hash(es)", so the
    # English reason needs no plural rules and a translation no plural forms.
    template: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "blocking": self.blocking,
            "template": self.template,
            "params": dict(self.params),
        }


@dataclass
class VerifyResult:
    code: str | None
    checks: list[Check] = field(default_factory=list)
    index: int | None = None
    origin: str | None = None
    checkpoint_size: int | None = None
    record: dict[str, Any] | None = None
    # (checkpoint size, witnessed time or "") when a bundle's code map proved the record
    # current there: the verdict then says "current as of checkpoint N (time)"
    current_as_of: tuple[int, str] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(
            c.status == PASS or (c.status == UNKNOWN and not c.blocking) for c in self.checks
        )

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL or (c.status == UNKNOWN and c.blocking)]

    @property
    def unknowns(self) -> list[Check]:
        """What could not be known here (stated limits that do not fail the result)."""
        return [c for c in self.checks if c.status == UNKNOWN and not c.blocking]

    @property
    def outcome(self) -> str:
        """VERIFIED, VERIFIED_OFFLINE (nothing failed, but something is unknown: e.g. a
        bundle's later records) or NOT_VERIFIED. `ok` is true for both of the first two."""
        if not self.ok:
            return NOT_VERIFIED
        return VERIFIED_OFFLINE if self.unknowns else VERIFIED

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "outcome": self.outcome,
            "unknown": [c.name for c in self.unknowns],
            "code": self.code,
            "index": self.index,
            "origin": self.origin,
            "checkpoint_size": self.checkpoint_size,
            "current_as_of": (
                None
                if self.current_as_of is None
                else {"size": self.current_as_of[0], "time": self.current_as_of[1]}
            ),
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class OfficialState:
    """What the verifier knows of the entry's signer."""

    name: str | None  # None: the record names no official
    vkey: str | None  # note verifier key string of the official
    added_index: int | None
    revoked_index: int | None = None
    revocation_known: bool = True  # False offline: a revoke may hide between add and use
    # why the claimed registration cannot be trusted: (reason template, parameters)
    problem: tuple[str, dict[str, Any]] | None = None


class _Checker:
    """Accumulates checks; once a check fails, dependent checks are `unknown`."""

    def __init__(self, result: VerifyResult) -> None:
        self.result = result

    def add(
        self, name: str, status: str, template: str, *, blocking: bool = True, **params: object
    ) -> bool:
        reason = template.format(**params)
        self.result.checks.append(Check(name, status, reason, blocking, template, params))
        return status == PASS

    def skip(self, names: Iterable[str], because: str) -> None:
        for n in names:
            self.add(n, UNKNOWN, N_("not checked: {because}"), because=because)


# --- individual checks (pure) ---------------------------------------------------------


def _check_code(ck: _Checker, text: str) -> _codes.Code | None:
    try:
        code = _codes.parse_code(text)
    except CodeError as e:  # the parser's template: it names the character at fault
        ck.add(CODE_SYNTAX, FAIL, e.template, **e.params)
        return None
    except ValueError as e:
        ck.add(CODE_SYNTAX, FAIL, N_("{error}"), error=str(e))
        return None
    ck.add(
        CODE_SYNTAX,
        PASS,
        N_("{code} is well formed, check character {check} matches"),
        code=str(code),
        check=code.check,
    )
    ck.result.code = str(code)
    return code


def _parse_record(
    ck: _Checker, entry: bytes, code: _codes.Code | None, index: int
) -> dict[str, Any] | None:
    record = rules.parse(entry)
    if isinstance(record, rules.Refusal):
        ck.add(
            RECORD,
            FAIL,
            N_("the entry at index {index} is not a valid record: {error}"),
            index=index,
            error=record.reason,
        )
        return None
    if code is not None and record.get("code") != str(code):
        ck.add(
            RECORD,
            FAIL,
            N_("the entry at index {index} is for {other!r}, not {code}"),
            index=index,
            other=record.get("code"),
            code=str(code),
        )
        return None
    ck.add(
        RECORD,
        PASS,
        N_("{type} record of {code} at index {index}"),
        type=record.get("type"),
        code=record.get("code"),
        index=index,
    )
    ck.result.record = record
    return record


def _check_signature(ck: _Checker, record: dict[str, Any], official: OfficialState | None) -> bool:
    name = record.get("official")
    if official is None:
        return ck.add(
            ENTRY_SIGNATURE,
            UNKNOWN,
            N_("the key of official {official!r} is not known here"),
            official=name,
        )
    if official.problem:
        return ck.add(ENTRY_SIGNATURE, FAIL, official.problem[0], **official.problem[1])
    if official.vkey is None:
        return ck.add(
            ENTRY_SIGNATURE,
            FAIL,
            N_("official {official!r} is not registered in the log (no official-add)"),
            official=name,
        )
    try:
        verifier = _note.Verifier.from_key(official.vkey)
        if verifier.alg != _note.ALG_ED25519:
            raise ValueError("not an Ed25519 key")
        good = _records.verify_entry_signature(record, verifier.public_key)
    except ValueError as e:
        return ck.add(
            ENTRY_SIGNATURE,
            FAIL,
            N_("official {official!r}: unusable key ({error})"),
            official=name,
            error=str(e),
        )
    if not good:
        return ck.add(
            ENTRY_SIGNATURE,
            FAIL,
            N_("the signature does not verify with official {official!r}'s key"),
            official=name,
        )
    return ck.add(ENTRY_SIGNATURE, PASS, N_("signed by official {official!r}"), official=name)


def _check_official(
    ck: _Checker, record: dict[str, Any], index: int, official: OfficialState | None
) -> bool:
    name = record.get("official")
    if official is not None and official.problem:
        return ck.add(OFFICIAL_ACTIVE, FAIL, official.problem[0], **official.problem[1])
    if official is None or official.added_index is None:
        return ck.add(
            OFFICIAL_ACTIVE,
            FAIL if official is not None else UNKNOWN,
            N_("no official-add record for {official!r} is known"),
            official=name,
        )
    params: dict[str, Any] = {"official": name, "added": official.added_index, "index": index}
    row = {"added_index": official.added_index, "revoked_index": official.revoked_index}
    if not rules.official_active(row, index) and official.added_index >= index:
        return ck.add(
            OFFICIAL_ACTIVE,
            FAIL,
            N_(
                "official {official!r} was added at index {added}, after this record (index {index})"
            ),
            **params,
        )
    if not rules.official_active(row, index):
        return ck.add(
            OFFICIAL_ACTIVE,
            FAIL,
            N_(
                "official {official!r} was revoked at index {revoked}, "
                "before this record (index {index})"
            ),
            revoked=official.revoked_index,
            **params,
        )
    if not official.revocation_known:
        # A bundle proves the official-add (and a revoke, if it carries one); that no
        # revoke lies between the add and this record cannot be proven from a Merkle log
        # alone, so offline it is never reported as a pass.
        if official.revoked_index is not None:
            return ck.add(
                OFFICIAL_ACTIVE,
                UNKNOWN,
                N_(
                    "official {official!r} was added at index {added} and the bundled "
                    "revoke at index {revoked} comes after this record; whether an earlier "
                    "revoke came before index {index} is unknown offline: check against "
                    "a replica of the city's log"
                ),
                blocking=False,
                revoked=official.revoked_index,
                **params,
            )
        return ck.add(
            OFFICIAL_ACTIVE,
            UNKNOWN,
            N_(
                "official {official!r} was added at index {added} (proven under the same "
                "checkpoint); whether they were revoked before index {index} is unknown "
                "offline: check against a replica of the city's log"
            ),
            blocking=False,
            **params,
        )
    return ck.add(
        OFFICIAL_ACTIVE,
        PASS,
        N_("official {official!r} added at index {added} and not revoked before index {index}"),
        **params,
    )


def _check_inclusion(
    ck: _Checker,
    entry: bytes,
    index: int,
    proof: Sequence[bytes] | str,
    cp: _checkpoint.Checkpoint,
) -> bool:
    if isinstance(proof, str):  # the node could not build a proof: the reason
        return ck.add(
            INCLUSION, FAIL, N_("no inclusion proof from the stored tiles: {error}"), error=proof
        )
    leaf = _merkle.record_hash(entry)
    params: dict[str, Any] = {"index": index, "size": cp.size}
    try:
        good = _merkle.verify_inclusion(index, cp.size, leaf, list(proof), cp.root_hash)
    except ValueError as e:
        return ck.add(
            INCLUSION,
            FAIL,
            N_("inclusion proof for index {index} in tree of size {size} is malformed: {error}"),
            error=str(e),
            **params,
        )
    if not good:
        return ck.add(
            INCLUSION,
            FAIL,
            N_(
                "the inclusion proof for index {index} does not lead "
                "to the checkpoint root of tree size {size}"
            ),
            **params,
        )
    return ck.add(
        INCLUSION,
        PASS,
        N_("index {index} is included in the tree of size {size} (proof hashes: {n})"),
        n=len(proof),
        **params,
    )


def _parse_checkpoint_text(note_bytes: bytes) -> _checkpoint.Checkpoint:
    """The checkpoint in a signed note, before any signature is checked."""
    return _checkpoint.Checkpoint.parse(_note.note_text(note_bytes))


def _check_checkpoint(
    ck: _Checker,
    note_bytes: bytes,
    trust: TrustFile,
    code: _codes.Code | None,
    moved_in: bool = False,
) -> tuple[_checkpoint.Checkpoint | None, City | None]:
    """Checkpoint signature by the city's log key from the trust file; returns the city.
    `moved_in`: the code is held by another city's log through a transfer-in, which the
    TRANSFER check proves against its transfer-out."""
    try:
        cp = _parse_checkpoint_text(note_bytes)
    except (ValueError, UnicodeDecodeError) as e:
        ck.add(CHECKPOINT_SIGNATURE, FAIL, N_("the checkpoint is malformed: {error}"), error=str(e))
        return None, None
    city = trust.city_for_origin(cp.origin)
    if city is None:
        ck.add(
            CHECKPOINT_SIGNATURE,
            FAIL,
            N_("log {origin!r} is not a member of the trust file (serial {serial})"),
            origin=cp.origin,
            serial=trust.serial,
        )
        return cp, None
    if code is not None and not moved_in and not rules.code_in_city(str(code), city.code):
        ck.add(
            CHECKPOINT_SIGNATURE,
            FAIL,
            N_(
                "code of city {city} under the log of city "
                "{log_city} ({origin}): only a city's own log can issue its codes"
            ),
            city=code.city,
            log_city=city.code,
            origin=cp.origin,
        )
        return cp, None
    try:
        _note.open_note(note_bytes, [_note.Verifier.from_key(city.log_vkey)])
    except ValueError as e:
        ck.add(
            CHECKPOINT_SIGNATURE,
            FAIL,
            N_(
                "checkpoint of {origin} (size {size}) is not validly signed by its "
                "log key {key}: {error}"
            ),
            origin=cp.origin,
            size=cp.size,
            key=city.log_key_name,
            error=str(e),
        )
        return cp, None
    ck.add(
        CHECKPOINT_SIGNATURE,
        PASS,
        N_("checkpoint of size {size} signed by {city_name} ({city}) log key"),
        size=cp.size,
        city_name=city.name_en,
        city=city.code,
    )
    return cp, city


def _check_witnesses(ck: _Checker, note_bytes: bytes, trust: TrustFile, origin: str) -> bool:
    witnesses = trust.witness_cities(origin)
    k = trust.quorum
    good, bad = [], []
    for c in witnesses:
        try:
            _note.open_note(note_bytes, [witness_verifier(c.witness_vkey)])
            good.append(c)
        except InvalidSignatureError:
            bad.append(c)  # a cosignature line of this witness that does not verify
        except ValueError:
            continue  # no cosignature from this witness (or an unusable key)
    names = ", ".join(f"{c.name_en} ({c.code})" for c in good) or "none"
    invalid = (
        "; invalid cosignature from " + ", ".join(f"{c.name_en} ({c.code})" for c in bad)
        if bad
        else ""
    )
    params: dict[str, Any] = {
        "n": len(good),
        "k": k,
        "names": names,
        "invalid": invalid,
        "listed": len(witnesses),
    }
    if len(good) >= k:
        return ck.add(
            WITNESS_QUORUM,
            PASS,
            N_("{n} of quorum {k} witnesses co-signed: {names}{invalid}"),
            **params,
        )
    return ck.add(
        WITNESS_QUORUM,
        FAIL,
        N_(
            "only {n} of quorum {k} trusted witnesses co-signed ({names}); "
            "witnesses listed in the trust file: {listed}{invalid}"
        ),
        **params,
    )


# --- the two entry points ------------------------------------------------------------


def _run(
    result: VerifyResult,
    ck: _Checker,
    code: _codes.Code | None,
    entry: bytes,
    index: int,
    proof: Sequence[bytes] | str,
    note_bytes: bytes,
    trust: TrustFile,
    official: OfficialState | None,
    moved_in: bool = False,
) -> dict[str, Any] | None:
    """The checks common to a node and a bundle. Returns the parsed record or None."""
    result.index = index
    record = _parse_record(ck, entry, code, index)
    if record is None:
        ck.skip([ENTRY_SIGNATURE, OFFICIAL_ACTIVE], N_("the record could not be read"))
    else:
        _check_signature(ck, record, official)
        _check_official(ck, record, index, official)
    cp, city = _check_checkpoint(ck, note_bytes, trust, code, moved_in)
    if cp is not None:
        result.origin, result.checkpoint_size = cp.origin, cp.size
        _check_inclusion(ck, entry, index, proof, cp)
    else:
        ck.skip([INCLUSION], N_("no usable checkpoint"))
    if city is not None:
        _check_witnesses(ck, note_bytes, trust, city.origin)
    else:
        ck.skip([WITNESS_QUORUM], N_("the checkpoint is not from a trusted log"))
    return record


ALL_AFTER_CODE = (
    RECORD,
    ENTRY_SIGNATURE,
    OFFICIAL_ACTIVE,
    CHECKPOINT_SIGNATURE,
    INCLUSION,
    WITNESS_QUORUM,
    NOT_REVOKED,
)


def verify_code(node_or_store: Node | Store, code: str, trust: TrustFile) -> VerifyResult:
    """Verify `code` against the logs a node holds (its own, or a replica)."""
    result = VerifyResult(code=code if isinstance(code, str) else None)
    ck = _Checker(result)
    c = _check_code(ck, code)
    if c is None:
        ck.skip(ALL_AFTER_CODE, N_("the code is malformed"))
        return result
    store = store_of(node_or_store)
    state = store.code_state(str(c))
    if state is None:
        ck.add(
            RECORD,
            FAIL,
            N_(
                "{code} is not in any log this node holds (its city "
                "{city} may not be replicated here yet)"
            ),
            code=str(c),
            city=c.city,
        )
        ck.skip(ALL_AFTER_CODE[1:], N_("no record"))
        return result
    index, origin = state.latest_index, state.origin
    try:
        entry = store.entry(origin, index)
        cp = choose_checkpoint(store, origin, index, trust.quorum)
    except (IndexError, NotInStoreError) as e:
        ck.add(
            RECORD,
            FAIL,
            N_("the node's index names record {index} of {origin} but it is not held: {error}"),
            index=index,
            origin=origin,
            error=str(e),
        )
        ck.skip(ALL_AFTER_CODE[1:], N_("no record"))
        return result
    proof: list[bytes] | str
    try:
        proof = stored_inclusion_proof(store, origin, index, cp.size, cp.root_hash)
    except (NotInStoreError, ValueError) as e:
        proof = str(e)  # _check_inclusion reports it
    record_preview = _peek_record(entry)
    official = _official_from_store(store, origin, record_preview)
    info = store.log_info(origin)
    if info is None:  # logs are never dropped; the index just named this one
        raise NotInStoreError(f"the log of {origin} is no longer held")
    moved_in = info.city_code != c.city
    record = _run(
        result, ck, c, entry, index, proof, cp.with_cosignatures(), trust, official, moved_in
    )
    if moved_in:
        _check_transfers(ck, store, trust, c, state)
    if record is None:
        ck.skip([NOT_REVOKED], N_("the record could not be read"))
    elif add_life_ended(ck, record, index, origin):
        pass
    elif record.get("type") == "transfer":
        # A change of owner within the city: the code stays valid; say who holds it now.
        ck.add(
            NOT_REVOKED,
            PASS,
            N_(
                "not revoked (log {origin} up to size {size}); transferred to {owner} at "
                "index {index} by {official} at {time}"
            ),
            owner=record.get("owner", ""),
            index=index,
            origin=origin,
            official=record.get("official", ""),
            time=record.get("time", ""),
            size=info.size,
        )
    else:
        ck.add(
            NOT_REVOKED,
            PASS,
            N_(
                "no revoke in the own log of {origin} up to size {size}; latest record is index {index}"
            )
            if info.kind == "own"
            else N_(
                "no revoke in the replica of {origin} up to size {size}; "
                "latest record is index {index}"
            ),
            origin=origin,
            size=info.size,
            index=index,
        )
    return result


def add_life_ended(ck: _Checker, record: dict[str, Any], index: int | None, origin: str) -> bool:
    """FAIL 'not revoked' saying what ended the code's life in this log (a revoke or a
    transfer-out): when, by whom and why, in the same words from a node, a replica and an
    offline bundle. False if the record ends nothing."""
    said = {
        "index": index,
        "origin": origin,
        "official": record.get("official", ""),
        "time": record.get("time", ""),
    }
    if record.get("type") == "revoke":
        ck.add(
            NOT_REVOKED,
            FAIL,
            N_("revoked at index {index} of {origin} by {official} at {time}: {why}"),
            why=record.get("reason", ""),
            **said,
        )
        return True
    if record.get("type") == "transfer-out":
        ck.add(
            NOT_REVOKED,
            FAIL,
            N_(
                "transferred to city {city} at index {index} of {origin} by {official} at "
                "{time}; its later records are in that city's log, not held here"
            ),
            city=record.get("to", ""),
            **said,
        )
        return True
    return False


def _check_transfers(
    ck: _Checker, store: Store, trust: TrustFile, code: _codes.Code, state: CodeState
) -> None:
    """A code held by another city's log verifies through both logs: each transfer-in's
    transfer-out must be held here and verify under its own city's checkpoint (signed,
    cosigned), naming the receiving city."""
    from app.ledger import life

    try:
        hops = [(o, i, r) for o, i, r in life.chain(store, state) if r["type"] == "transfer-in"]
    except StoreError as e:
        ck.add(TRANSFER, FAIL, N_("{error}"), error=str(e))
        return
    if not hops:
        ck.add(TRANSFER, FAIL, N_("the code is held by a log its city did not transfer it to"))
        return
    for into, at, rec in hops:
        source, prev = rec.get("from"), rec.get("prev")
        params: dict[str, Any] = {"origin": source, "index": prev}
        try:
            if not isinstance(source, str) or not isinstance(prev, int):
                raise IndexError("malformed transfer-in")
            entry = store.entry(source, prev)
            cp = choose_checkpoint(store, source, prev, trust.quorum)
            proof = stored_inclusion_proof(store, source, prev, cp.size, cp.root_hash)
        except (IndexError, NotInStoreError, ValueError):
            ck.add(
                TRANSFER,
                FAIL,
                N_(
                    "came from {origin}, whose transfer-out at index {index} is not held "
                    "here (sync that city)"
                ),
                **params,
            )
            return
        sub = VerifyResult(code=str(code))
        official = _official_from_store(store, source, _peek_record(entry))
        out = _run(
            sub, _Checker(sub), code, entry, prev, proof, cp.with_cosignatures(), trust, official
        )
        receiver = store.log_info(into)
        if (
            not sub.ok
            or out is None
            or out.get("type") != "transfer-out"
            or (receiver is None or out.get("to") != receiver.city_code)
        ):
            why = sub.failed[0].reason if sub.failed else "not a transfer-out to this log's city"
            ck.add(
                TRANSFER,
                FAIL,
                N_("came from {origin}, but its transfer-out at index {index} fails: {error}"),
                error=why,
                **params,
            )
            return
        ck.add(
            TRANSFER,
            PASS,
            N_(
                "came from {origin}: its transfer-out at index {index} (by {official} at "
                "{time}) verifies under that city's checkpoint {size}; taken over at "
                "index {at} of {into}"
            ),
            official=out.get("official", ""),
            time=out.get("time", ""),
            size=cp.size,
            at=at,
            into=into,
            **params,
        )


def _peek_record(entry: bytes) -> dict[str, Any]:
    """The entry's JSON object before validation (to find its code and official)."""
    try:
        doc = json.loads(entry)
    except (ValueError, UnicodeDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _official_from_store(store: Store, origin: str, record: dict[str, Any]) -> OfficialState | None:
    name = record.get("official")
    row = next((o for o in store.officials(origin) if o["name"] == name), None)
    if row is None:
        return OfficialState(name=name, vkey=None, added_index=None) if name else None
    return OfficialState(
        name=name,
        vkey=row["vkey"],
        added_index=row["added_index"],
        revoked_index=row["revoked_index"],
    )


def verify_proof_bundle(
    data: bytes, trust: TrustFile, replica: Node | Store | None = None
) -> VerifyResult:
    """Verify a proof bundle offline with the trust file alone (no database); with
    `replica` (a Node or Store holding the city's log) the revocation check also looks
    past the bundle's checkpoint. The bundle's own claims (the official's records, the
    code map) are read in app/ledger/bundle_verifier.py."""
    from app.ledger.bundle_verifier import verify_bundle

    return verify_bundle(data, trust, replica)
