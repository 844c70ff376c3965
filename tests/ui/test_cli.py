"""`cityledger gui|wall --screenshot` as a user runs them (subprocess, offscreen)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from tests.ui.test_render import _pixels


def _run(*args, cwd):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(cwd / "config"))
    env.pop("DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize("command,size", [("gui", (1600, 1000)), ("wall", (1920, 1080))])
def test_screenshot_commands_write_a_real_picture(node_dir, tmp_path, command, size):
    shot = tmp_path / f"{command}.png"
    done = _run(
        "--data",
        str(node_dir),
        command,
        "--screenshot",
        str(shot),
        "--demo-assets",
        "200",
        "--lang",
        "zh_CN",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"screenshot written to {shot}" in done.stdout
    pixels = _pixels(QImage(str(shot)))
    assert pixels.shape[:2] == (size[1], size[0])
    assert len(np.unique(pixels.reshape(-1, 3)[::11], axis=0)) > 40


def test_bad_options_are_usage_errors(tmp_path):
    done = _run("--data", str(tmp_path), "wall", "--rotate", "0", cwd=tmp_path)
    assert done.returncode == 2 and "--rotate must be a positive number" in done.stderr
    done = _run("--data", str(tmp_path), "gui", "--demo-assets", "-5", cwd=tmp_path)
    assert done.returncode == 2 and "--demo-assets must be 0 or more" in done.stderr
