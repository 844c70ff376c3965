"""The network trust file: signed by the admin key, parsed strictly, replaced only by newer."""

import pytest

from app.core import note
from app.core.cosignature import CosignatureVerifier, generate_witness_key
from app.ledger import trust as t


def _city(code="130100", name_en="Shijiazhuang", name_zh="石家庄", **kw):
    _, lvk = note.generate_key(f"cityledger.example/{code}")
    _, wvk = generate_witness_key(f"witness.{code}")
    fields = dict(
        code=code,
        name_en=name_en,
        name_zh=name_zh,
        lon=114.5149,
        lat=38.0428,
        origin=f"cityledger.example/{code}",
        log_vkey=lvk,
        witness_vkey=wvk,
        endpoints=(f"http://127.0.0.1:81{code[2:4]}/",),
    )
    fields.update(kw)
    return t.City(**fields)


@pytest.fixture()
def admin():
    return t.generate_admin_key("hebei-admin")


@pytest.fixture()
def body(admin):
    tf = t.TrustFile(network="Hebei demo network", admin_vkey=admin[1], quorum=2)
    for code, en, zh in (
        ("130100", "Shijiazhuang", "石家庄"),
        ("130200", "Tangshan", "唐山"),
        ("130600", "Baoding", "保定"),
    ):
        tf = tf.with_city(_city(code, en, zh))
    return tf


def test_round_trip_signed(admin, body):
    signed = body.sign(admin[0])
    opened = t.open_trust(signed, admin[1])
    assert opened == body
    assert opened.serial == 4  # 1 + three additions
    assert opened.city("130200").name_zh == "唐山"
    assert opened.city_for_origin("cityledger.example/130600").code == "130600"
    # the log's own city never counts as its witness
    assert [c.code for c in opened.witness_cities("cityledger.example/130100")] == [
        "130200",
        "130600",
    ]
    assert all(
        isinstance(v, CosignatureVerifier)
        for v in opened.witness_verifiers("cityledger.example/130100")
    )
    assert opened.log_verifier("cityledger.example/130100").name == "cityledger.example/130100"
    assert opened.log_verifier("nope") is None


def test_unsigned_is_refused(body):
    with pytest.raises(t.TrustError, match="not signed"):
        t.open_trust(body.to_text().encode())


def test_signed_by_other_key_is_refused(body):
    other_skey, other_vkey = note.generate_key("hebei-admin")  # same name, other key
    signed = note.sign_note(body.to_text(), note.Signer.from_key(other_skey))
    with pytest.raises(t.TrustError, match="refused"):
        t.open_trust(signed)
    with pytest.raises(t.TrustError, match="none of the signing keys"):
        body.sign(note.generate_key("mallory")[0])


def test_tampered_body_is_refused(admin, body):
    signed = body.sign(admin[0]).replace(b"quorum 2", b"quorum 0")
    with pytest.raises(t.TrustError, match="signature check failed"):
        t.open_trust(signed)


def test_self_signed_file_is_refused_against_pinned_key(admin, body):
    mallory_skey, mallory_vkey = t.generate_admin_key("mallory")
    forged = body.with_admin_key(mallory_vkey).sign(mallory_skey)
    assert t.open_trust(forged).admin_vkey == mallory_vkey  # consistent by itself...
    with pytest.raises(t.TrustError, match="hebei-admin"):
        t.open_trust(forged, admin[1])  # ...but not by the pinned admin


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda s: s.replace("cityledger.trust/v1", "cityledger.trust/v2"), "line 1"),
        (lambda s: s.replace("quorum 2", "quorum two"), "quorum"),
        (lambda s: s.replace("serial 4\n", ""), "missing 'serial'"),
        (lambda s: s.replace("lat 38.0428", "lat 98.5", 1), "lat 98.5 is not in"),
        (lambda s: s.replace("lon 114.5149", "lon east", 1), "lon 'east' is not a number"),
        (lambda s: s.replace("city 130200", "city 13020X"), "6 digits"),
        (lambda s: s + "colour red\n", "unknown field 'colour'"),
        (lambda s: s.replace("name-zh 唐山\n", ""), "missing name-zh"),
        (
            lambda s: s.replace("endpoint http://127.0.0.1:8101/", "endpoint ftp://x/"),
            "not an http",
        ),
    ],
)
def test_malformed_body_names_the_problem(body, mutate, message):
    with pytest.raises(t.TrustError, match=message):
        t.parse_trust_text(mutate(body.to_text()))


