"""Code map benchmark (app/core/code_map.py): what a sequencer would pay per batch to keep
the verifiable code index, beside the raw hashing floor.

A map of N random codes is built once; then batches of B new codes are set with
`set_many` and the root recomputed, as a sequencer would at the end of each batch. The
floor is hashlib SHA-256 over the same number of 65-byte messages the batch hashes (one
inner node per level touched, plus the leaves), measured in the same run. Also: proof
size and verification rate.

    .venv/bin/python bench/code_map.py [--n 200000] [--batch 1000] [--batches 10]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core import code_map as M  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000, help="codes in the map before the batches")
    ap.add_argument("--batch", type=int, default=1000, help="new codes per batch")
    ap.add_argument("--batches", type=int, default=10)
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; n={a.n:,}, batch={a.batch:,}")

    t = time.perf_counter()
    m = M.CodeMap((os.urandom(32), i) for i in range(a.n))
    m.root()
    print(f"build + first root of {a.n:,} codes: {time.perf_counter() - t:.2f} s")

    rates, floors = [], []
    for b in range(a.batches):
        batch = [(os.urandom(32), a.n + b * a.batch + i) for i in range(a.batch)]
        before = m.copy()
        t = time.perf_counter()
        m.set_many(batch)
        m.root()
        rates.append(a.batch / (time.perf_counter() - t))
        # the floor: as many SHA-256 calls as the nodes this batch created
        nodes = sum(len(m.prove(k).siblings) for k, _ in batch) + a.batch
        msg = bytes(65)
        t = time.perf_counter()
        for _ in range(nodes):
            hashlib.sha256(msg).digest()
        floors.append(a.batch / (time.perf_counter() - t))
        del before
    print(
        f"set_many + root, {a.batches} batches: median {statistics.median(rates):,.0f} codes/s "
        f"(hashing floor {statistics.median(floors):,.0f} codes/s, an upper bound: shared "
        "upper nodes are hashed once per batch)"
    )

    keys = [os.urandom(32) for _ in range(1000)]
    proofs = [m.prove(k) for k in keys]
    root = m.root()
    t = time.perf_counter()
    assert all(M.verify_map_proof(root, k, None, p) for k, p in zip(keys, proofs, strict=True))
    verify_rate = len(keys) / (time.perf_counter() - t)
    sizes = [len(p.encode()) for p in proofs]
    depths = [len(p.siblings) for p in proofs]
    print(
        f"proofs: median {statistics.median(depths):.0f} siblings, "
        f"{statistics.median(sizes):.0f} bytes encoded; verify {verify_rate:,.0f} /s"
    )


if __name__ == "__main__":
    main()
