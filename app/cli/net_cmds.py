"""Network subcommands: `node serve`, `sync`, `network …`, `evidence …`."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

from app.cli.common import EXIT_FAILED, CliError, emit_lines, passphrase, print_json, warn
from app.cli.errors import mapped_errors


def register(sub) -> None:
    node = sub.add_parser("node", help="run this node on the network")
    node_sub = node.add_subparsers(dest="node_command", metavar="ACTION")
    serve = node_sub.add_parser("serve", help="serve the log over HTTP, sync and witness")
    serve.add_argument("--listen", default="127.0.0.1:8100", metavar="HOST:PORT")
    serve.add_argument("--no-sync", action="store_true", help="do not replicate other cities")
    serve.add_argument("--no-witness", action="store_true", help="neither co-sign nor ask")
    serve.add_argument(
        "--sync-interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="check a city this often after it changed (default 2)",
    )
    serve.add_argument(
        "--max-sync-interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a quiet city is checked less and less often, down to this (default 60); "
        "announced checkpoints are fetched at once whatever it is",
    )
    serve.add_argument(
        "--follow-all",
        action="store_true",
        help="replicate every member city (a city server node), whatever `follow list` says",
    )
    serve.add_argument(
        "--city",
        action="append",
        default=None,
        metavar="DIR[=HOST:PORT]",
        help="host this city's node folder in this process (repeatable: several cities, one "
        "process, each on its own port: by default the one its trust file endpoint names)",
    )
    serve.add_argument(
        "--read-only",
        action="store_true",
        help="do not unlock the keys: serve and sync only (no submit, no cosign)",
    )
    serve.set_defaults(func=cmd_serve)
    export = node_sub.add_parser(
        "export", help="write a log as static tlog-tiles files (for any HTTP server or CDN)"
    )
    export.add_argument("directory", type=Path)
    export.add_argument(
        "--origin", default=None, help="a replica's origin (default: this node's own log)"
    )
    export.set_defaults(func=cmd_export)

    sync = sub.add_parser("sync", help="replicate every member city's log once")
    sync.add_argument(
        "--city", action="append", default=None, metavar="CODE", help="only this city (repeatable)"
    )
    sync.add_argument("--json", action="store_true", help="print peer health as JSON")
    sync.set_defaults(func=cmd_sync)

    net = sub.add_parser("network", help="the trust file: member cities and their keys")
    net_sub = net.add_subparsers(dest="network_command", metavar="ACTION")
    p = net_sub.add_parser("init", help="create a network admin key and an empty trust file")
    p.add_argument("--name", required=True, help="network name, e.g. 'Hebei demo network'")
    p.add_argument("--key-name", default=None, help="admin key name (default: derived)")
    p.add_argument("--quorum", type=int, default=2, help="cosignatures a code needs (k)")
    p.set_defaults(func=cmd_network_init)
    p = net_sub.add_parser("add-city", help="add (or update) a member city, signed by the admin")
    p.add_argument(
        "--node",
        type=Path,
        default=None,
        help="data folder of the city's node (default: this node)",
    )
    p.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="URL",
        help="tlog-tiles URL prefix of the city's log (repeatable)",
    )
    p.add_argument("--lon", type=float, default=None)
    p.add_argument("--lat", type=float, default=None)
    p.add_argument("--out", type=Path, default=None, help="also write the signed trust file here")
    p.set_defaults(func=cmd_network_add_city)
    p = net_sub.add_parser("show", help="print the installed trust file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_network_show)
    p = net_sub.add_parser(
        "status", help="measured health of this node and every member city (from `node serve`)"
    )
    p.add_argument("--url", default=None, help="the node to ask (default: this folder's node)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_network_status)
    p = net_sub.add_parser(
        "verify", help="check a signed trust file (and whether it may replace the installed one)"
    )
    p.add_argument("file", type=Path)
    p.add_argument("--admin-key", default=None, help="expected admin verifier key")
    p.set_defaults(func=cmd_network_verify)
    p = net_sub.add_parser("install", help="install a newer signed trust file into this node")
    p.add_argument("file", type=Path)
    p.add_argument(
        "--admin-key",
        default=None,
        help="admin verifier key to pin on first install (from the admin, out of band)",
    )
    p.set_defaults(func=cmd_network_install)
    p = net_sub.add_parser(
        "new-admin-key",
        help="(network admin) replace the admin key: a trust file signed by the old and "
        "the new key, which member nodes install with `network install`",
    )
    p.add_argument("--key-name", required=True, help="name of the new admin key")
    p.add_argument("--out", type=Path, required=True, help="write the signed rotation here")
    p.set_defaults(func=cmd_network_new_admin_key)
    p = net_sub.add_parser(
        "rotate-admin",
        help="replace the pinned admin key by a new one obtained out of band, and install "
        "a trust file signed by it",
    )
    p.add_argument("file", type=Path, help="trust file signed by the new admin key")
    p.add_argument("--admin-key", required=True, metavar="VKEY", help="the new admin key")
    p.set_defaults(func=cmd_network_rotate_admin)

    evd = sub.add_parser(
        "evidence", help="evidence against member cities (forks, logged entries that break a rule)"
    )
    evd_sub = evd.add_subparsers(dest="evidence_command", metavar="ACTION")
    p = evd_sub.add_parser("list", help="list stored evidence")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evidence_list)
    p = evd_sub.add_parser("export", help="write one piece of evidence (both signed notes)")
    p.add_argument("id", type=int)
    p.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    p.set_defaults(func=cmd_evidence_export)
    p = evd_sub.add_parser("resolve", help="operator decision: accept the city's checkpoints again")
    p.add_argument("id", type=int)
    p.add_argument("--note", required=True, help="why (kept with the evidence)")
    p.set_defaults(func=cmd_evidence_resolve)


# --- helpers ------------------------------------------------------------------------


def _open_node(args):
    from app.ledger.node import Node

    with mapped_errors():
        return Node.open(args.data, db_url=args.db)


def _parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CliError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8100")
    return host, int(port)


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _print_event(console, e) -> None:
    from app.net import events as ev

    if e.kind == ev.ALERT:
        style = "bold red" if e.data.get("level") == "critical" else "yellow"
        console.print(f"[{style}]ALERT[/] {e.origin}: {e.data.get('message')}", highlight=False)
    elif e.kind == ev.CHECKPOINT:
        console.print(f"checkpoint {e.origin} size {e.data.get('size')}", highlight=False)
    elif e.kind == ev.COSIGNED:
        console.print(
            f"cosigned by {e.data.get('witness')} at size {e.data.get('size')}", highlight=False
        )
    elif e.kind == ev.NEW_CODES:
        console.print(f"{e.data.get('count')} new entries from {e.origin}", highlight=False)


# --- node serve / sync -------------------------------------------------------------


def cmd_serve(args) -> int:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.city:
        return _serve_cities(args)
    from app.ledger import folder_owner

    host, port = _parse_listen(args.listen)
    node = _open_node(args)
    try:
        service = _node_service(args, node)
        console = _console()
        service.bus.subscribe(lambda e: _print_event(console, e))
        if service.trust() is None:
            console.print(
                "[yellow]no trust file installed: serving only (see `cityledger network`)[/]"
            )
        console.print(
            f"serving {node.origin} at http://{host}:{port}/ (Ctrl-C stops)", highlight=False
        )
        if args.json:  # the one document, before serving; events go to stderr
            owner = folder_owner.current_owner(node.data_dir)
            if owner is not None:  # what serve() would refuse, said before the document
                raise CliError(str(folder_owner.FolderOwned(node.data_dir, owner)))
            print_json({"origin": node.origin, "url": f"http://{host}:{port}/"})
        try:
            service.serve(host, port)
        except folder_owner.FolderOwned as e:
            raise CliError(str(e)) from None
    finally:
        node.close()
    _end_stopped_node()
    return 0


def _node_service(args, node, http=None):
    from app.ledger.keystore import KeystoreError
    from app.net.service import NodeService

    if not args.read_only:
        try:
            node.unlock(passphrase(f"Node passphrase ({node.data_dir}): "))
        except KeystoreError as e:
            raise CliError(f"cannot unlock the node keys of {node.data_dir}: {e}") from None
    return NodeService(
        node,
        sync_interval=args.sync_interval,
        max_sync_interval=args.max_sync_interval,
        witness=not args.no_witness,
        sync=not args.no_sync,
        follow_all=args.follow_all,
        http=http,
    )


def _city_arg(text: str) -> tuple[Path, str | None]:
    """`DIR` or `DIR=HOST:PORT` of --city."""
    folder, sep, listen = text.rpartition("=")
    if sep and ":" in listen:
        return Path(folder), listen
    return Path(text), None


def _city_listen(node, listen: str | None) -> tuple[str, int]:
    """A hosted city's HOST:PORT: as given, else its own endpoint in its trust file."""
    from urllib.parse import urlsplit

    from app.ledger.trust import TrustError, installed_trust

    if listen is not None:
        return _parse_listen(listen)
    try:
        trust = installed_trust(node.data_dir)
    except TrustError as e:
        raise CliError(f"--city {node.data_dir}: {e}; give DIR=HOST:PORT") from None
    city = trust.city(node.city_code) if trust is not None else None
    for url in city.endpoints if city is not None else []:
        parts = urlsplit(url)
        if parts.scheme == "http" and parts.hostname and parts.port:
            return parts.hostname, parts.port
    raise CliError(
        f"--city {node.data_dir}: its trust file names no http://HOST:PORT/ endpoint of "
        "its own; give DIR=HOST:PORT"
    )


