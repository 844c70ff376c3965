"""Encrypted key files: argon2id + SecretBox, 0600, no clear text, clear errors."""

import json
import stat

import pytest

from app.core.note import generate_key
from app.ledger.keystore import Keystore, KeystoreError, WrongPassphrase


def test_round_trip_and_permissions(tmp_path):
    ks = Keystore(tmp_path / "keys")
    skey, vkey = generate_key("city.example/log")
    ks.create_city({"log": skey}, {"log": vkey}, "correct horse")
    path = ks.city_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    raw = path.read_bytes()
    # "PRIVATE+KEY+<name>+<hexid>+<base64>": base64 may itself contain '+'.
    secret_b64 = skey[len("PRIVATE+KEY+city.example/log+") :].split("+", 1)[1]
    assert len(secret_b64) > 40
    assert secret_b64.encode() not in raw and b"PRIVATE" not in raw
    assert json.loads(raw)["kdf"] == "argon2id"
    assert ks.unlock_city("correct horse") == {"log": skey}
    assert ks.city_public() == {"log": vkey}


def test_wrong_passphrase_is_a_clear_error(tmp_path):
    ks = Keystore(tmp_path / "keys")
    ks.add_official("bob", "PRIVATE+KEY+x", "bob+0+x", "bob-pw")
    with pytest.raises(WrongPassphrase, match="wrong passphrase for bob.key"):
        ks.unlock_official("bob", "not-bob-pw")
    assert ks.unlock_official("bob", "bob-pw") == "PRIVATE+KEY+x"
    assert stat.S_IMODE(ks.official_path("bob").stat().st_mode) == 0o600


def test_damaged_missing_and_refused_files(tmp_path):
    ks = Keystore(tmp_path / "keys")
    with pytest.raises(KeystoreError, match="does not exist"):
        ks.unlock_city("x")
    ks.create_city({"a": "b"}, {}, "pw")
    with pytest.raises(KeystoreError, match="already exists"):
        ks.create_city({"a": "c"}, {}, "pw")
    assert ks.unlock_city("pw") == {"a": "b"}  # not overwritten
    doc = json.loads(ks.city_path().read_text())
    doc["box"] = "!!not base64"
    ks.city_path().write_text(json.dumps(doc))
    with pytest.raises(KeystoreError, match="damaged"):
        ks.unlock_city("pw")
    ks.city_path().write_text("{not json")
    with pytest.raises(KeystoreError, match="unreadable"):
        ks.unlock_city("pw")
    with pytest.raises(KeystoreError, match="empty passphrase"):
        Keystore(tmp_path / "k2").create_city({"a": "b"}, {}, "")
    with pytest.raises(KeystoreError, match="invalid official name"):
        ks.official_path("../evil")
