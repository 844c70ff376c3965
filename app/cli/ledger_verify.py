"""`cityledger verify`, `bundle export|show` and `inspect`: proofs for people and scripts."""

from __future__ import annotations

import base64
import contextlib
from pathlib import Path

from app.cli.common import EXIT_FAILED, CliError, print_json
from app.fsutil import atomic_write

_MARK = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "unknown": "[yellow]?[/]"}


def register(sub) -> None:
    p = sub.add_parser("verify", help="verify a code (from this node) or a proof bundle (offline)")
    p.add_argument("code", nargs="?", help="identity code, e.g. 130100-WAT-7K3M9Q2X-9")
    p.add_argument(
        "--bundle",
        type=Path,
        metavar="FILE",
        help="verify this proof bundle (.tlog-proof, or a QR payload) offline",
    )
    _trust_flags(p)
    p.set_defaults(func=cmd_verify)

    b = sub.add_parser("bundle", help="proof bundles (c2sp.org/tlog-proof with the entry)")
    b_sub = b.add_subparsers(dest="bundle_command", metavar="ACTION")
    p = b_sub.add_parser("export", help="write the proof bundle of a code")
    p.add_argument("code")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="bundle file (conventionally *.tlog-proof)",
    )
    p.add_argument(
        "--qr",
        type=Path,
        metavar="FILE.png|svg",
        help="also a QR image: the compact bundle if it fits, else the code",
    )
    p.add_argument(
        "--qr-content",
        choices=("auto", "bundle", "code"),
        default="auto",
        help="what the QR holds (default auto)",
    )
    _trust_flags(p)
    p.set_defaults(func=cmd_bundle_export)
    p = b_sub.add_parser("show", help="print what a bundle holds (without verifying it)")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_bundle_show)

    p = sub.add_parser("inspect", help="a code's current state, history and proof")
    p.add_argument("code")
    _trust_flags(p)
    p.set_defaults(func=cmd_inspect)


def _trust_flags(p) -> None:
    p.add_argument(
        "--trust",
        type=Path,
        metavar="FILE",
        help="signed trust file to verify against (default: the node's installed one)",
    )
    p.add_argument(
        "--admin-key",
        metavar="VKEY",
        help="network admin verifier key the trust file must be signed by",
    )


# --- trust -------------------------------------------------------------------------


def load_trust(args, required: bool = True):
    """The trust file: --trust FILE, which must be signed by --admin-key or else by the
    admin key pinned in the data folder (an unpinned --trust FILE is refused: anyone can
    sign one), else the node's installed trust file (checked against the same pin)."""
    from app.ledger.trust import (
        TrustError,
        installed_trust,
        open_trust,
        pinned_admin_key,
        unpinned_message,
    )

    folder = Path(args.data).is_dir()
    pinned = None
    try:
        pinned = pinned_admin_key(args.data) if folder else None
        installed = installed_trust(args.data) if folder else None
    except TrustError as e:
        if args.trust is None:
            raise CliError(
                f"the installed trust file is refused: {e}", EXIT_FAILED, kind="refused"
            ) from None
        installed = None
    if args.trust is not None:
        try:  # an unreadable file is an input error (2); a refused one fails (1)
            signed = args.trust.read_bytes()
        except OSError as e:
            raise CliError(f"--trust {args.trust}: {e.strerror}") from None
        pin = args.admin_key or pinned
        if pin is None:
            raise CliError(
                f"--trust {args.trust}: {unpinned_message(str(args.data))}",
                EXIT_FAILED,
                kind="refused",
            )
        try:
            return open_trust(signed, pin)
        except TrustError as e:
            raise CliError(f"{args.trust}: {e}", EXIT_FAILED, kind="refused") from None
    if installed is not None:
        if args.admin_key and installed.admin_vkey != args.admin_key:
            raise CliError(
                "the installed trust file is signed by another admin key than --admin-key",
                EXIT_FAILED,
                kind="refused",
            )
        return installed
    if required:
        raise CliError(
            "no trust file: install one (`cityledger network install FILE`) or pass --trust FILE"
        )
    return None


