"""`cityledger network …` and `cityledger node serve` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from app.ledger.node import Node
from app.net.demo_network import free_port
from tests.net.conftest import REPO


def cli(data, *args, passphrase="admin-pass", check=True):
    env = dict(os.environ, CITYLEDGER_PASSPHRASE=passphrase)
    run = subprocess.run(
        [sys.executable, "-m", "app", "--data", str(data), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    if check and run.returncode != 0:
        raise AssertionError(f"exit {run.returncode}: {run.stderr}{run.stdout}")
    return run


@pytest.fixture()
def two_nodes(tmp_path):
    for code, name in (("130100", "Shijiazhuang"), ("130200", "Tangshan")):
        Node.create(tmp_path / code, code, name, name, "node-pass").close()
    return tmp_path / "130100", tmp_path / "130200"


def test_network_init_add_show_verify_install(two_nodes, tmp_path):
    n1, n2 = two_nodes
    cli(n1, "network", "init", "--name", "Test network", "--quorum", "1")
    assert (n1 / "trust.note").exists() and (n1 / "network-admin.key").exists()
    cli(
        n1,
        "network",
        "add-city",
        "--endpoint",
        "http://127.0.0.1:8101/",
        "--lon",
        "114.5",
        "--lat",
        "38.0",
        "--out",
        tmp_path / "serial2.note",
    )
    cli(
        n1,
        "network",
        "add-city",
        "--node",
        n2,
        "--endpoint",
        "http://127.0.0.1:8102/",
        "--lon",
        "118.2",
        "--lat",
        "39.6",
        "--out",
        tmp_path / "trust.note",
    )
    shown = json.loads(cli(n1, "network", "show", "--json").stdout)
    assert shown["serial"] == 3 and shown["quorum"] == 1
    assert [c["code"] for c in shown["cities"]] == ["130100", "130200"]
    assert shown["cities"][1]["endpoints"] == ["http://127.0.0.1:8102/"]
    assert shown["witness_cap"] == 8  # the witness policy: each city asks the other
    assert [c["asks"] for c in shown["cities"]] == [["130200"], ["130100"]]

    # Nothing is pinned on n2 yet: a trust file alone proves nothing.
    unpinned = cli(n2, "network", "verify", tmp_path / "trust.note", check=False)
    assert unpinned.returncode == 1 and "UNPINNED" in unpinned.stdout
    admin = shown["admin_vkey"]
    assert (
        "OK" in cli(n2, "network", "verify", tmp_path / "trust.note", "--admin-key", admin).stdout
    )
    installed = cli(n2, "network", "install", tmp_path / "trust.note", "--admin-key", admin)
    assert f"pinned: {admin}" in installed.stdout
    assert json.loads((n2 / "node.json").read_text())["network_admin_vkey"] == admin
    assert json.loads(cli(n2, "network", "show", "--json").stdout) == shown
    # An older trust file may not replace a newer one.
    older = cli(n2, "network", "install", tmp_path / "serial2.note", check=False)
    assert older.returncode == 1 and "older" in older.stderr
    # A tampered or unsigned trust file is refused, and nothing changes.
    text = (tmp_path / "trust.note").read_text()
    (tmp_path / "tampered.note").write_text(text.replace("quorum 1", "quorum 0"))
    bad = cli(n2, "network", "verify", tmp_path / "tampered.note", check=False)
    assert bad.returncode == 1 and "REFUSED" in bad.stdout
    assert cli(n2, "network", "install", tmp_path / "tampered.note", check=False).returncode == 1
    (tmp_path / "unsigned.note").write_text(text.split("\n\n")[0] + "\n")
    assert cli(n2, "network", "install", tmp_path / "unsigned.note", check=False).returncode == 1
    assert json.loads(cli(n2, "network", "show", "--json").stdout)["serial"] == 3
    # add-city needs the admin key's passphrase
    wrong = cli(
        n1,
        "network",
        "add-city",
        "--endpoint",
        "http://127.0.0.1:1/",
        "--lon",
        "1",
        "--lat",
        "1",
        passphrase="wrong",
        check=False,
    )
    assert (
        wrong.returncode != 0
        and json.loads(cli(n1, "network", "show", "--json").stdout)["serial"] == 3
    )


def test_node_serve_reports_its_url_and_stops_cleanly(two_nodes):
    n1, _ = two_nodes
    port = free_port()
    env = dict(os.environ, CITYLEDGER_PASSPHRASE="node-pass")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "--data",
            str(n1),
            "node",
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                resp = httpx.get(url + "checkpoint", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        assert resp.status_code == 200 and resp.text.startswith("cityledger.example/130100\n0\n")
        info = json.loads(cli(n1, "log", "info", "--json").stdout)
        assert info["url"] == url and info["origin"] == "cityledger.example/130100"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "serving cityledger.example/130100" in err
    # The process ends right after its clean stop (skipping the interpreter's slow
    # teardown): the folder is released and the store is whole.
    from app.ledger import folder_owner

    assert folder_owner.current_owner(n1) is None
    audit = json.loads(cli(n1, "log", "verify", "--json").stdout)
    assert audit["ok"], audit


def test_node_export_writes_a_log_any_http_server_can_serve(two_nodes, tmp_path, static_server):
    from app.net.demo_network import issue_demo_codes

    n1, _ = two_nodes
    issue_demo_codes(n1, 3, passphrase="node-pass")
    out = cli(n1, "node", "export", tmp_path / "static").stdout
    # the official and 3 codes, in two batches, each ending with its code-map entry
    assert "size 6" in out
    server = static_server(tmp_path / "static")
    cp = httpx.get(server.url + "checkpoint").text
    assert cp.startswith("cityledger.example/130100\n6\n")
    assert len(httpx.get(server.url + "tile/0/000.p/6").content) == 6 * 32
    missing = cli(n1, "node", "export", tmp_path / "x", "--origin", "nope.example/1", check=False)
    assert missing.returncode == 2 and "no log" in missing.stderr
