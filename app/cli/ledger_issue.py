"""`cityledger issue`: one code, or one code per feature of a GeoJSON/GeoPackage layer.

Every asset is checked (app.gis.asset_checks) before anything is signed, so bad input
changes nothing. A batch's codes are derived from the batch and each feature
(app.ledger.batch_codes): run again after a crash, it reuses the codes the log already
holds for its features, issues the rest, and writes --out. The remaining entries go to the
sequencer in one go (it commits them in large batches), with a progress bar that follows
the log's committed size.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

from app.cli.common import EXIT_FAILED, CliError
from app.gis.asset_checks import OVERRIDE_ATTRIBUTE

MAX_REPORTED_ERRORS = 10
_WRITABLE = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}


def register(sub) -> None:
    p = sub.add_parser(
        "issue",
        help="issue identity codes (one asset, or --batch FILE)",
        description="Issue a code for one asset (--class, --name and --lon/--lat "
        "or --geometry), or one code per feature of a layer (--batch).",
    )
    p.add_argument(
        "--class",
        dest="asset_class",
        metavar="AAA",
        help="asset class (WAT, SEW, PWR, GAS, HEA, TEL, TRN, ROD, BRG, MED, SCH, "
        "BLD, PLT); for --batch it overrides --class-field",
    )
    p.add_argument("--name", help="asset name")
    p.add_argument("--lon", type=float, help="point longitude (EPSG:4326)")
    p.add_argument("--lat", type=float, help="point latitude (EPSG:4326)")
    p.add_argument(
        "--geometry",
        type=Path,
        metavar="FILE.geojson",
        help="GeoJSON geometry, Feature or one-feature FeatureCollection",
    )
    p.add_argument(
        "--attr",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="attribute (repeatable; values are kept as text)",
    )
    p.add_argument("--owner", help="owning department")
    p.add_argument(
        "--official", metavar="NAME", help="signing official (default: the only active official)"
    )
    p.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help="GeoJSON/GeoPackage/Shapefile: one code per feature",
    )
    p.add_argument("--layer", help="--batch: layer name (default: the first)")
    p.add_argument(
        "--class-field",
        default="asset_class",
        metavar="FIELD",
        help="--batch: field holding the asset class (default: asset_class)",
    )
    p.add_argument(
        "--name-field",
        default="name",
        metavar="FIELD",
        help="--batch: field holding the asset name (default: name)",
    )
    p.add_argument("--owner-field", metavar="FIELD", help="--batch: field holding the owner")
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="--batch: write the layer with a 'code' column (.geojson or .gpkg)",
    )
    p.add_argument(
        "--boundary-override",
        metavar="REASON",
        help="issue an asset that lies outside the city's boundary; the reason is kept in "
        f"the signed record (attribute {OVERRIDE_ATTRIBUTE!r})",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_issue)


def cmd_issue(args) -> int:
    if args.batch is not None:
        single = [
            f
            for f, v in (
                ("--name", args.name),
                ("--lon", args.lon),
                ("--lat", args.lat),
                ("--geometry", args.geometry),
                ("--attr", args.attr or None),
                ("--owner", args.owner),
            )
            if v is not None
        ]
        if single:
            raise CliError(f"--batch takes its assets from the file; drop {', '.join(single)}")
        return _issue_batch(args)
    if args.out is not None or args.layer is not None:
        raise CliError("--out and --layer go with --batch")
    return _issue_one(args)


# --- input -------------------------------------------------------------------------


def _check_class(value, where: str) -> str:
    from app.gis.batch_layer import BatchLayerError, check_class

    try:
        return check_class(value, where)
    except BatchLayerError as e:
        raise CliError(str(e)) from None


def _parse_attrs(items) -> dict:
    attrs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--attr {item!r}: expected KEY=VALUE")
        if key.strip() in attrs:
            raise CliError(f"--attr {key.strip()!r} given twice")
        attrs[key.strip()] = value
    return attrs


def read_geometry_file(path: Path) -> dict:
    """A GeoJSON geometry from a file holding a geometry, a Feature or one feature."""
    try:
        doc = json.loads(path.read_text("utf-8"))
    except OSError as e:
        raise CliError(f"--geometry {path}: {e.strerror}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise CliError(f"--geometry {path}: not JSON ({e})") from None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
        if len(feats) != 1:
            raise CliError(
                f"--geometry {path}: a FeatureCollection with {len(feats)} features; "
                "use --batch for several"
            )
        doc = feats[0]
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = doc.get("geometry")
    if not isinstance(doc, dict) or "coordinates" not in doc:
        raise CliError(f"--geometry {path}: no GeoJSON geometry found")
    return doc


def _choose_official(node, name: str | None) -> str:
    active = [o["name"] for o in node.officials() if o["active"]]
    if name is not None:
        if name not in active:
            known = {o["name"] for o in node.officials()}
            state = "was revoked" if name in known else "is not registered"
            raise CliError(f"official {name!r} {state} in {node.origin}")
        return name
    if len(active) == 1:
        return active[0]
    if not active:
        raise CliError("no active official: `cityledger official add NAME` first")
    raise CliError(f"several officials are active ({', '.join(active)}): choose with --official")


# --- one code ----------------------------------------------------------------------


def _issue_one(args) -> int:
    from app.cli.errors import mapped_errors
    from app.cli.ledger_cmds import emit, official_passphrase, open_node, unlock
    from app.gis.asset_checks import AssetRejected
    from app.ledger.folder_owner import serving_url
    from app.ledger.issuance import IssueRequest
    from app.net import issuance as net_issuance

    missing = [f for f, v in (("--class", args.asset_class), ("--name", args.name)) if not v]
    if missing:
        raise CliError(f"issue needs {' and '.join(missing)} (or --batch FILE)")
    cls = _check_class(args.asset_class, "--class")
    if args.geometry is not None:
        if args.lon is not None or args.lat is not None:
            raise CliError("give either --lon/--lat or --geometry, not both")
        geometry = read_geometry_file(args.geometry)
    elif args.lon is not None and args.lat is not None:
        if not (
            math.isfinite(args.lon)
            and math.isfinite(args.lat)
            and -180 <= args.lon <= 180
            and -90 <= args.lat <= 90
        ):
            raise CliError(f"--lon {args.lon} --lat {args.lat} is outside EPSG:4326 bounds")
        geometry = {"type": "Point", "coordinates": [args.lon, args.lat]}
    else:
        raise CliError("issue needs a location: --lon and --lat, or --geometry FILE")
    attrs = _parse_attrs(args.attr)
    with open_node(args) as node, mapped_errors():
        official = _choose_official(node, args.official)
        item = {"name": args.name, "geometry": geometry, "attributes": dict(attrs)}
        problems = _asset_problems(node, item, args.boundary_override)  # before any passphrase
        if problems:
            raise CliError("not issued: " + "; ".join(map(str, problems)))
        served = serving_url(node.data_dir)
        if not served:
            unlock(node)  # this process sequences
        req = IssueRequest(
            official=official,
            passphrase=official_passphrase(official),
            asset_class=cls,
            name=args.name,
            geometry=geometry,
            attributes=attrs,
            owner=args.owner,
            boundary_override=args.boundary_override,
        )
        try:  # the issuance policy the desktop app uses: server, this process, or outbox
            outcome = net_issuance.issue(node, req, served)
        except AssetRejected as e:
            raise CliError(f"not issued: {e}") from None
        delivered = 0 if outcome.pending else net_issuance.deliver_outbox(node, served)
    doc = {
        "code": outcome.code,
        "index": outcome.index,
        "size": outcome.size,
        "codes": [outcome.code],
        "indexes": [outcome.index],
        "pending": outcome.pending,
        "outbox_delivered": delivered,
    }

    def human(c) -> None:
        if outcome.pending:
            c.print(
                f"[bold yellow]{outcome.code}[/]  PENDING: signed by {official} and kept in the "
                f"outbox, since the node server {served} did not answer; the next issue or the "
                "desktop app delivers it"
            )
        else:
            c.print(
                f"[bold green]{outcome.code}[/]  issued at index {outcome.index} (log size "
                f"{outcome.size}, signed by {official})"
            )
        if delivered:
            c.print(f"{delivered} entries waiting in the outbox were delivered too")

    emit(args, doc, human)
    return 0


# --- batch -------------------------------------------------------------------------


def read_layer(path: Path, layer: str | None):
    """The --batch layer in EPSG:4326 (app.gis.layer_io, as the desktop app reads it)."""
    from app.gis.layer_io import LayerError
    from app.gis.layer_io import read_layer as read

    try:
        return read(path, layer)
    except LayerError as e:
        raise CliError(f"--batch {e}") from None


def batch_items(gdf, args) -> tuple[list[dict], list[str]]:
    """Issue items from features, and the errors (each naming its feature)."""
    from app.gis.batch_layer import BatchFields, BatchLayerError, issue_items

    fields = BatchFields(args.class_field, args.name_field, args.owner_field, args.asset_class)
    try:
        return issue_items(gdf, fields)
    except BatchLayerError as e:
        raise CliError(str(e)) from None


def _asset_problems(node, item: dict, reason: str | None) -> list:
    """app.gis.asset_checks on an item; with --boundary-override, an asset outside the
    boundary gets the reason recorded in its attributes instead of a problem."""
    from app.gis import asset_checks

    asset = {"name": item["name"], "geometry": item["geometry"], "attributes": item["attributes"]}
    problems = asset_checks.check_with_override(node.city_code, asset, reason, node.data_dir)
    item["attributes"] = asset["attributes"]
    return problems


def _check_out(path: Path | None) -> None:
    if path is None:
        return
    if path.suffix.lower() not in _WRITABLE:
        raise CliError(f"--out {path}: use a .geojson or .gpkg file name")
    if not path.parent.is_dir():
        raise CliError(f"--out {path}: folder {path.parent} does not exist")


def _issue_batch(args) -> int:
    from rich.console import Console

    from app.cli.errors import mapped_errors
    from app.cli.ledger_cmds import emit, official_passphrase, open_node, unlock
    from app.core.errors import CoreError
    from app.ledger.batch_codes import plan_batch
    from app.ledger.node import NodeError

    _check_out(args.out)
    gdf = read_layer(args.batch, args.layer)
    if len(gdf) == 0:
        raise CliError(f"--batch {args.batch}: the layer has no features")
    items, errors = batch_items(gdf, args)
    err_console = Console(stderr=True, highlight=False)
    with open_node(args) as node, mapped_errors():
        official = _choose_official(node, args.official)
        for i, item in enumerate(items if not errors else ()):
            for problem in _asset_problems(node, item, args.boundary_override):
                errors.append(f"feature {i + 1} ({item['name']}): {problem}")
        plan = plan_batch(node, items) if not errors else None
        # Sign everything not yet in the log first: bad input must change nothing.
        todo, entries = (plan.pending if plan else []), []
        if plan is not None and todo and not errors:
            unlock(node)
            secret = official_passphrase(official)
            with _progress(err_console) as progress:
                task = progress.add_task("signing", total=len(todo))
                for n, i in enumerate(todo):
                    item = items[i]
                    try:
                        record = node.issue_record(**item, code=plan.codes[i])
                        entries.append(node.make_entry(official, secret, record))
                    except (CoreError, NodeError) as e:
                        errors.append(f"feature {i + 1} ({item['name']}): {e}")
                    if n % 256 == 0:
                        progress.update(task, completed=n + 1)
        if errors:
            shown = errors[:MAX_REPORTED_ERRORS]
            more = len(errors) - len(shown)
            raise CliError(
                f"{len(errors)} of {len(gdf)} features cannot be issued; nothing "
                "was issued:\n  " + "\n  ".join(shown) + (f"\n  … and {more} more" if more else "")
            )
        if plan is None:  # only planned when no feature had a problem
            raise CliError("the batch was not planned")
        fresh = _submit_with_progress(node, entries, err_console) if entries else []
        size = node.size()
    results: list = [None] * len(items)
    for i, index in plan.issued.items():
        results[i] = index
    for i, r in zip(todo, fresh):
        results[i] = r if isinstance(r, Exception) else r.index
    codes = [None if isinstance(r, Exception) else plan.codes[i] for i, r in enumerate(results)]
    refused = [
        {"feature": i + 1, "reason": str(r)}
        for i, r in enumerate(results)
        if isinstance(r, Exception)
    ]
    if args.out is not None:  # whole or not at all: a killed run leaves no half file
        from app.fsutil import atomic_path

        out = gdf.copy()
        out["code"] = codes
        with atomic_path(args.out) as tmp:
            out.to_file(tmp, driver=_WRITABLE[args.out.suffix.lower()], layer=args.out.stem)
    doc = {
        "count": len(codes) - len(refused),
        "codes": codes,
        "indexes": [None if isinstance(r, Exception) else r for r in results],
        "size": size,
        "refused": refused,
        "batch": plan.batch_id,
        "already_issued": len(plan.issued),
    }

    def human(c):
        c.print(
            f"[bold green]{doc['count']}[/] codes issued from {args.batch} "
            f"(log size {doc['size']}, signed by {official})"
        )
        if plan.issued:
            c.print(
                f"{len(plan.issued)} of them were already in the log from an earlier run of "
                f"this batch ({plan.batch_id}); none was issued twice"
            )
        if args.out is not None:
            c.print(f"layer with codes written to {args.out}")
        for r in refused[:MAX_REPORTED_ERRORS]:
            c.print(f"[red]refused[/] feature {r['feature']}: {r['reason']}")

    emit(args, doc, human)
    return EXIT_FAILED if refused else 0


def _progress(err_console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _submit_with_progress(node, entries, err_console):
    """node.submit_many in a worker thread; the bar follows the committed log size."""
    start = node.size()
    box: dict = {}

    def work():
        try:
            box["results"] = node.submit_many(entries)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    worker = threading.Thread(target=work, name="issue-batch", daemon=True)
    with _progress(err_console) as progress:
        task = progress.add_task("sequencing", total=len(entries))
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
            progress.update(task, completed=min(len(entries), node.size() - start))
    if "error" in box:
        raise box["error"]
    return box["results"]
