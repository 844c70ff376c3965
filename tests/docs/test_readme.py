"""The README's shell examples run as written, in a fresh folder, in order.

Every ```sh block of README.md runs, one bash session for the whole file (so a variable
or folder made by one block serves the next), with `cityledger` on PATH; any failing
command fails the test and names the README line. A block that cannot run here says so
and why, on the line above its fence:

    <!-- readme-test: skip: REASON -->
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(
    r"(?:<!--\s*readme-test:\s*(?P<directive>.*?)\s*-->\s*\n)?^```sh\n(?P<body>.*?)^```",
    re.S | re.M,
)


@dataclass(frozen=True)
class Block:
    line: int
    body: str
    skip: str | None  # the reason, when the block is not run


def sh_blocks(text: str) -> list[Block]:
    out = []
    for m in _FENCE.finditer(text):
        directive = (m.group("directive") or "").strip()
        skip = None
        if directive:
            kind, _, reason = directive.partition(":")
            if kind.strip() != "skip" or not reason.strip():
                raise ValueError(
                    f"README line {text.count(chr(10), 0, m.start()) + 1}: "
                    f"say `readme-test: skip: REASON`, not {directive!r}"
                )
            skip = reason.strip()
        line = text.count("\n", 0, m.start("body")) + 1
        out.append(Block(line, m.group("body"), skip))
    return out


def test_every_block_runs_or_says_why_not():
    blocks = sh_blocks(README.read_text("utf-8"))
    assert len(blocks) >= 6
    run = [b for b in blocks if b.skip is None]
    assert len(run) >= 4, "most examples must run"
    for b in blocks:
        assert b.skip is None or len(b.skip) > 20, f"line {b.line}: give the reason"


def test_a_skip_without_a_reason_is_refused():
    with pytest.raises(ValueError, match="readme-test: skip: REASON"):
        sh_blocks("<!-- readme-test: skip -->\n```sh\nfalse\n```\n")


@pytest.mark.slow
def test_readme_commands_run_as_written(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "cityledger"  # what `make run` links onto PATH, for this checkout
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m app "$@"\n')
    shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    script = ["set -euo pipefail"]
    for b in sh_blocks(README.read_text("utf-8")):
        if b.skip is None:
            script += [f"echo '>>> README.md line {b.line}' >&2", b.body]
    env = dict(
        os.environ,
        HOME=str(tmp_path),
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONPATH=str(README.parent),
        QT_QPA_PLATFORM="offscreen",
    )
    env.pop("CITYLEDGER_PASSPHRASE", None)
    env.pop("CITYLEDGER_OFFICIAL_PASSPHRASE", None)
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    # what the examples say they make is there
    for made in (
        "sjz/node.json",
        "ts/node.json",
        "bd/node.json",
        "trust.note",
        "hydrants_with_codes.gpkg",
    ):
        assert (work / made).exists(), made
