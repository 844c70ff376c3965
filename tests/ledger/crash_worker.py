"""A node issuing codes forever, printing `ACK <code> <index>` once each is acknowledged.

Run by test_crash.py as `python -m tests.ledger.crash_worker DATA_DIR DB_URL SEED` and
killed with SIGKILL at random moments.
"""

import random
import sys

from app.ledger.node import Node


def main() -> None:
    data_dir, db_url, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    node = Node.open(data_dir, db_url=db_url, batch_delay=0.002, batch_size=200)
    node.unlock("node-pw")
    print("READY", flush=True)
    i = 0
    while True:
        items = [
            {
                "asset_class": "WAT",
                "name": f"pipe {seed}-{i + k}",
                "geometry": {"type": "Point", "coordinates": [114 + rng.random(), 38.0]},
            }
            for k in range(rng.randint(1, 300))
        ]
        i += len(items)
        for r in node.issue_many("alice", "alice-pw", items):
            if isinstance(r, Exception):
                print(f"REFUSED {r}", flush=True)
            else:
                sys.stdout.write(f"ACK {r.code} {r.index}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
