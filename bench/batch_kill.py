"""SIGKILL matrix for `cityledger issue --batch`: kill the batch at several points, run the
same command again, and count what a user would lose or get twice.

    PYTHONPATH=. .venv/bin/python bench/batch_kill.py [--features 20000] [--points 0,0.25,0.5,0.9]

A kill point p kills the first run once p x features issue records are committed (p = 0:
before the first commit, i.e. while signing). Each row: where it was killed, what the
rerun found already issued, issue records in the log, duplicate codes for one feature,
features without a code in --out, and the seconds of the first run (until the kill) and
of the rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

NODE_PASS, OFFICIAL_PASS = "bench-node-passphrase", "bench-official-passphrase"


def write_layer(path: Path, n: int) -> None:
    feats = [
        {
            "type": "Feature",
            "properties": {"asset_class": "WAT", "name": f"pump {i}"},
            "geometry": {
                "type": "Point",
                "coordinates": [114.40 + (i % 200) * 1e-3, 37.95 + (i // 200) * 1e-3],
            },
        }
        for i in range(n)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))


def log_size(data: Path) -> int:
    with sqlite3.connect(f"file:{data / 'ledger.sqlite3'}?mode=ro", uri=True) as db:
        return int(db.execute("select size from logs where kind = 'own'").fetchone()[0])


def one_point(base: Path, layer: Path, n: int, point: float) -> dict:
    from app.ledger.node import Node

    data = base / f"node-{point}"
    node = Node.create(data, "130100", "Shijiazhuang", "石家庄", NODE_PASS)
    node.add_official("bench", OFFICIAL_PASS)
    node.close()
    out = base / f"out-{point}.gpkg"
    cmd = [sys.executable, "-m", "app", "--data", str(data), "issue", "--batch", str(layer)]
    cmd += ["--out", str(out), "--json"]
    env = {
        **os.environ,
        "CITYLEDGER_PASSPHRASE": NODE_PASS,
        "CITYLEDGER_OFFICIAL_PASSPHRASE": OFFICIAL_PASS,
    }
    t0 = time.perf_counter()
    first = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    target = 1 + max(1, int(point * n)) if point > 0 else None
    while first.poll() is None:
        if target is None and time.perf_counter() - t0 > 2.0:
            break  # p = 0: still signing
        if target is not None and log_size(data) >= target:
            break
        time.sleep(0.005)
    finished_early = first.poll() is not None
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = log_size(data) - 1
    t_first = time.perf_counter() - t0
    t1 = time.perf_counter()
    rerun = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, timeout=3600)
    t_rerun = time.perf_counter() - t1
    doc = json.loads(rerun.stdout) if rerun.returncode == 0 else {}
    with Node.open(data) as node:
        logged = [
            json.loads(node.store.entry(node.origin, i))["code"] for i in range(1, node.size())
        ]
    import pyogrio

    coded = pyogrio.read_dataframe(out) if out.exists() else None
    return {
        "kill at": f"{point:.0%}" + (" (had finished)" if finished_early else ""),
        "committed at kill": killed_at,
        "rerun exit": rerun.returncode,
        "already issued": doc.get("already_issued"),
        "issue records": len(logged),
        "twice": len(logged) - len(set(logged)) + max(0, len(set(logged)) - n),
        "without code": n - (int(coded["code"].notna().sum()) if coded is not None else 0),
        "first s": round(t_first, 1),
        "rerun s": round(t_rerun, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=20_000)
    ap.add_argument("--points", default="0,0.25,0.5,0.9")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        layer = base / "layer.geojson"
        write_layer(layer, args.features)
        rows = [one_point(base, layer, args.features, float(p)) for p in args.points.split(",")]
    cols = list(rows[0])
    print(
        f"issue --batch of {args.features:,} features, SIGKILL then rerun "
        f"(load {os.getloadavg()[0]:.1f})"
    )
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))


if __name__ == "__main__":
    main()
