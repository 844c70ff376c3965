"""The network admin's work, for `cityledger network …`, the demo network and scripts:
create a network (its admin key and first trust file), vouch for a member city (the city
entry taken from the city's node), and sign and install the next trust file.

The admin's signing key exists on disk only sealed under a passphrase (the keystore's
argon2id key file ``ADMIN_KEY_FILE`` in the admin's folder); it is unsealed for one
signature and never written in plain text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from app.core.errors import CityLedgerError
from app.ledger.keystore import seal, unseal, write_private
from app.ledger.passphrase_policy import require_strong
from app.ledger.trust import (
    City,
    TrustFile,
    generate_admin_key,
    install_trust,
    installed_trust,
)

ADMIN_KEY_FILE = "network-admin.key"
NODE_CONFIG = "node.json"


class NetworkAdminError(CityLedgerError):
    """The admin's request cannot be done; the message says why and what to do."""


def admin_key_path(admin_dir: Path | str) -> Path:
    return Path(admin_dir) / ADMIN_KEY_FILE


def default_key_name(network: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in network.lower()).strip("-")
    return "network-admin." + slug


def create_network(
    admin_dir: Path | str,
    network: str,
    passphrase: str,
    quorum: int = 2,
    cities: Iterable[City] = (),
    key_name: str | None = None,
) -> tuple[TrustFile, bytes]:
    """A new admin key, sealed under ``passphrase`` in ``admin_dir``, and the first trust
    file (serial 1) signed by it and installed there (pinning the key). Returns the
    trust file and its signed bytes, to hand to every member city."""
    admin_dir = Path(admin_dir)
    if admin_key_path(admin_dir).exists():
        raise NetworkAdminError(
            f"{admin_key_path(admin_dir)} exists: this folder already has a network"
        )
    require_strong(passphrase, [network])
    skey, vkey = generate_admin_key(key_name or default_key_name(network))
    body = TrustFile(
        network=network,
        admin_vkey=vkey,
        serial=1,
        quorum=quorum,
        cities=tuple(sorted(cities, key=lambda c: c.code)),
    )
    signed = body.sign(skey)
    admin_dir.mkdir(parents=True, exist_ok=True)
    write_private(admin_key_path(admin_dir), seal({"admin": skey}, {"admin": vkey}, passphrase))
    return install_trust(admin_dir, signed, vkey), signed


def unseal_admin_key(admin_dir: Path | str, passphrase: str) -> str:
    """The admin's signing key, for one signature (WrongPassphrase if it does not open)."""
    path = admin_key_path(admin_dir)
    if not path.exists():
        raise NetworkAdminError(
            f"no network admin key in {admin_dir} (run `cityledger network init` "
            "where the admin key lives)"
        )
    return unseal(path, passphrase)["admin"]


def read_node_config(node_dir: Path | str) -> dict[str, Any]:
    try:
        doc = json.loads((Path(node_dir) / NODE_CONFIG).read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise NetworkAdminError(f"no readable node in {node_dir}: {e}") from None
    if not isinstance(doc, dict):
        raise NetworkAdminError(f"{Path(node_dir) / NODE_CONFIG} is not a JSON object")
    return doc


def city_entry(
    config: Mapping[str, Any],
    endpoints: Iterable[str],
    lon: float | None = None,
    lat: float | None = None,
) -> City:
    """The trust file's entry for a city, from its node's public configuration (its
    ``node.json``): keys and names as the node holds them; the map position defaults to
    the city's seat from the installed map data."""
    code = config["city_code"]
    if lon is None or lat is None:
        try:
            from app.gis.maps import city_seat

            lon, lat = city_seat(code)
        except Exception:  # no map data for this city (or none installed)
            raise NetworkAdminError(f"give --lon and --lat for city {code}") from None
    urls = tuple(endpoints)
    if not urls:
        raise NetworkAdminError(f"city {code} needs at least one endpoint URL")
    return City(
        code=code,
        name_en=config.get("name_en") or code,
        name_zh=config.get("name_zh") or code,
        lon=lon,
        lat=lat,
        origin=config["origin"],
        log_vkey=config["log_vkey"],
        witness_vkey=config["witness_vkey"],
        endpoints=urls,
    )


def city_entry_from_node(
    node_dir: Path | str,
    endpoints: Iterable[str] = (),
    lon: float | None = None,
    lat: float | None = None,
) -> City:
    """``city_entry`` for the node in ``node_dir``; with no endpoint given, the URL its
    `node serve` last listened on."""
    from app.ledger.folder_owner import last_url

    urls = list(endpoints)
    if not urls:
        url = last_url(node_dir)
        if not url:
            raise NetworkAdminError("give --endpoint URL (the node has not been served yet)")
        urls = [url]
    return city_entry(read_node_config(node_dir), urls, lon, lat)


def add_city(admin_dir: Path | str, city: City, passphrase: str) -> tuple[TrustFile, bytes]:
    """The next trust file with ``city`` added (or updated), signed by the sealed admin
    key and installed in ``admin_dir``."""
    current = installed_trust(admin_dir)
    if current is None:
        raise NetworkAdminError("no trust file installed here: `cityledger network init` first")
    signed = current.with_city(city).sign(unseal_admin_key(admin_dir, passphrase))
    return install_trust(admin_dir, signed), signed


def rotate_admin_key(
    admin_dir: Path | str, key_name: str, passphrase: str, new_passphrase: str
) -> tuple[TrustFile, bytes]:
    """Replace the admin key by a new one, with the rotation every member can follow: the
    next trust file names the new key and is signed by the old (pinned) key and the new
    one. The new key is sealed under ``new_passphrase``; the old key file is kept as
    ``ADMIN_KEY_FILE.old`` (the operator removes it once every member has followed).
    Returns the installed trust file and its signed bytes, to hand to every member."""
    admin_dir = Path(admin_dir)
    current = installed_trust(admin_dir)
    if current is None:
        raise NetworkAdminError("no trust file installed here: `cityledger network init` first")
    old_skey = unseal_admin_key(admin_dir, passphrase)
    require_strong(new_passphrase, [current.network])
    new_skey, new_vkey = generate_admin_key(key_name)
    signed = current.with_admin_key(new_vkey).sign(old_skey, new_skey)
    key_file = admin_key_path(admin_dir)
    staged = key_file.with_name(ADMIN_KEY_FILE + ".new")
    write_private(staged, seal({"admin": new_skey}, {"admin": new_vkey}, new_passphrase))
    installed = install_trust(admin_dir, signed)  # this folder's pin moves to the new key
    key_file.replace(key_file.with_name(ADMIN_KEY_FILE + ".old"))
    staged.replace(key_file)
    return installed, signed
