"""Is this code verified? Each check of DESIGN.md §6, with its outcome and reason.

A code is *verified* when its latest record is signed by an official who was active at
that index, the record is included under a checkpoint signed by its city's log key (from
the trust file), that checkpoint carries cosignatures of at least k witnesses listed in
the trust file (the log's own city does not count), and no revoke follows it.

`verify_code` asks a node (its own log or a replica); `verify_bundle` needs only the
bundle and the trust file. Both run the same checks through `_Checker`; what a bundle
cannot know (a revoke after its checkpoint) is reported as `unknown` and does not block.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from app.core import checkpoint as _checkpoint
from app.core import codes as _codes
from app.core import merkle as _merkle
from app.core import note as _note
from app.core import records as _records
from app.core.errors import InvalidSignatureError
from app.ledger.bundle import (
    BundleFormatError,
    NotInStoreError,
    ProofBundle,
    choose_checkpoint,
    decode_bundle,
    inclusion_proof,
    store_of,
)
from app.ledger.trust import TrustFile, witness_verifier

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"

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


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # pass | fail | unknown
    reason: str
    blocking: bool = True  # an `unknown` that does not block is a stated limit, not a failure

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "blocking": self.blocking,
        }


@dataclass
class VerifyResult:
    code: str | None
    checks: list[Check] = field(default_factory=list)
    index: int | None = None
    origin: str | None = None
    checkpoint_size: int | None = None
    record: dict | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(
            c.status == PASS or (c.status == UNKNOWN and not c.blocking) for c in self.checks
        )

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL or (c.status == UNKNOWN and c.blocking)]

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "code": self.code,
            "index": self.index,
            "origin": self.origin,
            "checkpoint_size": self.checkpoint_size,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class OfficialState:
    """What the verifier knows of the entry's signer."""

    name: str
    vkey: str | None  # note verifier key string of the official
    added_index: int | None
    revoked_index: int | None = None
    revocation_known: bool = True  # False offline: a revoke may hide between add and use
    problem: str | None = None  # why the claimed registration cannot be trusted


class _Checker:
    """Accumulates checks; once a check fails, dependent checks are `unknown`."""

    def __init__(self, result: VerifyResult):
        self.result = result

    def add(self, name, status, reason, blocking=True):
        self.result.checks.append(Check(name, status, reason, blocking))
        return status == PASS

    def skip(self, names, because):
        for n in names:
            self.add(n, UNKNOWN, f"not checked: {because}")


# --- individual checks (pure) ---------------------------------------------------------


def _check_code(ck: _Checker, text: str):
    try:
        code = _codes.parse_code(text)
    except ValueError as e:  # CodeError: the message names the character at fault
        ck.add(CODE_SYNTAX, FAIL, str(e))
        return None
    ck.add(CODE_SYNTAX, PASS, f"{code} is well formed, check character {code.check} matches")
    ck.result.code = str(code)
    return code


def _parse_record(ck: _Checker, entry: bytes, code, index: int):
    try:
        record = _records.parse_entry(entry)
    except ValueError as e:
        ck.add(RECORD, FAIL, f"the entry at index {index} is not a valid record: {e}")
        return None
    if code is not None and record.get("code") != str(code):
        ck.add(
            RECORD, FAIL, f"the entry at index {index} is for {record.get('code')!r}, not {code}"
        )
        return None
    ck.add(RECORD, PASS, f"{record.get('type')} record of {record.get('code')} at index {index}")
    ck.result.record = record
    return record


def _check_signature(ck: _Checker, record: dict, official: OfficialState | None) -> bool:
    name = record.get("official")
    if official is None:
        return ck.add(ENTRY_SIGNATURE, UNKNOWN, f"the key of official {name!r} is not known here")
    if official.problem:
        return ck.add(ENTRY_SIGNATURE, FAIL, official.problem)
    if official.vkey is None:
        return ck.add(
            ENTRY_SIGNATURE,
            FAIL,
            f"official {name!r} is not registered in the log (no official-add)",
        )
    try:
        verifier = _note.Verifier.from_key(official.vkey)
        if verifier.alg != _note.ALG_ED25519:
            raise ValueError("not an Ed25519 key")
        good = _records.verify_entry_signature(record, verifier.public_key)
    except ValueError as e:
        return ck.add(ENTRY_SIGNATURE, FAIL, f"official {name!r}: unusable key ({e})")
    if not good:
        return ck.add(
            ENTRY_SIGNATURE, FAIL, f"the signature does not verify with official {name!r}'s key"
        )
    return ck.add(ENTRY_SIGNATURE, PASS, f"signed by official {name!r}")


