"""Which member cities a node follows fully (issue 11), kept in `follow.json` in its folder.

A followed city's log is replicated entry by entry (its codes are on the map and verified
from the local replica); of every other member the node keeps only verified checkpoints
with their cosignatures, and verifies a code on demand (app.net.on_demand).

A folder without the file is a workstation: it follows its own city (and, after `cityledger
follow add`, the ones picked). A city server node follows every member: `node serve
--follow-all`, or `follow all` once in its folder (the demo network's cities do that).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import CityLedgerError
from app.fsutil import atomic_write

FOLLOW_FILE = "follow.json"


class FollowError(CityLedgerError):
    """The follow list is unreadable, or a city code in it is not one."""


@dataclass(frozen=True)
class Following:
    all: bool = False
    cities: tuple[str, ...] = field(default_factory=tuple)  # picked city codes, sorted

    def follows(self, city_code: str, own_code: str | None = None) -> bool:
        return self.all or city_code == own_code or city_code in self.cities


def city_code(text: str) -> str:
    """A GB/T 2260 city code as six digits, or FollowError."""
    code = text.strip()
    if len(code) != 6 or not code.isdigit():
        raise FollowError(f"{text!r} is not a city code (six digits, e.g. 130100)")
    return code


def read_following(data_dir: str | Path) -> Following:
    path = Path(data_dir) / FOLLOW_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Following()  # a workstation: its own city only
    except (OSError, ValueError) as e:
        raise FollowError(f"{path}: unreadable follow list: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cities", []), list):
        raise FollowError(f"{path}: expected {{'all': bool, 'cities': [codes]}}")
    cities = tuple(sorted({city_code(str(c)) for c in doc.get("cities", [])}))
    return Following(bool(doc.get("all", False)), cities)


def write_following(data_dir: str | Path, following: Following) -> None:
    doc = {"all": following.all, "cities": list(following.cities)}
    atomic_write(Path(data_dir) / FOLLOW_FILE, (json.dumps(doc, indent=1) + "\n").encode())


def follow(data_dir: str | Path, codes: list[str]) -> Following:
    """Follow these cities too (and no longer every member, if that was the case)."""
    now = read_following(data_dir)
    picked = set(now.cities) | {city_code(c) for c in codes}
    out = Following(False, tuple(sorted(picked)))
    write_following(data_dir, out)
    return out


def unfollow(data_dir: str | Path, codes: list[str]) -> Following:
    now = read_following(data_dir)
    gone = {city_code(c) for c in codes}
    out = Following(False, tuple(c for c in now.cities if c not in gone))
    write_following(data_dir, out)
    return out


def follow_all(data_dir: str | Path) -> Following:
    out = Following(True, read_following(data_dir).cities)
    write_following(data_dir, out)
    return out
