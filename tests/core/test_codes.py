"""Identity codes: format, forgiving parse, check character (exhaustive)."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.classes import ASSET_CLASSES
from app.core.codes import (
    ALPHANUMERIC,
    CROCKFORD,
    QUASIGROUP,
    SERIAL_ALIASES,
    Code,
    check_character,
    encode_serial,
    is_valid_code,
    make_code,
    parse_code,
)
from app.core.errors import CodeError, CoreError

CITIES = ["130100", "130200", "130400", "130600", "131000", "110000", "110101", "820000"]
SUBSTITUTES = ALPHANUMERIC + "-"


def sample_codes(n, seed=7):
    rnd = random.Random(seed)
    classes = sorted(ASSET_CLASSES)
    out = [
        make_code(rnd.choice(CITIES), classes[i % len(classes)], rnd.getrandbits(40))
        for i in range(n)
    ]
    # Include codes whose check character is I, L, O or U (the confusable letters).
    want = set("ILOU")
    while want:
        c = make_code(rnd.choice(CITIES), rnd.choice(classes), rnd.getrandbits(40))
        if c.check in want:
            want.discard(c.check)
            out.append(c)
    return out


def alias_of(original: str, substitute: str, position: int) -> bool:
    """Substitutions the forgiving reader maps back to the same character."""
    return 11 <= position <= 18 and SERIAL_ALIASES.get(substitute) == original


def test_canonical_format_roundtrip():
    c = make_code("130100", "WAT", 0x123456789A)
    text = str(c)
    assert len(text) == 21 and text[6] == text[10] == text[19] == "-"
    assert text.startswith("130100-WAT-")
    assert parse_code(text) == c
    assert c.serial_int == 0x123456789A
    assert encode_serial(0) == "00000000" and encode_serial((1 << 40) - 1) == "ZZZZZZZZ"


def test_forgiving_input():
    c = make_code("130100", "GAS", 0x0000000001)
    s = str(c)
    variants = [
        s.lower(),
        s.replace("-", ""),
        " ".join([s[:6], s[7:10], s[11:15], s[15:19], s[20]]),
        s.replace("-", " - "),
        "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else ch for ch in s),  # full-width
        s[:11] + "OOOOOOOI" + s[19:],  # serial 00000001 typed with O and I
        s[:11] + "oooooool" + s[19:],
    ]
    for v in variants:
        assert parse_code(v) == c, v


def test_check_read_literally():
    """A check letter O/I/L is not read as 0/1: K spans all of 0-9A-Z, and aliasing
    there would let body substitutions through (see codes.py docstring)."""
    rnd = random.Random(3)
    seen = set()
    while len(seen) < 2:
        c = make_code("130200", "PWR", rnd.getrandbits(40))
        if c.check in "01":
            seen.add(c.check)
            for typed, meaning in SERIAL_ALIASES.items():
                if meaning == c.check:
                    with pytest.raises(CodeError, match="read exactly"):
                        parse_code(str(c)[:-1] + typed)


@pytest.mark.parametrize(
    "text, position, fragment",
    [
        ("130100-WAT-7K3U9Q2X-4", 14, "character 15 'U' is not valid in the serial"),
        ("13010A-WAT-7K3M9Q2X-4", 5, "is not a digit"),
        ("130100-W4T-7K3M9Q2X-4", 8, "is not a letter"),
        ("130100-XYZ-7K3M9Q2X-4", 7, "asset class 'XYZ'"),
        ("000000-WAT-7K3M9Q2X-4", 0, "no GB/T 2260 province"),
        ("130100-WAT-7K3M9Q2X", None, "18 letters and digits"),
        ("130100-WAT-7K3M9Q2X-4-", 21, "misplaced"),
        ("1301-00WAT-7K3M9Q2X-4", 4, "misplaced"),
        ("130100-WAT-7K3M9Q2X-#", 20, "not a letter or digit"),
        ("130100--WAT-7K3M9Q2X4", 7, "misplaced"),
    ],
)
def test_errors_say_what_and_where(text, position, fragment):
    with pytest.raises(CodeError) as info:
        parse_code(text)
    assert fragment in str(info.value)
    assert info.value.position == position


def test_check_mismatch_message_does_not_reveal_expected():
    c = make_code("130100", "WAT", 12345)
    wrong = next(ch for ch in ALPHANUMERIC if ch != c.check and SERIAL_ALIASES.get(ch) != c.check)
    with pytest.raises(CodeError) as info:
        parse_code(str(c)[:-1] + wrong)
    msg = str(info.value)
    assert f"'{wrong}'" in msg and "typo" in msg
    assert info.value.position is None
    assert f"'{c.check}'" not in msg.replace(f"'{wrong}'", "")


def test_non_text_rejected():
    with pytest.raises(CodeError):
        parse_code(None)  # type: ignore[arg-type]
    assert not is_valid_code("")


def test_make_code_validates():
    with pytest.raises(CodeError):
        make_code("000000", "WAT")
    with pytest.raises(CodeError):
        make_code("130100", "ZZZ")
    with pytest.raises(CodeError):
        make_code("130100", "WAT", "UUUUUUUU")
    with pytest.raises(CodeError):
        make_code("130100", "WAT", 1 << 40)
    assert make_code("130100", "WAT", "oooooooL").serial == "00000001"
    # Random serials differ.
    assert len({make_code("130100", "WAT").serial for _ in range(50)}) == 50


def test_quasigroup_is_totally_antisymmetric():
    """Algebraic proof by enumeration: every row/column is a permutation (single
    substitutions change the state) and (c*x)*y == (c*y)*x only when x == y
    (adjacent transpositions change the state), for all 36^3 triples."""
    q = QUASIGROUP
    full = list(range(36))
    assert all(sorted(row) == full for row in q)
    assert all(sorted(q[r][c] for r in range(36)) == full for c in range(36))
    for c in range(36):
        row = q[c]
        for x in range(36):
            qx = q[row[x]]
            for y in range(x + 1, 36):
                assert qx[y] != q[row[y]][x], (c, x, y)


def test_iso7064_hybrid_mod37_36_misses_transpositions():
    """Why not ISO/IEC 7064 MOD 37,36 (hybrid): it lets some adjacent transpositions
    through, e.g. from state 1 the pair (17, 18) = ('H', 'I')."""

    def step(p, a):
        s = (p + a) % 36 or 36
        return (2 * s) % 37

    misses = [
        (p, a, b)
        for p in range(1, 37)
        for a in range(36)
        for b in range(a + 1, 36)
        if step(step(p, a), b) == step(step(p, b), a)
    ]
    assert (1, 17, 18) in misses
    assert len(misses) == 36  # (ordered pairs: 72)


@pytest.mark.slow
def test_every_substitution_and_transposition_rejected_exhaustively():
    """For 1,000+ codes (every class, several cities, every confusable check letter):
    each of the 21 positions replaced by each of 0-9A-Z and '-', and each adjacent pair
    swapped. Every variant is rejected, except substitutions the forgiving reader maps
    to the same character (O->0, I/L->1 in the serial), which parse to the very
    same code."""
    codes = sample_codes(1000)
    checked = 0
    for code in codes:
        text = str(code)
        for pos, original in enumerate(text):
            for sub in SUBSTITUTES:
                if sub == original:
                    continue
                variant = text[:pos] + sub + text[pos + 1 :]
                try:
                    got = parse_code(variant)
                except CodeError:
                    checked += 1
                    continue
                assert alias_of(original, sub, pos) and got == code, (text, variant)
        for pos in range(len(text) - 1):
            if text[pos] == text[pos + 1]:
                continue
            variant = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
            with pytest.raises(CodeError):
                parse_code(variant)
            checked += 1
    assert checked > 1000 * 700


def test_confusable_check_letter_transposed_into_serial_is_caught():
    """The labelling of the quasigroup is chosen so that swapping the last serial
    character x with a check letter I/L/O (read as 1/0 in the serial) is caught: for
    every state and every Crockford x, no such swap lands on a valid code."""
    q = QUASIGROUP
    values = {ch: i for i, ch in enumerate(ALPHANUMERIC)}
    for state in range(36):
        for letter, reading in SERIAL_ALIASES.items():
            c, r = values[letter], values[reading]
            for x in CROCKFORD:
                xv = values[x]
                if q[q[state][xv]][c] == 0:  # ...x with check letter is valid
                    assert q[q[state][r]][xv] != 0, (state, letter, x)


@settings(max_examples=300, deadline=None)
@given(
    city=st.sampled_from(CITIES),
    cls=st.sampled_from(sorted(ASSET_CLASSES)),
    serial=st.integers(0, (1 << 40) - 1),
)
def test_make_parse_roundtrip_property(city, cls, serial):
    c = make_code(city, cls, serial)
    assert parse_code(str(c)) == c == parse_code(str(c).lower())
    assert check_character(c.city + c.asset_class + c.serial) == c.check
    assert isinstance(c, Code)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_parse_code_only_raises_code_error(text):
    try:
        parse_code(text)
    except CoreError as e:
        assert isinstance(e, CodeError)
