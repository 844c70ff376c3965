"""Log entries: canonical JSON records signed by an official (docs/architecture.md,
"Log entries").

Record schema (one JSON object per log entry; keys sorted, no insignificant
whitespace, UTF-8; the leaf hash is RFC 6962 SHA-256(0x00 || entry bytes)):

- ``type``: one of RECORD_TYPES.
- ``code``: canonical identity code (str) — asset records (issue, update, inspect,
  transfer, transfer-out, transfer-in, revoke) only.
- ``asset``: ``{"class", "name", "geometry", "attributes"}`` — required for issue and
  transfer-in (the asset as the receiving city takes it over), optional (the changed
  fields only) for update. ``class`` must equal the code's
  class; ``geometry`` is GeoJSON in EPSG:4326 passed through bound_geometry;
  ``attributes`` is a JSON object.
- ``owner``: str (owning department) — issue and transfer-in (optional), transfer
  (required).
- ``service``: one of SERVICE_STATES — issue, update and transfer-in (optional).
- ``inspection``: ``{"grade": 1..5, "note": str, "attachments": [sha256 hex, ...]}``
  (attachments optional) — inspect (required): an official's signed observation.
- ``to``: the 6-digit code of the member city a code moves to — transfer-out (required).
- ``from``: the log origin of the transfer-out a transfer-in takes over — transfer-in
  (required); its ``prev`` is that transfer-out's index in the ``from`` log (so ``prev``
  always names the code's previous record: in this log, or in ``from``'s).
- ``reason``: str — revoke and official-revoke (required), optional elsewhere.
- ``subject``: ``{"name": str, "key": vkey str}`` — official-add (both), and
  official-revoke (``name``): the official registered or removed.
- ``time``: RFC 3339 UTC timestamp ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``.
- ``official``: key name of the signer (an official, or the city's admin key for
  official-add / official-revoke).
- ``prev``: index of the previous record of the same code (or subject), or null;
  null for issue.
- ``sig``: base64 Ed25519 signature by ``official``'s key over
  ``ENTRY_DOMAIN + canonical_json(record without "sig")``.

One more entry type is not a signed record: ``{"type": "code-map", "root": b64, "size": m}``,
which the sequencer appends as the last entry of every batch (MAP_TYPE, make_map_entry):
``root`` is the code map (app/core/code_map.py) after entries [0, m), ``m`` its own index.
The checkpoint's log signature authenticates it like every other entry.

Entries longer than MAX_ENTRY_BYTES are refused: tlog-tiles entry bundles carry
a big-endian uint16 length.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any, NoReturn

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from app.core.codes import parse_code
from app.core.errors import CodeError, EntryError

RECORD_TYPES = (
    "issue",
    "update",
    "inspect",
    "transfer",
    "transfer-out",
    "transfer-in",
    "revoke",
    "official-add",
    "official-revoke",
)
ASSET_TYPES = frozenset(RECORD_TYPES[:7])
OFFICIAL_TYPES = frozenset(RECORD_TYPES[7:])
SERVICE_STATES = ("in-service", "out-of-service", "decommissioned")
GRADES = range(1, 6)  # condition grade: 1 (very good) .. 5 (unusable)
MAX_ATTACHMENTS = 64
MAX_ENTRY_BYTES = 65535
ENTRY_DOMAIN = b"cityledger/entry/v1\n"
COORD_DECIMALS = 7  # ~1 cm at the equator
MAX_VERTICES = 2000
MAX_TEXT = 1000  # characters in a name, owner, reason

# insert_signature relies on no top-level key sorting between "sig" and "subject"/"time"
# (hence "service", not "status").
_TOP_KEYS = frozenset(
    {
        "type",
        "code",
        "asset",
        "owner",
        "reason",
        "subject",
        "time",
        "official",
        "prev",
        "sig",
        "service",
        "inspection",
        "to",
        "from",
    }
)
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_CITY_RE = re.compile(r"\d{6}")
_ASSET_KEYS = frozenset({"class", "name", "geometry", "attributes"})
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_GEOMETRY_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


# One encoder/decoder for the module: json.dumps/json.loads with non-default options
# build a new one on every call, which costs about as much as encoding a whole entry.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


MAP_TYPE = "code-map"


def make_map_entry(root: bytes, size: int) -> bytes:
    """The code-map entry committing `root` as the map after entries [0, size)."""
    return canonical_json(
        {"root": base64.b64encode(root).decode("ascii"), "size": size, "type": MAP_TYPE}
    )


def _validate_map_entry(rec: dict[str, Any]) -> dict[str, Any]:
    if set(rec) != {"type", "root", "size"}:
        raise EntryError("a code-map entry has exactly 'type', 'root' and 'size'")
    size = rec["size"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise EntryError(f"code-map size {size!r} must be a non-negative integer")
    try:
        root = base64.b64decode(rec["root"], validate=True) if isinstance(rec["root"], str) else b""
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != 32:
        raise EntryError("code-map root must be a base64 32-byte hash")
    return rec


def map_root(rec: dict[str, Any]) -> bytes:
    """The root hash of a code-map record that parse_entry accepted."""
    return base64.b64decode(rec["root"])


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no NaN/Infinity."""
    try:
        return _ENCODER.encode(obj).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise EntryError(f"record is not JSON-encodable: {e}") from None