def _serve_cities(args) -> int:
    """Several city folders, one process (app.net.city_host)."""
    from app.ledger import folder_owner
    from app.ledger.node import Node
    from app.net.city_host import CityHost

    nodes, cities = [], []
    try:
        for text in args.city:
            folder, listen = _city_arg(text)
            with mapped_errors():
                node = Node.open(folder)
            nodes.append(node)
            host, port = _city_listen(node, listen)
            cities.append((_node_service(args, node), host, port))
        console = _console()
        for service, host, port in cities:
            console.print(
                f"serving {service.node.origin} at http://{host}:{port}/", highlight=False
            )
        if args.json:
            print_json([{"origin": s.node.origin, "url": f"http://{h}:{p}/"} for s, h, p in cities])
        try:
            CityHost(cities).serve()
        except folder_owner.FolderOwned as e:
            raise CliError(str(e)) from None
    finally:
        for node in nodes:
            node.close()
    _end_stopped_node()
    return 0


def _end_stopped_node() -> None:
    """End the process once `node serve` has stopped cleanly (server, background, store
    closed, folder released): the interpreter's own teardown after that took seconds,
    growing with the number of peers (3 s at 4 nodes, 7-18 s at 20, with 0.35 s of CPU;
    bench/adversarial.py), while everything that matters is already on disk."""
    import logging
    import os

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def cmd_export(args) -> int:
    from app.net.static import export_static

    node = _open_node(args)
    try:
        origin = args.origin or node.origin
        try:
            size = export_static(node.store, origin, args.directory)
        except ValueError as e:
            raise CliError(str(e)) from None
    finally:
        node.close()
    emit_lines(
        args,
        {"origin": origin, "size": size, "directory": str(args.directory)},
        f"wrote {origin} at size {size} to {args.directory} "
        f"(serve it, e.g. python -m http.server --directory {args.directory})",
    )
    return 0


