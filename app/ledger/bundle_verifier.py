"""Verifying a proof bundle: the checks a node makes (app/ledger/verifier.py) run on the
bundle's record, and what the bundle itself claims is judged here — the signer's
official-add and official-revoke records, a transfer-in's origin, and the co-signed code
map (app/ledger/map_claims.py) that says whether the record is still the code's latest.
Offline, what cannot be known is `unknown`, never `pass`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.core import checkpoint as _checkpoint
from app.core import codes as _codes
from app.core import merkle as _merkle
from app.core import records as _records
from app.core.texts import N_
from app.ledger import map_claims
from app.ledger.db import StoreError
from app.ledger.proof_bundle import (
    ProofBundle,
    ProofBundleError,
    decode_proof_bundle,
    store_of,
)
from app.ledger.store import Store
from app.ledger.trust import TrustFile
from app.ledger.verifier import (
    BUNDLE_FORMAT,
    CODE_SYNTAX,
    FAIL,
    NOT_REVOKED,
    PASS,
    TRANSFER,
    UNKNOWN,
    OfficialState,
    VerifyResult,
    _check_code,
    _check_transfers,
    _Checker,
    _parse_checkpoint_text,
    _peek_record,
    _run,
    add_life_ended,
)

if TYPE_CHECKING:
    from app.ledger.node import Node


def verify_bundle(
    data: bytes, trust: TrustFile, replica: Node | Store | None = None
) -> VerifyResult:
    """Verify a proof bundle offline with the trust file alone (no database).

    With `replica` (a Node or Store holding the city's log), the revocation check also
    looks past the bundle's checkpoint."""
    result = VerifyResult(code=None)
    ck = _Checker(result)
    try:
        b = decode_proof_bundle(data)
    except (ProofBundleError, ValueError) as e:
        ck.add(BUNDLE_FORMAT, FAIL, N_("{error}"), error=str(e))
        return result
    ck.add(BUNDLE_FORMAT, PASS, N_("tlog-proof for index {index} with the entry"), index=b.index)
    code_text = _peek_code(b.entry)
    code = _check_code(ck, code_text) if code_text is not None else None
    if code_text is None:
        ck.add(CODE_SYNTAX, FAIL, N_("the entry names no code"))
    peek = _peek_record(b.entry)
    claim = _map_claim(b, str(code) if code else None, peek.get("official"))
    official = _official_from_bundle(b)
    if replica is not None and official is not None and official.problem is None:
        official = _official_from_replica(store_of(replica), b, official)
    elif claim is not None and official is not None:
        official = _official_from_map(official, claim)
    moved_in = peek.get("type") == "transfer-in"
    record = _run(
        result, ck, code, b.entry, b.index, b.proof, b.checkpoint, trust, official, moved_in
    )
    if moved_in and code is not None:
        _check_bundled_transfer(ck, replica, trust, code, result, peek)
    if (
        replica is None
        or record is None
        or not _check_not_revoked_replica(ck, store_of(replica), result, record)
    ):
        if claim is not None and record is not None and result.checkpoint_size is not None:
            _check_current_by_map(ck, b, trust, result, record, claim)
        else:
            _check_not_revoked_offline(ck, record, result)
    return result


def _map_claim(b: ProofBundle, code: str | None, official: Any) -> map_claims.MapClaim | None:
    """What the bundle's code map proves, if it carries one."""
    if b.code_map is None:
        return None
    try:
        cp = _parse_checkpoint_text(b.checkpoint)
    except (ValueError, UnicodeDecodeError):
        return None  # the checkpoint check reports it
    name = official if isinstance(official, str) else None
    return map_claims.read_map_part(b.code_map, cp, code, name)


def _official_from_map(official: OfficialState, claim: map_claims.MapClaim) -> OfficialState:
    """The signer's revocation as the co-signed code map states it: known, not unknown."""
    if official.problem is not None or official.added_index is None:
        return official
    if claim.problem is not None or not claim.official_proven:
        return official
    revoked, problem = map_claims.official_from_map(claim, official.added_index)
    if problem is not None:
        return OfficialState(official.name, None, None, problem=problem)
    return OfficialState(official.name, official.vkey, official.added_index, revoked)


def _check_current_by_map(
    ck: _Checker,
    b: ProofBundle,
    trust: TrustFile,
    result: VerifyResult,
    record: dict[str, Any],
    claim: map_claims.MapClaim,
) -> None:
    size = result.checkpoint_size or 0
    time = map_claims.witnessed_time(b.checkpoint, trust, result.origin or "")
    said = map_claims.current_claim(claim, record, b.index, size, time)
    if said is None:  # the code's latest record ends its life here: say what happened
        _check_not_revoked_offline(ck, record, result)
        return
    status, template, params = said
    if ck.add(NOT_REVOKED, status, template, **params):
        result.current_as_of = (size, time)


def _check_bundled_transfer(
    ck: _Checker,
    replica: Node | Store | None,
    trust: TrustFile,
    code: _codes.Code,
    result: VerifyResult,
    record: dict[str, Any],
) -> None:
    """A bundled transfer-in is only as good as its transfer-out in the other city's log:
    checked through a replica holding both logs, else unknown (and blocking: a bundle
    cannot prove that the code was given to this city)."""
    if replica is not None:
        store = store_of(replica)
        state = store.code_state(str(code))
        if state is not None and state.origin == result.origin:
            _check_transfers(ck, store, trust, code, state)
            return
    ck.add(
        TRANSFER,
        UNKNOWN,
        N_(
            "came from {origin}: its transfer-out at index {index} cannot be checked "
            "offline (verify with a node that holds that city's log)"
        ),
        origin=record.get("from", ""),
        index=record.get("prev", ""),
    )


def _official_from_replica(store: Store, b: ProofBundle, official: OfficialState) -> OfficialState:
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


def _check_not_revoked_replica(
    ck: _Checker, store: Store, result: VerifyResult, record: dict[str, Any]
) -> bool:
    """The revocation check against a replica; False if the replica cannot tell."""
    info = store.log_info(result.origin) if result.origin else None
    if info is None or result.code is None or info.size < (result.checkpoint_size or 0):
        return False
    state = store.code_state(result.code)
    if state is None or state.origin != result.origin:
        return False
    if state.status in ("revoked", "transferred") or record.get("type") == "revoke":
        # Said from the latest record the replica holds: what, when, by whom and why.
        at: int | None = state.latest_index
        try:
            latest = _peek_record(store.entry(result.origin, state.latest_index))
        except (IndexError, StoreError):
            latest, at = record, result.index
        moved = VerifyResult(result.code, index=at, origin=result.origin)
        _check_not_revoked_offline(ck, latest, moved)
    else:
        params: dict[str, Any] = {
            "origin": result.origin,
            "size": info.size,
            "index": state.latest_index,
        }
        if state.latest_index > (result.index or 0):
            ck.add(
                NOT_REVOKED,
                PASS,
                N_(
                    "no revoke in the replica of {origin} up to size {size}; "
                    "newer record at index {index}"
                ),
                **params,
            )
        else:
            ck.add(
                NOT_REVOKED,
                PASS,
                N_("no revoke in the replica of {origin} up to size {size}"),
                **params,
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
            name,
            None,
            None,
            problem=(
                N_("the bundled official-add record is malformed: {error}"),
                {"error": str(e)},
            ),
        )
    subject = rec.get("subject") or {}
    if rec.get("type") != "official-add" or subject.get("name") != name:
        return OfficialState(
            name,
            None,
            None,
            problem=(
                N_("the bundled record at index {index} does not register official {official!r}"),
                {"index": b.official.index, "official": name},
            ),
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
            problem=(
                N_(
                    "the official-add record of {official!r} (index {index}) is not included "
                    "under the bundle's checkpoint, so the key it names proves nothing"
                ),
                {"index": b.official.index, "official": name},
            ),
        )
    revoked_index, problem = _bundled_revoke(b, name, cp)
    return OfficialState(
        name=name,
        vkey=subject.get("key"),
        added_index=b.official.index,
        revoked_index=revoked_index,
        revocation_known=False,
        problem=problem,
    )


def _bundled_revoke(
    b: ProofBundle, name: str | None, cp: _checkpoint.Checkpoint
) -> tuple[int | None, tuple[str, dict[str, Any]] | None]:
    """The index of the signer's official-revoke carried by the bundle, proven under its
    checkpoint; or a problem that makes the bundle's official data untrustworthy."""
    part = b.official_revoke
    if part is None:
        return None, None
    params: dict[str, Any] = {"index": part.index, "official": name}
    try:
        rec = _records.parse_entry(part.entry)
    except ValueError as e:
        return None, (
            N_("the bundled official-revoke record is malformed: {error}"),
            {"error": str(e)},
        )
    subject = rec.get("subject") or {}
    if rec.get("type") != "official-revoke" or subject.get("name") != name:
        return None, (
            N_("the bundled record at index {index} does not revoke official {official!r}"),
            params,
        )
    try:
        good = _merkle.verify_inclusion(
            part.index, cp.size, _merkle.record_hash(part.entry), list(part.proof), cp.root_hash
        )
    except ValueError:
        good = False
    if not good:
        return None, (
            N_(
                "the official-revoke record of {official!r} (index {index}) is not included "
                "under the bundle's checkpoint"
            ),
            params,
        )
    return part.index, None


def _check_not_revoked_offline(
    ck: _Checker, record: dict[str, Any] | None, result: VerifyResult
) -> None:
    size = result.checkpoint_size
    if record is None:
        ck.skip([NOT_REVOKED], N_("the record could not be read"))
    elif add_life_ended(ck, record, result.index, result.origin or ""):
        pass  # what happened, when, by whom and why: a node's own words
    else:
        # The inclusion proof shows that this record is in the log, not that it is the
        # code's latest: a revoke may follow it, even under this same checkpoint.
        ck.add(
            NOT_REVOKED,
            UNKNOWN,
            N_(
                "this record is proven in the log as of checkpoint {size}; whether a later "
                "record (an update, a transfer or a revoke, even one under the same "
                "checkpoint) supersedes it is unknown offline: check against a replica of "
                "the city's log"
            ),
            blocking=False,
            size=size,
        )
