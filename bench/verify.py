"""Benchmark the verifier against the signature floor measured in the same run.

    .venv/bin/python bench/verify.py [--codes 2000] [--sample 500] [--repeat 3]

A real node (SQLite in a temporary folder) issues --codes codes; two witness cities
co-sign its checkpoint; then, over --sample of those codes (median of --repeat runs):
- verify_proof_bundle: offline verification of the exported proof bundle (decode, entry and
  official-add inclusion proofs, entry signature, log signature, 2 cosignatures);
- verify_code: the same checks read from the node's store (entry, tiles, officials);
- export_proof_bundle: building the bundle from the store;
- floor: PyNaCl VerifyKey.verify of the same 4 signatures per code (entry, checkpoint,
  2 cosignatures), precomputed messages — what no verifier can go below.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nacl.signing import VerifyKey  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from app.core import note  # noqa: E402
from app.core.cosignature import cosigned_message, signature_timestamp  # noqa: E402
from app.core.records import signing_message  # noqa: E402
from app.ledger.node import Node  # noqa: E402
from app.ledger.proof_bundle import export_proof_bundle  # noqa: E402
from app.ledger.verifier import verify_code, verify_proof_bundle  # noqa: E402
from bench.core import median_time  # noqa: E402
from tests.ledger.verifier_kit import OTHER_CITIES, POINT, cosign_latest, make_trust, other_city  # noqa: E402


def floor_inputs(node, bundles, trust):
    """(VerifyKey, message, signature) for the 4 signatures each bundle's check needs."""
    import json

    official = next(o for o in node.officials() if o["name"] == "bench")
    ovk = VerifyKey(note.Verifier.from_key(official["vkey"]).public_key)
    text, sigs = note.split_note(bundles[0].checkpoint)
    by_name = {s.name: s for s in sigs}
    log_v = note.Verifier.from_key(node.log_vkey)
    items = [(VerifyKey(log_v.public_key), text.encode(), by_name[log_v.name].raw)]
    for c in trust.witness_cities(node.origin):
        v = note.Verifier.from_key(c.witness_vkey)
        s = by_name[v.name]
        items.append(
            (
                VerifyKey(v.public_key),
                cosigned_message(signature_timestamp(s), text.encode()),
                s.raw[8:],
            )
        )
    out = []
    for b in bundles:
        rec = json.loads(b.entry)
        import base64

        out.append((ovk, signing_message(rec), base64.b64decode(rec["sig"])))
        out.extend(items)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codes", type=int, default=2000)
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        node = Node.create(Path(tmp) / "node", "130100", "Shijiazhuang", "石家庄", "bench")
        try:
            node.add_official("bench", "bench")
            items = [
                {
                    "asset_class": "WAT",
                    "name": f"main {i}",
                    "geometry": POINT,
                    "attributes": {"dn": i % 50},
                }
                for i in range(a.codes)
            ]
            codes = [r.code for r in node.issue_many("bench", "bench", items)]
            witnesses = [other_city(*c) for c in OTHER_CITIES]
            cosign_latest(node, *(w.signer for w in witnesses))
            trust, _ = make_trust(node, witnesses, quorum=2)
            sample = codes[:: max(1, len(codes) // a.sample)][: a.sample]
            bundles = [export_proof_bundle(node, c, quorum=2) for c in sample]
            data = [b.encode() for b in bundles]
            assert all(verify_proof_bundle(d, trust).ok for d in data)
            assert all(verify_code(node, c, trust).ok for c in sample)
            floor = floor_inputs(node, bundles, trust)

            def run_floor():
                for vk, msg, sig in floor:
                    vk.verify(msg, sig)

            n = len(sample)
            rows = [
                (
                    "verify_proof_bundle (offline)",
                    median_time(lambda: [verify_proof_bundle(d, trust) for d in data], a.repeat),
                ),
                (
                    "verify_code (store)",
                    median_time(lambda: [verify_code(node, c, trust) for c in sample], a.repeat),
                ),
                (
                    "export_proof_bundle (store)",
                    median_time(
                        lambda: [export_proof_bundle(node, c, quorum=2) for c in sample], a.repeat
                    ),
                ),
            ]
            t_floor = median_time(run_floor, a.repeat)
        finally:
            node.close()
    table = Table(
        title=f"verifier: {n} codes of a {a.codes}-entry log, quorum 2 (median of {a.repeat})"
    )
    for col in ("operation", "per code", "codes/s", "× floor"):
        table.add_column(col, justify="right" if col != "operation" else "left")
    table.add_row(
        "floor: 4 × Ed25519 verify", f"{t_floor / n * 1e6:.0f} µs", f"{n / t_floor:,.0f}", "1.0"
    )
    for name, t in rows:
        table.add_row(name, f"{t / n * 1e6:.0f} µs", f"{n / t:,.0f}", f"{t / t_floor:.1f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
