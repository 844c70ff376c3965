"""Signed notes (C2SP signed-note v1.0.0) and cosignatures (tlog-cosignature v1.0.1).

Known-answer vectors:
- golang.org/x/mod sumdb/note/note_test.go (TestNewVerifier, TestNewSigner, TestSign,
  TestOpen): the PeterNeumann / EnochRoot keys and signatures.
- C2SP signed-note v1.0.0 §"Example": example.com/foo key and note.
- C2SP tlog-cosignature v1.0.1 example cosignature (timestamp 1679315147).
- transparency-dev/formats note/note_cosigv1_test.go (TestCoSigV1NewVerifier,
  TestCosignatureTimestamp): remora.n621.de cosignature key, timestamp 1727964367.
"""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_timestamps,
    cosigned_message,
    generate_witness_key,
    signature_timestamp,
)
from app.core.errors import (
    CoreError,
    CosignatureError,
    InvalidSignatureError,
    KeyFormatError,
    NoteError,
    UnverifiedNoteError,
)
from app.core.note import (
    Signature,
    Signer,
    Verifier,
    add_signatures,
    generate_key,
    key_id,
    note_text,
    open_note,
    parse_signature_line,
    sign_note,
    split_note,
)

# transparency-dev/formats note/note_cosigv1_test.go
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
# golang.org/x/mod/sumdb/note/note_test.go
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
    "gotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnW"
    "Lox33WWd1RvMc+QQ=\n"
)
PETER = Signature(
    "PeterNeumann",
    0xC74F20A3,
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
)
ENOCH = Signature(
    "EnochRoot",
    0xAF0CFE78,
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=",
)


