"""Identity codes: ``CCCCCC-AAA-SSSSSSSS-K`` (docs/architecture.md, "Identity codes").

- ``CCCCCC``: the issuing city's 6-digit GB/T 2260 division code (e.g. 130100).
- ``AAA``: asset class from the registry (app.core.classes).
- ``SSSSSSSS``: 40 random bits in Crockford base32 (alphabet 0-9A-Z without I L O U).
- ``K``: check character in 0-9A-Z.

Check character
---------------
The first design asked for ISO/IEC 7064 MOD 37,36 (hybrid). That system does NOT detect
every adjacent transposition over a 36-symbol alphabet: from some internal states,
swapping two consecutive values (e.g. 17 and 18, 'H' and 'I') leaves the running
state unchanged (36 state/pair cases; tests/core/test_codes.py lists them).
The property is the requirement ("MOD 37-36 or equivalent"; docs/architecture.md,
"Damm check character over an order-36 quasigroup"), so the check character is
computed with the Damm algorithm over a totally anti-symmetric quasigroup of order 36,
which detects every single substitution and every adjacent transposition (including
with the check character itself), by construction and as tested exhaustively:

- the quasigroup is GF(4) x GF(9) with ``x * y = (a1*x1 + y1, a2*x2 + y2)``,
  a1 = alpha (a root of x^2+x+1), a2 = i (i^2 = -1); ``(c*x)*y == (c*y)*x`` implies
  ``(a-1)(x-y) == 0`` so ``x == y``, hence total anti-symmetry;
- its 36 elements are labelled with the values of 0-9A-Z (0..35) through the fixed
  permutation ``_LABELS``, chosen so that the forgiving reading of the serial
  (O->0, I/L->1) can never make a transposition of the last serial character with
  a check letter I, L or O go undetected;
- body values: digits 0-9 -> 0..9, letters A-Z -> 10..35 over the 17 characters
  without dashes; the state starts at 0, and K is the character that brings it
  back to 0.

A mismatched check character is reported WITHOUT revealing the expected one:
the typo is more often in the body than in K, and "correcting" K would turn a
typo into a well-formed code for a different asset.

Input is forgiving: case-insensitive, spaces anywhere, full-width forms, dashes
optional (but a dash, when typed, must sit at a group boundary, so that a dash
swapped with a neighbour is caught), and O->0, I/L->1 in the serial.

The check character is read literally (a deviation from the first design, which asked to
accept a check typed O/I/L when 0/1 is valid): K ranges over all of 0-9A-Z, so
'O' and '0' are both legitimate, different check values; accepting one for the
other would let a single substitution in the body through whenever it moves the
valid check from 'O' to '0' (e.g. 130200-PLT-1Y87MW63-O -> 136200-PLT-1Y87MW63-O).
A mismatch whose typed check is O/I/L gets a hint that letter and digit differ.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from app.core.classes import ASSET_CLASSES
from app.core.errors import CodeError
from app.core.texts import N_

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_ALIASES = {"O": "0", "I": "1", "L": "1"}
SERIAL_BITS = 40
_VALUE = {ch: i for i, ch in enumerate(ALPHANUMERIC)}
_CROCKFORD_VALUE = {ch: i for i, ch in enumerate(CROCKFORD)}

# Group lengths without dashes and where the dashes go in the canonical text.
_CITY, _CLASS, _SERIAL = slice(0, 6), slice(6, 9), slice(9, 17)
_BODY_LEN = 17
_DASH_AFTER = (6, 9, 17)
CODE_LENGTH = 21  # canonical, with dashes

# GB/T 2260 province-level prefixes (first two digits).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

_LABELS = (
    10,
    18,
    14,
    4,
    35,
    25,
    29,
    26,
    32,
    31,
    22,
    30,
    34,
    3,
    19,
    6,
    17,
    23,
    21,
    0,
    5,
    16,
    12,
    33,
    1,
    20,
    9,
    28,
    7,
    8,
    13,
    24,
    2,
    11,
    15,
    27,
)


def _build_table() -> tuple[tuple[int, ...], ...]:
    def gf4_mul(a: int, b: int) -> int:
        r = (a if b & 1 else 0) ^ (a << 1 if b & 2 else 0)
        return r ^ 0b111 if r & 4 else r

    def gf9_mul_i(a: int, b: int) -> tuple[int, int]:
        return (-b) % 3, a  # i * (a + b i) = -b + a i

    def op(v: int, w: int) -> int:
        x1, x2 = v % 4, v // 4
        y1, y2 = w % 4, w // 4
        m0, m1 = gf9_mul_i(x2 % 3, x2 // 3)
        z1 = gf4_mul(2, x1) ^ y1
        z2 = (m0 + y2 % 3) % 3 + 3 * ((m1 + y2 // 3) % 3)
        return z1 + 4 * z2

    inv = [0] * 36
    for v, label in enumerate(_LABELS):
        inv[label] = v
    return tuple(tuple(_LABELS[op(inv[v], inv[w])] for w in range(36)) for v in range(36))


QUASIGROUP = _build_table()


def _check_state(values: Iterable[int]) -> int:
    state = 0
    table = QUASIGROUP
    for v in values:
        state = table[state][v]
    return state


def check_character(body: str) -> str:
    """The check character for the 17 body characters (canonical, no dashes)."""
    state = _check_state(_VALUE[ch] for ch in body)
    return ALPHANUMERIC[QUASIGROUP[state].index(0)]


@dataclass(frozen=True)
class Code:
    city: str
    asset_class: str
    serial: str
    check: str

    def __str__(self) -> str:
        return f"{self.city}-{self.asset_class}-{self.serial}-{self.check}"

    @property
    def serial_int(self) -> int:
        n = 0
        for ch in self.serial:
            n = n * 32 + _CROCKFORD_VALUE[ch]
        return n


def encode_serial(n: int) -> str:
    if not 0 <= n < 1 << SERIAL_BITS:
        raise CodeError(f"serial number {n} is outside 0..2^40-1")
    return "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in range(7, -1, -1))


def city_problem(city: str) -> str | None:
    """Why ``city`` is not a plausible GB/T 2260 city code, or None if it is."""
    if len(city) != 6 or not city.isascii() or not city.isdigit():
        return f"city code {city!r} is not 6 digits"
    if city[:2] not in _PROVINCES:
        return f"city code {city} starts with {city[:2]}, which is no GB/T 2260 province"
    if city[2:4] == "00" and city[4:] != "00":
        return f"city code {city} has county digits without a prefecture"
    return None


def make_code(city: str, asset_class: str, serial: int | str | None = None) -> Code:
    """A new canonical code; ``serial`` defaults to 40 random bits from ``secrets``."""
    if problem := city_problem(city):
        raise CodeError(problem)
    if asset_class not in ASSET_CLASSES:
        raise CodeError(
            f"asset class {asset_class!r} is not in the registry "
            f"({', '.join(sorted(ASSET_CLASSES))})"
        )
    if serial is None:
        serial = secrets.randbits(SERIAL_BITS)
    if isinstance(serial, int):
        serial = encode_serial(serial)
    else:
        serial = "".join(SERIAL_ALIASES.get(ch, ch) for ch in serial.upper())
        if len(serial) != 8 or any(ch not in _CROCKFORD_VALUE for ch in serial):
            raise CodeError(f"serial {serial!r} is not 8 Crockford base32 characters")
    body = city + asset_class + serial
    return Code(city, asset_class, serial, check_character(body))


_CANONICAL_RE = re.compile(r"(\d{6})-([A-Z]{3})-([0-9A-HJKMNP-TV-Z]{8})-([0-9A-Z])")


def _parse_canonical(text: str) -> Code | None:
    """Fast path for text already in canonical form (the sequencer's case); None to
    fall back to the forgiving parser, which also produces the error messages."""
    m = _CANONICAL_RE.fullmatch(text)
    if m is None:
        return None
    city, asset_class, serial, check = m.groups()
    if asset_class not in ASSET_CLASSES or city_problem(city):
        return None
    state = 0
    table, value = QUASIGROUP, _VALUE
    for ch in text:
        if ch != "-":
            state = table[state][value[ch]]
    return Code(city, asset_class, serial, check) if state == 0 else None


def _fold(ch: str) -> str:
    # Full-width digits/letters (common with CJK input methods) fold to ASCII.
    if not ch.isascii():
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) == 1 and folded.isascii():
            ch = folded
    return ch.upper() if ch.isascii() else ch


def parse_code(text: str) -> Code:
    """Parse a code typed by a person; return it in canonical form or raise CodeError.

    ``CodeError.position`` is a 0-based index into ``text``; messages count from 1.
    """
    if not isinstance(text, str):
        raise CodeError(f"a code is text, not {type(text).__name__}")
    if len(text) == CODE_LENGTH and (code := _parse_canonical(text)) is not None:
        return code
    chars: list[str] = []
    where: list[int] = []  # index in text of each kept character
    dashes: set[int] = set()  # boundaries (counts of kept characters) already dashed
    for i, raw in enumerate(text):
        ch = _fold(raw)
        if ch.isspace():
            continue
        if ch in "-\u2010\u2011\u2012\u2013\u2212":
            if len(chars) not in _DASH_AFTER or len(chars) in dashes:
                raise CodeError(
                    N_("character {at} '-' is misplaced: dashes separate CCCCCC-AAA-SSSSSSSS-K"),
                    i,
                    at=i + 1,
                )
            dashes.add(len(chars))
            continue
        if not (ch.isascii() and ch.isalnum()):
            raise CodeError(
                N_("character {at} {char!r} is not a letter or digit"), i, at=i + 1, char=raw
            )
        chars.append(ch)
        where.append(i)
    if len(chars) != _BODY_LEN + 1:
        raise CodeError(
            N_("a code has 18 letters and digits (CCCCCC-AAA-SSSSSSSS-K); this has {count}"),
            None,
            count=len(chars),
        )

    def fail(k: int, template: str) -> CodeError:
        return CodeError(template, where[k], at=where[k] + 1, char=text[where[k]])

    for k in range(0, 6):
        if not chars[k].isdigit():
            raise fail(
                k,
                N_(
                    "character {at} {char!r} is not a digit; the code starts with the 6-digit city code"
                ),
            )
    city = "".join(chars[_CITY])
    if problem := city_problem(city):
        raise CodeError(problem, where[0])
    for k in range(6, 9):
        if not chars[k].isalpha():
            raise fail(
                k, N_("character {at} {char!r} is not a letter; characters 7-9 are the asset class")
            )
    asset_class = "".join(chars[_CLASS])
    if asset_class not in ASSET_CLASSES:
        raise CodeError(
            N_("asset class {cls!r} (from character {at}) is not in the registry ({known})"),
            where[6],
            cls=asset_class,
            at=where[6] + 1,
            known=", ".join(sorted(ASSET_CLASSES)),
        )
    serial_chars = []
    for k in range(9, 17):
        ch = SERIAL_ALIASES.get(chars[k], chars[k])
        if ch not in _CROCKFORD_VALUE:
            raise fail(
                k,
                N_(
                    "character {at} {char!r} is not valid in the serial (Crockford base32 has no U)"
                ),
            )
        serial_chars.append(ch)
    serial = "".join(serial_chars)

    check = chars[17]
    state = _check_state(_VALUE[ch] for ch in city + asset_class + serial)
    if QUASIGROUP[state][_VALUE[check]] != 0:
        raise CodeError(
            N_(
                "check character {char!r} does not match the rest of the code "
                "— a typo somewhere in it? (the check character is read exactly: "
                "letters O, I, L are not the digits 0 and 1 there)"
            )
            if check in SERIAL_ALIASES or check in "01"
            else N_(
                "check character {char!r} does not match the rest of the code — a typo somewhere in it?"
            ),
            None,
            char=text[where[17]],
        )
    return Code(city, asset_class, serial, check)


def is_valid_code(text: str) -> bool:
    try:
        parse_code(text)
    except CodeError:
        return False
    return True
