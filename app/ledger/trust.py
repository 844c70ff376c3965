"""The network trust file: which cities are members, and which keys speak for them.

It is a C2SP signed note, signed by the network's admin key, whose text is a small
line-based document (one ``key value`` per line, so it diffs and reads well):

    cityledger.trust/v1
    network Hebei demo network
    admin-key hebei-admin+1a2b3c4d+AQ...
    serial 3
    quorum 2
    witness-cap 8
    city 130100
    name-en Shijiazhuang
    name-zh 石家庄
    lon 114.5149
    lat 38.0428
    origin cityledger.example/130100
    log-key cityledger.example/130100+89abcdef+AQ...
    witness-key witness.130100+01234567+BA...
    endpoint http://127.0.0.1:8101/
    witnesses 130200 130600
    city 130200
    ...

Every line after ``city`` belongs to that city until the next ``city`` line.

Witness policy: ``quorum`` is the number of cosignatures a checkpoint needs; a city asks
the witnesses its optional ``witnesses`` line names, else every other member up to
``witness-cap`` (default 8), chosen deterministically and spread across provinces (see
`witnesses_for`). Verification counts the cosignature of any other member listed here. The note
must carry a valid signature of the ``admin-key`` it names.

Pinning: the admin key a folder trusts is recorded apart from ``trust.note`` — in the
node's config (``node.json``, field ``network_admin_vkey``), or in ``trust-pin.json`` in a
folder that holds no node (the network admin's own folder). The first install pins the
key (given explicitly, or the one the file names); from then on a trust file counts only
if the pinned key signed it, however it reached the folder (a ``trust.note`` swapped on
disk included). The pin moves only by an explicit operator action: installing a trust
file signed by the pinned key that names a new admin key (a rotation signed by both
keys), or `rotate_admin_pin` with a new key obtained out of band.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import note as _note
from app.core.codes import city_problem
from app.core.errors import CityLedgerError, NoteError
from app.fsutil import atomic_write

if TYPE_CHECKING:
    from app.core.cosignature import CosignatureVerifier

HEADER = "cityledger.trust/v1"
DEFAULT_QUORUM = 2
DEFAULT_WITNESS_CAP = 8
TRUST_FILENAME = "trust.note"
NODE_CONFIG = "node.json"  # the node's config file (app.ledger.node.CONFIG)
PIN_FILENAME = "trust-pin.json"  # the pin of a folder that holds no node
PIN_FIELD = "network_admin_vkey"

_CITY_FIELDS = ("name-en", "name-zh", "lon", "lat", "origin", "log-key", "witness-key")
_MAX_TRUST_BYTES = 1 << 20


class TrustError(CityLedgerError, ValueError):
    """A trust file is malformed, unsigned, wrongly signed or older than the installed one."""


@dataclass(frozen=True)
class City:
    """One member city as the network admin vouches for it."""

    code: str
    name_en: str
    name_zh: str
    lon: float
    lat: float
    origin: str
    log_vkey: str
    witness_vkey: str
    endpoints: tuple[str, ...] = ()
    # The member codes this city asks to co-sign; empty: the default policy.
    witnesses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"city {self.code!r}"
        problem = city_problem(self.code) if isinstance(self.code, str) else "not text"
        if problem:
            raise TrustError(f"{where}: {problem} (a GB/T 2260 city code, e.g. 130100)")
        for label, value in (
            ("name-en", self.name_en),
            ("name-zh", self.name_zh),
            ("origin", self.origin),
        ):
            _check_value(value, f"{where}: {label}")
        if any(c.isspace() for c in self.origin):
            raise TrustError(f"{where}: origin {self.origin!r} must not contain spaces")
        for label, degrees, lo, hi in (
            ("lon", self.lon, -180.0, 180.0),
            ("lat", self.lat, -90.0, 90.0),
        ):
            if (
                not isinstance(degrees, (int, float))
                or not math.isfinite(degrees)
                or not lo <= degrees <= hi
            ):
                raise TrustError(f"{where}: {label} {degrees!r} is not in [{lo:g}, {hi:g}]")
        _check_vkey(self.log_vkey, f"{where}: log-key")
        _check_vkey(self.witness_vkey, f"{where}: witness-key", cosignature=True)
        object.__setattr__(self, "lon", float(self.lon))
        object.__setattr__(self, "lat", float(self.lat))
        object.__setattr__(self, "endpoints", tuple(self.endpoints))
        object.__setattr__(self, "witnesses", tuple(self.witnesses))
        if len(set(self.witnesses)) != len(self.witnesses):
            raise TrustError(f"{where}: a witness is listed twice in {self.witnesses}")
        if self.code in self.witnesses:
            raise TrustError(f"{where}: a city cannot witness its own log")
        for url in self.endpoints:
            _check_value(url, f"{where}: endpoint")
            if not re.match(r"^https?://[^\s/]+", url):
                raise TrustError(f"{where}: endpoint {url!r} is not an http(s) URL")

    @property
    def log_key_name(self) -> str:
        return self.log_vkey.split("+", 1)[0]

    @property
    def witness_key_name(self) -> str:
        return self.witness_vkey.split("+", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "lon": self.lon,
            "lat": self.lat,
            "origin": self.origin,
            "log_vkey": self.log_vkey,
            "witness_vkey": self.witness_vkey,
            "endpoints": list(self.endpoints),
            "witnesses": list(self.witnesses),
        }


@dataclass(frozen=True)
class TrustFile:
    """The body of a trust file (what the admin signs)."""

    network: str
    admin_vkey: str
    serial: int = 1
    quorum: int = DEFAULT_QUORUM
    cities: tuple[City, ...] = field(default_factory=tuple)
    witness_cap: int = DEFAULT_WITNESS_CAP

    def __post_init__(self) -> None:
        _check_value(self.network, "network")
        _check_vkey(self.admin_vkey, "admin-key")
        if not isinstance(self.serial, int) or self.serial < 1:
            raise TrustError(f"serial {self.serial!r} must be a positive integer")
        if not isinstance(self.quorum, int) or self.quorum < 0:
            raise TrustError(f"quorum {self.quorum!r} must be a non-negative integer")
        if not isinstance(self.witness_cap, int) or self.witness_cap < max(self.quorum, 1):
            raise TrustError(
                f"witness-cap {self.witness_cap!r} must be an integer of at least the quorum "
                f"({self.quorum}) and 1: a city that asks fewer witnesses can never be co-signed"
            )
        object.__setattr__(self, "cities", tuple(self.cities))
        seen_codes: set[str] = set()
        seen_origins: set[str] = set()
        for c in self.cities:
            if c.code in seen_codes:
                raise TrustError(f"city {c.code} is listed twice")
            if c.origin in seen_origins:
                raise TrustError(f"log origin {c.origin!r} is listed twice")
            seen_codes.add(c.code)
            seen_origins.add(c.origin)
        for c in self.cities:
            unknown = [w for w in c.witnesses if w not in seen_codes]
            if unknown:
                raise TrustError(f"city {c.code}: witnesses {unknown} are not members")
            if c.witnesses and len(c.witnesses) < self.quorum:
                raise TrustError(
                    f"city {c.code}: {len(c.witnesses)} witnesses listed, fewer than the "
                    f"quorum {self.quorum}"
                )

    # --- look-ups -------------------------------------------------------------------
    def city(self, code: str) -> City | None:
        return next((c for c in self.cities if c.code == code), None)

    def city_for_origin(self, origin: str) -> City | None:
        return next((c for c in self.cities if c.origin == origin), None)

    def log_verifier(self, origin: str) -> _note.Verifier | None:
        """The note verifier of the log with this origin, or None if not a member."""
        c = self.city_for_origin(origin)
        return _note.Verifier.from_key(c.log_vkey) if c else None

    def witness_cities(self, origin: str) -> tuple[City, ...]:
        """Cities whose cosignatures count for the log `origin` (all members but itself)."""
        return tuple(c for c in self.cities if c.origin != origin)

    def witness_verifiers(self, origin: str) -> list[CosignatureVerifier]:
        """cosignature/v1 verifiers of every witness that counts for the log `origin`."""
        return [witness_verifier(c.witness_vkey) for c in self.witness_cities(origin)]

    # --- changes (each returns a new body with the serial bumped) ---------------------
    def with_city(self, city: City) -> TrustFile:
        """Add `city`, or replace the member with the same code (e.g. a key rotation)."""
        others = tuple(c for c in self.cities if c.code != city.code)
        if any(c.origin == city.origin for c in others):
            holder = next(c for c in others if c.origin == city.origin)
            raise TrustError(f"log origin {city.origin!r} already belongs to city {holder.code}")
        cities = tuple(sorted(others + (city,), key=lambda c: c.code))
        return replace(self, cities=cities, serial=self.serial + 1)

    def without_city(self, code: str) -> TrustFile:
        if self.city(code) is None:
            raise TrustError(f"city {code} is not a member")
        return replace(
            self, cities=tuple(c for c in self.cities if c.code != code), serial=self.serial + 1
        )

    def with_quorum(self, quorum: int) -> TrustFile:
        return replace(self, quorum=quorum, serial=self.serial + 1)

    def with_admin_key(self, admin_vkey: str) -> TrustFile:
        return replace(self, admin_vkey=admin_vkey, serial=self.serial + 1)

    # --- encoding -------------------------------------------------------------------
    def to_text(self) -> str:
        lines = [
            HEADER,
            f"network {self.network}",
            f"admin-key {self.admin_vkey}",
            f"serial {self.serial}",
            f"quorum {self.quorum}",
            f"witness-cap {self.witness_cap}",
        ]
        for c in self.cities:
            lines += [
                f"city {c.code}",
                f"name-en {c.name_en}",
                f"name-zh {c.name_zh}",
                f"lon {c.lon!r}",
                f"lat {c.lat!r}",
                f"origin {c.origin}",
                f"log-key {c.log_vkey}",
                f"witness-key {c.witness_vkey}",
            ]
            lines += [f"endpoint {u}" for u in c.endpoints]
            if c.witnesses:
                lines.append("witnesses " + " ".join(c.witnesses))
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "admin_vkey": self.admin_vkey,
            "serial": self.serial,
            "quorum": self.quorum,
            "witness_cap": self.witness_cap,
            "cities": [c.to_dict() for c in self.cities],
        }

    def sign(self, *admin_skeys: str) -> bytes:
        """The signed trust file. Give the old and new admin keys when rotating."""
        if not admin_skeys:
            raise TrustError("a trust file needs the admin key's signature")
        signers = [_note.Signer.from_key(k) for k in admin_skeys]
        admin_name = self.admin_vkey.split("+", 1)[0]
        if not any(s.name == admin_name for s in signers):
            raise TrustError(
                f"none of the signing keys is the admin key {admin_name!r} named in the trust file"
            )
        return _note.sign_note(self.to_text(), *signers)


# --- witness policy -----------------------------------------------------------------


def province_of(code: str) -> str:
    """The province of a GB/T 2260 city code: its first two digits."""
    return code[:2]


def _rank(asker: str, item: str) -> bytes:
    """A stable pseudo-random rank of `item` for `asker`: each city gets its own order,
    so the load of witnessing spreads over the members instead of falling on the first."""
    return hashlib.sha256(f"cityledger/witness-rank/v1\n{asker}\n{item}".encode()).digest()


def witnesses_for(city: City | str, trust: TrustFile) -> tuple[City, ...]:
    """The member cities that `city` (a City, a city code or a log origin) asks to
    co-sign its checkpoints.

    The city's own ``witnesses`` line if it has one; else every other member when they
    are at most ``witness-cap``; else ``witness-cap`` of them, one province at a time in a
    round robin (so as many provinces as possible are represented), provinces and the
    cities within each in an order derived from the asking city's code. Pure and
    deterministic: every node computes the same answer from the same trust file.
    """
    if isinstance(city, City):
        me: City | None = city
        key = city.code
    else:
        me = trust.city(city) or trust.city_for_origin(city)
        key = me.code if me is not None else city
    others = [c for c in trust.cities if me is None or c.origin != me.origin]
    if me is not None and me.witnesses:
        chosen = set(me.witnesses)
        return tuple(c for c in others if c.code in chosen)
    if len(others) <= trust.witness_cap:
        return tuple(others)
    by_province: dict[str, list[City]] = {}
    for c in others:
        by_province.setdefault(province_of(c.code), []).append(c)
    queues = [
        sorted(members, key=lambda c: _rank(key, c.code))
        for _, members in sorted(by_province.items(), key=lambda kv: _rank(key, kv[0]))
    ]
    picked: list[City] = []
    while len(picked) < trust.witness_cap:
        for queue in queues:
            if queue and len(picked) < trust.witness_cap:
                picked.append(queue.pop(0))
    return tuple(sorted(picked, key=lambda c: c.code))


def quorum_shortfall(trust: TrustFile) -> str | None:
    """Why some member's checkpoints can never collect ``quorum`` cosignatures, or None.
    A city never witnesses its own log, so with n members a city has at most n - 1
    witnesses: two cities and quorum 2 can never verify a code."""
    n = len(trust.cities)
    if trust.quorum > 0 and n <= trust.quorum:
        most = max(n - 1, 0)
        return (
            f"quorum {trust.quorum} cannot be met with {n} member {'city' if n == 1 else 'cities'}: "
            f"a city never witnesses its own log, so each has at most {most} "
            f"{'witness' if most == 1 else 'witnesses'}; add {trust.quorum + 1 - n} more "
            "cities or lower the quorum"
        )
    short = [c.code for c in trust.cities if len(witnesses_for(c, trust)) < trust.quorum]
    if short:
        return (
            f"quorum {trust.quorum} cannot be met for {', '.join(short)}: "
            "fewer witnesses than the quorum"
        )
    return None


# --- helpers ------------------------------------------------------------------------


def _check_value(value: object, where: str) -> None:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise TrustError(f"{where}: must be a non-empty value without surrounding spaces")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise TrustError(f"{where}: contains a control character")


def _check_vkey(vkey: object, where: str, cosignature: bool = False) -> None:
    """A C2SP verifier key `name+hexid+base64` of the right type (Ed25519 0x01, or
    cosignature/v1 0x04 for witnesses)."""
    from app.core.cosignature import CosignatureVerifier

    if not isinstance(vkey, str):
        raise TrustError(f"{where}: not a verifier key string")
    try:
        v = _note.Verifier.from_key(vkey)
    except ValueError as e:
        raise TrustError(
            f"{where}: {vkey!r} is not a verifier key name+hexid+base64 ({e})"
        ) from None
    if cosignature and not isinstance(v, CosignatureVerifier):
        raise TrustError(f"{where}: {v.name!r} is not a cosignature/v1 (type 0x04) witness key")
    if not cosignature and isinstance(v, CosignatureVerifier):
        raise TrustError(
            f"{where}: {v.name!r} is a witness (cosignature/v1) key, not an Ed25519 signing key"
        )


def witness_verifier(vkey: str) -> CosignatureVerifier:
    """A cosignature/v1 verifier for a witness key string."""
    from app.core.cosignature import CosignatureVerifier

    try:
        return CosignatureVerifier.from_key(vkey)
    except (ValueError, TypeError) as e:
        raise TrustError(f"witness key {vkey!r} is not a cosignature/v1 key: {e}") from e


def parse_trust_text(text: str) -> TrustFile:
    """Parse the (already verified) text of a trust file; TrustError says which line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != HEADER:
        raise TrustError(f"line 1: expected {HEADER!r}, the trust file header")
    top: dict[str, str] = {}
    cities: list[dict[str, Any]] = []
    for lineno, line in enumerate(lines[1:], start=2):
        key, sep, value = line.partition(" ")
        if not sep or not value:
            raise TrustError(f"line {lineno}: expected 'key value', got {line!r}")
        if key == "city":
            cities.append({"code": value, "endpoint": [], "_line": lineno})
            continue
        if key in ("network", "admin-key", "serial", "quorum", "witness-cap"):
            if cities:
                raise TrustError(f"line {lineno}: {key!r} must come before the first city")
            if key in top:
                raise TrustError(f"line {lineno}: {key!r} given twice")
            top[key] = value
            continue
        if not cities:
            raise TrustError(f"line {lineno}: {key!r} outside a city block")
        current = cities[-1]
        if key == "endpoint":
            current["endpoint"].append(value)
        elif key == "witnesses":
            if "witnesses" in current:
                raise TrustError(
                    f"line {lineno}: 'witnesses' given twice for city {current['code']}"
                )
            current["witnesses"] = value.split(" ")
        elif key in _CITY_FIELDS:
            if key in current:
                raise TrustError(f"line {lineno}: {key!r} given twice for city {current['code']}")
            current[key] = value
        else:
            raise TrustError(f"line {lineno}: unknown field {key!r}")
    for key in ("network", "admin-key", "serial", "quorum"):
        if key not in top:
            raise TrustError(f"missing {key!r} line")
    built = [_city_from_fields(c) for c in cities]
    return TrustFile(
        network=top["network"],
        admin_vkey=top["admin-key"],
        serial=_int(top["serial"], "serial"),
        quorum=_int(top["quorum"], "quorum"),
        witness_cap=_int(top.get("witness-cap", str(DEFAULT_WITNESS_CAP)), "witness-cap"),
        cities=tuple(built),
    )