def signing_message(record: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in record.items() if k != "sig"}
    return ENTRY_DOMAIN + canonical_json(unsigned)


def _round_coords(node: Any, depth: int, path: str, counter: list[int]) -> list[Any]:
    if depth == 0:
        if not isinstance(node, list) or len(node) not in (2, 3):
            raise EntryError(f"geometry {path}: a position is [lon, lat] (optionally height)")
        out: list[float] = []
        for v in node:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise EntryError(f"geometry {path}: coordinate {v!r} is not a finite number")
            out.append(round(float(v), COORD_DECIMALS))
        if not (-180.0 <= out[0] <= 180.0 and -90.0 <= out[1] <= 90.0):
            raise EntryError(f"geometry {path}: ({out[0]}, {out[1]}) is outside EPSG:4326 bounds")
        counter[0] += 1
        return out
    if not isinstance(node, list) or not node:
        raise EntryError(f"geometry {path}: expected a non-empty array")
    return [_round_coords(c, depth - 1, f"{path}[{i}]", counter) for i, c in enumerate(node)]


def bound_geometry(geojson: dict[str, Any]) -> dict[str, Any]:
    """Validate a GeoJSON geometry, round coordinates to 7 decimals, cap vertices."""
    if not isinstance(geojson, dict):
        raise EntryError("geometry must be a GeoJSON geometry object")
    gtype = geojson.get("type")
    if gtype not in _GEOMETRY_DEPTH:
        raise EntryError(f"geometry type {gtype!r} is not one of {sorted(_GEOMETRY_DEPTH)}")
    if set(geojson) - {"type", "coordinates"}:
        raise EntryError(
            f"geometry has unexpected members {sorted(set(geojson) - {'type', 'coordinates'})}"
        )
    counter = [0]
    coords = _round_coords(
        geojson.get("coordinates"), _GEOMETRY_DEPTH[gtype], "coordinates", counter
    )
    if counter[0] > MAX_VERTICES:
        raise EntryError(
            f"geometry has {counter[0]} vertices; at most {MAX_VERTICES} fit in an "
            "entry — simplify it first"
        )
    return {"type": gtype, "coordinates": coords}


def _text(rec: dict[str, Any], key: str, required: bool) -> None:
    if key not in rec:
        if required:
            raise EntryError(f"{rec.get('type')} record needs {key!r}")
        return
    v = rec[key]
    if not isinstance(v, str) or not v.strip() or len(v) > MAX_TEXT:
        raise EntryError(f"{key!r} must be non-empty text of at most {MAX_TEXT} characters")


def _only_on(rec: dict[str, Any], rtype: str, key: str, types: tuple[str, ...]) -> bool:
    """Whether `key` is present, refusing it on a record type that does not carry it."""
    if key not in rec:
        return False
    if rtype not in types:
        raise EntryError(f"{rtype} record has no {key!r}")
    return True


def _life_members(rec: dict[str, Any], rtype: str) -> None:
    """The members of the later records of a code's life (issue 12)."""
    if "owner" in rec and rtype not in ("issue", "transfer", "transfer-in"):
        raise EntryError(f"{rtype} record has no 'owner'")
    if _only_on(rec, rtype, "service", ("issue", "update", "transfer-in")):
        if rec["service"] not in SERVICE_STATES:
            raise EntryError(
                f"service {rec['service']!r} is not one of {', '.join(SERVICE_STATES)}"
            )
    if rtype == "update" and not rec.get("asset") and "service" not in rec:
        raise EntryError("an update record changes the asset or its service status")
    if _only_on(rec, rtype, "inspection", ("inspect",)):
        _inspection(rec["inspection"])
    elif rtype == "inspect":
        raise EntryError("inspect record needs 'inspection'")
    if _only_on(rec, rtype, "to", ("transfer-out",)):
        if not isinstance(rec["to"], str) or not _CITY_RE.fullmatch(rec["to"]):
            raise EntryError(f"to {rec['to']!r} must be a member city's 6-digit code")
    elif rtype == "transfer-out":
        raise EntryError("transfer-out record needs 'to' (the receiving city's code)")
    if _only_on(rec, rtype, "from", ("transfer-in",)):
        _text(rec, "from", True)
    elif rtype == "transfer-in":
        raise EntryError("transfer-in record needs 'from' (the origin of the transfer-out's log)")


