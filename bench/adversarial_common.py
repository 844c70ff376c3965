"""What the attacks of bench/adversarial.py share: a table row and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Row:
    attack: str
    tried: int
    held: int
    failed: int
    notes: str


def cli(data_dir, *argv, timeout: float = 120, env: dict | None = None):
    """`cityledger --data DIR --json ARGV` as its own process (the real command)."""
    return subprocess.run(
        [sys.executable, "-m", "app", "--data", str(data_dir), "--json", *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
