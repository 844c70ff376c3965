"""Measured health of every member city: one model for the node, the CLI and the UI.

API (Qt-free; the UI polls `fetch_status` from its worker thread, or folds HEALTH events):

    from app.net.health import fetch_status, NetworkStatus, DOWN, OWN_DOWN
    status = fetch_status(node_url)       # GET <node>/info → NetworkStatus (never raises);
                                          # an unreachable node gives status.own.state OWN_DOWN
    status = NetworkStatus.from_dict(d)   # d: /info["health"] or `cityledger network status --json`
    status.own                            # CityStatus of the node's own city
    status.cities                         # CityStatus of every other member, worst first
    status.counts()                       # {"ok": 3, "lagging": 0, "stale": 0, "down": 1, ...}
    status.as_dict()                      # JSON-ready, round-trips through from_dict

    CityStatus fields: code, origin, state, reason (one line, English; also as an English
    template marked N_ and its parameters, which a view shows translated), size (checkpoint
    size verified here), held (entries held here), cosignatures, quorum, last_answer
    (unix time the city's own endpoint last answered, or None), via ("city" | "mirror" |
    None: where the log was read last).

States, most severe first (SEVERITY): FROZEN (unresolved fork/misbehaviour evidence: its
newer records are refused), OWN_DOWN (this node does not answer; own city only), DOWN,
STALE, LAGGING, UNKNOWN (not reached yet), OK. Rules (HealthPolicy holds the numbers):
- DOWN: the city's own endpoints failed `down_after_failures` calls in a row, or have not
  answered for `down_after_seconds`. Reading its log through another member's mirror does
  not make it up: a city whose node is dead reads as down.
- STALE: its latest checkpoint verified here has fewer cosignatures than the quorum.
- LAGGING: its node answers but what it serves is refused (and no mirror had the log),
  or its node serves a smaller size than another member has seen (a mirror or a
  witness request showed more), or entries it published are not held here yet
  `lagging_after_seconds` after we learnt of them, or its checkpoint was last confirmed
  current more than `lagging_after_seconds` ago.

The node's sync engine keeps a PeerHealth per city (replication counters) and an
EndpointHealth per member URL (deadline failures, back-off); `assess` turns them into a
CityStatus. HEALTH events carry PeerHealth.as_dict(), whose "status" is CityStatus.as_dict().
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field, fields

from app.core.texts import COUNT, N_, NP_, english

BACKOFF_BASE = 1.0  # seconds after the first failure
BACKOFF_CAP = 30.0  # a city that comes back is noticed within this, even without a push

OK, LAGGING, STALE, DOWN, OWN_DOWN, FROZEN, UNKNOWN = (
    "ok",
    "lagging",
    "stale",
    "down",
    "own_down",
    "frozen",
    "unknown",
)
SEVERITY = (FROZEN, OWN_DOWN, DOWN, STALE, LAGGING, UNKNOWN, OK)


def backoff_delay(
    failures: int,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_CAP,
    rng: random.Random | None = None,
) -> float:
    """Exponential back-off with jitter: uniform in [0.5, 1] of min(cap, base·2^k)."""
    if failures <= 0:
        return 0.0
    ceiling = min(cap, base * (2 ** min(failures - 1, 30)))
    return ceiling * (0.5 + 0.5 * (rng or random).random())


@dataclass(frozen=True)
class HealthPolicy:
    down_after_failures: int = 3
    down_after_seconds: float = 15.0
    lagging_after_seconds: float = 150.0  # above the longest quiet poll interval


@dataclass
class EndpointHealth:
    """One member node's URL as this node's calls experience it (deadlines, back-off)."""

    url: str
    failures: int = 0  # in a row
    slow: bool = False  # the last failure was a call running over its total deadline
    last_answer: float | None = None
    last_error: str | None = None
    next_try: float = 0.0

    def answered(self) -> None:
        self.failures, self.slow, self.last_error, self.next_try = 0, False, None, 0.0
        self.last_answer = time.time()

    def failed(self, error: str, slow: bool = False) -> None:
        self.failures += 1
        self.slow, self.last_error = slow, error
        self.next_try = time.time() + backoff_delay(self.failures)

    def backed_off(self, now: float | None = None) -> bool:
        return self.next_try > (time.time() if now is None else now)


@dataclass
class PeerHealth:
    """What the node knows about one member city's log and the node serving it."""

    origin: str
    city: str
    url: str | None = None  # the endpoint used last
    state: str = "unknown"  # replication: 'ok' | 'failing' | 'frozen' | 'unknown'
    verified_size: int = 0  # size of the latest verified checkpoint
    held_size: int = 0  # entries held locally (≤ verified_size)
    peer_size: int | None = None  # size the city's own node served last
    seen_size: int = 0  # largest verified size seen anywhere (mirrors, witness requests)
    cosignatures: int = 0
    quorum: int = 0
    last_success: float | None = None
    last_attempt: float | None = None
    error: str | None = None
    failures: int = 0
    next_try: float = field(default=0.0)
    via: str | None = None  # 'city' | 'mirror'
    city_failures: int = 0  # the city's own endpoints, calls failed in a row
    city_last_answer: float | None = None
    city_error: str | None = None
    city_failing_since: float | None = None  # start of the current run of failed calls
    behind_since: float | None = None  # when we first knew of entries not held yet
    followed: bool = True  # its entries are replicated here (else only its checkpoints)
    confirm_within: float = 0.0  # the longest wait between two polls of it here (0: default)

    @property
    def lag(self) -> int:
        """Entries the city has published that we do not hold yet."""
        if not self.followed:
            return 0  # only its checkpoints are kept: nothing to fetch
        top = max(self.peer_size or 0, self.verified_size, self.seen_size)
        return max(0, top - self.held_size)

    def succeeded(self, url: str, via: str = "city") -> None:
        now = time.time()
        self.url, self.state, self.error, self.failures, self.via = url, "ok", None, 0, via
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

    def city_answered(self, size: int | None) -> None:
        self.city_failures, self.city_error, self.city_failing_since = 0, None, None
        self.city_last_answer = time.time()
        if size is not None:
            self.peer_size = size

    def city_failed(self, error: str) -> None:
        self.city_failures += 1
        self.city_error = error
        if self.city_failing_since is None:
            self.city_failing_since = time.time()

    def saw_size(self, size: int) -> None:
        self.seen_size = max(self.seen_size, size)

    def note_sizes(self, verified: int, held: int, cosignatures: int) -> None:
        self.verified_size, self.held_size, self.cosignatures = verified, held, cosignatures
        self.seen_size = max(self.seen_size, verified)
        if self.lag == 0:
            self.behind_since = None
        elif self.behind_since is None:
            self.behind_since = time.time()

    def as_dict(self, policy: HealthPolicy | None = None) -> dict:
        d = asdict(self)
        d["lag"] = self.lag
        d["status"] = assess(self, policy).as_dict()
        return d