def _int(text: str, where: str) -> int:
    if not re.fullmatch(r"0|[1-9][0-9]{0,17}", text):
        raise TrustError(f"{where}: {text!r} is not a decimal integer")
    return int(text)


def _city_from_fields(fields: dict[str, Any]) -> City:
    where = f"city {fields['code']} (line {fields['_line']})"
    missing = [k for k in _CITY_FIELDS if k not in fields]
    if missing:
        raise TrustError(f"{where}: missing {', '.join(missing)}")
    coords = {}
    for k in ("lon", "lat"):
        try:
            coords[k] = float(fields[k])
        except ValueError:
            raise TrustError(f"{where}: {k} {fields[k]!r} is not a number") from None
    return City(
        code=fields["code"],
        name_en=fields["name-en"],
        name_zh=fields["name-zh"],
        lon=coords["lon"],
        lat=coords["lat"],
        origin=fields["origin"],
        log_vkey=fields["log-key"],
        witness_vkey=fields["witness-key"],
        endpoints=tuple(fields["endpoint"]),
        witnesses=tuple(fields.get("witnesses", ())),
    )


def _note_text_unverified(signed: bytes) -> str:
    """The text part of a signed note, before any signature is checked."""
    if not isinstance(signed, (bytes, bytearray)):
        raise TrustError("a trust file must be bytes")
    if len(signed) > _MAX_TRUST_BYTES:
        raise TrustError(f"trust file is larger than {_MAX_TRUST_BYTES} bytes")
    try:
        bytes(signed).decode("utf-8")
    except UnicodeDecodeError as e:
        raise TrustError(f"trust file is not UTF-8 (byte {e.start})") from None
    try:
        return _note.note_text(bytes(signed))
    except NoteError as e:
        raise TrustError(f"trust file is not signed as a C2SP signed note: {e}") from None


