"""A signal quits the app's event loop so its cleanup runs (issue: a `cityledger demo`
stopped with SIGTERM left its city nodes running).  A real process: the handler only works
if Python gets control back from Qt's loop, which no in-process test can show."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    from app.ui.app import make_application, quit_on_signals
    app = make_application()
    quit_on_signals(app)
    print("ready", flush=True)
    import time
    time.sleep(1)  # the signal lands before the loop runs, as at a loaded start
    try:
        code = app.exec()
    finally:
        print("cleaned up", flush=True)
    sys.exit(code)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_quits_the_loop_and_runs_the_cleanup(sig):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "cleaned up" in out