def test_go_new_verifier_and_manglings():
    v = Verifier.from_key(PETER_VKEY)
    assert v.name == "PeterNeumann" and v.key_id == 0xC74F20A3 and v.vkey() == PETER_VKEY
    b = PETER_VKEY
    for i in range(len(b) + 1):
        for j in range(i + 1, len(b) + 1):
            if i != 0 or j != len(b):
                with pytest.raises(KeyFormatError):
                    Verifier.from_key(b[i:j])
    for i in range(len(b)):
        with pytest.raises(KeyFormatError):
            Verifier.from_key(b[:i] + chr(ord(b[i]) + 1) + b[i + 1 :])
    # note_test.go: wrong length key / unknown algorithm, each with adjusted key hash.
    with pytest.raises(KeyFormatError):
        Verifier.from_key(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
    with pytest.raises(KeyFormatError, match="unknown verifier algorithm"):
        Verifier.from_key("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


def test_go_new_signer_and_manglings():
    s = Signer.from_key(PETER_SKEY)
    assert s.name == "PeterNeumann" and s.key_id == 0xC74F20A3
    assert s.verifier().vkey() == PETER_VKEY
    b = PETER_SKEY
    for i in range(0, len(b) + 1, 3):
        for j in range(i + 1, len(b) + 1, 2):
            if i == 0 and j == len(b):
                continue
            with pytest.raises(KeyFormatError):
                Signer.from_key(b[i:j])
    for i in range(len(b)):
        with pytest.raises(KeyFormatError):
            Signer.from_key(b[:i] + chr(ord(b[i]) + 1) + b[i + 1 :])


def test_go_sign_vector():
    signer = Signer.from_key(PETER_SKEY)
    want = TEXT + "\n" + PETER_SIG
    assert sign_note(TEXT, signer) == want.encode()
    # An existing signature by the same key is replaced.
    assert (
        sign_note(TEXT, signer, existing=[Signature("PeterNeumann", 0xC74F20A3, "BADSIGN=")])
        == want.encode()
    )
    with pytest.raises(NoteError):
        sign_note("abc", signer)


def test_go_open_vectors():
    peter, enoch = Verifier.from_key(PETER_VKEY), Verifier.from_key(ENOCH_VKEY)
    msg = (TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode()
    n = open_note(msg, [peter])
    assert n.text == TEXT and n.sigs == (PETER,) and n.unverified_sigs == (ENOCH,)
    n = open_note(msg, [peter, enoch])
    assert n.sigs == (PETER, ENOCH) and n.unverified_sigs == ()
    with pytest.raises(UnverifiedNoteError, match="no verifiable signatures") as info:
        open_note(msg, [])
    assert info.value.note.unverified_sigs == (PETER, ENOCH)
    with pytest.raises(NoteError, match="ambiguous key EnochRoot"):
        open_note((TEXT + "\n" + ENOCH_SIG).encode(), [enoch, peter, enoch])
    open_note((TEXT + "\n" + PETER_SIG).encode(), [enoch, peter, enoch])
    with pytest.raises(NoteError, match="malformed note"):
        open_note((TEXT + "\n" + PETER_SIG * 101).encode(), [peter])
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(
        InvalidSignatureError, match="invalid signature for key PeterNeumann\\+c74f20a3"
    ):
        open_note((TEXT + "\n" + bad).encode(), [peter])
    enoch_abcd = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    n = open_note(
        (TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd).encode(), [peter]
    )
    assert n.sigs == (PETER,) and len(n.unverified_sigs) == 2 and n.unverified_sigs[0] == ENOCH
    bad_msgs = [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT
        + "\n"
        + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ]
    for m in bad_msgs:
        with pytest.raises(NoteError, match="malformed note"):
            open_note(m.encode(), [peter])
    with pytest.raises(NoteError, match="malformed note"):
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [peter])


def test_spec_example_signed_note_v1():
    # C2SP signed-note v1.0.0, section "Example".
    v = Verifier.from_key("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    msg = (
        "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2"
        "ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    ).encode()
    assert open_note(msg, [v]).text == "This is an example message.\n"
    assert (
        key_id("example.com/foo", base64.b64decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"))
        == 0x530D903A
    )


def test_sixteen_signatures_accepted_and_unknown_ignored():
    signers = [Signer.from_key(generate_key(f"w{i}.example")[0]) for i in range(16)]
    msg = sign_note("hello\n", *signers)
    n = open_note(msg, [s.verifier() for s in signers])
    assert len(n.sigs) == 16
    # Unknown keys sharing a name (but not id) with a known key are ignored.
    other = Signer.from_key(generate_key("w0.example")[0])
    msg2 = add_signatures(msg, other)
    assert len(open_note(msg2, [signers[0].verifier()]).unverified_sigs) == 16


def test_generate_key_roundtrip_and_bad_names():
    skey, vkey = generate_key("city.example/130100")
    s, v = Signer.from_key(skey), Verifier.from_key(vkey)
    assert s.key_id == v.key_id
    sig = s.sign(b"hi")
    assert v.verify(b"hi", sig) and not v.verify(b"ho", sig)
    assert not v.verify(b"hi", bytes([sig[0] ^ 1]) + sig[1:])
    for bad in ["", "a b", "a+b", "tab\tname"]:
        with pytest.raises(KeyFormatError):
            generate_key(bad)


# --- tlog-cosignature v1.0.1 ---


def test_cosignature_vectors():
    # transparency-dev/formats note_cosigv1_test.go TestCoSigV1NewVerifier: native 0x04 key.
    v = Verifier.from_key(REMORA_VKEY)
    assert isinstance(v, CosignatureVerifier) and v.key_id == 0xDA77ADE7
    for bad in [
        "bananas.sigstore.dev+12344556",
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",
    ]:
        with pytest.raises(KeyFormatError):
            Verifier.from_key(bad)
    # ... TestCosignatureTimestamp: 1727964367.
    sig = Signature(
        "x",
        0x64684688,
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==",
    )
    assert signature_timestamp(sig) == 1727964367
    wrong = Signature(
        "x",
        0,
        "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=",
    )
    with pytest.raises(CosignatureError):
        signature_timestamp(wrong)
    # C2SP tlog-cosignature v1.0.1 example line for witness.example.com/w1.
    spec = Signature(
        "witness.example.com/w1",
        0x8D66CF3F,
        "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==",
    )
    assert signature_timestamp(spec) == 1679315147
    assert cosigned_message(1679315147, b"example.com/behind-the-sofa\n") == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n"
    )


def test_cosign_roundtrip_timestamp_and_type_separation():
    log = Signer.from_key(generate_key("city.example/130100")[0])
    skey, vkey = generate_witness_key("w.example/130200")
    witness = CosignatureSigner.from_key(skey, clock=lambda: 1700000000)
    wv = CosignatureVerifier.from_key(vkey)
    assert vkey.split("+")[2].startswith("B")  # base64 of 0x04 || key
    cp = "city.example/130100\n5\n" + base64.b64encode(bytes(32)).decode() + "\n"
    msg = add_signatures(sign_note(cp, log), witness)
    n = open_note(msg, [log.verifier(), wv])
    assert len(n.sigs) == 2
    assert cosignature_timestamps(msg, [wv]) == {"w.example/130200": 1700000000}
    # The same key as a plain Ed25519 verifier has another key id: the line is unknown to it.
    plain = Verifier(wv.name, wv.public_key)
    assert plain.key_id != wv.key_id
    assert open_note(msg, [log.verifier(), plain]).unverified_sigs[0].name == "w.example/130200"
    # A cosignature covers the timestamp: change it and the signature fails.
    line = n.sigs[1]
    raw = bytearray(base64.b64decode(line.b64))
    raw[11] ^= 1
    forged = msg.replace(line.b64.encode(), base64.b64encode(bytes(raw)))
    with pytest.raises(InvalidSignatureError):
        open_note(forged, [wv])
    with pytest.raises(CosignatureError):
        cosignature_timestamps(forged, [wv])
    with pytest.raises(CosignatureError):
        CosignatureSigner("w", bytes(32), clock=lambda: 0).sign(b"x\n")


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FFF), min_size=1, max_size=80
    ).map(lambda t: t + "\n"),
    flip=st.integers(0, 10_000),
)
def test_every_signature_bit_flip_fails(text, flip):
    signer = Signer.from_key(PETER_SKEY)
    witness = CosignatureSigner("w.example", bytes(range(32)), clock=lambda: 1700000001)
    msg = sign_note(text, signer, witness)
    vs = [signer.verifier(), witness.verifier()]
    n = open_note(msg, vs)
    for sig in n.sigs:
        raw = bytearray(base64.b64decode(sig.b64))
        bit = 32 + flip % ((len(raw) - 4) * 8)  # a bit after the key id
        raw[bit // 8] ^= 1 << (bit % 8)
        bad = msg.replace(sig.b64.encode(), base64.b64encode(bytes(raw)))
        with pytest.raises(InvalidSignatureError):
            open_note(bad, vs)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.builds(
            lambda a, b: (TEXT + a + "\n" + PETER_SIG + b).encode("utf-8", "surrogatepass"),
            st.text(max_size=20),
            st.text(max_size=20),
        ),
    )
)
def test_open_note_only_raises_note_errors(data):
    try:
        open_note(data, [Verifier.from_key(PETER_VKEY)])
    except CoreError as e:
        assert isinstance(e, NoteError)
    try:
        split_note(data)
    except CoreError as e:
        assert isinstance(e, NoteError)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_key_parsers_only_raise_key_errors(text):
    for parse in (Verifier.from_key, Signer.from_key):
        try:
            parse(text)
        except CoreError as e:
            assert isinstance(e, NoteError)


def test_note_text_is_the_body_before_the_signatures():
    signed = (TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode()
    assert note_text(signed) == TEXT
    with pytest.raises(NoteError, match="no blank line"):
        note_text(TEXT.encode())


def test_parse_signature_line_reads_one_line_and_names_it():
    sig = parse_signature_line(PETER_SIG.rstrip("\n"))
    assert (sig.name, sig.key_id) == ("PeterNeumann", 0xC74F20A3)
    assert sig.line() == PETER_SIG
    with pytest.raises(NoteError, match="signature line 3"):
        parse_signature_line("PeterNeumann abc", 3)


def test_note_knows_no_key_type_but_through_its_registry():
    """note.py imports no key-type module (the note <-> cosignature cycle is gone);
    cosignature registers type 0x04 when imported, and from_key then reads its keys."""
    import subprocess
    import sys

    probe = (
        "import sys, app.core.note as n\n"
        "assert 'app.core.cosignature' not in sys.modules\n"
        "try:\n"
        f"    n.Verifier.from_key({REMORA_VKEY!r})\n"
        "except n.KeyFormatError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "unknown verifier algorithm 0x04"
    assert isinstance(Verifier.from_key(REMORA_VKEY), CosignatureVerifier)
