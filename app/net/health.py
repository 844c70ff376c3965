"""Per-peer health and the back-off schedule of the sync engine."""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field

BACKOFF_BASE = 1.0  # seconds after the first failure
BACKOFF_CAP = 300.0


def backoff_delay(
    failures: int,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_CAP,
    rng: random.Random | None = None,
) -> float:
    """Exponential back-off with "full jitter": uniform in [0.5, 1] of min(cap, base·2^k)."""
    if failures <= 0:
        return 0.0
    ceiling = min(cap, base * (2 ** min(failures - 1, 30)))
    return ceiling * (0.5 + 0.5 * (rng or random).random())


@dataclass
class PeerHealth:
    """What the node knows about one member city's log and the peer serving it."""

    origin: str
    city: str
    url: str | None = None  # the endpoint used last
    state: str = "unknown"  # 'ok' | 'failing' | 'frozen' | 'unknown'
    verified_size: int = 0  # size of the latest verified checkpoint
    held_size: int = 0  # entries held locally (≤ verified_size)
    peer_size: int | None = None  # size the peer announced last
    cosignatures: int = 0
    last_success: float | None = None
    last_attempt: float | None = None
    error: str | None = None
    failures: int = 0
    next_try: float = field(default=0.0)

    @property
    def lag(self) -> int:
        """Entries the peer has that we do not hold yet."""
        top = max(self.peer_size or 0, self.verified_size)
        return max(0, top - self.held_size)

    def succeeded(self, url: str) -> None:
        now = time.time()
        self.url, self.state, self.error, self.failures = url, "ok", None, 0
        self.last_success = self.last_attempt = now
        self.next_try = 0.0

    def failed(self, url: str | None, error: str, frozen: bool = False) -> None:
        now = time.time()
        self.url = url or self.url
        self.state = "frozen" if frozen else "failing"
        self.error = error
        self.failures += 1
        self.last_attempt = now
        self.next_try = now + backoff_delay(self.failures)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["lag"] = self.lag
        return d