def test_key_types_are_checked(body):
    c = body.cities[0]
    with pytest.raises(t.TrustError, match="not a cosignature"):
        t.City(**{**c.to_dict(), "witness_vkey": c.log_vkey, "endpoints": ()})
    with pytest.raises(t.TrustError, match="is a witness"):
        t.City(**{**c.to_dict(), "log_vkey": c.witness_vkey, "endpoints": ()})
    with pytest.raises(t.TrustError, match="log-key"):
        t.City(**{**c.to_dict(), "log_vkey": "x+00000000+AAAA", "endpoints": ()})


def test_duplicate_origin_refused(body):
    dup = _city("130400", origin=body.cities[0].origin)
    with pytest.raises(t.TrustError, match="already belongs to city 130100"):
        body.with_city(dup)


def test_install_newer_replaces_older_refused(tmp_path, admin, body):
    first = t.install_trust(tmp_path, body.sign(admin[0]))
    assert t.installed_trust(tmp_path) == first
    newer = body.with_city(_city("131000", "Langfang", "廊坊")).with_quorum(3)
    assert t.install_trust(tmp_path, newer.sign(admin[0])).quorum == 3
    assert t.installed_trust(tmp_path).city("131000").name_en == "Langfang"
    before = t.trust_path(tmp_path).read_bytes()
    with pytest.raises(t.TrustError, match="older"):
        t.install_trust(tmp_path, body.sign(admin[0]))
    conflicting = body.with_city(_city("130400", "Handan", "邯郸")).with_quorum(1)
    assert conflicting.serial == newer.serial
    with pytest.raises(t.TrustError, match="same serial"):
        t.install_trust(tmp_path, conflicting.sign(admin[0]))
    assert t.trust_path(tmp_path).read_bytes() == before  # nothing changed on disk


def test_install_refuses_other_admin_and_allows_rotation(tmp_path, admin, body):
    t.install_trust(tmp_path, body.sign(admin[0]))
    new_skey, new_vkey = t.generate_admin_key("hebei-admin-2027")
    rotated = body.with_admin_key(new_vkey)
    with pytest.raises(t.TrustError, match="hebei-admin"):
        t.install_trust(tmp_path, rotated.sign(new_skey))  # new key alone: refused
    assert t.install_trust(tmp_path, rotated.sign(new_skey, admin[0])).admin_vkey == new_vkey
    later = rotated.with_quorum(1)
    assert t.install_trust(tmp_path, later.sign(new_skey)).quorum == 1  # new pin holds


def test_install_garbage_changes_nothing(tmp_path):
    with pytest.raises(t.TrustError):
        t.install_trust(tmp_path, b"\xff\xfe not a note")
    assert not t.trust_path(tmp_path).exists()


def test_quorum_shortfall_names_a_quorum_no_city_can_meet(admin):
    """A city never witnesses itself: n members give each at most n - 1 witnesses."""
    tf = t.TrustFile(network="n", admin_vkey=admin[1], quorum=2)
    assert "0 member cities" in t.quorum_shortfall(tf)
    tf = tf.with_city(_city("130100")).with_city(_city("130200"))
    problem = t.quorum_shortfall(tf)
    assert problem.startswith("quorum 2 cannot be met with 2 member cities") and "add 1" in problem
    assert t.quorum_shortfall(tf.with_city(_city("130600"))) is None
    assert t.quorum_shortfall(tf.with_quorum(1)) is None
    assert t.quorum_shortfall(t.TrustFile(network="n", admin_vkey=admin[1], quorum=0)) is None
