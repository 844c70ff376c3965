"""tlog-checkpoint v1.0.0 and tlog-proof (c2sp.org/tlog-proof@v1).

Known-answer vectors: the checkpoint of C2SP tlog-checkpoint v1.0.0 / tlog-cosignature
v1.0.1 (example.com/behind-the-sofa, 20852163) and the header of the C2SP tlog-proof
example (index 73894, five proof hashes, example.com/fancylog 109482).
"""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from app.core.errors import (
    CheckpointError,
    CoreError,
    InvalidSignatureError,
    NoteError,
    ProofError,
    TlogProofError,
)
from app.core.merkle import inclusion_proof, leaf_hashes, root_of
from app.core.note import Signer, generate_key, sign_note
from app.core.tlog_proof import TlogProof, decode_tlog_proof

SOFA = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_PROOF_HEAD = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

"""


def test_spec_checkpoint_parses_and_formats():
    cp = parse_checkpoint(SOFA)
    assert cp.origin == "example.com/behind-the-sofa" and cp.size == 20852163
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.to_text() == SOFA
    ext = Checkpoint("o.example/x", 0, bytes(32), ("ext one",))
    assert parse_checkpoint(ext.to_text()) == ext


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("example.com/x\n1\n", "needs origin, size and root"),
        ("\n1\n" + "A" * 43 + "=\n", "origin is empty"),
        ("o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "leading zeroes"),
        ("o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "tree size"),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n", "root hash"),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "end with a newline"),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
            "extension lines must not be empty",
        ),
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\na\tb\n", "control"),
        ("o\n" + "9" * 5000 + "\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "above 2\\^63"),
        ("o\n9223372036854775808\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "above 2\\^63"),
    ],
)
def test_malformed_checkpoints(text, fragment):
    with pytest.raises(CheckpointError, match=fragment):
        parse_checkpoint(text)


def test_open_checkpoint_checks_signature_and_origin():
    log = Signer.from_key(generate_key("city.example/130100")[0])
    cp = Checkpoint("city.example/130100", 3, bytes(range(32)))
    msg = sign_note(cp.to_text(), log)
    got, note = open_checkpoint(msg, [log.verifier()], "city.example/130100")
    assert got == cp and note.sigs[0].name == "city.example/130100"
    with pytest.raises(CheckpointError, match="origin"):
        open_checkpoint(msg, [log.verifier()], "city.example/130200")
    with pytest.raises(NoteError):
        open_checkpoint(msg.replace(b"\n3\n", b"\n4\n"), [log.verifier()])


def test_spec_tlog_proof_header_decodes():
    checkpoint = b"example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n"
    p = decode_tlog_proof(SPEC_PROOF_HEAD.encode())
    assert p.index == 73894 and len(p.proof) == 5
    assert p.extra == base64.b64decode("YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ")
    assert p.proof[0] == base64.b64decode("gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=")
    assert p.checkpoint == checkpoint
    assert p.encode() == SPEC_PROOF_HEAD.encode()


def test_tlog_proof_roundtrip_and_verify():
    entries = [b"entry %d" % i for i in range(11)]
    leaves = leaf_hashes(entries)
    log = Signer.from_key(generate_key("city.example/130100")[0])
    cp = Checkpoint("city.example/130100", 11, root_of(leaves))
    note = sign_note(cp.to_text(), log)
    for extra in (None, b"\x00extra"):
        proof = TlogProof(7, inclusion_proof(7, leaves), note, extra)
        again = decode_tlog_proof(proof.encode())
        assert again == proof
        assert again.verify(leaves[7], [log.verifier()], "city.example/130100") == cp
        with pytest.raises(ProofError):
            again.verify(leaves[6], [log.verifier()])
    forged = note.replace(base64.b64encode(cp.root_hash), base64.b64encode(bytes(32)))
    with pytest.raises(InvalidSignatureError):
        TlogProof(7, inclusion_proof(7, leaves), forged).verify(leaves[7], [log.verifier()])
    zero = TlogProof(0, (), sign_note(Checkpoint("o", 1, leaves[0]).to_text(), log))
    assert decode_tlog_proof(zero.encode()).verify(leaves[0], [log.verifier()]).size == 1


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"c2sp.org/tlog-proof@v2\nindex 1\n\ncp\n", "line 1"),
        (b"c2sp.org/tlog-proof@v1\nindex 01\n\ncp\n", "leading zeroes"),
        (b"c2sp.org/tlog-proof@v1\nindx 1\n\ncp\n", "index <n>"),
        (b"c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\ncp\n", "extra"),
        (b"c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\ncp\n", "not 32"),
        (b"c2sp.org/tlog-proof@v1\nindex 1\n", "empty line"),
        (b"c2sp.org/tlog-proof@v1\nindex 1\n\n", "missing"),
        (b"c2sp.org/tlog-proof@v1\nindex \xff\n\ncp\n", "ASCII"),
    ],
)
def test_malformed_tlog_proofs(data, fragment):
    with pytest.raises(TlogProofError, match=fragment):
        decode_tlog_proof(data)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(
            lambda t: ("c2sp.org/tlog-proof@v1\n" + t).encode("utf-8", "surrogatepass")
        ),
    )
)
def test_tlog_proof_parser_only_raises_its_error(data):
    try:
        decode_tlog_proof(data)
    except CoreError as e:
        assert isinstance(e, TlogProofError)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=150),
        st.text(max_size=150).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.text(max_size=60).map(lambda t: (SOFA + t).encode("utf-8", "surrogatepass")),
    )
)
def test_checkpoint_parser_only_raises_its_error(data):
    try:
        parse_checkpoint(data)
    except CoreError as e:
        assert isinstance(e, CheckpointError)
