"""Crafted proof bundles and forged trust files for bench/adversarial.py.

Bundles are made in-process (a real node's store, the witnesses' real keys) and judged by
the real `cityledger verify --bundle` process; byte flips are judged in-process (the same
verifier function) because hundreds of CLI starts would take minutes on a loaded box."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

from app.core import note
from app.ledger import proof_bundle as B
from app.ledger import trust as T
from app.ledger import verifier as V
from bench.adversarial_common import Row, cli

FLIPS = 200


def _verify_cli(bundle: Path, trust: Path, admin_vkey: str, folder: Path) -> dict:
    done = cli(folder, "verify", "--bundle", bundle, "--trust", trust, "--admin-key", admin_vkey)
    doc = json.loads(done.stdout or "{}")
    doc["exit"] = done.returncode
    doc["traceback"] = "Traceback" in done.stderr
    return doc


def _flip(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]


def crafted_bundles(base: Path) -> list[Row]:
    """Tampered bundles must fail (exit 1); a revoked code's old record and a record signed
    after its official's revoke must never read plainly `verified` offline."""
    from tests.ledger.test_offline_claims import (
        _crafted_log_with_issue_after_revocation,
        revoked_codes_issue_bundle,
    )
    from tests.ledger.verifier_kit import build_net

    node, trust, witnesses, codes = build_net(base / "node")
    admin_skey, admin_vkey = T.generate_admin_key("hebei-admin")
    trust = T.TrustFile(trust.network, admin_vkey, quorum=trust.quorum, cities=trust.cities)
    trust_file = base / "trust.note"
    trust_file.write_bytes(trust.sign(admin_skey))
    folder = base / "verifier"  # no node, no pin: --admin-key pins for this call
    folder.mkdir()
    try:
        genuine = B.export_proof_bundle(node, codes[0], quorum=trust.quorum)
        cp_text, sigs = note.split_note(genuine.checkpoint)
        tampered = {
            "entry (a name changed)": dataclasses.replace(
                genuine, entry=genuine.entry.replace(b"main 0", b"main 9")
            ),
            "inclusion proof (a hash flipped)": dataclasses.replace(
                genuine,
                proof=(bytes([genuine.proof[0][0] ^ 1]) + genuine.proof[0][1:],)
                + genuine.proof[1:],
            ),
            "index (+1)": dataclasses.replace(genuine, index=genuine.index + 1),
            "checkpoint root (log signature kept)": dataclasses.replace(
                genuine, checkpoint=_swap_root(genuine.checkpoint)
            ),
            "cosignatures stripped (below quorum)": dataclasses.replace(
                genuine, checkpoint=note.sign_note(cp_text, existing=sigs[:1])
            ),
            "a cosignature forged (bit flipped)": dataclasses.replace(
                genuine, checkpoint=_flip_signature(genuine.checkpoint, -1)
            ),
        }
        rows = []
        tried = held = 0
        notes = []
        for name, bundle in tampered.items():
            path = base / f"t{tried}.tlog-proof"
            path.write_bytes(bundle.encode())
            doc = _verify_cli(path, trust_file, admin_vkey, folder)
            tried += 1
            if doc["exit"] == 1 and not doc.get("ok", False) and not doc["traceback"]:
                held += 1
            else:
                notes.append(f"{name}: exit {doc['exit']}")
        good = base / "genuine.tlog-proof"
        good.write_bytes(genuine.encode())
        baseline = _verify_cli(good, trust_file, admin_vkey, folder)
        if baseline["exit"] != 0:
            notes.append(f"the genuine bundle itself failed: {baseline}")
        rows.append(
            Row(
                "crafted bundles: tampered entry/proof/index/checkpoint/cosignatures (CLI)",
                tried,
                held,
                tried - held,
                "; ".join(notes) or f"all exit 1; the genuine one: {baseline.get('outcome')}",
            )
        )

        # byte flips anywhere in the encoded bundle, judged by the same verifier function
        rng = random.Random(10)
        data = genuine.encode()
        flips_ok = []
        for _ in range(FLIPS):
            flipped = _flip(data, rng)
            result = V.verify_proof_bundle(flipped, trust)
            if result.ok and result.outcome != V.NOT_VERIFIED:
                flips_ok.append(flipped)
        # a flip that still verifies must leave every signed or hashed byte as it was
        harmful = [f for f in flips_ok if _signed_parts(f) != _signed_parts(data)]
        rows.append(
            Row(
                "crafted bundles: random single-bit flips (in-process verifier)",
                FLIPS,
                FLIPS - len(harmful),
                len(harmful),
                f"{len(flips_ok)} flips verified, all in unsigned framing"
                if flips_ok and not harmful
                else f"{len(flips_ok)} flips verified",
            )
        )

        # the revoked code's old record, under a checkpoint that holds the revoke
        old, _, _ = revoked_codes_issue_bundle(node, witnesses)
        late, revoke, _ = _crafted_log_with_issue_after_revocation(node, witnesses)
        lies = {
            "revoked code's old record": (old, "verified-offline"),
            "record signed after its official's revoke (revoke in bundle)": (
                dataclasses.replace(late, official_revoke=revoke),
                "not-verified",
            ),
            "record signed after its official's revoke (revoke left out)": (
                late,
                "verified-offline",
            ),
        }
        tried = held = 0
        notes = []
        for name, (bundle, expected) in lies.items():
            path = base / f"l{tried}.tlog-proof"
            path.write_bytes(bundle.encode())
            doc = _verify_cli(path, trust_file, admin_vkey, folder)
            tried += 1
            text = json.dumps(doc)
            honest = doc.get("outcome") != "verified" and "not revoked up to" not in text
            if honest and doc.get("outcome") == expected and not doc["traceback"]:
                held += 1
            notes.append(f"{name}: {doc.get('outcome')} (exit {doc['exit']})")
        rows.append(
            Row(
                "crafted bundles: revoked code / signed after official revoked (CLI)",
                tried,
                held,
                tried - held,
                "; ".join(notes),
            )
        )
        return rows
    finally:
        node.close()


