"""One word for where a code stands, from its verification and the outbox (no Qt).

A code just issued is not *failed* while its checkpoint waits for witness cosignatures:
it is *awaiting witnesses (n of k)* and becomes *verified* when they arrive. A code whose
signed entry still waits in the outbox (its city's sequencer unreachable) is *pending*.
Only a check that cannot come right by waiting makes a code *not verified*. A proof bundle
checked offline is *verified offline (as of checkpoint N)*: its record is proven, what
came after it is unknown — never shown as a plain *verified*; a bundle whose co-signed
code map shows its record is the code's latest is *verified, current as of checkpoint N*.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.ledger import verifier as _verifier
from app.ledger.verifier import FAIL, WITNESS_QUORUM

VERIFIED, AWAITING, PENDING, FAILED = "verified", "awaiting", "pending", "failed"
VERIFIED_OFFLINE = _verifier.VERIFIED_OFFLINE
# States that a later event (a cosignature, a delivered outbox entry) can change.
LIVE = (AWAITING, PENDING)


@dataclass(frozen=True)
class Verdict:
    state: str
    witnesses: int = 0  # valid cosignatures counted (AWAITING)
    quorum: int = 0
    # the checkpoint size a VERIFIED_OFFLINE result stands at, or a VERIFIED one that a
    # bundle's code map proved current at (then `time`: when witnesses co-signed it)
    as_of: int | None = None
    time: str = ""

    @property
    def live(self) -> bool:
        return self.state in LIVE


def verdict_of(result: _verifier.VerifyResult | None, pending: bool = False) -> Verdict:
    """``result``: an app.ledger.verifier.VerifyResult or None; ``pending``: the code's
    entry is in the outbox, not yet in its log."""
    if pending and (result is None or not result.ok):
        return Verdict(PENDING)
    if result is None:
        return Verdict(FAILED)
    if result.ok and result.outcome == _verifier.VERIFIED_OFFLINE:
        return Verdict(VERIFIED_OFFLINE, as_of=result.checkpoint_size)
    if result.ok and result.current_as_of is not None:
        size, time = result.current_as_of
        return Verdict(VERIFIED, as_of=size, time=time)
    if result.ok:
        return Verdict(VERIFIED)
    failed = result.failed
    if len(failed) == 1 and failed[0].name == WITNESS_QUORUM and failed[0].status == FAIL:
        params = failed[0].params
        return Verdict(AWAITING, int(params.get("n", 0)), int(params.get("k", 0)))
    return Verdict(FAILED)
