"""`cityledger update | inspect-record | transfer | transfer-in | revoke`: the records of a
code's life after its issue (app.ledger.life), for one code or a --batch file (a layer or
a CSV with a `code` column).

A batch is signed whole before anything is submitted (bad input changes nothing), and run
again after a crash it records nothing twice: a change the code's latest record already
says is reported as done (the log is the journal, as for `issue --batch`). Exit status 0
when every change is recorded or was already, 1 when any was refused, 2 for bad input.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_FAILED, CliError

MAX_REPORTED = 10
SERVICE = ("in-service", "out-of-service", "decommissioned")


def register(sub) -> None:
    def common(p, batch_help: str) -> None:
        p.add_argument("code", nargs="?", help="the identity code (or --batch FILE)")
        p.add_argument(
            "--batch",
            type=Path,
            metavar="FILE",
            help=f"a layer (GeoJSON/GeoPackage/Shapefile) or CSV with a 'code' column; {batch_help}",
        )
        p.add_argument("--layer", help="--batch: layer name (default: the first)")
        p.add_argument(
            "--official", metavar="NAME", help="signing official (default: the only active one)"
        )
        p.add_argument("--json", action="store_true", help="print one JSON document")

    p = sub.add_parser(
        "update",
        help="record a change of an asset: name, geometry, attributes, service status",
        description="Record a change of an asset. Only what is given changes; "
        "--attr replaces the attribute set with the one given.",
    )
    common(p, "columns name, service and the features' geometries apply per row")
    p.add_argument("--name", help="new asset name")
    p.add_argument("--geometry", type=Path, metavar="FILE.geojson", help="new geometry")
    p.add_argument("--lon", type=float, help="new point longitude (EPSG:4326)")
    p.add_argument("--lat", type=float, help="new point latitude (EPSG:4326)")
    p.add_argument("--attr", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--status", choices=SERVICE, help="service status")
    p.set_defaults(func=cmd_update)

    p = sub.add_parser(
        "inspect-record",
        help="record an official's inspection: condition grade 1-5, note, attachments",
        description="Record a signed inspection of an asset (`inspect` shows a code).",
    )
    common(p, "columns grade and note apply per row")
    p.add_argument("--grade", type=int, choices=range(1, 6), metavar="1-5")
    p.add_argument("--note", help="what the official saw")
    p.add_argument(
        "--attach",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE",
        help="photos or reports: their SHA-256 is recorded",
    )
    p.set_defaults(func=cmd_inspect_record)

    p = sub.add_parser(
        "transfer",
        help="transfer a code to another owner, or to another member city",
        description="--owner changes the owning department or company within the city; "
        "--to-city moves the code to another member city (a transfer-out here, then "
        "`transfer-in CODE` at that city).",
    )
    common(p, "columns owner or to_city apply per row")
    p.add_argument("--owner", help="new owner (department or company)")
    p.add_argument("--to-city", metavar="CCCCCC", help="the receiving member city's code")
    p.set_defaults(func=cmd_transfer)

    p = sub.add_parser(
        "transfer-in",
        help="take over a code another member city transferred to this one",
        description="Record the transfer-in of a code whose transfer-out (to this city) "
        "is in this node's replica of the other city's log (sync first).",
    )
    common(p, "one transfer-in per code")
    p.set_defaults(func=cmd_transfer_in)

    p = sub.add_parser(
        "revoke",
        help="revoke a code (demolished, issued by mistake); nothing follows a revoke",
    )
    common(p, "column reason applies per row")
    p.add_argument("--reason", help="why the code is revoked")
    p.set_defaults(func=cmd_revoke)


# --- input ---------------------------------------------------------------------------


def _rows(args) -> list[dict[str, Any]]:
    """The --batch rows: dicts with 'code' and the file's other columns (a layer's
    geometry as GeoJSON under 'geometry')."""
    path: Path = args.batch
    if path.suffix.lower() == ".csv":
        try:
            with open(path, newline="", encoding="utf-8-sig") as f:
                rows = [dict(r) for r in csv.DictReader(f)]
        except OSError as e:
            raise CliError(f"--batch {path}: {e.strerror}") from None
        except (UnicodeDecodeError, csv.Error) as e:
            raise CliError(f"--batch {path}: not a UTF-8 CSV ({e})") from None
    else:
        from app.cli.ledger_issue import read_layer
        from app.ledger.issuance import geojson

        gdf = read_layer(path, args.layer)
        rows = []
        for rec, geom in zip(gdf.drop(columns="geometry").to_dict("records"), gdf.geometry):
            rec["geometry"] = None if geom is None or geom.is_empty else geojson(geom)
            rows.append(rec)
    if not rows:
        raise CliError(f"--batch {path}: no rows")
    if "code" not in rows[0]:
        raise CliError(f"--batch {path}: no 'code' column")
    return rows


def _cell(row: dict[str, Any], key: str, default: Any) -> Any:
    value = row.get(key)
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return default
    return value


def _point(args) -> dict[str, Any] | None:
    from app.cli.ledger_issue import read_geometry_file

    if args.geometry is not None:
        if args.lon is not None or args.lat is not None:
            raise CliError("give either --lon/--lat or --geometry, not both")
        return read_geometry_file(args.geometry)
    if (args.lon is None) != (args.lat is None):
        raise CliError("--lon and --lat go together")
    if args.lon is None:
        return None
    return {"type": "Point", "coordinates": [args.lon, args.lat]}


# --- the commands --------------------------------------------------------------------


def cmd_update(args) -> int:
    from app.cli.ledger_issue import _parse_attrs
    from app.ledger import life

    geometry = _point(args)
    attrs = _parse_attrs(args.attr) if args.attr else None

    def change(row: dict[str, Any]) -> life.Change:
        service = _cell(row, "service", args.status)
        if service is not None and service not in SERVICE:
            raise CliError(f"{row['code']}: service {service!r} is not one of {', '.join(SERVICE)}")
        members = life.update_members(
            _cell(row, "name", args.name), _cell(row, "geometry", geometry), attrs, service
        )
        if not members:
            raise CliError(
                f"{row['code']}: an update needs --name, --geometry/--lon --lat, --attr or --status"
            )
        return life.Change(life.UPDATE, str(row["code"]), members)

    return _run(args, change)


def cmd_inspect_record(args) -> int:
    from app.ledger import life

    digests = []
    for path in args.attach:
        try:
            digests.append(life.file_digest(path))
        except OSError as e:
            raise CliError(f"--attach {path}: {e.strerror}") from None

    def change(row: dict[str, Any]) -> life.Change:
        grade, note = _cell(row, "grade", args.grade), _cell(row, "note", args.note)
        try:
            grade = int(grade) if grade is not None else None
        except ValueError:
            grade = None
        if grade not in range(1, 6) or not note:
            raise CliError(f"{row['code']}: an inspection needs --grade 1-5 and --note")
        return life.Change(
            life.INSPECT, str(row["code"]), life.inspection_members(grade, note, digests)
        )

    return _run(args, change)


def cmd_transfer(args) -> int:
    from app.core.codes import city_problem
    from app.ledger import life

    def change(row: dict[str, Any]) -> life.Change:
        owner, city = _cell(row, "owner", args.owner), _cell(row, "to_city", args.to_city)
        if (owner is None) == (city is None):
            raise CliError(f"{row['code']}: give --owner NAME or --to-city CCCCCC (one of them)")
        if owner is not None:
            return life.Change(life.TRANSFER, str(row["code"]), {"owner": str(owner)})
        city = str(city)
        problem = city_problem(city)
        if problem:
            raise CliError(f"{row['code']}: --to-city {city!r}: {problem}")
        return life.Change(life.TRANSFER_OUT, str(row["code"]), {"to": city})

    return _run(args, change)


def cmd_transfer_in(args) -> int:
    from app.ledger import life

    return _run(args, lambda row: life.Change(life.TRANSFER_IN, str(row["code"])))


def cmd_revoke(args) -> int:
    from app.ledger import life

    def change(row: dict[str, Any]) -> life.Change:
        reason = _cell(row, "reason", args.reason)
        if not reason:
            raise CliError(f"{row['code']}: a revoke needs --reason TEXT")
        return life.Change(life.REVOKE, str(row["code"]), {"reason": str(reason)})

    return _run(args, change)


def _run(args, make) -> int:
    """Build every change (bad input: exit 2, nothing recorded), sign and submit them,
    report each: recorded, already in the log, or refused with its reason."""
    from app.cli.errors import mapped_errors
    from app.cli.ledger_cmds import emit, official_passphrase, open_node, unlock
    from app.cli.ledger_issue import _choose_official
    from app.core.codes import parse_code
    from app.core.errors import CoreError
    from app.ledger import life
    from app.ledger.sequencer import Receipt

    if (args.code is None) == (args.batch is None):
        raise CliError(f"{args.command}: give a CODE or --batch FILE (one of them)")
    rows = _rows(args) if args.batch is not None else [{"code": args.code}]
    changes = []
    for n, row in enumerate(rows):
        try:
            row["code"] = str(parse_code(str(row["code"])))
        except CoreError as e:
            where = f"row {n + 1}: " if args.batch is not None else ""
            raise CliError(f"{where}code {row['code']!r}: {e}", kind="code") from None
        try:
            changes.append(make(row))
        except CoreError as e:
            raise CliError(f"{row['code']}: {e}") from None
    with open_node(args) as node, mapped_errors():
        official = _choose_official(node, args.official)
        unlock(node)
        outcomes = node.change_many(official, official_passphrase(official), changes)
        size = node.size()
    results = []
    for change, outcome in zip(changes, outcomes):
        item: dict[str, Any] = {"code": change.code, "record": change.kind}
        if isinstance(outcome, Receipt):
            item.update(status="recorded", index=outcome.index)
        elif isinstance(outcome, life.Done):
            item.update(status="already", index=outcome.index)
        elif isinstance(outcome, life.NotApplicable):
            item.update(status="refused", kind=outcome.kind, reason=outcome.detail)
        else:
            item.update(status="refused", rule=getattr(outcome, "rule", None), reason=str(outcome))
        results.append(item)
    refused = [r for r in results if r["status"] == "refused"]
    doc = {
        "count": sum(r["status"] == "recorded" for r in results),
        "already": sum(r["status"] == "already" for r in results),
        "refused": len(refused),
        "results": results,
        "size": size,
        "official": official,
    }
    if args.batch is None:
        doc.update({k: v for k, v in results[0].items() if k in ("code", "index", "status")})

    def human(c) -> None:
        for r in results[:MAX_REPORTED] if len(results) > 1 else results:
            if r["status"] == "recorded":
                c.print(f"[bold green]{r['code']}[/]  {r['record']} recorded at index {r['index']}")
            elif r["status"] == "already":
                c.print(f"{r['code']}  {r['record']} already in the log (index {r['index']})")
            else:
                c.print(f"[red]refused[/] {r['code']}: {r['reason']}")
        if len(results) > 1:
            c.print(
                f"{doc['count']} recorded, {doc['already']} already in the log, "
                f"{doc['refused']} refused (log size {size}, signed by {official})"
            )

    emit(args, doc, human)
    return EXIT_FAILED if refused else 0
