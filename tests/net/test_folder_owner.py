"""Who owns a data folder is decided by a lock the kernel holds for the owner's lifetime,
not by a pid that another process may get after the owner dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from app.ledger import folder_owner
from app.ledger.folder_owner import FolderOwned

HOLDER = textwrap.dedent(
    """
    import sys, time
    from app.ledger import folder_owner
    lock = folder_owner.acquire(sys.argv[1], sys.argv[2])
    print("held", flush=True)
    time.sleep(600)
    """
)


def start_holder(data_dir, url: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir), url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_another_process_owns_the_folder_until_it_is_killed(tmp_path):
    url = "http://127.0.0.1:8123/"
    proc = start_holder(tmp_path, url)
    try:
        owner = folder_owner.current_owner(tmp_path)
        assert owner is not None and owner.pid == proc.pid and owner.url == url
        with pytest.raises(FolderOwned, match=f"in use by process {proc.pid} serving {url}"):
            folder_owner.acquire(tmp_path)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    # The file and its pid are still there; the lock is not, so nobody owns the folder.
    assert (tmp_path / folder_owner.OWNER_FILE).exists()
    assert folder_owner.current_owner(tmp_path) is None
    assert folder_owner.last_url(tmp_path) == url  # still known for `log info` / add-city
    with folder_owner.acquire(tmp_path) as lock:
        assert folder_owner.current_owner(tmp_path).pid == os.getpid()
        lock.record(None)  # a desktop app syncing: owns, serves nothing
        assert folder_owner.current_owner(tmp_path).url is None
        assert folder_owner.last_url(tmp_path) == url
    assert folder_owner.current_owner(tmp_path) is None


def test_a_recorded_pid_of_a_live_unrelated_process_does_not_claim_the_folder(tmp_path):
    """The old pid check's failure: the dead owner's pid now belongs to another process."""
    (tmp_path / folder_owner.OWNER_FILE).write_text(
        f'{{"pid": {os.getppid()}, "url": "http://127.0.0.1:1/", "started": 0}}'
    )
    assert folder_owner.current_owner(tmp_path) is None
    from app.ui.background import serving_url

    assert serving_url(tmp_path) is None


def test_the_desktop_app_finds_the_server_that_holds_the_lock(tmp_path):
    from app.ui.background import serving_url

    proc = start_holder(tmp_path, "http://127.0.0.1:8124/")
    try:
        assert serving_url(tmp_path) == "http://127.0.0.1:8124/"
    finally:
        proc.kill()
        proc.wait(10)
    assert serving_url(tmp_path) is None


def test_legacy_serve_json_still_gives_the_last_url(tmp_path):
    (tmp_path / "serve.json").write_text('{"url": "http://127.0.0.1:9/", "pid": 1}')
    assert folder_owner.last_url(tmp_path) == "http://127.0.0.1:9/"
    assert folder_owner.current_owner(tmp_path) is None


def test_a_second_node_serve_on_an_owned_folder_is_refused(tmp_path):
    from pathlib import Path

    from app.ledger.node import Node

    data = tmp_path / "node"
    Node.create(data, "130100", "Shijiazhuang", "石家庄", "node-pass").close()
    holder = start_holder(data, "http://127.0.0.1:8125/")
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "app",
                "--data",
                str(data),
                "node",
                "serve",
                "--listen",
                "127.0.0.1:1",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "CITYLEDGER_PASSPHRASE": "node-pass"},
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        holder.kill()
        holder.wait(10)
    assert run.returncode == 2, run.stderr
    assert f"in use by process {holder.pid} serving http://127.0.0.1:8125/" in run.stderr