def _check_official(ck: _Checker, record: dict, index: int, official: OfficialState | None):
    name = record.get("official")
    if official is not None and official.problem:
        return ck.add(OFFICIAL_ACTIVE, FAIL, official.problem)
    if official is None or official.added_index is None:
        return ck.add(
            OFFICIAL_ACTIVE,
            FAIL if official is not None else UNKNOWN,
            f"no official-add record for {name!r} is known",
        )
    if official.added_index >= index:
        return ck.add(
            OFFICIAL_ACTIVE,
            FAIL,
            f"official {name!r} was added at index "
            f"{official.added_index}, after this record (index {index})",
        )
    if official.revoked_index is not None and official.revoked_index < index:
        return ck.add(
            OFFICIAL_ACTIVE,
            FAIL,
            f"official {name!r} was revoked at index "
            f"{official.revoked_index}, before this record (index {index})",
        )
    if not official.revocation_known:
        return ck.add(
            OFFICIAL_ACTIVE,
            PASS,
            f"official {name!r} was added at index {official.added_index} "
            "(proven under the same checkpoint); that no official-revoke came "
            "in between needs a replica to confirm",
        )
    return ck.add(
        OFFICIAL_ACTIVE,
        PASS,
        f"official {name!r} added at index "
        f"{official.added_index} and not revoked before index {index}",
    )


def _check_inclusion(ck: _Checker, entry: bytes, index: int, proof, cp) -> bool:
    if isinstance(proof, str):  # the node could not build a proof: the reason
        return ck.add(INCLUSION, FAIL, proof)
    leaf = _merkle.record_hash(entry)
    try:
        good = _merkle.verify_inclusion(index, cp.size, leaf, list(proof), cp.root_hash)
    except ValueError as e:
        return ck.add(
            INCLUSION,
            FAIL,
            f"inclusion proof for index {index} in tree of size {cp.size} is malformed: {e}",
        )
    if not good:
        return ck.add(
            INCLUSION,
            FAIL,
            f"the inclusion proof for index {index} does not lead "
            f"to the checkpoint root of tree size {cp.size}",
        )
    return ck.add(
        INCLUSION,
        PASS,
        f"index {index} is included in the tree of size {cp.size} ({len(proof)} proof hashes)",
    )


def _parse_checkpoint_text(note_bytes: bytes):
    """The checkpoint in a signed note, before any signature is checked."""
    text = note_bytes.decode("utf-8")
    split = text.rfind("\n\n")
    if split < 0:
        raise ValueError("no signature block")
    return _checkpoint.Checkpoint.parse(text[: split + 1])


