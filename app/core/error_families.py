"""Short, translatable names for the errors that end up inside reasons.

An exception reaches a health or verification reason as English text (``str(e)`` from
httpx, ssl, a peer's answer, the sync engine), often after crossing a process as a
string in a node's /info. The CLI prints it as it is; a view shows the family's phrase
in the UI language (``family`` gives it as a marked Text) and keeps the raw text as a
secondary detail (a tooltip). Text that matches no family is shown raw.
"""

from __future__ import annotations

import re

from app.core.texts import N_, Text

# First match wins: the specific families (timeouts, TLS and name failures that httpx
# also calls "Connect…", 404 before any HTTP status, fork before signature) come first.
_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"fork evidence #(?P<id>\d+)", re.I), N_("unresolved fork evidence #{id}")),
    (re.compile(r"\bfork\b", re.I), N_("fork evidence: two different trees for one log")),
    (
        re.compile(r"timed? ?out|timeout|TooSlow|no complete answer within", re.I),
        N_("no answer within the deadline"),
    ),
    (
        re.compile(r"\b(ssl|tls)\b|certificate", re.I),
        N_("the secure connection (TLS) failed"),
    ),
    (
        re.compile(r"name or service not known|name resolution|getaddrinfo|nodename", re.I),
        N_("host name not found"),
    ),
    (
        re.compile(r"connection refused|errno 111|ConnectError|connection attempts failed", re.I),
        N_("connection refused"),
    ),
    (
        re.compile(r"connection reset|RemoteProtocolError|disconnected|ReadError|WriteError", re.I),
        N_("the connection was cut"),
    ),
    (re.compile(r"the node is stopping"), N_("this node is stopping")),
    (re.compile(r"not found \(404\)|HTTP 404\b"), N_("not found on the node (HTTP 404)")),
    (re.compile(r"HTTP (?P<status>[1-5]\d\d)\b"), N_("the node answered HTTP {status}")),
    (re.compile(r"larger than \d+ bytes"), N_("the answer is too large")),
    (
        re.compile(
            r"signature[^.;]*(does not|did not|doesn't|fails|failed|invalid|bad)|bad signature",
            re.I,
        ),
        N_("a signature does not verify"),
    ),
)


def family(raw: str) -> Text | None:
    """The family of an error text, as a translatable Text, or None if unknown."""
    for pattern, template in _FAMILIES:
        match = pattern.search(raw)
        if match:
            return Text(template, {k: v for k, v in match.groupdict().items() if v})
    return None
