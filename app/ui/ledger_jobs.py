"""Everything the UI asks of the ledger, as functions run on the worker thread.

Each takes the worker's context (``ctx.node``, ``ctx.extra['trust']``) and returns plain
values; the UI never holds the Node. This is the one place that knows the Node API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.ui.i18n import tr


class NoNodeError(RuntimeError):
    """The UI was asked for ledger work but no node is open."""


class NoTrustError(RuntimeError):
    """Verification was asked for but no trust file is installed."""


def _node(ctx):
    if ctx.node is None:
        raise NoNodeError(
            tr("No city node in this data folder; create one with `cityledger init`.")
        )
    return ctx.node


@dataclass(frozen=True)
class IssueRequest:
    official: str
    passphrase: str
    asset_class: str
    name: str
    geometry: object  # shapely geometry or GeoJSON mapping
    attributes: dict
    row: int | None = None
    asset_id: str | None = None
    node_passphrase: str = ""  # unlocks the city keys to sequence now; empty: outbox

    def problem(self) -> str | None:
        """Why the form cannot be submitted (a source text), or None."""
        if not self.official:
            return "Choose the official who signs."
        if not self.passphrase:
            return "Enter the official's passphrase."
        if not self.asset_class:
            return "Choose an asset class."
        if not self.name:
            return "Give the asset a name."
        if self.geometry is None:
            return "The asset has no geometry."
        return None


@dataclass(frozen=True)
class IssueOutcome:
    code: str
    index: int | None
    size: int | None
    pending: bool
    row: int | None


@dataclass
class CodeDetails:
    code: str
    state: object | None
    history: list
    verification: object | None
    error: str | None = None


def geojson(geometry) -> dict:
    """GeoJSON with lists, not the tuples of shapely's mapping (records want JSON arrays)."""
    import json

    import shapely

    if isinstance(geometry, dict):
        return json.loads(json.dumps(geometry))
    return json.loads(shapely.to_geojson(geometry))


def issue_context(ctx) -> tuple[list[str], bool]:
    """(active officials' names, whether the city node's passphrase is needed to sequence
    here: not when the keys are unlocked or a node server sequences for us)."""
    node = _node(ctx)
    names = sorted(o["name"] for o in node.officials() if o.get("active", True))
    return names, not (node.unlocked or ctx.extra.get("served_url"))


def issue(ctx, req: IssueRequest) -> IssueOutcome:
    """Sign as the official, then: submit to the node server that owns this log's
    sequencer, or sequence here if the city keys are (or get) unlocked; otherwise, or if
    the server is unreachable, keep the signed entry in the durable outbox — pending
    until it is delivered (background.deliver_outbox)."""
    node = _node(ctx)
    served = ctx.extra.get("served_url")
    if req.node_passphrase and not node.unlocked and not served:
        node.unlock(req.node_passphrase)
    attributes = dict(req.attributes)
    if req.asset_id:
        attributes.setdefault("asset_id", req.asset_id)  # links the code to its map asset
    if node.unlocked and not served:
        receipt = node.issue(
            req.official,
            req.passphrase,
            req.asset_class,
            req.name,
            geojson(req.geometry),
            attributes,
        )
        return IssueOutcome(str(receipt.code), receipt.index, receipt.size, False, req.row)
    record = node.issue_record(req.asset_class, req.name, geojson(req.geometry), attributes)
    entry = node.make_entry(req.official, req.passphrase, record)
    if served:
        from app.net.client import PeerUnavailable
        from app.ui.background import submit_to_server

        try:
            receipt = submit_to_server(served, entry)
        except PeerUnavailable:
            pass  # the server is down: the outbox keeps it
        else:
            return IssueOutcome(receipt["code"], receipt["index"], receipt["size"], False, req.row)
    node.queue_entry(entry, record["code"])
    return IssueOutcome(record["code"], None, None, True, req.row)


def trust(ctx):
    """The installed network trust file; verification has no meaning without it."""
    found = ctx.extra.get("trust")
    if found is None:
        where = ctx.data_dir or tr("the data folder")
        raise NoTrustError(
            tr(
                "No network trust file is installed in {where}: verification "
                "needs the cities' keys from it (see `cityledger network`)."
            ).format(where=where)
        )
    return found


def code_details(ctx, code: str) -> CodeDetails:
    """State, full history and verification of one code (own log or replica)."""
    from app.ledger.verifier import verify_code

    node = _node(ctx)
    state = node.code_state(code)
    history = list(node.history(code)) if state is not None else []
    try:
        result = verify_code(node, code, trust(ctx))
    except NoTrustError as exc:  # an expected state of a lone node: say what to do, plainly
        return CodeDetails(code, state, history, None, str(exc))
    except Exception as exc:  # shown in the inspector; a verifier bug must not hide the rest
        return CodeDetails(code, state, history, None, f"{type(exc).__name__}: {exc}")
    return CodeDetails(code, state, history, result)


def verify_input(ctx, text: str | None = None, data: bytes | None = None):
    """A typed/pasted code or bundle text, or a bundle file's bytes -> VerifyResult."""
    from app.core.codes import parse_code
    from app.core.errors import CodeError
    from app.ledger.bundle import BundleFormatError, read_bundle_bytes
    from app.ledger.verifier import verify_bundle, verify_code

    if data is None:
        stripped = (text or "").strip()
        try:
            code = str(parse_code(stripped))
        except (CodeError, ValueError):
            code = None
        if code is not None:
            return verify_code(_node(ctx), code, trust(ctx))
        data = stripped.encode("utf-8")
    try:
        data = read_bundle_bytes(data)  # unpacks a pasted QR payload
    except BundleFormatError:
        pass  # verify_bundle reports the format failure as its first check
    return verify_bundle(data, trust(ctx))


def read_file(_ctx, path: str) -> bytes:
    p = Path(path)
    if p.stat().st_size > (1 << 20):
        raise ValueError(tr("{path} is larger than 1 MiB; it is not a proof bundle").format(path=p))
    return p.read_bytes()


def export_bundle(ctx, code: str, path: str) -> list[str]:
    """Write the bundle to ``path``, and its QR beside it (``.qr.png``) when it fits one."""
    from app.ledger import bundle

    quorum = ctx.extra["trust"].quorum if ctx.extra.get("trust") is not None else None
    data = bundle.export_bundle(_node(ctx), code, quorum=quorum).encode()
    Path(path).write_bytes(data)
    written = [path]
    if bundle.bundle_qr_fits(data):
        qr_path = str(Path(path).with_suffix(".qr.png"))
        bundle.write_qr(bundle.qr_payload(data), qr_path)
        written.append(qr_path)
    return written


def node_status(ctx) -> tuple[str | None, int | None, int, int]:
    """(own origin, log size, cosignatures on the latest checkpoint, outbox entries just
    delivered). Delivers the outbox first when this process sequences (the server
    poller does it otherwise)."""
    from app.ui.background import deliver_outbox

    if ctx.node is None:
        return None, None, 0, 0
    delivered = 0 if ctx.extra.get("served_url") else deliver_outbox(ctx)
    cp = ctx.node.latest_checkpoint()
    return ctx.node.origin, ctx.node.size(), len(cp.cosignatures) if cp else 0, delivered