def _inspection(value: Any) -> None:
    if not isinstance(value, dict) or set(value) - {"grade", "note", "attachments"}:
        raise EntryError("inspection is an object {grade, note, attachments?}")
    grade = value.get("grade")
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in GRADES:
        raise EntryError(f"inspection grade {grade!r} must be an integer from 1 to 5")
    if "note" not in value:
        raise EntryError("inspection needs a 'note'")
    _text(value, "note", True)
    if "attachments" in value:
        att = value["attachments"]
        if (
            not isinstance(att, list)
            or len(att) > MAX_ATTACHMENTS
            or not all(isinstance(h, str) and _SHA256_RE.fullmatch(h) for h in att)
        ):
            raise EntryError(
                f"inspection attachments are at most {MAX_ATTACHMENTS} SHA-256 digests "
                "(64 lowercase hex characters)"
            )


def validate_record(rec: Any, signed: bool = True) -> dict[str, Any]:
    """Structural checks shared by sign_entry and parse_entry; raises EntryError."""
    if not isinstance(rec, dict):
        raise EntryError("an entry is a JSON object")
    if rec.get("type") == MAP_TYPE:
        if not signed:
            raise EntryError("a code-map entry is not signed: the sequencer makes it")
        return _validate_map_entry(rec)
    extra = set(rec) - _TOP_KEYS
    if extra:
        raise EntryError(f"unknown record fields {sorted(extra)}")
    rtype = rec.get("type")
    if rtype not in RECORD_TYPES:
        raise EntryError(f"record type {rtype!r} is not one of {', '.join(RECORD_TYPES)}")
    for key in ("time", "official"):
        if key not in rec:
            raise EntryError(f"{rtype} record needs {key!r}")
    if not isinstance(rec["time"], str) or not _TIME_RE.fullmatch(rec["time"]):
        raise EntryError(f"time {rec['time']!r} is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)")
    _text(rec, "official", True)
    prev = rec.get("prev")
    if "prev" not in rec:
        raise EntryError(f"{rtype} record needs 'prev' (null for the first record)")
    if prev is not None and (isinstance(prev, bool) or not isinstance(prev, int) or prev < 0):
        raise EntryError(f"prev {prev!r} must be null or a non-negative integer")
    if rtype in ASSET_TYPES:
        if "subject" in rec:
            raise EntryError(f"{rtype} record has no 'subject'")
        if not isinstance(rec.get("code"), str):
            raise EntryError(f"{rtype} record needs 'code'")
        try:
            code = parse_code(rec["code"])
        except CodeError as e:
            raise EntryError(f"code {rec['code']!r}: {e}") from None
        if str(code) != rec["code"]:
            raise EntryError(f"code {rec['code']!r} is not canonical (expected {code})")
        if rtype == "issue" and prev is not None:
            raise EntryError("an issue record has prev null")
        if rtype != "issue" and prev is None:
            raise EntryError(f"a {rtype} record needs prev (index of the code's previous record)")
        asset = rec.get("asset")
        whole = rtype in ("issue", "transfer-in")
        if whole and asset is None:
            raise EntryError(f"{rtype} record needs 'asset'")
        if asset is not None:
            if rtype not in ("issue", "update", "transfer-in"):
                raise EntryError(f"{rtype} record has no 'asset'")
            if not isinstance(asset, dict) or set(asset) - _ASSET_KEYS:
                raise EntryError(f"asset must be an object with keys among {sorted(_ASSET_KEYS)}")
            if whole and set(asset) != _ASSET_KEYS:
                raise EntryError(f"{rtype} asset needs {sorted(_ASSET_KEYS)}")
            if "class" in asset and asset["class"] != code.asset_class:
                raise EntryError(
                    f"asset class {asset['class']!r} differs from the code's {code.asset_class}"
                )
            if "name" in asset:
                _text(asset, "name", True)
            if "geometry" in asset and bound_geometry(asset["geometry"]) != asset["geometry"]:
                raise EntryError("geometry is not bounded (7 decimals); use bound_geometry")
            if "attributes" in asset and not isinstance(asset["attributes"], dict):
                raise EntryError("asset attributes must be an object")
        _text(rec, "owner", rtype == "transfer")
        _text(rec, "reason", rtype == "revoke")
        _life_members(rec, rtype)
    else:
        for key in ("code", "asset", "owner", "service", "inspection", "to", "from"):
            if key in rec:
                raise EntryError(f"{rtype} record has no {key!r}")
        subject = rec.get("subject")
        if not isinstance(subject, dict) or not isinstance(subject.get("name"), str):
            raise EntryError(f"{rtype} record needs subject {{name, key}}")
        allowed = {"name", "key"} if rtype == "official-add" else {"name"}
        if set(subject) - allowed or (rtype == "official-add" and set(subject) != allowed):
            raise EntryError(f"{rtype} subject has exactly {sorted(allowed)}")
        _text(subject, "name", True)
        if rtype == "official-add":
            _text(subject, "key", True)
        _text(rec, "reason", rtype == "official-revoke")
    if signed:
        sig = rec.get("sig")
        if not isinstance(sig, str):
            raise EntryError("entry is not signed ('sig' missing)")
        try:
            raw = base64.b64decode(sig, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 64:
            raise EntryError("sig must be a base64 64-byte Ed25519 signature")
    elif "sig" in rec:
        raise EntryError("record to sign already has 'sig'")
    return rec


def sign_entry(record: dict[str, Any], key: SigningKey) -> bytes:
    """Validate ``record`` (without "sig"), sign it, return the canonical entry bytes."""
    validate_record(record, signed=False)
    unsigned = canonical_json(record)
    sig = base64.b64encode(key.sign(ENTRY_DOMAIN + unsigned).signature)
    entry = insert_signature(unsigned, record, sig)
    if len(entry) > MAX_ENTRY_BYTES:
        raise EntryError(
            f"entry is {len(entry)} bytes; at most {MAX_ENTRY_BYTES} fit in a log "
            "entry — shorten attributes or simplify the geometry"
        )
    return entry


# Splicing the signature into and out of canonical entry bytes, without encoding the
# record again (the hot path of batch issuance and of the sequencer). Both rest on the
# same facts: keys are sorted and every record has "official", "time" and "type", so the
# top-level "sig" member sits after "official" and before "subject" (when present) or
# "time"; and a JSON string never holds an unescaped quote, so a byte run like `"sig":"`
# or `,"time":` is always a key. Nested keys named "sig" can only sit inside "asset",
# which sorts before "sig", so the last `"sig":"` is the top-level member.
_SIG_KEY = b'"sig":"'


def insert_signature(unsigned: bytes, record: dict[str, Any], sig: bytes) -> bytes:
    """canonical_json({**record, "sig": sig}) from canonical_json(record): the member goes
    right before the last `,"subject":` (if the record has one) else `,"time":`."""
    after = b',"subject":' if "subject" in record else b',"time":'
    pos = unsigned.rfind(after)
    return unsigned[:pos] + b"," + _SIG_KEY + sig + b'"' + unsigned[pos:]


def split_signature(entry: bytes) -> tuple[bytes, str]:
    """(canonical JSON of the record without "sig", the base64 "sig") of canonical entry
    bytes that parse_entry accepted: the inverse of insert_signature."""
    start = entry.rindex(_SIG_KEY)
    end = entry.index(b'"', start + len(_SIG_KEY))
    # start - 1 drops the comma before the member ("official" always precedes it).
    return entry[: start - 1] + entry[end + 1 :], entry[start + len(_SIG_KEY) : end].decode("ascii")


def parse_entry(data: bytes) -> dict[str, Any]:
    """Parse and structurally validate entry bytes (not the signature's validity)."""
    if not isinstance(data, (bytes, bytearray)):
        raise EntryError("entry data must be bytes")
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError(f"entry is {len(data)} bytes; the limit is {MAX_ENTRY_BYTES}")
    try:
        rec = _DECODER.decode(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise EntryError(f"entry is not UTF-8 JSON: {e}") from None
    record = validate_record(rec, signed=True)
    if canonical_json(record) != bytes(data):
        raise EntryError("entry is not in canonical JSON form (sorted keys, no spaces)")
    return record


def verify_entry_signature(entry: dict[str, Any], vkey: VerifyKey | bytes) -> bool:
    """True when ``entry["sig"]`` is a valid signature by ``vkey`` over the record."""
    try:
        if not isinstance(vkey, VerifyKey):
            vkey = VerifyKey(bytes(vkey))
        sig = base64.b64decode(entry["sig"], validate=True)
        vkey.verify(signing_message(entry), sig)
    except (BadSignatureError, KeyError, TypeError, ValueError, binascii.Error):
        return False
    return True
