"""Proof bundles: a C2SP tlog-proof file with the entry; every tampering is caught offline."""

import dataclasses
import random

import pytest

from app.core import note
from app.core.merkle import record_hash
from app.core.records import sign_entry
from app.core.tlog_proof import decode_tlog_proof
from app.ledger import proof_bundle as B
from app.ledger import verifier as V
from app.ledger.keys import signing_key
from tests.ledger.verifier_kit import build_net


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    node, trust, witnesses, codes = build_net(tmp_path_factory.mktemp("b") / "node")
    yield node, trust, witnesses, codes
    node.close()


@pytest.fixture(scope="module")
def bundle(net):
    node, trust, _, codes = net
    return B.export_proof_bundle(node, codes[0], quorum=trust.quorum)


def failed_names(result):
    return {c.name for c in result.checks if c.status == "fail"}


def test_round_trip_and_spec_form(net, bundle):
    node, trust, _, codes = net
    data = bundle.encode()
    assert data.startswith(b"c2sp.org/tlog-proof@v1\nextra ")
    assert B.decode_proof_bundle(data) == bundle
    # Any tlog-proof reader can check the inclusion with the log key alone.
    p = decode_tlog_proof(data)
    cp = p.verify(record_hash(bundle.entry), [note.Verifier.from_key(node.log_vkey)], node.origin)
    assert cp.size == node.size()
    assert bundle.official is not None and bundle.official.index < bundle.index


def test_qr_payload_round_trip_and_images(tmp_path, bundle):
    data = bundle.encode()
    payload = B.qr_payload(data)
    assert payload.startswith(B.QR_PREFIX) and len(payload) < len(data)
    assert B.decode_proof_bundle(payload.encode()) == bundle
    assert B.proof_bundle_fits_qr(data)
    B.write_qr(payload, tmp_path / "b.png")
    B.write_qr(payload, tmp_path / "b.svg")
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "b.svg").read_bytes()
    with pytest.raises(ValueError, match="do not fit"):
        B.write_qr("x" * 5000, tmp_path / "big.png")


def _resign_entry(bundle, node, **changes):
    import json

    rec = json.loads(bundle.entry)
    rec.pop("sig")
    rec.update(changes)
    return rec


@pytest.mark.parametrize(
    "tamper, expect",
    [
        ("entry", {V.INCLUSION, V.ENTRY_SIGNATURE}),
        ("proof", {V.INCLUSION}),
        ("index", {V.INCLUSION}),
        ("root", {V.CHECKPOINT_SIGNATURE}),
        ("drop_cosignature", {V.WITNESS_QUORUM}),
        ("bad_cosignature", {V.WITNESS_QUORUM}),
        ("official_add", {V.OFFICIAL_ACTIVE, V.ENTRY_SIGNATURE}),
    ],
)
def test_tampered_bundle_fails_the_named_check(net, bundle, tamper, expect):
    node, trust, _, _ = net
    b = bundle
    if tamper == "entry":
        b = dataclasses.replace(b, entry=b.entry.replace(b'"main 0"', b'"main X"'))
    elif tamper == "proof":
        p = list(b.proof)
        p[0] = bytes([p[0][0] ^ 1]) + p[0][1:]
        b = dataclasses.replace(b, proof=tuple(p))
    elif tamper == "index":
        b = dataclasses.replace(b, index=b.index + 1)
    elif tamper == "root":
        text = b.checkpoint.decode()
        lines = text.split("\n")
        root = lines[2]
        lines[2] = ("A" if root[0] != "A" else "B") + root[1:]
        b = dataclasses.replace(b, checkpoint="\n".join(lines).encode())
    elif tamper == "drop_cosignature":
        lines = b.checkpoint.decode().rstrip("\n").split("\n")
        b = dataclasses.replace(b, checkpoint=("\n".join(lines[:-1]) + "\n").encode())
    elif tamper == "bad_cosignature":
        lines = b.checkpoint.decode().rstrip("\n").split("\n")
        name, sig = lines[-1].rsplit(" ", 1)
        raw = bytearray(__import__("base64").b64decode(sig))
        raw[20] ^= 0x40
        lines[-1] = name + " " + __import__("base64").b64encode(bytes(raw)).decode()
        b = dataclasses.replace(b, checkpoint=("\n".join(lines) + "\n").encode())
    elif tamper == "official_add":
        # Mallory registers "zhang" with her own key in a record that is not in the log
        mskey, mvkey = note.generate_key("zhang")
        fake_add = sign_entry(
            {
                "type": "official-add",
                "subject": {"name": "zhang", "key": mvkey},
                "time": "2026-01-01T00:00:00Z",
                "official": node.admin_name,
                "prev": None,
            },
            signing_key(mskey),
        )
        rec = _resign_entry(b, node)
        entry = sign_entry(rec, signing_key(mskey))
        b = dataclasses.replace(
            b, entry=entry, official=dataclasses.replace(b.official, entry=fake_add)
        )
    r = V.verify_proof_bundle(b.encode(), trust)
    assert not r.ok
    assert expect <= failed_names(r), [c for c in r.checks if c.status != "pass"]
    if tamper == "bad_cosignature":
        assert "invalid cosignature from" in r.check(V.WITNESS_QUORUM).reason