def open_trust(signed: bytes, admin_vkey: str | None = None) -> TrustFile:
    """Verify and parse a signed trust file.

    With `admin_vkey` (the pinned key), the note must be signed by it; in any case it
    must be signed by the admin key that the trust file itself names.
    """
    body = parse_trust_text(_note_text_unverified(signed))
    required = [body.admin_vkey] + (
        [admin_vkey] if admin_vkey and admin_vkey != body.admin_vkey else []
    )
    verifiers = []
    for vk in required:
        try:
            verifiers.append(_note.Verifier.from_key(vk))
        except ValueError as e:
            raise TrustError(f"admin key {vk!r} is not a valid verifier key: {e}") from e
    try:
        opened = _note.open_note(bytes(signed), verifiers)
    except ValueError as e:
        raise TrustError(f"trust file refused: signature check failed ({e})") from e
    signed_by = {(s.name, s.key_id) for s in opened.sigs}
    for v in verifiers:
        if (v.name, v.key_id) not in signed_by:
            raise TrustError(f"trust file refused: not signed by admin key {v.name!r}")
    return body


def check_update(current: TrustFile | None, new: TrustFile) -> None:
    """Refuse `new` if it may not replace `current` (older, or a conflicting serial)."""
    if current is None:
        return
    if new.serial < current.serial:
        raise TrustError(
            f"trust file serial {new.serial} is older than the installed serial {current.serial}"
        )
    if new.serial == current.serial and new.to_text() != current.to_text():
        raise TrustError(
            f"trust file serial {new.serial} differs from the installed trust "
            "file with the same serial"
        )