def cmd_sync(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from app.ledger.follow import read_following
    from app.net import events as ev
    from app.net.ledger_view import LedgerView
    from app.net.service import TrustCache
    from app.net.sync import SyncEngine

    node = _open_node(args)
    try:
        trust = TrustCache(node.data_dir)
        if trust() is None:
            raise CliError("no trust file installed: `cityledger network install FILE` first")
        origins = None
        if args.city:
            t = trust()
            origins = []
            for code in args.city:
                c = t.city(code)
                if c is None:
                    raise CliError(f"city {code} is not in the trust file")
                origins.append(c.origin)
        following = read_following(node.data_dir)
        engine = SyncEngine(
            LedgerView(node.store, node.origin, node.data_dir),
            trust,
            interval=0,
            follows=lambda city: following.follows(city.code, node.city_code),
        )
        console = _console()
        tasks = {}
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=not console.is_terminal,
        ) as progress:

            def on_event(e):
                if e.kind == ev.PROGRESS:
                    if e.origin not in tasks:
                        tasks[e.origin] = progress.add_task(e.origin, total=e.data["total"])
                    progress.update(
                        tasks[e.origin], completed=e.data["fetched"], total=e.data["total"]
                    )
                elif e.kind == ev.ALERT:
                    _print_event(progress.console, e)

            engine.bus.subscribe(on_event)
            try:
                health = engine.run_once(origins=origins)
            finally:
                engine.stop()
        if args.json:
            print_json({o: h.as_dict() for o, h in health.items()})
        else:
            table = Table(title="peers")
            for col in ("city", "origin", "state", "verified", "held", "lag", "cosig", "error"):
                table.add_column(col, overflow="fold")
            for h in health.values():
                table.add_row(
                    h.city,
                    h.origin,
                    h.state,
                    str(h.verified_size),
                    str(h.held_size),
                    str(h.lag),
                    str(h.cosignatures),
                    (h.error or "")[:80],
                )
            from rich.console import Console

            Console().print(table)
        return 0 if all(h.state == "ok" for h in health.values()) else EXIT_FAILED
    finally:
        node.close()


