"""Exception texts inside reasons are named by family (a translatable phrase), so a view
never shows httpx's or ssl's English in another language; unknown text stays raw."""

from __future__ import annotations

import pytest

from app.core.error_families import family
from app.core.texts import COUNT, NP_, Text, english


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        ("ConnectError: [Errno 111] Connection refused", "connection refused"),
        (
            "http://127.0.0.1:1/log/: checkpoint: ConnectError: All connection attempts failed",
            "connection refused",
        ),
        ("checkpoint: ConnectTimeout: timed out", "no answer within the deadline"),
        ("PeerTooSlow: no complete answer within 8 s", "no answer within the deadline"),
        (
            "ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
            "the secure connection (TLS) failed",
        ),
        ("ConnectError: [Errno -2] Name or service not known", "host name not found"),
        ("ReadError: [Errno 104] Connection reset by peer", "the connection was cut"),
        ("checkpoint: not found (404)", "not found on the node (HTTP 404)"),
        (
            "fork evidence #3 unresolved: newer checkpoints of this city are refused",
            "unresolved fork evidence #3",
        ),
        (
            "a fork: the tree at size 7 differs from the one held",
            "fork evidence: two different trees for one log",
        ),
        (
            "the checkpoint signature does not verify with the log key",
            "a signature does not verify",
        ),
    ],
)
def test_known_errors_are_named_by_their_family(raw, phrase):
    found = family(raw)
    assert found is not None and str(found) == phrase


def test_an_http_status_keeps_its_number_and_unknown_text_has_no_family():
    assert family("submit: HTTP 503") == Text("the node answered HTTP {status}", {"status": "503"})
    assert family("the entry names no official") is None


def test_a_plural_text_prints_its_english_singular_for_one():
    template = NP_("%n peers ({what})", None, COUNT, one="%n peer ({what})")
    assert english(template, {COUNT: 1, "what": "x"}) == "1 peer (x)"
    assert str(Text(template, {COUNT: 2, "what": "x"})) == "2 peers (x)"
