"""verify_code against a real node (SQLite), and verify_proof_bundle offline: every check named."""

import pytest

from app.ledger import trust as T
from app.ledger import verifier as V
from app.ledger.node import Node
from app.ledger.proof_bundle import export_proof_bundle
from tests.ledger.verifier_kit import POINT, build_net, cosign_latest, make_trust, solo_node


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    node, trust, witnesses, codes = build_net(tmp_path_factory.mktemp("v") / "node")
    yield node, trust, witnesses, codes
    node.close()


def statuses(result):
    return {c.name: c.status for c in result.checks}


def test_code_verifies_with_quorum(net):
    node, trust, _, codes = net
    r = V.verify_code(node, codes[1], trust)
    assert r.ok, r.failed
    assert [c.name for c in r.checks] == [
        V.CODE_SYNTAX,
        V.RECORD,
        V.ENTRY_SIGNATURE,
        V.OFFICIAL_ACTIVE,
        V.CHECKPOINT_SIGNATURE,
        V.INCLUSION,
        V.WITNESS_QUORUM,
        V.NOT_REVOKED,
    ]
    assert set(statuses(r).values()) == {"pass"}
    assert "2 of quorum 2" in r.check(V.WITNESS_QUORUM).reason
    assert r.to_dict()["ok"] is True and r.origin == node.origin


def test_forgiving_input_is_canonicalised(net):
    node, trust, _, codes = net
    r = V.verify_code(node, codes[0].lower().replace("-", " "), trust)
    assert r.ok and r.code == codes[0]


def test_bad_code_fails_syntax_and_skips_the_rest(net):
    node, trust, _, codes = net
    typo = codes[0][:-1] + ("A" if codes[0][-1] != "A" else "B")
    r = V.verify_code(node, typo, trust)
    assert not r.ok
    assert statuses(r)[V.CODE_SYNTAX] == "fail"
    assert "check character" in r.check(V.CODE_SYNTAX).reason
    assert all(c.status == "unknown" for c in r.checks[1:])


def test_unknown_code_fails_record(net):
    node, trust, _, _ = net
    r = V.verify_code(node, "130100-WAT-00000000-" + _check("130100WAT00000000"), trust)
    assert statuses(r)[V.RECORD] == "fail" and not r.ok


def _check(body):
    from app.core.codes import check_character

    return check_character(body)


def test_quorum_not_met(net):
    node, trust, _, codes = net
    strict = trust.with_quorum(3)  # only two other cities exist
    r = V.verify_code(node, codes[0], strict)
    assert statuses(r)[V.WITNESS_QUORUM] == "fail" and not r.ok
    assert "only 2 of quorum 3" in r.check(V.WITNESS_QUORUM).reason


def test_cosignature_of_unlisted_witness_does_not_count(net):
    node, trust, witnesses, codes = net
    # a trust file where the second witness city is absent: its cosignature is ignored
    partial = trust.without_city(witnesses[1].city.code)
    r = V.verify_code(node, codes[0], partial)
    assert statuses(r)[V.WITNESS_QUORUM] == "fail"
    assert "only 1 of quorum 2" in r.check(V.WITNESS_QUORUM).reason


def test_own_city_witness_does_not_count(tmp_path):
    with solo_node(tmp_path / "n", "130400", "Handan", "邯郸") as (node, code):
        cosign_latest(node, node.witness_signer())  # the log's own witness key
        trust, _ = make_trust(node, [], quorum=1)
        r = V.verify_code(node, code, trust)
        assert statuses(r)[V.WITNESS_QUORUM] == "fail"


def test_wrong_log_key_in_trust_fails_checkpoint_signature(net):
    node, trust, witnesses, codes = net
    me = trust.city(node.city_code)
    impostor = T.City(**{**me.to_dict(), "log_vkey": _other_log_vkey(node.origin), "endpoints": ()})
    r = V.verify_code(node, codes[0], trust.with_city(impostor))
    assert statuses(r)[V.CHECKPOINT_SIGNATURE] == "fail" and not r.ok
    assert statuses(r)[V.WITNESS_QUORUM] == "unknown"