# --- network (trust file) ---------------------------------------------------------


@contextlib.contextmanager
def _admin_errors():
    """The admin's input problems are usage/input errors (exit 2), as they always were."""
    from app.ledger.network_admin import NetworkAdminError
    from app.ledger.trust import TrustError

    try:
        yield
    except (NetworkAdminError, TrustError) as e:
        raise CliError(str(e)) from None


def cmd_network_init(args) -> int:
    from app.ledger import network_admin

    data = Path(args.data)
    if network_admin.admin_key_path(data).exists():  # before asking for a passphrase
        raise CliError(
            f"{network_admin.admin_key_path(data)} exists: this folder already has a network"
        )
    secret = passphrase("New admin passphrase: ", confirm=True)
    with _admin_errors():
        trust, _signed = network_admin.create_network(
            data, args.name, secret, quorum=args.quorum, key_name=args.key_name
        )
    warnings = _quorum_warnings(args, trust)
    emit_lines(
        args,
        {
            "network": args.name,
            "admin_vkey": trust.admin_vkey,
            "quorum": trust.quorum,
            "warnings": warnings,
        },
        f"network {args.name!r} created; admin key {trust.admin_vkey}",
    )
    return 0


def _quorum_warnings(args, trust) -> list[str]:
    """The quorum's shortfall, warned on stderr and returned for the JSON document."""
    from app.ledger.trust import quorum_shortfall

    problem = quorum_shortfall(trust)
    if problem is None:
        return []
    warn(args, problem)
    return [problem]


def cmd_network_new_admin_key(args) -> int:
    from app.ledger import network_admin

    old = passphrase("Network admin passphrase: ")
    new_secret = passphrase("New admin passphrase: ", confirm=True)
    with _admin_errors():
        trust, signed = network_admin.rotate_admin_key(
            Path(args.data), args.key_name, old, new_secret
        )
    args.out.write_bytes(signed)
    emit_lines(
        args,
        {"admin_vkey": trust.admin_vkey, "serial": trust.serial, "file": str(args.out)},
        f"admin key rotated to {trust.admin_vkey}; trust file serial {trust.serial} written "
        f"to {args.out}: install it on every member node (`cityledger network install FILE`)",
    )
    return 0


def cmd_network_add_city(args) -> int:
    from app.ledger import network_admin

    data = Path(args.data)
    with _admin_errors():
        city = network_admin.city_entry_from_node(
            args.node or data, args.endpoint, args.lon, args.lat
        )
        new, signed = network_admin.add_city(data, city, passphrase("Network admin passphrase: "))
    if args.out:
        args.out.write_bytes(signed)
    warnings = _quorum_warnings(args, new)
    emit_lines(
        args,
        {"city": city.code, "serial": new.serial, "cities": len(new.cities), "warnings": warnings},
        f"city {city.code} ({city.name_en}) added; trust file serial {new.serial}, "
        f"{len(new.cities)} {'city' if len(new.cities) == 1 else 'cities'}",
    )
    return 0