def parse_code_arg(text: str) -> str:
    """The canonical code the user typed; a typo is a usage error (exit 2) with the
    core's precise message (which character, or "a typo somewhere in it?")."""
    from app.core.codes import parse_code
    from app.core.errors import CodeError

    try:
        return str(parse_code(text))
    except CodeError as e:
        raise CliError(f"{text!r}: {e}", kind="code", position=e.position) from None


# --- rendering -----------------------------------------------------------------------


def print_result(result, title: str) -> None:
    from rich.table import Table

    from app.cli.ledger_cmds import console

    c = console()
    table = Table(title=title, show_lines=False)
    table.add_column("", width=1)
    table.add_column("check", style="bold", no_wrap=True)
    table.add_column("result")
    for chk in result.checks:
        table.add_row(_MARK.get(chk.status, chk.status), chk.name, chk.reason)
    c.print(table)
    c.print(verdict_line(result), highlight=False)


def verdict_line(result) -> str:
    """The one-line verdict under the table: never a plain VERIFIED for what an offline
    bundle cannot know."""
    from app.ledger.verifier import VERIFIED, VERIFIED_OFFLINE

    if result.outcome == VERIFIED and result.current_as_of is not None:
        size, time = result.current_as_of
        when = f" ({time})" if time else ""
        return f"[bold green]VERIFIED[/] — current as of checkpoint {size}{when}"
    if result.outcome == VERIFIED:
        return "[bold green]VERIFIED[/]"
    if result.outcome == VERIFIED_OFFLINE:
        unknown = ", ".join(chk.name for chk in result.unknowns)
        return (
            f"[bold yellow]VERIFIED OFFLINE (as of checkpoint {result.checkpoint_size})[/] — "
            f"the bundle's record is proven; unknown offline: {unknown} (marked ?). "
            "Verify against a node that replicates the city for its current state."
        )
    names = ", ".join(chk.name for chk in result.failed)
    return f"[bold red]NOT VERIFIED[/]: {names}"


# --- verify ------------------------------------------------------------------------


def cmd_verify(args) -> int:
    from app.ledger.verifier import verify_proof_bundle
    from app.net.on_demand import Verdict, verify_anywhere

    verdict: Verdict | None = None
    if (args.code is None) == (args.bundle is None):
        raise CliError("give a CODE or --bundle FILE (one of them)")
    if args.bundle is not None:
        try:
            data = args.bundle.read_bytes()
        except OSError as e:
            raise CliError(f"--bundle {args.bundle}: {e.strerror}") from None
        trust = load_trust(args)
        result = _with_optional_replica(
            args, lambda replica: verify_proof_bundle(data, trust, replica)
        )
        title = f"bundle {args.bundle.name}"
    else:
        from app.cli.errors import mapped_errors
        from app.cli.ledger_cmds import open_node

        code = parse_code_arg(args.code)
        with open_node(args) as node, mapped_errors():
            trust = load_trust(args)
            # From the replica of a followed city, else on demand from its node (issue 11).
            verdict = verify_anywhere(node.store, code, trust, node.origin)
        result = verdict.result
        title = f"code {result.code or args.code}"
    if args.json:
        doc = result.to_dict()
        if verdict is not None:
            doc["source"] = {"how": verdict.how, "peer": verdict.peer, "cached": verdict.cached}
        print_json(doc)
    else:
        print_result(result, title)  # a table, then the verdict
        if verdict is not None:
            print(verdict.source_text)
    return 0 if result.ok else EXIT_FAILED


def _with_optional_replica(args, fn):
    """Run fn(replica) with this node's store when a node exists in --data, else offline."""
    from app.ledger.node import CONFIG

    if not (Path(args.data) / CONFIG).exists():
        return fn(None)
    from app.cli.errors import mapped_errors
    from app.cli.ledger_cmds import open_node

    with contextlib.ExitStack() as stack:
        try:
            node = stack.enter_context(open_node(args))
        except CliError:
            node = None  # the node's database is unreachable: a bundle needs none
        with mapped_errors():
            return fn(node)


# --- bundles -------------------------------------------------------------------------


def _atomic_write(path: Path, data: bytes) -> None:
    path = Path(path)
    if not path.parent.is_dir():
        raise CliError(f"{path}: folder {path.parent} does not exist")
    atomic_write(path, data)