def _swap_root(checkpoint: bytes) -> bytes:
    lines = checkpoint.split(b"\n")
    lines[2] = (b"A" if lines[2][:1] != b"A" else b"B") + lines[2][1:]
    return b"\n".join(lines)


def _flip_signature(signed: bytes, which: int) -> bytes:
    lines = signed.rstrip(b"\n").split(b"\n")
    prefix, _, sig = lines[which].rpartition(b" ")
    sig = sig[:-4] + (b"A" if sig[-4:-3] != b"A" else b"B") + sig[-3:]  # past the key id
    lines[which] = prefix + b" " + sig
    return b"\n".join(lines) + b"\n"


def _signed_parts(data: bytes) -> tuple:
    """What a signature or a hash covers in a bundle: entry, index, proof, checkpoint text
    and the signatures' bytes."""
    try:
        b = B.decode_proof_bundle(data)
    except ValueError:
        return ()
    return (b.entry, b.index, b.proof, b.checkpoint, b.official, b.official_revoke)


def forged_trust(base: Path, data_dir: Path, bundle: Path, start_node) -> Row:
    """A node folder's trust.note swapped for a self-signed forgery that also lists an
    attacker's city: every reader refuses it; `--trust forged` with no pin exits 1."""
    genuine = T.installed_trust(data_dir)
    assert genuine is not None
    skey, vkey = T.generate_admin_key(genuine.admin_vkey.split("+")[0])
    attacker = dataclasses.replace(
        genuine.cities[-1],
        code="130900",
        name_en="Cangzhou",
        name_zh="沧州",
        origin="cityledger.example/130900",
        endpoints=("http://127.0.0.1:9/",),
    )
    forged = T.TrustFile(
        genuine.network, vkey, genuine.serial + 1, genuine.quorum, (*genuine.cities, attacker)
    ).sign(skey)
    forged_file = base / "forged.note"
    forged_file.write_bytes(forged)
    T.trust_path(data_dir).write_bytes(forged)  # the folder swap
    empty = base / "empty"
    empty.mkdir()
    checks: list[tuple[str, bool]] = []

    def refused(name: str, done, needle: str) -> None:
        checks.append((name, done.returncode == 1 and needle in (done.stdout + done.stderr)))

    refused("network show", cli(data_dir, "network", "show"), "not signed by admin key")
    refused("verify --bundle", cli(data_dir, "verify", "--bundle", bundle), "not signed")
    refused(
        "verify --trust forged (pinned folder)",
        cli(data_dir, "verify", "--bundle", bundle, "--trust", forged_file),
        "not signed",
    )
    refused(
        "network install forged",
        cli(data_dir, "network", "install", forged_file),
        "refused",
    )
    refused(
        "verify --trust forged, no pin, no --admin-key",
        cli(empty, "verify", "--bundle", bundle, "--trust", forged_file),
        "UNPINNED",
    )
    info = start_node()  # node serve over the swapped folder: the forged city never appears
    checks.append(("node serve ignores the forged file", attacker.origin not in json.dumps(info)))
    held = sum(ok for _, ok in checks)
    return Row(
        "forged trust file (folder swap; --trust forged unpinned)",
        len(checks),
        held,
        len(checks) - held,
        "; ".join(f"{name}: {'refused' if ok else 'ACCEPTED'}" for name, ok in checks),
    )
