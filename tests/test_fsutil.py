"""app.fsutil: atomic, durable replacement of a file (issue 9: one helper, six variants gone)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.fsutil import atomic_path, atomic_write


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_atomic_write_replaces_and_sets_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "trust.note"
    target.write_bytes(b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and _mode(target) == 0o644
    secret = tmp_path / "city.key"
    atomic_write(secret, b"sealed", private=True)
    assert _mode(secret) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city.key", "trust.note"]


def test_atomic_write_into_a_missing_folder_changes_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "nope" / "f", b"x")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "assets.gpkg"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("writer crashed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["assets.gpkg"]
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"
    assert [p.name for p in tmp_path.iterdir()] == ["assets.gpkg"]