def cmd_bundle_export(args) -> int:
    from app.cli.errors import mapped_errors
    from app.cli.ledger_cmds import emit, open_node
    from app.ledger.proof_bundle import (
        NotInStoreError,
        export_proof_bundle,
        proof_bundle_fits_qr,
        qr_payload,
        write_qr,
    )

    if args.qr is not None and args.qr.suffix.lower() not in (".png", ".svg"):
        raise CliError(f"--qr {args.qr}: use a .png or .svg file name")
    for p in (args.output, args.qr):
        if p is not None and not p.parent.is_dir():
            raise CliError(f"{p}: folder {p.parent} does not exist")
    with open_node(args) as node, mapped_errors():
        trust = load_trust(args, required=False)  # its quorum picks the checkpoint
        try:
            bundle = export_proof_bundle(node, args.code, quorum=trust.quorum if trust else None)
        except NotInStoreError as e:
            raise CliError(str(e)) from None
    data = bundle.encode()
    code = _code_of(bundle)
    qr_doc = None
    if args.qr is not None:
        content = args.qr_content
        if content == "auto":
            content = "bundle" if proof_bundle_fits_qr(data) else "code"
        if content == "bundle" and not proof_bundle_fits_qr(data):
            raise CliError(
                f"the bundle ({len(data)} bytes) does not fit in a QR code; use --qr-content code"
            )
        text = qr_payload(data) if content == "bundle" else code
        if text is None:
            raise CliError("the bundle's record has no code to put in a QR code")
        try:
            write_qr(text, args.qr)
        except ValueError as e:
            raise CliError(f"--qr: {e}") from None
        qr_doc = {"file": str(args.qr), "content": content, "characters": len(text)}
    _atomic_write(args.output, data)
    doc = {
        "code": code,
        "file": str(args.output),
        "bytes": len(data),
        "index": bundle.index,
        "checkpoint_size": _cp_size(bundle),
        "qr": qr_doc,
    }

    def human(c):
        c.print(
            f"bundle of [bold]{code}[/] (index {bundle.index}, checkpoint size "
            f"{doc['checkpoint_size']}) written to {args.output} ({len(data)} bytes)"
        )
        if qr_doc:
            c.print(f"QR ({qr_doc['content']}) written to {args.qr}")

    emit(args, doc, human)
    return 0


def _code_of(bundle) -> str | None:
    from app.ledger.verifier import _peek_record

    return _peek_record(bundle.entry).get("code")


def _cp_size(bundle) -> int | None:
    try:
        return int(bundle.checkpoint.split(b"\n", 2)[1])
    except (IndexError, ValueError):
        return None


def bundle_doc(bundle) -> dict:
    from app.core.note import split_note
    from app.ledger.verifier import _peek_record

    try:
        text, sigs = split_note(bundle.checkpoint)
        signers = [s.name for s in sigs]
    except ValueError:
        text, signers = bundle.checkpoint.decode("utf-8", "replace"), []
    return {
        "code": _code_of(bundle),
        "index": bundle.index,
        "record": _peek_record(bundle.entry),
        "proof": [base64.b64encode(h).decode() for h in bundle.proof],
        "checkpoint": text,
        "signatures": signers,
        "official_add_index": bundle.official.index if bundle.official else None,
    }


def cmd_bundle_show(args) -> int:
    from app.cli.ledger_cmds import console
    from app.ledger.proof_bundle import ProofBundleError, decode_proof_bundle

    try:
        bundle = decode_proof_bundle(args.file.read_bytes())
    except OSError as e:
        raise CliError(f"{args.file}: {e.strerror}") from None
    except ProofBundleError as e:
        raise CliError(f"{args.file}: {e}") from None
    doc = bundle_doc(bundle)
    if args.json:
        print_json(doc)
        return 0
    c = console()
    rec = doc["record"]
    c.print(
        f"[bold]{doc['code']}[/]  {rec.get('type')} record at index {doc['index']}, "
        f"signed by {rec.get('official')}"
    )
    c.print(f"inclusion proof: {len(doc['proof'])} hashes; checkpoint:")
    c.print(doc["checkpoint"].rstrip("\n"))
    c.print(f"signatures: {', '.join(doc['signatures']) or 'none'}")
    c.print("(not verified: use `cityledger verify --bundle FILE`)")
    return 0


# --- inspect -------------------------------------------------------------------------


