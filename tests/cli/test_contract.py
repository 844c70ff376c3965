"""The CLI contract (README): every command takes --json, prints exactly one JSON document
on stdout with it — errors too, as {"ok": false, "error": {"kind", "message"}} — and exits
0 (ok), 1 (refused / failed verification) or 2 (usage / input error).

One table runs every command for success and for failure against a copy of one small
world (a city node with an official, an issued code, its proof bundle, and a network
whose admin signed a trust file the node installed); a second test checks the table
covers every command the parser has, so a new command cannot skip the contract.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from app.cli.main import build_parser, main
from app.ledger import trust as T
from app.ledger.keystore import unseal

PASS = "correct horse battery staple"
OFFICIAL = "tangshan pump official seven"

# Commands whose success is long-running, needs a live network or a screen: their success
# is tested by their areas (tests/net, tests/ui); here they are run for failure only.
SUCCESS_ELSEWHERE = {
    ("node", "serve"): "serves until stopped (tests/net/test_cli.py)",
    (
        "network",
        "rotate-admin",
    ): "needs a second admin's trust file (tests/ledger/test_trust_pin.py)",
    ("gui",): "opens a window (tests/ui/test_cli.py)",
    ("wall",): "opens a window (tests/ui/test_cli.py)",
    ("demo",): "starts five node processes and a window (`make run`)",
    (
        "transfer-in",
    ): "needs another city's transfer-out in a replica (the node API it calls: tests/ledger/test_code_life.py)",
    ("network", "status"): "asks a running `node serve` (tests/net/test_slow_peers.py)",
    (
        "evidence",
        "export",
    ): "needs fork evidence from a misbehaving peer (tests/net/test_sync_faults.py)",
    (
        "evidence",
        "resolve",
    ): "needs fork evidence from a misbehaving peer (tests/net/test_sync_faults.py)",
}


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("CITYLEDGER_PASSPHRASE", PASS)
    mp.setenv("CITYLEDGER_OFFICIAL_PASSPHRASE", OFFICIAL)
    w = tmp_path_factory.mktemp("world")
    city, net = w / "city", w / "net"
    try:
        steps = [
            ("--data", city, "init", "--city", "130100"),
            ("--data", city, "official", "add", "zhang"),
            ("--data", net, "network", "init", "--name", "test", "--quorum", "0"),
        ]
        for argv in steps:
            assert main([str(a) for a in argv]) == 0, argv
        issue = [
            *("--data", city, "issue", "--class", "WAT", "--name", "pump"),
            *("--lon", "114.5", "--lat", "38", "--json"),
        ]
        with _stdout(w / "issue.json"):
            assert main([str(a) for a in issue]) == 0
        code = json.loads((w / "issue.json").read_text())["code"]
        (w / "code").write_text(code)
        more = [
            (
                *("--data", net, "network", "add-city", "--node", city),
                *("--endpoint", "http://127.0.0.1:1/", "--lon", "114.5", "--lat", "38"),
                *("--out", w / "trust.note"),
            ),
            ("--data", city, "network", "install", w / "trust.note"),
            ("--data", city, "bundle", "export", code, "-o", w / "code.tlog-proof"),
            # A newer trust file, not installed: `network verify` and `install` succeed on it.
            (
                *("--data", net, "network", "add-city", "--node", city),
                *("--endpoint", "http://127.0.0.1:2/", "--lon", "114.5", "--lat", "38"),
                *("--out", w / "trust2.note"),
            ),
        ]
        for argv in more:
            assert main([str(a) for a in argv]) == 0, argv
        # A trust file with quorum 1, signed by the same admin: no witness has co-signed
        # this lone city's checkpoint, so its codes fail verification.
        admin = unseal(net / "network-admin.key", PASS)["admin"]
        t2 = T.load_trust_file(w / "trust2.note")
        (w / "quorum1.note").write_bytes(t2.with_quorum(1).sign(admin))
        tampered = (w / "trust2.note").read_text().replace("serial 3", "serial 9")
        (w / "tampered.note").write_text(tampered)
        i = next(i for i in range(11, 18) if code[i] != code[i + 1])  # in the serial
        (w / "typo").write_text(code[:i] + code[i + 1] + code[i] + code[i + 2 :])  # a swapped pair
        yield w
    finally:
        mp.undo()


class _stdout:
    """Capture sys.stdout into a file for the world's setup (capsys is function-scoped)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        import sys

        self.saved, self.f = sys.stdout, open(self.path, "w")
        sys.stdout = self.f

    def __exit__(self, *exc: object) -> None:
        import sys

        sys.stdout = self.saved
        self.f.close()


