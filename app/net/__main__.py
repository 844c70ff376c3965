"""`python -m app.net …`: the network subcommands alone (same as `cityledger …`).

Node processes started by the demo network and the tests use this entry point, so a node
process loads only the headless layers it needs (not the UI's command modules).
"""

from __future__ import annotations

import sys

from app.cli import main as cli_main


def main(argv=None) -> int:
    cli_main.COMMAND_MODULES = ("app.cli.net_cmds",)
    return cli_main.main(argv)


if __name__ == "__main__":
    sys.exit(main())
