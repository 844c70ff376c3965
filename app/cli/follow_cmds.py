"""`cityledger follow list|add|remove|all`: which member cities this node replicates fully
(app.ledger.follow); of the others it keeps checkpoints and verifies codes on demand."""

from __future__ import annotations

from app.cli.common import print_json


def register(sub) -> None:
    p = sub.add_parser("follow", help="the member cities this node replicates fully")
    p_sub = p.add_subparsers(dest="follow_command", metavar="ACTION")
    ls = p_sub.add_parser("list", help="show what this node follows")
    ls.set_defaults(func=cmd_follow)
    for name, help_text in (
        ("add", "follow these cities too (the node then follows only its own and these)"),
        ("remove", "stop following these cities (their checkpoints are still kept)"),
    ):
        a = p_sub.add_parser(name, help=help_text)
        a.add_argument("cities", nargs="+", metavar="CITY", help="GB/T 2260 city code, e.g. 130100")
        a.set_defaults(func=cmd_follow)
    every = p_sub.add_parser("all", help="follow every member city (a city server node)")
    every.set_defaults(func=cmd_follow)


def cmd_follow(args) -> int:
    from pathlib import Path

    from app.cli.common import CliError
    from app.cli.errors import mapped_errors
    from app.ledger import follow
    from app.ledger.node import CONFIG

    if not (Path(args.data) / CONFIG).exists():
        raise CliError(f"{args.data} is not a node folder (no {CONFIG})", kind="node")
    with mapped_errors():
        if args.follow_command == "add":
            now = follow.follow(args.data, args.cities)
        elif args.follow_command == "remove":
            now = follow.unfollow(args.data, args.cities)
        elif args.follow_command == "all":
            now = follow.follow_all(args.data)
        else:
            now = follow.read_following(args.data)
    if args.json:
        print_json({"all": now.all, "cities": list(now.cities)})
    elif now.all:
        print("follows every member city")
    else:
        picked = ", ".join(now.cities) or "none"
        print(f"follows its own city and: {picked}; other cities are verified on demand")
    return 0