# (command path, argv after the global options with {placeholders}, exit status, error kind)
OK, FAILED, USAGE = 0, 1, 2
TABLE = [
    # init / officials
    (("init",), "--data {tmp}/new init --city 130200", OK, None),
    (("init",), "--data {tmp}/bad init --city 990100", USAGE, "input"),
    (("official", "add"), "--data {city} official add lee", OK, None),
    (("official", "add"), "--data {city} official add zhang", USAGE, "input"),
    (("official", "revoke"), "--data {city} official revoke zhang", OK, None),
    (("official", "revoke"), "--data {city} official revoke nobody", USAGE, "input"),
    (("official", "list"), "--data {city} official list", OK, None),
    (("official", "list"), "--data {tmp}/none official list", USAGE, "node"),
    (("official",), "--data {city} official", USAGE, "usage"),
    # issue, verify, bundles, inspect
    (("issue",), "--data {city} issue --class WAT --name p2 --lon 114.5 --lat 38", OK, None),
    (("issue",), "--data {city} issue --class XXX --name p2 --lon 114.5 --lat 38", USAGE, "input"),
    (("issue",), "--data {city} issue --lon nonsense", USAGE, "usage"),
    (("verify",), "--data {city} verify {code}", OK, None),
    (("verify",), "--data {city} verify {typo}", USAGE, "code"),
    (("verify",), "--data {city} verify {code} --trust {w}/quorum1.note", FAILED, None),
    (("verify",), "--data {city} verify --bundle {w}/code.tlog-proof", OK, None),
    (
        ("verify",),
        "--data {city} verify --bundle {w}/code.tlog-proof --trust nosuch.note",
        USAGE,
        "input",
    ),
    (("verify",), "--data {city} verify --nope", USAGE, "usage"),
    (("bundle", "export"), "--data {city} bundle export {code} -o {tmp}/b.tlog-proof", OK, None),
    (
        ("bundle", "export"),
        "--data {city} bundle export {code} -o {tmp}/no/b.tlog-proof",
        USAGE,
        "input",
    ),
    (("bundle", "show"), "--data {city} bundle show {w}/code.tlog-proof", OK, None),
    (("bundle", "show"), "--data {city} bundle show {w}/trust.note", USAGE, "input"),
    (("bundle",), "--data {city} bundle", USAGE, "usage"),
    (("inspect",), "--data {city} inspect {code}", OK, None),
    (("inspect",), "--data {city} inspect {typo}", USAGE, "code"),
    (("inspect",), "--data {city} inspect {code} --trust {w}/quorum1.note", FAILED, None),
    # the life of a code (app/cli/ledger_life.py)
    (("update",), "--data {city} update {code} --name renamed --status out-of-service", OK, None),
    (("update",), "--data {city} update {code}", USAGE, "input"),
    (("inspect-record",), "--data {city} inspect-record {code} --grade 2 --note fine", OK, None),
    (("inspect-record",), "--data {city} inspect-record {typo} --grade 2 --note x", USAGE, "code"),
    (("transfer",), "--data {city} transfer {code} --owner WaterCo", OK, None),
    (("transfer",), "--data {city} transfer {code} --to-city 990100", USAGE, "input"),
    (("transfer-in",), "--data {city} transfer-in {code}", FAILED, None),
    (("transfer-in",), "--data {city} transfer-in", USAGE, "input"),
    (("revoke",), "--data {city} revoke {code} --reason demolished", OK, None),
    (("revoke",), "--data {city} revoke {code}", USAGE, "input"),
    # log
    (("log", "info"), "--data {city} log info", OK, None),
    (("log", "info"), "--data {tmp}/none log info", USAGE, "node"),
    (("log", "verify"), "--data {city} log verify", OK, None),
    (("log", "verify"), "--data {city} log verify --origin nosuch", USAGE, "input"),
    (("log",), "--data {city} log", USAGE, "usage"),
    # node, sync
    (("node", "serve"), "--data {city} node serve --listen nonsense", USAGE, "input"),
    (("node", "export"), "--data {city} node export {tmp}/static", OK, None),
    (("node", "export"), "--data {city} node export {tmp}/static --origin nosuch", USAGE, "input"),
    (("node",), "--data {city} node", USAGE, "usage"),
    (("sync",), "--data {city} sync", OK, None),
    (("sync",), "--data {city} sync --city 999999", USAGE, "input"),
    # follow
    (("follow", "list"), "--data {city} follow list", OK, None),
    (("follow", "list"), "--data {tmp}/none follow list", USAGE, "node"),
    (("follow", "add"), "--data {city} follow add 130200", OK, None),
    (("follow", "add"), "--data {city} follow add 1302", USAGE, "input"),
    (("follow", "remove"), "--data {city} follow remove 130200", OK, None),
    (("follow", "remove"), "--data {city} follow remove x", USAGE, "input"),
    (("follow", "all"), "--data {city} follow all", OK, None),
    (("follow", "all"), "--data {tmp}/none follow all", USAGE, "node"),
    (("follow",), "--data {city} follow", USAGE, "usage"),
    # network
    (("network", "init"), "--data {tmp}/n2 network init --name other", OK, None),
    (("network", "init"), "--data {net} network init --name again", USAGE, "input"),
    (
        ("network", "add-city"),
        "--data {net} network add-city --node {city} --endpoint http://127.0.0.1:3/ --lon 114.5 --lat 38",
        OK,
        None,
    ),
    (("network", "add-city"), "--data {tmp} network add-city --node {city}", USAGE, "input"),
    (("network", "show"), "--data {city} network show", OK, None),
    (("network", "show"), "--data {tmp} network show", USAGE, "input"),
    (("network", "status"), "--data {city} network status", FAILED, None),
    (("network", "verify"), "--data {city} network verify {w}/trust2.note", OK, None),
    (("network", "verify"), "--data {city} network verify {w}/tampered.note", FAILED, "refused"),
    (("network", "install"), "--data {city} network install {w}/trust2.note", OK, None),
    (("network", "install"), "--data {city} network install {w}/tampered.note", FAILED, "refused"),
    (
        ("network", "new-admin-key"),
        "--data {net} network new-admin-key --key-name a2 --out {tmp}/r.note",
        OK,
        None,
    ),
    (
        ("network", "new-admin-key"),
        "--data {tmp} network new-admin-key --key-name a2 --out {tmp}/r.note",
        USAGE,
        "input",
    ),
    (
        ("network", "rotate-admin"),
        "--data {city} network rotate-admin nosuch.note --admin-key x",
        USAGE,
        "input",
    ),
    (("network",), "--data {city} network", USAGE, "usage"),
    # evidence
    (("evidence", "list"), "--data {city} evidence list", OK, None),
    (("evidence", "list"), "--data {tmp}/none evidence list", USAGE, "node"),
    (("evidence", "export"), "--data {city} evidence export 99", USAGE, "input"),
    (("evidence", "resolve"), "--data {city} evidence resolve 99 --note why", USAGE, "input"),
    (("evidence",), "--data {city} evidence", USAGE, "usage"),
    # the desktop app: refused before any window opens
    (("gui",), "--data {city} gui --demo-assets -1", USAGE, "input"),
    (("wall",), "--data {city} wall --rotate 0", USAGE, "input"),
    (("demo",), "--data {tmp} demo --seed-codes -1", USAGE, "input"),
    ((), "--data {city}", USAGE, "usage"),
]