def generate_admin_key(name: str) -> tuple[str, str]:
    """A new network admin key pair (signed-note Ed25519), as (skey, vkey) strings."""
    if not isinstance(name, str) or not _note.is_valid_name(name):
        raise TrustError(f"admin key name {name!r} must be non-empty, without spaces or '+'")
    return _note.generate_key(name)


# --- the trust file installed in a node's data folder ------------------------------


def trust_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / TRUST_FILENAME


def _pin_holders(data_dir: Path | str) -> list[Path]:
    """Where the folder's pin may live, the one that counts first: the node's config,
    then the pin file (of an admin folder; kept if a node is created there later)."""
    d = Path(data_dir)
    return [p for p in (d / NODE_CONFIG, d / PIN_FILENAME) if p.exists()]


def _read_json_object(path: Path) -> dict[str, object]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise TrustError(f"{path} is unreadable, so the pinned admin key is unknown: {e}") from None
    if not isinstance(doc, dict):
        raise TrustError(f"{path} is not a JSON object, so the pinned admin key is unknown")
    return doc


def pinned_admin_key(data_dir: Path | str) -> str | None:
    """The network admin verifier key this folder trusts, or None if none is pinned."""
    for holder in _pin_holders(data_dir):
        vkey = _read_json_object(holder).get(PIN_FIELD)
        if vkey is None:
            continue
        if not isinstance(vkey, str):
            raise TrustError(f"{holder}: {PIN_FIELD} is not a verifier key string")
        _check_vkey(vkey, f"{holder}: {PIN_FIELD}")
        return vkey
    return None


