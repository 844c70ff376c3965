"""Encrypted key files: argon2id (nacl.pwhash) derives a SecretBox key from a passphrase.

Each key file holds one JSON document: the KDF parameters, a random salt, the SecretBox
ciphertext of the secret (a JSON object of named key strings) and, in clear, the public
parts (verifier keys) so a locked node can still verify and serve. Files are created 0600
inside a 0700 directory and replaced atomically, so a crash never leaves a half-written or
clear-text key on disk.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from app.core.errors import CityLedgerError
from app.fsutil import atomic_write

FORMAT = "cityledger-keyfile/v1"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class KeystoreError(CityLedgerError):
    """A key file is missing, damaged or could not be unlocked."""


class WrongPassphrase(KeystoreError):
    pass


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE, passphrase.encode("utf-8"), salt, opslimit=ops, memlimit=mem
    )


def seal(
    secrets: dict[str, str],
    public: dict[str, str],
    passphrase: str,
    ops: int = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
    mem: int = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
) -> bytes:
    """The key-file bytes holding `secrets` encrypted under `passphrase`."""
    if not passphrase:
        raise KeystoreError("an empty passphrase is not allowed")
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_derive(passphrase, salt, ops, mem))
    sealed = box.encrypt(json.dumps(secrets, sort_keys=True).encode("utf-8"))
    doc = {
        "format": FORMAT,
        "kdf": "argon2id",
        "opslimit": ops,
        "memlimit": mem,
        "salt": _b64(salt),
        "box": _b64(bytes(sealed)),
        "public": public,
    }
    return json.dumps(doc, indent=1, sort_keys=True).encode("utf-8")


def _read_doc(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise KeystoreError(f"key file {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise KeystoreError(f"key file {path} is unreadable: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("kdf") != "argon2id":
        raise KeystoreError(f"key file {path} is not a {FORMAT} file")
    return doc


def unseal(path: Path, passphrase: str) -> dict[str, str]:
    """The secrets of key file `path`; WrongPassphrase if `passphrase` does not open it."""
    doc = _read_doc(path)
    try:
        salt = base64.b64decode(doc["salt"], validate=True)
        sealed = base64.b64decode(doc["box"], validate=True)
        key = _derive(passphrase, salt, int(doc["opslimit"]), int(doc["memlimit"]))
    except (KeyError, ValueError, TypeError, nacl.exceptions.CryptoError) as exc:
        raise KeystoreError(f"key file {path} is damaged: {exc}") from None
    try:
        plain = nacl.secret.SecretBox(key).decrypt(sealed)
    except nacl.exceptions.CryptoError:
        raise WrongPassphrase(f"wrong passphrase for {path.name}") from None
    opened: dict[str, str] = json.loads(plain)
    return opened


def public_part(path: Path) -> dict[str, str]:
    return dict(_read_doc(path).get("public") or {})


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically with mode 0600 (the directory is made 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(path, data, private=True)


class Keystore:
    """The key files of one node: `city.key` (log, witness and admin keys, under the node
    passphrase) and `officials/<name>.key` (one official's key, under their passphrase)."""

    CITY = "city.key"

    def __init__(self, directory: Path):
        self.dir = Path(directory)

    def city_path(self) -> Path:
        return self.dir / self.CITY

    def official_path(self, name: str) -> Path:
        check_official_name(name)
        return self.dir / "officials" / f"{name}.key"

    def create_city(self, secrets: dict[str, str], public: dict[str, str], passphrase: str) -> None:
        if self.city_path().exists():
            raise KeystoreError(f"{self.city_path()} already exists; refusing to overwrite keys")
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.dir, 0o700)
        write_private(self.city_path(), seal(secrets, public, passphrase))

    def unlock_city(self, passphrase: str) -> dict[str, str]:
        return unseal(self.city_path(), passphrase)

    def city_public(self) -> dict[str, str]:
        return public_part(self.city_path())

    def add_official(self, name: str, skey: str, vkey: str, passphrase: str) -> None:
        path = self.official_path(name)
        if path.exists():
            raise KeystoreError(f"official {name!r} already has a key file")
        write_private(path, seal({"skey": skey}, {"vkey": vkey}, passphrase))

    def unlock_official(self, name: str, passphrase: str) -> str:
        path = self.official_path(name)
        if not path.exists():
            raise KeystoreError(f"no key for official {name!r} on this node")
        return unseal(path, passphrase)["skey"]

    def official_names(self) -> list[str]:
        folder = self.dir / "officials"
        return sorted(p.stem for p in folder.glob("*.key")) if folder.is_dir() else []


def check_official_name(name: str) -> str:
    """Official names become note key names and file names: a short, plain token."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise KeystoreError(
            f"invalid official name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name