def _check_checkpoint(ck: _Checker, note_bytes: bytes, trust: TrustFile, code):
    """Checkpoint signature by the city's log key from the trust file; returns the city."""
    try:
        cp = _parse_checkpoint_text(note_bytes)
    except (ValueError, UnicodeDecodeError) as e:
        ck.add(CHECKPOINT_SIGNATURE, FAIL, f"the checkpoint is malformed: {e}")
        return None, None
    city = trust.city_for_origin(cp.origin)
    if city is None:
        ck.add(
            CHECKPOINT_SIGNATURE,
            FAIL,
            f"log {cp.origin!r} is not a member of the trust file (serial {trust.serial})",
        )
        return cp, None
    if code is not None and code.city != city.code:
        ck.add(
            CHECKPOINT_SIGNATURE,
            FAIL,
            f"code of city {code.city} under the log of city "
            f"{city.code} ({cp.origin}): only a city's own log "
            "can issue its codes",
        )
        return cp, None
    try:
        _note.open_note(note_bytes, [_note.Verifier.from_key(city.log_vkey)])
    except ValueError as e:
        ck.add(
            CHECKPOINT_SIGNATURE,
            FAIL,
            f"checkpoint of {cp.origin} (size {cp.size}) is not validly signed by its "
            f"log key {city.log_key_name}: {e}",
        )
        return cp, None
    ck.add(
        CHECKPOINT_SIGNATURE,
        PASS,
        f"checkpoint of size {cp.size} signed by {city.name_en} ({city.code}) log key",
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
    if len(good) >= k:
        return ck.add(
            WITNESS_QUORUM, PASS, f"{len(good)} of quorum {k} witnesses co-signed: {names}{invalid}"
        )
    return ck.add(
        WITNESS_QUORUM,
        FAIL,
        f"only {len(good)} of quorum {k} trusted witnesses "
        f"co-signed ({names}); {len(witnesses)} witnesses listed in the trust "
        f"file{invalid}",
    )


# --- the two entry points ------------------------------------------------------------


def _run(
    result: VerifyResult,
    ck: _Checker,
    code,
    entry: bytes,
    index: int,
    proof,
    note_bytes: bytes,
    trust: TrustFile,
    official: OfficialState | None,
):
    """The checks common to a node and a bundle. Returns the parsed record or None."""
    result.index = index
    record = _parse_record(ck, entry, code, index)
    if record is None:
        ck.skip([ENTRY_SIGNATURE, OFFICIAL_ACTIVE], "the record could not be read")
    else:
        _check_signature(ck, record, official)
        _check_official(ck, record, index, official)
    cp, city = _check_checkpoint(ck, note_bytes, trust, code)
    if cp is not None:
        result.origin, result.checkpoint_size = cp.origin, cp.size
        _check_inclusion(ck, entry, index, proof, cp)
    else:
        ck.skip([INCLUSION], "no usable checkpoint")
    if city is not None:
        _check_witnesses(ck, note_bytes, trust, city.origin)
    else:
        ck.skip([WITNESS_QUORUM], "the checkpoint is not from a trusted log")
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


def verify_code(node_or_store, code: str, trust: TrustFile) -> VerifyResult:
    """Verify `code` against the logs a node holds (its own, or a replica)."""
    result = VerifyResult(code=code if isinstance(code, str) else None)
    ck = _Checker(result)
    c = _check_code(ck, code)
    if c is None:
        ck.skip(ALL_AFTER_CODE, "the code is malformed")
        return result
    store = store_of(node_or_store)
    state = store.code_state(str(c))
    if state is None:
        ck.add(
            RECORD,
            FAIL,
            f"{c} is not in any log this node holds (its city "
            f"{c.city} may not be replicated here yet)",
        )
        ck.skip(ALL_AFTER_CODE[1:], "no record")
        return result
    index, origin = state.latest_index, state.origin
    try:
        entry = store.entry(origin, index)
        cp = choose_checkpoint(store, origin, index, trust.quorum)
    except (IndexError, NotInStoreError) as e:
        ck.add(
            RECORD,
            FAIL,
            f"the node's index names record {index} of {origin} but it is not held: {e}",
        )
        ck.skip(ALL_AFTER_CODE[1:], "no record")
        return result
    try:
        proof = inclusion_proof(store, origin, index, cp.size, cp.root_hash)
    except (NotInStoreError, ValueError) as e:
        proof = f"no inclusion proof from the stored tiles: {e}"
    record_preview = _peek_record(entry)
    official = _official_from_store(store, origin, record_preview)
    record = _run(result, ck, c, entry, index, proof, cp.with_cosignatures(), trust, official)
    if record is None:
        ck.skip([NOT_REVOKED], "the record could not be read")
    elif record.get("type") == "revoke":
        ck.add(NOT_REVOKED, FAIL, f"revoked at index {index}: {record.get('reason', '')}".strip())
    else:
        info = store.log_info(origin)
        held = "own log" if info.kind == "own" else "replica"
        ck.add(
            NOT_REVOKED,
            PASS,
            f"no revoke in the {held} of {origin} up to size "
            f"{info.size}; latest record is index {index}",
        )
    return result


def _peek_record(entry: bytes) -> dict:
    """The entry's JSON object before validation (to find its code and official)."""
    try:
        doc = json.loads(entry)
    except (ValueError, UnicodeDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _official_from_store(store, origin: str, record: dict) -> OfficialState | None:
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


def verify_bundle(data: bytes, trust: TrustFile, replica=None) -> VerifyResult:
    """Verify a proof bundle offline with the trust file alone (no database).

    With `replica` (a Node or Store holding the city's log), the revocation check also
    looks past the bundle's checkpoint."""
    result = VerifyResult(code=None)
    ck = _Checker(result)
    try:
        b = decode_bundle(data)
    except (BundleFormatError, ValueError) as e:
        ck.add(BUNDLE_FORMAT, FAIL, str(e))
        return result
    ck.add(BUNDLE_FORMAT, PASS, f"tlog-proof for index {b.index} with the entry")
    code_text = _peek_code(b.entry)
    code = _check_code(ck, code_text) if code_text is not None else None
    if code_text is None:
        ck.add(CODE_SYNTAX, FAIL, "the entry names no code")
    official = _official_from_bundle(b)
    if replica is not None and official is not None and official.problem is None:
        official = _official_from_replica(store_of(replica), b, official)
    record = _run(result, ck, code, b.entry, b.index, b.proof, b.checkpoint, trust, official)
    if (
        replica is None
        or record is None
        or not _check_not_revoked_replica(ck, store_of(replica), result, record)
    ):
        _check_not_revoked_offline(ck, record, result.checkpoint_size)
    return result


def _official_from_replica(store, b: ProofBundle, official: OfficialState) -> OfficialState:
    """With a replica at least as large as the bundle's checkpoint, the official's
    revocations before the record are known too."""
    try:
        cp = _parse_checkpoint_text(b.checkpoint)
    except (ValueError, UnicodeDecodeError):
        return official
    info = store.log_info(cp.origin)
    if info is None or info.size < cp.size:
        return official
    row = next((o for o in store.officials(cp.origin) if o["name"] == official.name), None)
    if row is None or row["vkey"] != official.vkey:
        return official
    return OfficialState(official.name, row["vkey"], row["added_index"], row["revoked_index"])


def _check_not_revoked_replica(ck: _Checker, store, result: VerifyResult, record: dict) -> bool:
    """The revocation check against a replica; False if the replica cannot tell."""
    info = store.log_info(result.origin) if result.origin else None
    if info is None or result.code is None or info.size < (result.checkpoint_size or 0):
        return False
    state = store.code_state(result.code)
    if state is None or state.origin != result.origin:
        return False
    if state.status == "revoked":
        ck.add(
            NOT_REVOKED,
            FAIL,
            f"revoked at index {state.latest_index} (replica of {result.origin}, size {info.size})",
        )
    elif record.get("type") == "revoke":
        ck.add(NOT_REVOKED, FAIL, "the bundled record is a revoke: the code is revoked")
    else:
        later = (
            f"; newer record at index {state.latest_index}"
            if state.latest_index > (result.index or 0)
            else ""
        )
        ck.add(
            NOT_REVOKED,
            PASS,
            f"no revoke in the replica of {result.origin} up to size {info.size}{later}",
        )
    return True


def _peek_code(entry: bytes) -> str | None:
    code = _peek_record(entry).get("code")
    return code if isinstance(code, str) else None


def _official_from_bundle(b: ProofBundle) -> OfficialState | None:
    """The signer's key as registered by the official-add record carried in the bundle,
    trusted only if that record is included under the bundle's own checkpoint."""
    if b.official is None:
        return None
    name = _peek_record(b.entry).get("official")
    try:
        rec = _records.parse_entry(b.official.entry)
    except ValueError as e:
        return OfficialState(
            name, None, None, problem=f"the bundled official-add record is malformed: {e}"
        )
    subject = rec.get("subject") or {}
    if rec.get("type") != "official-add" or subject.get("name") != name:
        return OfficialState(
            name,
            None,
            None,
            problem=f"the bundled record at index "
            f"{b.official.index} does not register official {name!r}",
        )
    try:
        cp = _parse_checkpoint_text(b.checkpoint)
        good = _merkle.verify_inclusion(
            b.official.index,
            cp.size,
            _merkle.record_hash(b.official.entry),
            list(b.official.proof),
            cp.root_hash,
        )
    except (ValueError, UnicodeDecodeError):
        good = False
    if not good:
        return OfficialState(
            name,
            None,
            None,
            problem=f"the official-add record of {name!r} "
            f"(index {b.official.index}) is not included under the bundle's "
            "checkpoint, so the key it names proves nothing",
        )
    return OfficialState(
        name=name, vkey=subject.get("key"), added_index=b.official.index, revocation_known=False
    )


def _check_not_revoked_offline(ck: _Checker, record: dict | None, size: int | None) -> None:
    if record is None:
        ck.skip([NOT_REVOKED], "the record could not be read")
    elif record.get("type") == "revoke":
        ck.add(NOT_REVOKED, FAIL, "the bundled record is a revoke: the code is revoked")
    else:
        upto = f"tree size {size}" if size is not None else "the bundle's checkpoint"
        ck.add(
            NOT_REVOKED,
            UNKNOWN,
            f"not revoked up to {upto}; a revoke after that "
            "checkpoint can only be seen with a replica of the city's log",
            blocking=False,
        )
