"""Entries the node signs: core's sign_entry encodes the record once and splices the
signature in; the result must be exactly the canonical JSON of the record with "sig",
whatever members named like top-level keys its attributes hold."""

import base64

import pytest
from nacl.signing import SigningKey

from app.core.codes import make_code
from app.core.errors import EntryError
from app.core.records import (
    ENTRY_DOMAIN,
    canonical_json,
    parse_entry,
    sign_entry,
    verify_entry_signature,
)

KEY = SigningKey(bytes(range(32)))
TIME = "2026-11-25T08:00:00Z"
CODE = str(make_code("130100", "WAT", 0x7B3C9D2E1F))
TRICKY = {
    "time": ',"time":"x"',
    "subject": {"sig": ',"subject":{'},
    "sig": '"',
    "type": "\\",
    "zzz": [',"time":', {"official": "é"}],
    "": None,
}

RECORDS = [
    {
        "type": "issue",
        "code": CODE,
        "prev": None,
        "time": TIME,
        "official": "alice",
        "owner": "water bureau",
        "asset": {
            "class": "WAT",
            "name": 'main ,"time":',
            "attributes": TRICKY,
            "geometry": {"type": "Point", "coordinates": [114.5, 38.04]},
        },
    },
    {
        "type": "revoke",
        "code": CODE,
        "prev": 3,
        "time": TIME,
        "official": "alice",
        "reason": 'gone ,"subject":{"name":"x"}',
    },
    {
        "type": "official-add",
        "prev": None,
        "time": TIME,
        "official": "admin",
        "subject": {"name": 'bob ,"time":', "key": "bob+01020304+AAAA"},
    },
    {
        "type": "official-revoke",
        "prev": 1,
        "time": TIME,
        "official": "admin",
        "subject": {"name": "bob"},
        "reason": 'left ,"time":"x"',
    },
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["type"])
def test_sign_entry_is_the_canonical_signed_record(record):
    entry = sign_entry(dict(record), KEY)
    sig = KEY.sign(ENTRY_DOMAIN + canonical_json(record)).signature
    assert entry == canonical_json({**record, "sig": base64.b64encode(sig).decode()})
    parsed = parse_entry(entry)
    assert verify_entry_signature(parsed, KEY.verify_key)
    assert not verify_entry_signature({**parsed, "time": "2026-11-25T08:00:01Z"}, KEY.verify_key)


def test_parse_entry_still_refuses_non_canonical_and_constants():
    entry = sign_entry(dict(RECORDS[1]), KEY)
    with pytest.raises(EntryError, match="canonical"):
        parse_entry(entry.replace(b'"prev":3', b'"prev": 3'))
    with pytest.raises(EntryError, match="not UTF-8 JSON"):
        parse_entry(entry.replace(b'"prev":3', b'"prev":NaN'))
    with pytest.raises(EntryError, match="not UTF-8 JSON"):
        parse_entry(b"\xef\xbb\xbf" + entry)
    with pytest.raises(EntryError, match="already has 'sig'"):
        sign_entry({**RECORDS[1], "sig": "x"}, KEY)