def test_bundle_against_another_network_trust_fails(net, bundle):
    node, _, _, _ = net
    from app.ledger import trust as T

    stranger = T.City(
        "130100",
        "Shijiazhuang",
        "石家庄",
        114.5,
        38.0,
        node.origin,
        note.generate_key(node.origin)[1],
        node.witness_vkey,
    )
    trust = T.TrustFile("other network", T.generate_admin_key("x")[1], quorum=0).with_city(stranger)
    r = V.verify_proof_bundle(bundle.encode(), trust)
    assert V.CHECKPOINT_SIGNATURE in failed_names(r)


def test_revoke_bundle_says_revoked(net):
    node, trust, witnesses, _ = net
    from tests.ledger.verifier_kit import POINT, cosign_latest

    code = node.issue("zhang", "official-pass", "HEA", "heat main", POINT).code
    node.revoke("zhang", "official-pass", code, "replaced")
    cosign_latest(node, *(w.signer for w in witnesses))
    r = V.verify_proof_bundle(B.export_proof_bundle(node, code).encode(), trust)
    assert failed_names(r) == {V.NOT_REVOKED}


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "not a valid"),
        (b"\xff\xfe\x00garbage", "not a valid"),
        (b"c2sp.org/tlog-proof@v1\nindex 0\n\nx\n1\n", "no 'extra' line"),
        (B.QR_PREFIX.encode() + b"!!!", "QR payload"),
    ],
)
def test_malformed_bundle_fails_format(net, data, message):
    _, trust, _, _ = net
    r = V.verify_proof_bundle(data, trust)
    assert [c.name for c in r.checks] == [V.BUNDLE_FORMAT]
    assert r.checks[0].status == "fail" and message in r.checks[0].reason and not r.ok


def test_truncated_extra_is_refused(bundle):
    extra = B._encode_extra(bundle.entry, bundle.official)
    for cut in (3, 5, len(extra) - 1):
        with pytest.raises(B.ProofBundleError):
            B._decode_extra(extra[:cut])
    with pytest.raises(B.ProofBundleError, match="trailing"):
        B._decode_extra(extra + b"\x00" * 7 + b"\x01\x00\x00\x00" + b"junk")


def test_single_bit_flips_in_proof_and_checkpoint_body_never_verify(net, bundle):
    _, trust, _, _ = net
    data = bundle.encode()
    head, _, cp = data.partition(b"\n\n")
    body_end = len(head) + 2 + cp.index(b"\n\n")  # header + proof + checkpoint text
    rng = random.Random(7)
    positions = rng.sample(range(body_end), 150)
    for pos in positions:
        bit = 1 << rng.randrange(8)
        flipped = data[:pos] + bytes([data[pos] ^ bit]) + data[pos + 1 :]
        assert not V.verify_proof_bundle(flipped, trust).ok, (pos, bit)