def pin_admin_key(data_dir: Path | str, admin_vkey: str) -> None:
    """Record `admin_vkey` as the folder's pinned network admin key, atomically, in every
    place a pin may live (the node config's other fields are kept)."""
    _check_vkey(admin_vkey, "admin key to pin")
    d = Path(data_dir)
    d.mkdir(parents=True, exist_ok=True)
    for holder in _pin_holders(d) or [d / PIN_FILENAME]:
        doc = _read_json_object(holder)
        if doc.get(PIN_FIELD) != admin_vkey:
            doc[PIN_FIELD] = admin_vkey
            text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
            atomic_write(holder, text.encode("utf-8"))


def unpinned_message(where: str) -> str:
    return (
        f"UNPINNED NETWORK: no network admin key is pinned for {where}, so a trust file "
        "proves nothing (anyone can sign one). Give the admin's key, obtained out of band, "
        "with --admin-key VKEY, or install the network first "
        "(`cityledger network install FILE --admin-key VKEY`)."
    )


def load_trust_file(path: Path | str, admin_vkey: str | None = None) -> TrustFile:
    """Read and verify a signed trust file from disk."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise TrustError(f"cannot read trust file {p}: {e.strerror}") from None
    try:
        return open_trust(data, admin_vkey)
    except TrustError as e:
        raise TrustError(f"{p}: {e}") from None


def installed_trust(data_dir: Path | str) -> TrustFile | None:
    """The node's installed trust file, which must be signed by the folder's pinned admin
    key: a file put in place by anything but `install_trust` is refused."""
    p = trust_path(data_dir)
    if not p.exists():
        return None
    pin = pinned_admin_key(data_dir)
    if pin is None:
        raise TrustError(
            f"{p} is refused: no network admin key is pinned in {data_dir}, so nothing "
            "shows who signed it; reinstall it with the admin's key, obtained out of band "
            "(`cityledger network install FILE --admin-key VKEY`)"
        )
    return load_trust_file(p, pin)


def _installed_or_none(data_dir: Path | str) -> TrustFile | None:
    """The installed trust file if it still verifies against the pin (a swapped or damaged
    file does not block installing the genuine one)."""
    try:
        return installed_trust(data_dir)
    except TrustError:
        return None


def _write_trust(data_dir: Path | str, signed: bytes) -> None:
    d = Path(data_dir)
    d.mkdir(parents=True, exist_ok=True)
    atomic_write(trust_path(d), bytes(signed))


def install_trust(data_dir: Path | str, signed: bytes, admin_vkey: str | None = None) -> TrustFile:
    """Install `signed` as the node's trust file if it may replace the current one.

    With no pin yet, the first install pins `admin_vkey` (which must then have signed the
    file) or else the key the file names. Later ones must be signed by the pinned key and
    carry a higher serial; a file signed by the pinned key that names a new admin key (a
    rotation, signed by both) moves the pin to the new key. Nothing is written when the
    file is refused. The trust file is written before the pin, so a crash in between
    leaves a rotation file that the old pin still accepts.
    """
    pin = pinned_admin_key(data_dir)
    if pin is not None and admin_vkey is not None and admin_vkey != pin:
        raise TrustError(
            f"this folder is pinned to admin key {pin.split('+', 1)[0]!r} ({pin}); "
            "replacing the pin is an explicit rotation: `cityledger network rotate-admin`"
        )
    new = open_trust(signed, pin or admin_vkey)
    current = _installed_or_none(data_dir) if pin is not None else None
    check_update(current, new)
    if current is None or new.serial != current.serial:
        _write_trust(data_dir, signed)
    pin_admin_key(data_dir, new.admin_vkey)
    return new


def rotate_admin_pin(data_dir: Path | str, signed: bytes, new_admin_vkey: str) -> TrustFile:
    """The operator's explicit rotation to an admin key obtained out of band (the old key
    is lost or compromised, so it cannot sign the rotation): `signed` must be signed by
    `new_admin_vkey` and name it; it is installed and the pin replaced."""
    _check_vkey(new_admin_vkey, "new admin key")
    new = open_trust(signed, new_admin_vkey)
    if new.admin_vkey != new_admin_vkey:
        raise TrustError(
            f"the trust file names admin key {new.admin_vkey.split('+', 1)[0]!r}, "
            f"not the new key {new_admin_vkey.split('+', 1)[0]!r}"
        )
    _write_trust(data_dir, signed)
    pin_admin_key(data_dir, new_admin_vkey)
    return new