def _other_log_vkey(origin):
    from app.core import note

    return note.generate_key(origin)[1]


def test_city_not_in_trust_file(net):
    node, trust, _, codes = net
    r = V.verify_code(node, codes[0], trust.without_city(node.city_code))
    assert statuses(r)[V.CHECKPOINT_SIGNATURE] == "fail"
    assert "not a member" in r.check(V.CHECKPOINT_SIGNATURE).reason


def test_revoked_code_fails_not_revoked(net):
    node, trust, witnesses, _ = net
    code = node.issue("zhang", "official-pass", "GAS", "valve", POINT).code
    node.revoke("zhang", "official-pass", code, "removed in 2026")
    cosign_latest(node, *(w.signer for w in witnesses))
    r = V.verify_code(node, code, trust)
    assert statuses(r)[V.NOT_REVOKED] == "fail" and not r.ok
    assert "removed in 2026" in r.check(V.NOT_REVOKED).reason


def test_revoked_official_after_issue_still_verifies_earlier_record(tmp_path):
    with solo_node(tmp_path / "n", "130600", "Baoding", "保定", "wang", "SCH") as (node, code):
        node.revoke_official("wang", "left the office")
        trust, _ = make_trust(node, [], quorum=0)
        r = V.verify_code(node, code, trust)
        assert r.ok, r.failed
        assert "not revoked before index" in r.check(V.OFFICIAL_ACTIVE).reason


def test_tampered_stored_entry_fails_inclusion(tmp_path):
    """A store whose entry bytes changed after sequencing: the proof no longer holds."""
    import sqlalchemy as sa

    from app.core.tiles import decode_entry_bundle, encode_entry_bundle
    from app.ledger.schema import entry_bundles

    with solo_node(tmp_path / "n", "131000", "Langfang", "廊坊", "zhao", "ROD") as (node, code):
        with node.store.write() as conn:
            row = conn.execute(
                sa.select(entry_bundles).where(entry_bundles.c.origin == node.origin)
            ).first()
            entries = decode_entry_bundle(bytes(row.data))
            entries[2] = entries[2].replace(b"ROD 1", b"ROD 2")  # 1: a code-map entry
            conn.execute(
                sa.update(entry_bundles)
                .where(entry_bundles.c.origin == node.origin, entry_bundles.c.n == row.n)
                .values(data=encode_entry_bundle(entries))
            )
        fresh = Node.open(tmp_path / "n")  # no cached bundle
        try:
            trust, _ = make_trust(fresh, [], quorum=0)
            r = V.verify_code(fresh, code, trust)
            assert statuses(r)[V.INCLUSION] == "fail" and not r.ok
            assert statuses(r)[V.ENTRY_SIGNATURE] == "fail"
        finally:
            fresh.close()


def test_bundle_from_node_verifies_offline(net):
    node, trust, _, codes = net
    data = export_proof_bundle(node, codes[2], quorum=trust.quorum).encode()
    r = V.verify_proof_bundle(data, trust)
    assert r.ok, r.failed
    assert r.code == codes[2]
    # the bundle carries the co-signed code map: the record is current there
    nr = r.check(V.NOT_REVOKED)
    assert nr.status == "pass" and r.outcome == V.VERIFIED
    assert nr.reason.startswith(f"current as of checkpoint {r.checkpoint_size}")


def test_proof_uses_a_cosigned_checkpoint_not_just_the_latest(net):
    node, trust, witnesses, codes = net
    cosigned = node.latest_checkpoint().size
    fresh = node.issue("zhang", "official-pass", "BRG", "new bridge", POINT).code
    assert node.latest_checkpoint().size > cosigned  # newest checkpoint: no cosignatures yet
    old = V.verify_code(node, codes[0], trust)
    assert old.ok and old.checkpoint_size == cosigned
    new = V.verify_code(node, fresh, trust)
    assert not new.ok and statuses(new)[V.WITNESS_QUORUM] == "fail"
    cosign_latest(node, *(w.signer for w in witnesses))  # witnesses catch up
    assert V.verify_code(node, fresh, trust).ok
