"""Benchmark app.core against the raw floor measured in the same run.

    .venv/bin/python bench/core.py [--leaves 1000000] [--repeat 5]

Rows (median of --repeat runs):
- RFC 6962 root of N leaves: leaf_hashes + root_of, and via Appender.append (the
  sequencer/sync path, which also keeps every level for tiles); floor: hashlib
  SHA-256 over exactly the same 2N-1 messages (precomputed, no concatenation).
- inclusion-proof verification (verify_inclusion, tree of N, random leaves); floor:
  hashlib over the same number of 65-byte node messages.
- signed-note verification (open_note on a checkpoint); floor: PyNaCl
  VerifyKey.verify of the same signature and text.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nacl.signing import VerifyKey  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from app.core.checkpoint import Checkpoint  # noqa: E402
from app.core.merkle import (  # noqa: E402
    Appender,
    ListHashReader,
    leaf_hashes,
    prove_record,
    root_of,
    verify_inclusion,
)
from app.core.note import Signer, generate_key, open_note, sign_note  # noqa: E402


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_root(n: int, repeat: int):
    entries = [b"%d:" % i + os.urandom(100) for i in range(n)]
    leaves = leaf_hashes(entries)
    root = root_of(leaves)
    # The exact messages hashed for the root: n leaf inputs + n-1 node inputs.
    msgs = [b"\x00" + e for e in entries]
    level = leaves
    while len(level) > 1:
        pairs = [b"\x01" + level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        msgs += pairs
        nxt = [hashlib.sha256(m).digest() for m in pairs]
        if len(level) & 1:
            nxt.append(level[-1])
        level = nxt
    assert level[0] == root and len(msgs) == 2 * n - 1

    def ours():
        assert root_of(leaf_hashes(entries)) == root

    def appender():
        a = Appender()
        a.append(leaf_hashes(entries))
        assert a.root() == root

    def floor():
        sha = hashlib.sha256
        for m in msgs:
            sha(m).digest()

    return (
        median_time(ours, repeat),
        median_time(appender, repeat),
        median_time(floor, repeat),
        leaves,
        root,
    )


def bench_inclusion(leaves, root, count: int, repeat: int):
    n = len(leaves)
    res = Appender().append(leaves)
    reader = ListHashReader(res.stored_hashes())
    rnd = random.Random(1)
    cases = []
    for _ in range(count):
        i = rnd.randrange(n)
        cases.append((i, leaves[i], prove_record(n, i, reader)))
    msgs = [b"\x01" + leaf + p for _, leaf, proof in cases for p in proof]

    def ours():
        for i, leaf, proof in cases:
            if not verify_inclusion(i, n, leaf, proof, root):
                raise AssertionError("proof failed")

    def floor():
        sha = hashlib.sha256
        for m in msgs:
            sha(m).digest()

    return median_time(ours, repeat), median_time(floor, repeat), len(cases[0][2])


def bench_notes(count: int, repeat: int):
    skey, vkey = generate_key("city.example/130100")
    signer = Signer.from_key(skey)
    cp = Checkpoint("city.example/130100", 1_000_000, hashlib.sha256(b"root").digest())
    msg = sign_note(cp.to_text(), signer)
    verifiers = [signer.verifier()]
    text = cp.to_text().encode()
    sig = signer.sign(text)
    vk = VerifyKey(signer.public_key)

    def ours():
        for _ in range(count):
            open_note(msg, verifiers)

    def floor():
        for _ in range(count):
            vk.verify(text, sig)

    return median_time(ours, repeat), median_time(floor, repeat)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leaves", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--proofs", type=int, default=20_000)
    ap.add_argument("--notes", type=int, default=5_000)
    args = ap.parse_args(argv)

    n = args.leaves
    t_root, t_app, t_root_floor, leaves, root = bench_root(n, args.repeat)
    t_inc, t_inc_floor, plen = bench_inclusion(leaves, root, args.proofs, args.repeat)
    t_note, t_note_floor = bench_notes(args.notes, args.repeat)

    table = Table(title=f"app.core benchmark (median of {args.repeat} runs, same process)")
    for col in ("operation", "ours", "raw floor", "ours / floor"):
        table.add_column(col, justify="right" if col != "operation" else "left")
    table.add_row(
        f"RFC 6962 root of {n:,} leaves (leaf_hashes + root_of)",
        f"{t_root:.3f} s",
        f"{t_root_floor:.3f} s  (hashlib, {2 * n - 1:,} msgs)",
        f"{t_root / t_root_floor:.2f}x",
    )
    table.add_row(
        "  same via Appender.append (keeps all levels)",
        f"{t_app:.3f} s",
        f"{t_root_floor:.3f} s",
        f"{t_app / t_root_floor:.2f}x",
    )
    table.add_row(
        f"inclusion proof verify ({plen} hashes)",
        f"{args.proofs / t_inc:,.0f} /s",
        f"{args.proofs / t_inc_floor:,.0f} /s  (hashlib)",
        f"{t_inc / t_inc_floor:.2f}x",
    )
    table.add_row(
        "signed-note verify (checkpoint, 1 Ed25519 sig)",
        f"{args.notes / t_note:,.0f} /s",
        f"{args.notes / t_note_floor:,.0f} /s  (nacl verify)",
        f"{t_note / t_note_floor:.2f}x",
    )
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