def _argv(template: str, world: Path, tmp: Path) -> list[str]:
    values = {
        "w": world,
        "city": tmp / "city",
        "net": tmp / "net",
        "tmp": tmp,
        "code": (world / "code").read_text(),
        "typo": (world / "typo").read_text(),
    }
    return [part.format(**values) for part in template.split()]


@pytest.mark.parametrize(
    ("path", "template", "status", "kind"),
    TABLE,
    ids=[f"{' '.join(p) or 'cityledger'}:{s}:{i}" for i, (p, _, s, _) in enumerate(TABLE)],
)
def test_every_command_keeps_the_contract(
    world, tmp_path, capsys, monkeypatch, path, template, status, kind
):
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", PASS)
    monkeypatch.setenv("CITYLEDGER_OFFICIAL_PASSPHRASE", OFFICIAL)
    for name in ("city", "net"):
        shutil.copytree(world / name, tmp_path / name)
    argv = _argv(template, world, tmp_path)
    for position in ("after", "before"):  # `CMD … --json` and `--json CMD …`
        args = [*argv, "--json"] if position == "after" else ["--json", *argv]
        code, out, err = _cli(capsys, *args)
        assert code == status, (position, out, err)
        doc = json.loads(out)  # exactly one JSON document: trailing text would not parse
        if kind is not None:
            assert doc["ok"] is False and doc["error"]["kind"] == kind, doc
            assert doc["error"]["message"]
        elif status == OK:
            assert not (isinstance(doc, dict) and doc.get("ok") is False), doc
        if status == OK:
            break  # a success changed the copy; the second spelling is tested on failures


