"""Log entries: canonical JSON, signatures, validation, size and geometry bounds."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from app.core.codes import make_code
from app.core.errors import CoreError, EntryError
from app.core.records import (
    ENTRY_DOMAIN,
    MAX_ENTRY_BYTES,
    MAX_VERTICES,
    bound_geometry,
    canonical_json,
    insert_signature,
    parse_entry,
    sign_entry,
    signing_message,
    split_signature,
    verify_entry_signature,
)

KEY = SigningKey(bytes(range(32)))
CODE = str(make_code("130100", "WAT", 42))


def issue(**over):
    rec = {
        "type": "issue",
        "code": CODE,
        "time": "2026-11-25T08:00:00Z",
        "official": "alice",
        "prev": None,
        "asset": {
            "class": "WAT",
            "name": "水厂主管 DN300",
            "attributes": {"diameter_mm": 300},
            "geometry": {"type": "LineString", "coordinates": [[114.5, 38.04], [114.51, 38.05]]},
        },
    }
    rec.update(over)
    return rec


def test_canonical_json_is_sorted_compact_utf8():
    assert (
        canonical_json({"b": 1, "a": [1, 2], "名": "值"}) == '{"a":[1,2],"b":1,"名":"值"}'.encode()
    )
    with pytest.raises(EntryError):
        canonical_json({"x": float("nan")})


def test_sign_parse_verify_roundtrip():
    entry = sign_entry(issue(), KEY)
    rec = parse_entry(entry)
    assert rec["code"] == CODE and canonical_json(rec) == entry
    assert verify_entry_signature(rec, KEY.verify_key)
    assert verify_entry_signature(rec, bytes(KEY.verify_key))
    assert not verify_entry_signature(rec, SigningKey.generate().verify_key)
    tampered = dict(rec, official="mallory")
    assert not verify_entry_signature(tampered, KEY.verify_key)
    # The signature is over the domain-separated record without "sig".
    unsigned = {k: v for k, v in rec.items() if k != "sig"}
    assert signing_message(rec) == ENTRY_DOMAIN + canonical_json(unsigned)


def test_all_record_types_validate():
    admin = SigningKey.generate()
    parse_entry(
        sign_entry(
            {
                "type": "official-add",
                "time": "2026-11-25T08:00:00Z",
                "official": "admin",
                "prev": None,
                "subject": {"name": "alice", "key": "alice+12345678+AAAA"},
            },
            admin,
        )
    )
    parse_entry(
        sign_entry(
            {
                "type": "official-revoke",
                "time": "2026-11-25T08:00:00.123Z",
                "official": "admin",
                "prev": 0,
                "reason": "left the office",
                "subject": {"name": "alice"},
            },
            admin,
        )
    )
    parse_entry(
        sign_entry(
            {
                "type": "update",
                "code": CODE,
                "time": "2026-11-25T08:00:00Z",
                "official": "alice",
                "prev": 3,
                "asset": {"name": "renamed"},
            },
            KEY,
        )
    )
    parse_entry(
        sign_entry(
            {
                "type": "transfer",
                "code": CODE,
                "time": "2026-11-25T08:00:00Z",
                "official": "alice",
                "prev": 4,
                "owner": "Water Bureau",
            },
            KEY,
        )
    )
    parse_entry(
        sign_entry(
            {
                "type": "revoke",
                "code": CODE,
                "time": "2026-11-25T08:00:00Z",
                "official": "alice",
                "prev": 5,
                "reason": "demolished",
            },
            KEY,
        )
    )


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"type": "mint"}, "record type"),
        ({"code": "130100-WAT-00000000-0"}, "code"),
        ({"code": CODE.lower()}, "not canonical"),
        ({"time": "2026-11-25 08:00:00"}, "RFC 3339"),
        ({"prev": 3}, "prev null"),
        ({"prev": -1}, "non-negative"),
        ({"extra": 1}, "unknown record fields"),
        (
            {
                "asset": {
                    "class": "GAS",
                    "name": "x",
                    "attributes": {},
                    "geometry": {"type": "Point", "coordinates": [1, 2]},
                }
            },
            "differs",
        ),
        (
            {
                "asset": {
                    "class": "WAT",
                    "name": "x",
                    "attributes": {},
                    "geometry": {"type": "Point", "coordinates": [1.123456789, 2]},
                }
            },
            "not bounded",
        ),
        (
            {
                "asset": {
                    "class": "WAT",
                    "name": "",
                    "attributes": {},
                    "geometry": {"type": "Point", "coordinates": [1, 2]},
                }
            },
            "non-empty",
        ),
        ({"subject": {"name": "x"}}, "no 'subject'"),
    ],
)
def test_invalid_records_rejected_with_reason(change, fragment):
    with pytest.raises(EntryError, match=fragment):
        sign_entry(issue(**change), KEY)


def test_oversize_entry_refused_clearly():
    rec = issue()
    rec["asset"]["attributes"] = {"notes": "x" * (MAX_ENTRY_BYTES + 10)}
    with pytest.raises(EntryError, match="at most 65535"):
        sign_entry(rec, KEY)
    with pytest.raises(EntryError, match="limit is 65535"):
        parse_entry(b" " * (MAX_ENTRY_BYTES + 1))


def test_parse_rejects_non_canonical_and_unsigned():
    entry = sign_entry(issue(), KEY)
    spaced = json.dumps(json.loads(entry), ensure_ascii=False).encode()
    with pytest.raises(EntryError, match="canonical"):
        parse_entry(spaced)
    unsigned = canonical_json({k: v for k, v in json.loads(entry).items() if k != "sig"})
    with pytest.raises(EntryError, match="not signed"):
        parse_entry(unsigned)
    with pytest.raises(EntryError, match="UTF-8 JSON"):
        parse_entry(b'{"a":NaN}')


def test_bound_geometry():
    g = bound_geometry(
        {
            "type": "Polygon",
            "coordinates": [
                [[114.123456789, 38.1], [114.2, 38.2], [114.3, 38.1], [114.123456789, 38.1]]
            ],
        }
    )
    assert g["coordinates"][0][0] == [114.1234568, 38.1]
    for bad, fragment in [
        ({"type": "Circle", "coordinates": [0, 0]}, "geometry type"),
        ({"type": "Point", "coordinates": [200, 0]}, "outside EPSG:4326"),
        ({"type": "Point", "coordinates": [float("inf"), 0]}, "finite"),
        ({"type": "Point", "coordinates": [True, 0]}, "finite"),
        ({"type": "LineString", "coordinates": []}, "non-empty"),
        ({"type": "Point", "coordinates": [1, 2], "crs": "x"}, "unexpected"),
        ({"type": "MultiPoint", "coordinates": [[0.0, 0.0]] * (MAX_VERTICES + 1)}, "simplify"),
        ("POINT(1 2)", "GeoJSON"),
    ]:
        with pytest.raises(EntryError, match=fragment):
            bound_geometry(bad)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda c: (
                st.lists(c, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "type",
                            "code",
                            "asset",
                            "time",
                            "official",
                            "prev",
                            "sig",
                            "subject",
                            "owner",
                            "reason",
                            "geometry",
                            "coordinates",
                        ]
                    ),
                    c,
                    max_size=6,
                )
            ),
            max_leaves=20,
        ).map(
            lambda o: json.dumps(
                o, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        ),
    )
)
def test_parse_entry_only_raises_entry_error(data):
    try:
        parse_entry(data)
    except CoreError as e:
        assert isinstance(e, EntryError)


OFFICIAL_ADD = {
    "type": "official-add",
    "time": "2026-11-25T08:00:00Z",
    "official": "admin",
    "prev": None,
    "subject": {"name": "alice", "key": "alice+12345678+AAAA"},
}


@pytest.mark.parametrize(
    "record",
    [
        issue(),
        # An attribute named "sig", and values that look like the members around it.
        issue(asset={**issue()["asset"], "attributes": {"sig": "x", "note": '","sig":"y'}}),
        issue(owner=',"time":"2000-01-01T00:00:00Z"', reason='"sig":"z"'),
        OFFICIAL_ADD,
    ],
    ids=["issue", "nested-sig", "look-alike-values", "official-add"],
)
def test_signature_splices_in_and_out_of_entry_bytes(record):
    entry = sign_entry(record, KEY)
    unsigned, sig = split_signature(entry)
    assert unsigned == canonical_json(record)
    assert sig == parse_entry(entry)["sig"]
    assert insert_signature(unsigned, record, sig.encode()) == entry
