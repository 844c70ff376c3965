"""Verify a code of a city this node does not follow, on demand.

A node keeps every member's verified checkpoints (with cosignatures) but the entries of
only the cities it follows (app.ledger.follow). For a code of another city it asks the
city's node, or a member's mirror, where the code's records are (`GET /lookup/<code>`),
fetches those entry bundles and the tiles above them, and authenticates them against the
checkpoint it already holds: the inclusion proofs are computed here from authenticated
tiles, never taken from the peer. The proof bundle built from them is verified like any
other (app.ledger.verifier.verify_proof_bundle) and kept in the store, so the next
verification of the code under the same checkpoint needs no network.

What this cannot show: a record of the code newer than the one the peer names (e.g. a
revoke it hides) — only a followed city's replica sees every record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core import merkle
from app.core import tiles as _tiles
from app.core.codes import parse_code
from app.core.errors import CityLedgerError, CodeError, CoreError
from app.ledger.proof_bundle import OfficialProof, ProofBundle
from app.ledger.store import Store
from app.ledger.trust import TrustFile
from app.ledger.verifier import VerifyResult, verify_code, verify_proof_bundle
from app.net import verify
from app.net.client import PeerClient, PeerError, PeerHttp, PeerNotFound, PeerUnavailable
from app.net.client import normalize_prefix as _prefix
from app.net.ledger_view import checkpoint_record
from app.net.paths import TILE_WIDTH
from app.net.sync import mirror_prefixes

REPLICA, ON_DEMAND = "replica", "on-demand"


class LookupRefused(CityLedgerError):
    """No peer gave a code's records that authenticate against the held checkpoint."""


@dataclass
class Verdict:
    """A verification and how it was made: from the local replica, or on demand."""

    result: VerifyResult
    how: str  # REPLICA | ON_DEMAND
    peer: str | None = None  # where an on-demand answer came from
    cached: bool = False  # the on-demand answer was kept from an earlier look-up
    refused: list[str] = field(default_factory=list)  # peers whose answers were refused

    @property
    def source_text(self) -> str:
        if self.how == REPLICA:
            return "verified from the local replica"
        return f"verified on demand from {self.peer}" + (" (kept here)" if self.cached else "")


def verify_anywhere(
    store: Store,
    code: str,
    trust: TrustFile,
    own_origin: str | None = None,
    http: PeerHttp | None = None,
) -> Verdict:
    """Verify `code` from the local replica if its city's log is held here, else on demand
    from its city's node or a member's mirror (LookupRefused if none gives a proof)."""
    try:
        canonical = parse_code(code)
    except CodeError:
        return Verdict(verify_code(store, code, trust), REPLICA)  # reports the code's error
    city = trust.city(canonical.city)
    if (
        store.code_state(str(canonical)) is not None
        or city is None
        or city.origin == own_origin
        or _follows(store, city.origin)
    ):
        return Verdict(verify_code(store, code, trust), REPLICA)
    held = store.latest_checkpoint(city.origin)
    if held is None:
        raise LookupRefused(
            f"no verified checkpoint of {city.origin} is held here yet (the node has not "
            "synced its checkpoints): cannot verify its codes on demand"
        )
    cached = store.cached_lookup(str(canonical))
    if cached is not None and cached.checkpoint_size == held.size:
        result = verify_proof_bundle(cached.bundle, trust)
        return Verdict(result, ON_DEMAND, cached.peer, cached=True)
    cp = checkpoint_record(held)
    own_http = http is None
    client = http or PeerHttp()
    refused: list[str] = []
    try:
        for prefix in _sources(trust, city, own_origin):
            peer = PeerClient(prefix, client)
            try:
                bundle = fetch_proof_bundle(peer, cp, str(canonical), held.with_cosignatures())
            except (PeerUnavailable, PeerNotFound) as e:
                refused.append(f"{prefix}: {e}")
                continue
            except (PeerError, verify.VerifyError) as e:
                refused.append(f"{prefix}: refused: {e}")
                continue
            data = bundle.encode()
            result = verify_proof_bundle(data, trust)
            store.save_lookup(str(canonical), city.origin, held.size, data, prefix)
            return Verdict(result, ON_DEMAND, prefix, refused=refused)
    finally:
        if own_http:
            client.close()
    raise LookupRefused(f"{canonical} could not be verified on demand: " + "; ".join(refused))


def _follows(store: Store, origin: str) -> bool:
    """A log whose entries are held here is verified from the replica."""
    info = store.log_info(origin)
    return info is not None and info.size > 0


def _sources(trust: TrustFile, city, own_origin: str | None) -> list[str]:
    own = [_prefix(u) for u in city.endpoints]
    return own + [p for _, p in mirror_prefixes(trust, city.origin, own_origin)]


def fetch_proof_bundle(
    peer: PeerClient, cp: verify.CheckpointView, code: str, checkpoint_note: bytes
) -> ProofBundle:
    """The proof bundle of `code` under the held checkpoint `cp`, from `peer`'s look-up
    answer and entry bundles, every entry authenticated against cp (VerifyError if not)."""
    answer = peer.lookup(code)
    index = _required_index(answer, "index", cp.size)
    tiles = verify.PeerTiles(peer, cp)
    entry, proof = _proven_entry(peer, cp, tiles, index)
    if _entry_code(entry) != code:
        raise verify.VerifyError(
            f"the peer names record {index} for {code}, but that record is not of {code}"
        )
    official = revoke = None
    official_index = _index(answer, "official_index", index)
    if official_index is not None:
        official = OfficialProof(official_index, *_proven_entry(peer, cp, tiles, official_index))
        revoke_index = _index(answer, "official_revoke_index", cp.size)
        if revoke_index is not None:
            revoke = OfficialProof(revoke_index, *_proven_entry(peer, cp, tiles, revoke_index))
    return ProofBundle(entry, index, proof, checkpoint_note, official, revoke)


def _required_index(answer: dict, key: str, below: int) -> int:
    value = _index(answer, key, below)
    if value is None:
        raise verify.VerifyError(f"look-up answer without {key}")
    return value


def _index(answer: dict, key: str, below: int) -> int | None:
    value = answer.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < below:
        raise verify.VerifyError(
            f"look-up answer {key}={value!r} is not an index below {below} (the checkpoint "
            "held here; a newer record needs a newer checkpoint first)"
        )
    return value


def _proven_entry(
    peer: PeerClient, cp: verify.CheckpointView, tiles: verify.PeerTiles, index: int
) -> tuple[bytes, tuple[bytes, ...]]:
    """Entry `index` and its inclusion proof, both authenticated against cp."""
    n = index // TILE_WIDTH
    width = min(TILE_WIDTH, cp.size - n * TILE_WIDTH)
    entries = verify.decode_peer_entry_bundle(peer.bundle(n, width), width)
    level0 = verify.check_bundles(cp, {n: entries}, tiles)
    reader = _tiles.TileHashReader(cp.size, cp.root, tiles)
    try:
        with tiles.overriding(level0):
            proof = merkle.prove_record(cp.size, index, reader)
    except (CoreError, ValueError) as e:
        raise verify.VerifyError(f"no inclusion proof of record {index}: {e}") from None
    return entries[index - n * TILE_WIDTH], tuple(proof)


def _entry_code(entry: bytes) -> str | None:
    import json

    try:
        doc = json.loads(entry)
    except (ValueError, UnicodeDecodeError):
        return None
    code = doc.get("code") if isinstance(doc, dict) else None
    return code if isinstance(code, str) else None
