"""The pinned network admin key: a trust file counts only if the pinned key signed it,
however it reached the folder; the pin moves only by an explicit rotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main
from app.ledger import trust as T
from app.ledger.proof_bundle import export_proof_bundle
from app.net.service import TrustCache
from tests.ledger.verifier_kit import build_net


@pytest.fixture()
def net(tmp_path):
    node, trust, witnesses, codes = build_net(tmp_path / "node")
    admin = T.generate_admin_key("hebei-admin")
    trust = T.TrustFile(trust.network, admin[1], quorum=trust.quorum, cities=trust.cities)
    yield node, trust, admin, codes
    node.close()


def forged_copy(trust: T.TrustFile) -> tuple[bytes, str]:
    """The same network, re-signed by a key the attacker made (self-consistent)."""
    skey, vkey = T.generate_admin_key(trust.admin_vkey.split("+")[0])
    return T.TrustFile(trust.network, vkey, trust.serial + 1, 0, trust.cities).sign(skey), vkey


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_first_install_pins_in_node_config_keeping_its_fields(net):
    node, trust, admin, _ = net
    before = json.loads((node.data_dir / "node.json").read_text())
    T.install_trust(node.data_dir, trust.sign(admin[0]), admin[1])
    after = json.loads((node.data_dir / "node.json").read_text())
    assert after == {**before, T.PIN_FIELD: admin[1]}
    assert not (node.data_dir / T.PIN_FILENAME).exists()
    assert T.pinned_admin_key(node.data_dir) == admin[1]


def test_folder_without_node_pins_in_its_own_file(tmp_path, net):
    _, trust, admin, _ = net
    T.install_trust(tmp_path / "admin", trust.sign(admin[0]))
    pin = json.loads((tmp_path / "admin" / T.PIN_FILENAME).read_text())
    assert pin == {T.PIN_FIELD: admin[1]}


def test_swapped_trust_file_is_refused_by_the_library_and_the_node(net):
    node, trust, admin, _ = net
    T.install_trust(node.data_dir, trust.sign(admin[0]))
    cache = TrustCache(node.data_dir)  # what `node serve` reads its trust file through
    assert cache() == trust
    forged, _ = forged_copy(trust)
    T.trust_path(node.data_dir).write_bytes(forged)
    with pytest.raises(T.TrustError, match="not signed by admin key"):
        T.installed_trust(node.data_dir)
    assert cache() == trust and "not signed by admin key" in (cache.error or "")
    # a fresh node process (nothing cached) has no trust file at all, never the forged one
    assert TrustCache(node.data_dir)() is None
    # installing the genuine file again repairs the folder
    T.install_trust(node.data_dir, trust.sign(admin[0]))
    assert T.installed_trust(node.data_dir) == trust


def test_swapped_trust_file_is_refused_by_the_cli(net, tmp_path, capsys):
    node, trust, admin, codes = net
    T.install_trust(node.data_dir, trust.sign(admin[0]))
    bundle = tmp_path / "b.tlog-proof"
    bundle.write_bytes(export_proof_bundle(node, codes[0], quorum=2).encode())
    forged, forged_vkey = forged_copy(trust)
    T.trust_path(node.data_dir).write_bytes(forged)
    code, _, err = cli(capsys, "--data", node.data_dir, "network", "show")
    assert code == 1 and "not signed by admin key" in err
    code, out, _ = cli(capsys, "--data", node.data_dir, "verify", "--bundle", bundle, "--json")
    error = json.loads(out)["error"]
    assert code == 1 and "not signed by admin key" in error["message"]
    # the forged file given explicitly is refused too: the folder's pin decides
    (tmp_path / "forged.note").write_bytes(forged)
    code, _, err = cli(
        capsys,
        "--data",
        node.data_dir,
        "verify",
        "--bundle",
        bundle,
        "--trust",
        tmp_path / "forged.note",
    )
    assert code == 1 and "not signed by admin key" in err
    code, _, err = cli(
        capsys, "--data", node.data_dir, "network", "install", tmp_path / "forged.note"
    )
    assert code == 1 and "refused" in err
    assert T.trust_path(node.data_dir).read_bytes() == forged  # left as it was


def test_unpinned_verify_exits_1_unless_admin_key(net, tmp_path, capsys):
    node, trust, admin, codes = net
    bundle = tmp_path / "b.tlog-proof"
    bundle.write_bytes(export_proof_bundle(node, codes[0], quorum=2).encode())
    genuine = tmp_path / "trust.note"
    genuine.write_bytes(trust.sign(admin[0]))
    forged, _ = forged_copy(trust)
    (tmp_path / "forged.note").write_bytes(forged)

    def verify(trust_file, *extra):  # offline: a folder with nothing pinned
        argv = ("--data", tmp_path / "elsewhere", "verify", "--bundle", bundle)
        return cli(capsys, *argv, "--trust", trust_file, *extra)

    code, out, _ = verify(genuine, "--json")
    assert code == 1 and "UNPINNED NETWORK" in json.loads(out)["error"]["message"]
    code, _, err = verify(genuine)
    assert code == 1 and "UNPINNED NETWORK" in err
    code, out, _ = verify(genuine, "--admin-key", admin[1], "--json")
    assert code == 0 and json.loads(out)["outcome"] == "verified"  # current per the code map
    code, _, err = verify(tmp_path / "forged.note", "--admin-key", admin[1])
    assert code == 1 and "not signed by admin key" in err


def test_legacy_unpinned_folder_is_refused_until_installed_with_a_key(net):
    node, trust, admin, _ = net
    signed = trust.sign(admin[0])
    T.trust_path(node.data_dir).write_bytes(signed)  # written by an older version
    with pytest.raises(T.TrustError, match="no network admin key is pinned"):
        T.installed_trust(node.data_dir)
    T.install_trust(node.data_dir, signed, admin[1])
    assert T.installed_trust(node.data_dir) == trust


def test_rotation_signed_by_the_old_key_moves_the_pin(net, capsys):
    node, trust, admin, _ = net
    T.install_trust(node.data_dir, trust.sign(admin[0]))
    new_skey, new_vkey = T.generate_admin_key("hebei-admin-2027")
    rotated = trust.with_admin_key(new_vkey)
    path = Path(node.data_dir) / "rotation.note"
    path.write_bytes(rotated.sign(new_skey, admin[0]))
    code, out, _ = cli(capsys, "--data", node.data_dir, "network", "install", path)
    assert code == 0 and f"rotated (signed by the old key): {admin[1]} -> {new_vkey}" in out
    assert T.pinned_admin_key(node.data_dir) == new_vkey
    # from now on the old key alone no longer speaks for the network
    old_only = T.TrustFile(trust.network, admin[1], rotated.serial + 1, 0, trust.cities)
    with pytest.raises(T.TrustError, match="hebei-admin-2027"):
        T.install_trust(node.data_dir, old_only.sign(admin[0]))
    assert T.install_trust(node.data_dir, rotated.with_quorum(0).sign(new_skey)).quorum == 0


def test_explicit_rotation_to_a_key_from_out_of_band(net, tmp_path, capsys):
    node, trust, admin, _ = net
    T.install_trust(node.data_dir, trust.sign(admin[0]))
    new_skey, new_vkey = T.generate_admin_key("hebei-admin-new")
    fresh = T.TrustFile(trust.network, new_vkey, 1, trust.quorum, trust.cities)
    path = tmp_path / "fresh.note"
    path.write_bytes(fresh.sign(new_skey))
    code, _, err = cli(capsys, "--data", node.data_dir, "network", "install", path)
    assert code == 1 and "refused" in err  # not signed by the pinned key
    code, _, err = cli(
        capsys, "--data", node.data_dir, "network", "install", path, "--admin-key", new_vkey
    )
    assert code == 1 and "rotate-admin" in err  # --admin-key cannot silently re-pin
    assert T.pinned_admin_key(node.data_dir) == admin[1]
    code, out, _ = cli(
        capsys, "--data", node.data_dir, "network", "rotate-admin", path, "--admin-key", new_vkey
    )
    assert code == 0 and "REPLACED" in out
    assert T.pinned_admin_key(node.data_dir) == new_vkey
    assert T.installed_trust(node.data_dir) == fresh
    # rotate-admin refuses a file the new key did not sign, and changes nothing
    other_skey, other_vkey = T.generate_admin_key("mallory")
    bad = tmp_path / "bad.note"
    bad.write_bytes(T.TrustFile(trust.network, other_vkey, 9, 0, trust.cities).sign(other_skey))
    code, _, _ = cli(
        capsys, "--data", node.data_dir, "network", "rotate-admin", bad, "--admin-key", new_vkey
    )
    assert code == 1 and T.pinned_admin_key(node.data_dir) == new_vkey


def test_admin_rotates_its_key_and_members_follow(net, tmp_path, capsys, monkeypatch):
    node, _, _, _ = net
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", "admin-pass")
    admin_dir = tmp_path / "admin"
    code, _, _ = cli(
        capsys, "--data", admin_dir, "network", "init", "--name", "Hebei", "--quorum", "0"
    )
    assert code == 0
    old_vkey = T.pinned_admin_key(admin_dir)
    first = tmp_path / "serial1.note"
    first.write_bytes(T.trust_path(admin_dir).read_bytes())
    assert (
        cli(capsys, "--data", node.data_dir, "network", "install", first, "--admin-key", old_vkey)[
            0
        ]
        == 0
    )

    rotation = tmp_path / "rotation.note"
    code, out, _ = cli(
        capsys,
        "--data",
        admin_dir,
        "network",
        "new-admin-key",
        "--key-name",
        "hebei-2027",
        "--out",
        rotation,
    )
    new_vkey = T.pinned_admin_key(admin_dir)
    assert code == 0 and new_vkey != old_vkey and new_vkey.startswith("hebei-2027+")
    assert (admin_dir / "network-admin.key.old").exists()
    code, out, _ = cli(capsys, "--data", node.data_dir, "network", "install", rotation)
    assert code == 0 and f"-> {new_vkey}" in out
    assert T.pinned_admin_key(node.data_dir) == new_vkey
    # the admin's next change is signed by the new key alone, and members accept it
    later = tmp_path / "later.note"
    place = "--endpoint http://127.0.0.1:8101/ --lon 114.5 --lat 38.0".split()
    add = ("--data", admin_dir, "network", "add-city", "--node", node.data_dir, *place)
    code, _, _ = cli(capsys, *add, "--out", later)
    assert code == 0
    assert cli(capsys, "--data", node.data_dir, "network", "install", later)[0] == 0
    assert T.installed_trust(node.data_dir).city(node.city_code) is not None


def test_a_node_created_in_a_pinned_admin_folder_keeps_the_pin(tmp_path, net):
    from app.ledger.node import Node

    _, trust, admin, _ = net
    folder = tmp_path / "admin-and-node"
    T.install_trust(folder, trust.sign(admin[0]), admin[1])
    Node.create(folder, "130900", "Cangzhou", "沧州", "node-pass").close()
    assert T.pinned_admin_key(folder) == admin[1]  # still pinned, from the pin file
    assert T.installed_trust(folder) == trust
    rotated_skey, rotated_vkey = T.generate_admin_key("hebei-admin-2028")
    T.install_trust(folder, trust.with_admin_key(rotated_vkey).sign(admin[0], rotated_skey))
    config = json.loads((folder / "node.json").read_text())
    assert config[T.PIN_FIELD] == rotated_vkey == T.pinned_admin_key(folder)
    assert json.loads((folder / T.PIN_FILENAME).read_text())[T.PIN_FIELD] == rotated_vkey
