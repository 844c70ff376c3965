"""One network admin service for the CLI and the demo network: the admin key is on disk
only sealed under a passphrase, and city entries come from the city's node the same way."""

from __future__ import annotations

import stat

import pytest

from app.ledger import network_admin
from app.ledger.keystore import WrongPassphrase
from app.ledger.node import Node
from app.ledger.passphrase_policy import WeakPassphrase
from app.ledger.trust import installed_trust, open_trust
from app.net import demo_network

ADMIN_PASS = "hebei-admin-orchid-lantern"


def no_plaintext_secret_under(folder) -> bool:
    """No file below ``folder`` holds a signed-note private key in plain text."""
    return not any(b"PRIVATE+KEY" in p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_demo_network_keeps_its_admin_key_sealed(tmp_path):
    net = demo_network.create_network(tmp_path, cities=("130100", "130200"), quorum=1)
    key = network_admin.admin_key_path(tmp_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert no_plaintext_secret_under(tmp_path)
    assert not (tmp_path / demo_network.LEGACY_ADMIN_KEY_FILE).exists()
    with pytest.raises(WrongPassphrase):
        network_admin.unseal_admin_key(tmp_path, "not-the-admin-passphrase")

    # The same service vouches for a new city from its node, signed by the sealed key.
    newcomer = tmp_path / "130600"
    Node.create(newcomer, "130600", "Baoding", "保定", "node-passphrase").close()
    city = network_admin.city_entry_from_node(newcomer, ["http://127.0.0.1:8106/"], 115.4, 38.9)
    trust, signed = network_admin.add_city(tmp_path, city, net.admin_passphrase)
    assert trust.serial == 2 and [c.code for c in trust.cities] == ["130100", "130200", "130600"]
    assert open_trust(signed, trust.admin_vkey).city("130600").origin == city.origin
    assert installed_trust(tmp_path).serial == 2
    assert no_plaintext_secret_under(tmp_path)


def test_an_old_demo_folder_has_its_plaintext_admin_key_sealed_on_reopen(tmp_path):
    from app.ledger.keystore import unseal

    demo_network.create_network(tmp_path, cities=("130100",), quorum=0)
    skey = network_admin.unseal_admin_key(tmp_path, demo_network.DEMO_ADMIN_PASSPHRASE)
    # what a demo folder looked like before: the key in plain text, no sealed file
    network_admin.admin_key_path(tmp_path).unlink()
    (tmp_path / demo_network.LEGACY_ADMIN_KEY_FILE).write_text(skey + "\n")
    demo_network._reopen(tmp_path, ("130100",))
    assert not (tmp_path / demo_network.LEGACY_ADMIN_KEY_FILE).exists()
    path = network_admin.admin_key_path(tmp_path)
    assert unseal(path, demo_network.DEMO_ADMIN_PASSPHRASE)["admin"] == skey
    assert no_plaintext_secret_under(tmp_path)


def test_create_network_refuses_a_weak_passphrase_and_writes_nothing(tmp_path):
    with pytest.raises(WeakPassphrase, match="use at least 10"):
        network_admin.create_network(tmp_path / "admin", "Test network", "net")
    assert not (tmp_path / "admin").exists()
    trust, _ = network_admin.create_network(tmp_path / "admin", "Test network", ADMIN_PASS, 1)
    assert trust.serial == 1 and trust.cities == ()
    with pytest.raises(network_admin.NetworkAdminError, match="already has a network"):
        network_admin.create_network(tmp_path / "admin", "Test network", ADMIN_PASS)


def test_a_city_entry_needs_an_endpoint(tmp_path):
    d = tmp_path / "130100"
    Node.create(d, "130100", "Shijiazhuang", "石家庄", "node-passphrase").close()
    with pytest.raises(network_admin.NetworkAdminError, match="has not been served yet"):
        network_admin.city_entry_from_node(d, lon=114.5, lat=38.0)