def _worded(kind: str, data: tuple) -> str:
    """A timeline change (app.gis.timeline) in English; the app translates the same kinds."""
    from app.gis import timeline as T

    if kind == T.NAME:
        return f"name {data[0]!r} → {data[1]!r}"
    if kind == T.ATTRIBUTE:
        key, old, new = data
        return (
            f"{key} added: {new}"
            if old is None
            else (f"{key} removed" if new is None else f"{key} {old} → {new}")
        )
    if kind == T.MOVED:
        return f"moved {data[0]:.1f} m"
    if kind == T.RESHAPED:
        return "reshaped in place"
    if kind == T.SERVICE:
        return f"service {data[0] or 'in-service'} → {data[1]}"
    if kind == T.INSPECTION:
        return f"grade {data[0]}: {data[1]}"
    if kind == T.OWNER:
        return f"owner {data[0]}"
    if kind == T.MOVED_TO:
        return f"to city {data[0]}"
    if kind == T.TAKEN_FROM:
        return f"from {data[0]}"
    return str(data[0]) if data else kind


def cmd_inspect(args) -> int:
    from app.cli.errors import mapped_errors
    from app.cli.ledger_cmds import console, open_node
    from app.gis import timeline
    from app.ledger import life
    from app.ledger.proof_bundle import NotInStoreError, export_proof_bundle
    from app.ledger.verifier import verify_code

    code = parse_code_arg(args.code)
    with open_node(args) as node, mapped_errors():
        state = node.code_state(code)
        if state is None:
            raise CliError(f"{code} is not in any log this node holds", EXIT_FAILED)
        chain = life.chain(node.store, state)
        history = [(i, r) for _, i, r in chain]
        steps = list(zip((o for o, _, _ in chain), timeline.timeline(history)))
        trust = load_trust(args, required=False)
        try:
            bundle = export_proof_bundle(node, code, quorum=trust.quorum if trust else None)
        except NotInStoreError as e:
            bundle, proof_error = None, str(e)
        result = verify_code(node, code, trust) if trust else None
    doc = {
        "code": code,
        "origin": state.origin,
        "status": state.status,
        "class": state.asset_class,
        "name": state.name,
        "owner": state.owner,
        "attributes": state.attributes,
        "geometry": state.geometry,
        "latest_index": state.latest_index,
        "history": [{"index": i, "record": r} for i, r in history],
        "timeline": [
            {
                "origin": origin,
                "index": s.index,
                "type": s.kind,
                "time": s.time,
                "official": s.official,
                "changes": [{"kind": k, "data": list(d)} for k, d in s.changes],
            }
            for origin, s in steps
        ],
        "service": state.service,
        "grade": state.grade,
        "inspected": state.inspected,
        "moved_to": state.moved_to,
        "proof": bundle_doc(bundle) if bundle else {"error": proof_error},
        "verify": result.to_dict() if result else None,
    }
    # Verification decides the status; without a trust file nothing was verified (0).
    status = EXIT_FAILED if result is not None and not result.ok else 0
    if args.json:
        print_json(doc)
        return status
    from rich.table import Table

    c = console()
    c.print(
        f"[bold]{code}[/]  {state.asset_class} {state.name!r}  status "
        f"{'[green]' if state.status == 'issued' else '[red]'}{state.status}[/]  "
        f"({state.origin})"
    )
    if state.owner:
        c.print(f"owner: {state.owner}")
    if state.attributes:
        c.print("attributes: " + ", ".join(f"{k}={v}" for k, v in state.attributes.items()))
    t = Table(title="history")
    for col in ("index", "type", "time", "official", "change"):
        t.add_column(col)
    for origin, step in steps:
        where = "" if origin == state.origin else f" ({origin})"
        changes = "; ".join(_worded(k, d) for k, d in step.changes)
        t.add_row(f"{step.index}{where}", step.kind, step.time, step.official, changes)
    c.print(t)
    if bundle:
        p = doc["proof"]
        c.print(
            f"proof: index {p['index']} under checkpoint size {_cp_size(bundle)}, "
            f"{len(p['proof'])} hashes; signed by {', '.join(p['signatures'])}"
        )
    else:
        c.print(f"[yellow]no proof[/]: {proof_error}")
    if result is not None:
        print_result(result, f"verification of {code}")
    else:
        c.print("[yellow]not verified: no trust file installed[/]")
    return status