def _trust_doc(t) -> dict:
    """The trust file, with the witnesses each city asks under the policy (`asks`)."""
    from app.ledger.trust import witnesses_for

    doc = t.to_dict()
    for city, entry in zip(t.cities, doc["cities"], strict=True):
        entry["asks"] = [w.code for w in witnesses_for(city, t)]
    return doc


def cmd_network_status(args) -> int:
    """Exit 0 when this node and every member are ok, 1 when anything is not."""
    from rich.console import Console
    from rich.table import Table

    from app.ledger.folder_owner import last_url
    from app.net.health import OK, fetch_status, unreachable

    url = args.url or last_url(args.data)
    status = (
        fetch_status(url)
        if url
        else unreachable(str(args.data), "no `cityledger node serve` has run for this folder")
    )
    healthy = status.own.state == OK and all(c.state == OK for c in status.cities)
    if args.json:
        print_json(status.as_dict())
        return 0 if healthy else EXIT_FAILED
    counts = ", ".join(f"{n} {state}" for state, n in status.counts().items() if n)
    table = Table(title=f"this node: {status.own.state} — {status.own.reason}")
    for col in ("city", "state", "size", "held", "cosig", "via", "reason"):
        table.add_column(col, overflow="fold")
    for c in status.cities:
        table.add_row(
            c.code,
            c.state,
            str(c.size),
            str(c.held),
            f"{c.cosignatures}/{c.quorum}",
            c.via or "",
            c.reason,
        )
    console = Console()
    console.print(table)
    if counts:
        console.print(f"members: {counts}", highlight=False)
    return 0 if healthy else EXIT_FAILED