@dataclass(frozen=True)
class CityStatus:
    code: str
    origin: str
    state: str
    reason: str
    size: int = 0
    held: int = 0
    cosignatures: int = 0
    quorum: int = 0
    last_answer: float | None = None
    via: str | None = None
    template: str = ""  # `reason` as an English template (marked N_) ...
    params: dict = field(default_factory=dict, compare=False)  # ... and its parameters

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> CityStatus:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def assess(h: PeerHealth, policy: HealthPolicy | None = None, now: float | None = None):
    """The CityStatus of one member city from what sync measured (see the module doc)."""
    p = policy or HealthPolicy()
    now = time.time() if now is None else now
    state, template, params = _classify(h, p, now)
    return CityStatus(
        code=h.city,
        origin=h.origin,
        state=state,
        reason=english(template, params),
        template=template,
        params=params,
        size=h.verified_size,
        held=h.held_size,
        cosignatures=h.cosignatures,
        quorum=h.quorum,
        last_answer=h.city_last_answer,
        via=h.via,
    )


# Reasons with a count (Qt plural forms; NP_ in app.core.texts), marked once at import
# so the English singular is known to every process that prints them.
_NO_ANSWER = NP_(
    "its node does not answer (%n failed calls): {error}",
    None,
    COUNT,
    one="its node does not answer (%n failed call): {error}",
)
_NO_ANSWER_SINCE = NP_(
    "its node does not answer (%n failed calls; last answer {seconds} s ago): {error}",
    None,
    COUNT,
    one="its node does not answer (%n failed call; last answer {seconds} s ago): {error}",
)
_NOT_HELD = NP_(
    "%n entries not held here after {seconds} s",
    None,
    COUNT,
    one="%n entry not held here after {seconds} s",
)
_CATCHING_UP = NP_(
    "catching up: %n entries to fetch", None, COUNT, one="catching up: %n entry to fetch"
)


