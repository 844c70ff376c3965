"""Verification of a revoked or transferred code says what happened, when, by whom and
why — from a node, from a bundle offline, and from a bundle checked against a replica
(issue 12)."""

from __future__ import annotations

from app.ledger.proof_bundle import export_proof_bundle
from app.ledger.verifier import NOT_REVOKED, verify_code, verify_proof_bundle
from tests.ledger import test_cli as _cli
from tests.ledger.verifier_kit import build_net, cosign_latest

env, node_dir = _cli.env, _cli.node_dir  # the CLI tests' node fixtures


def _reasons(node, trust, code) -> list:
    bundle = export_proof_bundle(node, code, trust.quorum).encode()
    return [
        r.check(NOT_REVOKED)
        for r in (
            verify_code(node, code, trust),
            verify_proof_bundle(bundle, trust),
            verify_proof_bundle(bundle, trust, replica=node),
        )
    ]


def test_revoked_transferred_out_and_new_owner_are_worded(tmp_path):
    node, trust, witnesses, codes = build_net(tmp_path / "n", n_codes=3, quorum=2)
    try:
        node.unlock("node-pass")
        revoke = node.revoke("zhang", "official-pass", codes[0], "demolished in the flood")
        owner = node.transfer("zhang", "official-pass", codes[1], "Water Co.")
        moved = node.transfer_out("zhang", "official-pass", codes[2], "130200")
        cosign_latest(node, *(w.signer for w in witnesses))

        for check in _reasons(node, trust, codes[0]):  # node, offline, replica alike
            assert check.status == "fail"
            assert check.params["why"] == "demolished in the flood"
            assert check.params["official"] == "zhang" and check.params["index"] == revoke.index
            assert check.params["time"].startswith("20")
            assert "demolished in the flood" in check.reason and "by zhang at 20" in check.reason

        for check in _reasons(node, trust, codes[2]):
            assert check.status == "fail"
            assert check.reason.startswith(f"transferred to city 130200 at index {moved.index}")
            assert "by zhang at 20" in check.reason

        check = verify_code(node, codes[1], trust).check(NOT_REVOKED)
        assert check.status == "pass"  # a new owner in the city: the code stays valid
        assert f"transferred to Water Co. at index {owner.index} by zhang at 20" in check.reason
    finally:
        node.close()


def test_cli_verify_of_a_revoked_code_says_who_when_why(node_dir, tmp_path, capsys):
    import json

    from tests.ledger.test_cli import admin_of, cli, write_trust

    _, out, _ = cli(
        capsys, "--data", node_dir, "issue", "--class", "WAT", "--name", "valve", "--lon",
        "114.5", "--lat", "38", "--json",
    )  # fmt: skip
    code = json.loads(out)["code"]
    assert cli(capsys, "--data", node_dir, "revoke", code, "--reason", "issued by mistake")[0] == 0
    _, out, _ = cli(capsys, "--data", node_dir, "log", "info", "--json")
    trust = write_trust(tmp_path / "t.note", json.loads(out), quorum=0)
    status, out, _ = cli(
        capsys, "--data", node_dir, "verify", code, "--trust", trust,
        "--admin-key", admin_of(trust), "--json",
    )  # fmt: skip
    assert status == 1
    (check,) = [c for c in json.loads(out)["checks"] if c["name"] == "not revoked"]
    assert check["status"] == "fail" and check["params"]["why"] == "issued by mistake"
    assert check["reason"].startswith("revoked at index 4 of ")  # 1, 3: code-map entries
    assert "by zhang at 20" in check["reason"] and check["reason"].endswith("issued by mistake")