def _leaves(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix
        return
    yield prefix  # the group itself (no action given)
    for action in subs:
        for name, child in action.choices.items():
            yield from _leaves(child, (*prefix, name))


def test_the_table_covers_every_command():
    commands = set(_leaves(build_parser()))
    succeeds = {p for p, _, s, _ in TABLE if s == OK}
    fails = {p for p, _, s, _ in TABLE if s != OK}
    groups = {c for c in commands if any(o[: len(c)] == c and o != c for o in commands)}
    assert commands - fails == set(), "commands never run for failure"
    missing = commands - groups - succeeds - set(SUCCESS_ELSEWHERE)
    assert missing == set(), "commands never run for success"


def test_a_mistyped_code_gets_the_cores_precise_message(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", PASS)
    shutil.copytree(world / "city", tmp_path / "city")
    typo = (world / "typo").read_text()
    for command in ("verify", "inspect"):
        code, out, err = _cli(capsys, "--data", tmp_path / "city", command, typo)
        assert code == 2 and out == "" and "typo somewhere in it?" in err, (command, err)


def test_quorum_that_cannot_be_met_is_warned(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", PASS)
    code, out, err = _cli(capsys, "--data", tmp_path / "n", "network", "init", "--name", "x")
    assert code == 0 and "quorum 2 cannot be met with 0 member cities" in err
    shutil.copytree(world / "net", tmp_path / "net")  # quorum 0: nothing to warn about
    code, out, err = _cli(
        capsys,
        *("--data", tmp_path / "net", "network", "add-city", "--node", world / "city"),
        *("--endpoint", "http://127.0.0.1:4/", "--lon", "114.5", "--lat", "38", "--json"),
    )
    assert code == 0 and json.loads(out)["warnings"] == [] and "warning" not in err


def test_init_takes_the_city_names_from_the_boundary_data(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", PASS)
    code, out, _ = _cli(capsys, "--data", tmp_path / "ts", "init", "--city", "130200", "--json")
    doc = json.loads(out)
    assert code == 0 and (doc["name_en"], doc["name_zh"]) == ("Tangshan", "唐山市")
    code, out, _ = _cli(
        capsys,
        "--data",
        tmp_path / "x",
        "init",
        "--city",
        "130300",
        "--name-zh",
        "秦皇岛",
        "--json",
    )
    assert code == 0 and json.loads(out)["name_zh"] == "秦皇岛"


def test_node_serve_on_an_owned_folder_prints_only_the_error(world, tmp_path, capsys, monkeypatch):
    """node serve prints its document before serving; a folder another process owns is
    refused before that, so stdout still holds exactly one document."""
    from app.ledger import folder_owner

    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", PASS)
    shutil.copytree(world / "city", tmp_path / "city")
    with folder_owner.acquire(tmp_path / "city", "http://127.0.0.1:1/"):
        code, out, _ = _cli(
            capsys, "--data", tmp_path / "city", "node", "serve", "--read-only", "--json"
        )
    assert code == 2 and json.loads(out)["error"]["kind"] == "input"


@pytest.mark.parametrize(
    ("exc", "kind", "status"),
    [
        (FileNotFoundError(2, "No such file or directory", "x.note"), "input", 2),
        (KeyboardInterrupt(), "interrupted", 130),
        (ZeroDivisionError("bug"), "internal", 70),
    ],
)
def test_errors_outside_the_hierarchy_map_too(exc, kind, status, capsys):
    from app.cli.errors import map_error, report

    try:  # raised, as main() meets it: with a traceback
        raise exc
    except BaseException as caught:
        exc = caught
    assert (map_error(exc).kind, map_error(exc).exit_code) == (kind, status)
    assert report(exc, as_json=True) == status
    out, err = capsys.readouterr()
    assert json.loads(out)["error"]["kind"] == kind
    assert ("Traceback" in err) == (kind == "internal")  # a bug shows where it is


def test_usage_errors_read_as_argparse_words_them(capsys):
    code, out, err = _cli(capsys, "verify", "--nope")
    assert code == 2 and out == ""
    assert err.startswith("usage: cityledger") and "cityledger: error: unrecognized" in err


def test_a_closed_stdout_ends_the_command_quietly(world, tmp_path):
    """`cityledger … | head`: the reader leaves, the command exits 141 saying nothing."""
    import os
    import subprocess
    import sys

    shutil.copytree(world / "city", tmp_path / "city")
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "app",
                "--data",
                str(tmp_path / "city"),
                "log",
                "info",
                "--json",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141 and done.stderr == ""


def test_the_error_table_names_classes_that_exist():
    """The mapper looks families up by module and class name: a rename must update it."""
    import importlib

    from app.cli.errors import FAMILIES
    from app.core.errors import CityLedgerError

    for module, name in FAMILIES:
        cls = getattr(importlib.import_module(module), name, None)
        assert isinstance(cls, type) and issubclass(cls, CityLedgerError), (module, name)
        assert (cls.__module__, cls.__qualname__) == (module, name)