def _classify(h: PeerHealth, p: HealthPolicy, now: float) -> tuple[str, str, dict]:
    """(state, reason template, its parameters)."""
    if h.state == "frozen":
        if h.error:
            return FROZEN, "{error}", {"error": h.error}
        return FROZEN, N_("evidence of misbehaviour is unresolved"), {}
    silent_for = None if h.city_last_answer is None else now - h.city_last_answer
    failing_for = None if h.city_failing_since is None else now - h.city_failing_since
    error = h.city_error or N_("no answer")
    if h.city_failures and (
        h.city_failures >= p.down_after_failures
        or max(silent_for or 0, failing_for or 0) >= p.down_after_seconds
    ):
        template = _NO_ANSWER if silent_for is None else _NO_ANSWER_SINCE
        params = {COUNT: h.city_failures, "error": error}
        return (
            DOWN,
            template,
            params | ({} if silent_for is None else {"seconds": round(silent_for)}),
        )
    if h.city_last_answer is None and h.city_failures:
        return UNKNOWN, N_("not reached yet: {error}"), {"error": error}
    if h.state == "failing" and h.error and not h.city_failures:
        # Its node answers, but what it serves (a checkpoint signed by another key, a bad
        # proof or bundle) is refused and no mirror had better: never "in sync".
        return LAGGING, N_("what its node serves is refused here: {error}"), {"error": h.error}
    if h.verified_size and h.cosignatures < h.quorum:
        return STALE, *_quorum_reason(h.verified_size, h.cosignatures, h.quorum)
    if h.peer_size is not None and h.seen_size > h.peer_size:
        return (
            LAGGING,
            N_("its node serves size {size}, another member has seen {seen}"),
            {"size": h.peer_size, "seen": h.seen_size},
        )
    if h.behind_since is not None and now - h.behind_since >= p.lagging_after_seconds:
        return (
            LAGGING,
            _NOT_HELD,
            {COUNT: h.lag, "seconds": round(now - h.behind_since)},
        )
    # Quiet cities of a large network are polled further apart (app.net.sync POLL_SPACING):
    # silence reads as lagging only well past the longest wait this node scheduled.
    silent_limit = max(p.lagging_after_seconds, 2.5 * h.confirm_within)
    if silent_for is not None and silent_for >= silent_limit:
        return (
            LAGGING,
            N_("checkpoint last confirmed {seconds} s ago"),
            {"seconds": round(silent_for)},
        )
    if h.city_last_answer is None and h.last_success is None:
        return UNKNOWN, N_("not reached yet"), {}
    if h.lag:
        return (
            LAGGING,
            _CATCHING_UP,
            {COUNT: h.lag},
        )
    if not h.followed:
        return (
            OK,
            N_("checkpoint verified at size {size} (not followed: codes verified on demand)"),
            {"size": h.verified_size},
        )
    return OK, N_("in sync at size {size}"), {"size": h.verified_size}


def _quorum_reason(size: int, cosignatures: int, quorum: int) -> tuple[str, dict]:
    return (
        N_("checkpoint {size} has {cosignatures} of {quorum} cosignatures"),
        {"size": size, "cosignatures": cosignatures, "quorum": quorum},
    )


def _severity(s: CityStatus) -> int:
    return SEVERITY.index(s.state) if s.state in SEVERITY else len(SEVERITY)


@dataclass
class NetworkStatus:
    own: CityStatus
    cities: list[CityStatus] = field(default_factory=list)
    quorum: int = 0
    time: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.cities = sorted(self.cities, key=lambda s: (_severity(s), s.code))

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITY}
        for c in self.cities:
            out[c.state] = out.get(c.state, 0) + 1
        return out

    def as_dict(self) -> dict:
        return {
            "own": self.own.as_dict(),
            "cities": [c.as_dict() for c in self.cities],
            "counts": self.counts(),
            "quorum": self.quorum,
            "time": self.time,
        }

    @classmethod
    def from_dict(cls, d: dict) -> NetworkStatus:
        return cls(
            own=CityStatus.from_dict(d["own"]),
            cities=[CityStatus.from_dict(c) for c in d.get("cities", [])],
            quorum=int(d.get("quorum", 0)),
            time=float(d.get("time", time.time())),
        )


def own_status(code: str, origin: str, size: int, cosignatures: int, quorum: int) -> CityStatus:
    """The node's own city as the node itself sees it (it answers, so it is up)."""
    if size and cosignatures < quorum:
        state, (template, params) = STALE, _quorum_reason(size, cosignatures, quorum)
    else:
        state, template, params = OK, N_("serving size {size}"), {"size": size}
    reason = english(template, params)
    return CityStatus(
        code,
        origin,
        state,
        reason,
        size,
        size,
        cosignatures,
        quorum,
        time.time(),
        template=template,
        params=params,
    )


def unreachable(url: str, error: str, code: str = "", origin: str = "") -> NetworkStatus:
    """What a reader of a node that does not answer knows: the node itself is down."""
    template, params = (
        N_("the node at {url} does not answer: {error}"),
        {"url": url, "error": error},
    )
    reason = english(template, params)
    return NetworkStatus(
        own=CityStatus(code, origin, OWN_DOWN, reason, template=template, params=params)
    )


def fetch_status(url: str, timeout: float = 3.0) -> NetworkStatus:
    """The health document of the node at `url` (its /info); never raises."""
    import httpx

    try:
        resp = httpx.get(url.rstrip("/") + "/info", timeout=timeout)
        resp.raise_for_status()
        return NetworkStatus.from_dict(resp.json()["health"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as e:
        return unreachable(url, f"{type(e).__name__}: {e}")
