"""How strong a passphrase must be before it may protect a key (city, official or
network admin): at least ``MIN_LENGTH`` characters and a zxcvbn score of ``MIN_SCORE``
("safely unguessable"), judged with the names around the key (city, official, network)
as known words, since an attacker knows them too. Keys are sealed with argon2id, so the
bar is what a slow offline guesser needs, not what a login prompt needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.ledger.keystore import KeystoreError

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn 0..4


class WeakPassphrase(KeystoreError):
    """A new passphrase below the minimum strength; the message says why and what helps."""


def weakness(passphrase: str, known_words: Iterable[str] = ()) -> str | None:
    """Why ``passphrase`` is too weak for a key, or None when it is strong enough."""
    from zxcvbn import zxcvbn

    if len(passphrase) < MIN_LENGTH:
        return (
            f"the passphrase has {len(passphrase)} characters; use at least {MIN_LENGTH} "
            "(a few unrelated words work well)"
        )
    words = [w for w in known_words if w] + ["cityledger"]
    result = zxcvbn(passphrase[:100], user_inputs=words)  # zxcvbn is slow on long input
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    hints = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
    return (
        f"the passphrase is too easy to guess (strength {result['score']} of 4, at least "
        f"{MIN_SCORE} needed){': ' + hints if hints else ''}"
    )


def require_strong(passphrase: str, known_words: Iterable[str] = ()) -> None:
    problem = weakness(passphrase, known_words)
    if problem:
        raise WeakPassphrase(problem)
