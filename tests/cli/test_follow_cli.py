"""`cityledger follow`: the follow list in the node folder, as the sync engine reads it."""

from __future__ import annotations

import json

from app.cli.main import main
from app.ledger.follow import FOLLOW_FILE, read_following
from app.ledger.node import Node


def run(capsys, folder, *argv) -> tuple[int, str]:
    status = main(["--data", str(folder), "--json", "follow", *argv])
    return status, capsys.readouterr().out


def test_follow_add_remove_all_and_bad_codes(tmp_path, capsys):
    Node.create(tmp_path / "n", "130100", "Shijiazhuang", "石家庄", "a passphrase!").close()
    folder = tmp_path / "n"
    # a workstation by default: its own city only
    assert json.loads(run(capsys, folder, "list")[1]) == {"all": False, "cities": []}
    assert read_following(folder).follows("130100", "130100")
    assert not read_following(folder).follows("130200", "130100")
    status, out = run(capsys, folder, "add", "130200", "140100")
    assert status == 0 and json.loads(out) == {"all": False, "cities": ["130200", "140100"]}
    following = read_following(folder)
    assert following.follows("130100", "130100")  # its own city, always
    assert following.follows("140100") and not following.follows("130300")
    status, out = run(capsys, folder, "remove", "140100")
    assert json.loads(out)["cities"] == ["130200"]
    before = (folder / FOLLOW_FILE).read_bytes()
    status, out = run(capsys, folder, "add", "13020")
    assert status == 2 and "not a city code" in json.loads(out)["error"]["message"]
    assert (folder / FOLLOW_FILE).read_bytes() == before  # nothing changed on disk
    status, out = run(capsys, folder, "all")
    assert json.loads(out) == {"all": True, "cities": ["130200"]}
    status, out = run(capsys, tmp_path / "nowhere", "list")
    assert status == 2 and "not a node folder" in json.loads(out)["error"]["message"]