def cmd_network_show(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from app.ledger.trust import TrustError, installed_trust, witnesses_for

    try:
        t = installed_trust(args.data)
    except TrustError as e:
        raise CliError(str(e), EXIT_FAILED) from None
    if t is None:
        raise CliError("no trust file installed")
    if args.json:
        print_json(_trust_doc(t))
        return 0
    table = Table(
        title=f"{t.network} — serial {t.serial}, quorum {t.quorum}, "
        f"each city asks up to {t.witness_cap} witnesses"
    )
    for col in ("city", "name", "origin", "endpoints", "asks"):
        table.add_column(col, overflow="fold")
    for c in t.cities:
        asks = " ".join(w.code for w in witnesses_for(c, t))
        table.add_row(c.code, f"{c.name_zh} {c.name_en}", c.origin, " ".join(c.endpoints), asks)
    Console().print(table)
    print(f"admin key: {t.admin_vkey}")
    return 0


def cmd_network_verify(args) -> int:
    from app.ledger.trust import (
        TrustError,
        check_update,
        installed_trust,
        open_trust,
        pinned_admin_key,
        unpinned_message,
    )

    try:
        data = args.file.read_bytes()
    except OSError as e:
        raise CliError(f"cannot read {args.file}: {e.strerror}") from None
    try:
        current = installed_trust(args.data)
        pinned = args.admin_key or pinned_admin_key(args.data)
    except TrustError:
        current, pinned = None, args.admin_key
    if pinned is None:
        return _trust_refused(args, unpinned_message(str(args.data)), lambda m: m)
    try:
        t = open_trust(data, pinned)
    except TrustError as e:
        return _trust_refused(args, str(e), lambda m: f"REFUSED: {m}")
    lines = [
        f"OK: {t.network}, serial {t.serial}, quorum {t.quorum}, {len(t.cities)} cities, "
        f"signed by {t.admin_vkey.split('+')[0]}"
    ]
    doc = {"ok": True, "trust": t.to_dict(), "may_replace": None, "reason": None}
    if current is not None:
        try:
            check_update(current, t)
            doc["may_replace"] = True
            lines.append(f"may replace the installed serial {current.serial}")
        except TrustError as e:
            doc.update(ok=False, may_replace=False, reason=str(e))
            lines.append(f"would not replace the installed trust file: {e}")
    emit_lines(args, doc, *lines)
    return 0 if doc["ok"] else EXIT_FAILED


def _trust_refused(args, message: str, human) -> int:
    """A trust file that does not verify: an error document with --json, else a line
    on stdout (the human output says REFUSED where the verdict goes)."""
    if args.json:
        raise CliError(message, EXIT_FAILED, kind="refused")
    print(human(message))
    return EXIT_FAILED


def _read_trust_arg(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror}") from None


def _install(args, install):
    """(installed trust file, the admin key pinned before) after install(data, signed,
    admin_key); a refused file is exit 1."""
    from app.ledger.trust import TrustError, pinned_admin_key

    signed = _read_trust_arg(args.file)
    try:
        before = pinned_admin_key(args.data)
        return install(args.data, signed, args.admin_key), before
    except TrustError as e:
        raise CliError(f"trust file refused: {e}", EXIT_FAILED, kind="refused") from None


def cmd_network_install(args) -> int:
    from app.ledger.trust import install_trust

    t, before = _install(args, install_trust)
    lines = [f"installed trust file serial {t.serial} ({len(t.cities)} cities)"]
    if before is None:
        lines.append(f"network admin key pinned: {t.admin_vkey}")
    elif before != t.admin_vkey:
        lines.append(
            f"network admin key rotated (signed by the old key): {before} -> {t.admin_vkey}"
        )
    emit_lines(args, _installed_doc(t, before), *lines)
    return 0


def _installed_doc(t, before: str | None) -> dict:
    return {
        "serial": t.serial,
        "cities": len(t.cities),
        "admin_vkey": t.admin_vkey,
        "previous_admin_vkey": before,
    }


def cmd_network_rotate_admin(args) -> int:
    from app.ledger.trust import rotate_admin_pin

    t, before = _install(args, rotate_admin_pin)
    emit_lines(
        args,
        _installed_doc(t, before),
        f"installed trust file serial {t.serial} ({len(t.cities)} cities)",
        f"network admin key REPLACED by the operator: {before or '(none)'} -> {t.admin_vkey}",
    )
    return 0


# --- evidence ------------------------------------------------------------------------


def _ledger_view(args):
    from app.net.ledger_view import LedgerView

    node = _open_node(args)
    return node, LedgerView(node.store, node.origin, node.data_dir)


def _evidence_doc(row) -> dict:
    return {
        "id": row["id"],
        "origin": row["origin"],
        "kind": row["kind"],
        "detail": row["detail"],
        "created_at": row["created_at"],
        "resolved_at": row["resolved_at"],
        "resolution": row["resolution"],
        # misbehaviour: the entry's index and the rule it breaks; note_b is a tlog-proof
        # bundle of the entry under the checkpoint in note_a (check it with `verify`)
        "entry_index": row["entry_index"],
        "rule": row["rule"],
        "note_a": bytes(row["note_a"]).decode("utf-8", "replace"),
        "note_b": bytes(row["note_b"]).decode("utf-8", "replace"),
    }


def _evidence_state(doc: dict) -> str:
    if doc["resolved_at"] is None:
        return "OPEN"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(doc["resolved_at"]))
    return f"resolved {when} ({doc['resolution']})"


def cmd_evidence_list(args) -> int:
    node, view = _ledger_view(args)
    try:
        rows = [_evidence_doc(r) for r in view.evidence()]
    finally:
        node.close()
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no evidence")
    for r in rows:
        print(f"#{r['id']} {_evidence_state(r)} {r['kind']} {r['origin']}: {r['detail']}")
    return 0


def cmd_evidence_export(args) -> int:
    node, view = _ledger_view(args)
    try:
        rows = [r for r in view.evidence() if r["id"] == args.id]
    finally:
        node.close()
    if not rows:
        raise CliError(f"no evidence #{args.id}")
    doc = json.dumps(_evidence_doc(rows[0]), ensure_ascii=False, indent=2) + "\n"
    if args.out:
        args.out.write_text(doc, "utf-8")
        if args.json:
            print_json({"id": args.id, "file": str(args.out)})
    else:
        sys.stdout.write(doc)  # the evidence is the one document, with or without --json
    return 0


def cmd_evidence_resolve(args) -> int:
    from app.ledger.db import StoreError

    node, view = _ledger_view(args)
    try:
        view.resolve_evidence(args.id, args.note)
    except StoreError as e:
        raise CliError(str(e)) from None
    finally:
        node.close()
    emit_lines(args, {"id": args.id, "resolved": True}, f"evidence #{args.id} resolved")
    return 0
