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


def _node(ctx):
    if ctx.node is None:
        raise NoNodeError(tr("No city node in this data folder; create one with `cityledger init`."))
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
    node_passphrase: str = ""   # unlocks the city keys to sequence now; empty: outbox

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
    if isinstance(geometry, dict):
        return geometry
    import shapely.geometry

    return shapely.geometry.mapping(geometry)


def issue_context(ctx) -> tuple[list[str], bool]:
    """(active officials' names, whether the city keys are unlocked)."""
    node = _node(ctx)
    names = sorted(o["name"] for o in node.officials() if o.get("active", True))
    return names, bool(node.unlocked)


def issue(ctx, req: IssueRequest) -> IssueOutcome:
    """Sign as the official; sequence now if the city keys are (or get) unlocked, else
    keep the signed entry in the durable outbox, shown as pending until it is sequenced."""
    node = _node(ctx)
    if req.node_passphrase and not node.unlocked:
        node.unlock(req.node_passphrase)
    attributes = dict(req.attributes)
    if req.asset_id:
        attributes.setdefault("asset_id", req.asset_id)  # links the code to its map asset
    if node.unlocked:
        receipt = node.issue(req.official, req.passphrase, req.asset_class, req.name,
                             geojson(req.geometry), attributes)
        return IssueOutcome(str(receipt.code), receipt.index, receipt.size, False, req.row)
    record = node.issue_record(req.asset_class, req.name, geojson(req.geometry), attributes)
    entry = node.make_entry(req.official, req.passphrase, record)
    node.queue_entry(entry, record["code"])
    return IssueOutcome(record["code"], None, None, True, req.row)


def trust(ctx):
    return ctx.extra.get("trust")


def code_details(ctx, code: str) -> CodeDetails:
    """State, full history and verification of one code (own log or replica)."""
    from app.ledger.verifier import verify_code

    node = _node(ctx)
    state = node.code_state(code)
    history = list(node.history(code)) if state is not None else []
    try:
        result = verify_code(node, code, trust(ctx))
    except Exception as exc:  # shown in the inspector; a verifier bug must not hide the rest
        return CodeDetails(code, state, history, None, f"{type(exc).__name__}: {exc}")
    return CodeDetails(code, state, history, result)


def verify_input(ctx, text: str | None = None, data: bytes | None = None):
    """A typed/pasted code or bundle text, or a bundle file's bytes -> VerifyResult."""
    from app.core.codes import parse_code
    from app.core.errors import CodeError
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
    return verify_bundle(data, trust(ctx))


def read_file(_ctx, path: str) -> bytes:
    p = Path(path)
    if p.stat().st_size > (1 << 20):
        raise ValueError(tr("{path} is larger than 1 MiB; it is not a proof bundle").format(path=p))
    return p.read_bytes()


def export_bundle(ctx, code: str, path: str) -> str:
    from app.ledger import bundle

    data = bundle.export_bundle(_node(ctx), code)
    Path(path).write_bytes(data)
    return path


def node_status(ctx) -> tuple[str | None, int | None]:
    if ctx.node is None:
        return None, None
    return ctx.node.origin, ctx.node.size()
