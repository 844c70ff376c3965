"""One reader for what a user pastes: code (with the parser's typo message), bundle, QR."""

from __future__ import annotations

import io

import pytest
import segno

from app.core.codes import make_code
from app.ledger import pasted
from app.ledger.proof_bundle import QR_PREFIX, qr_payload

GOOD = str(make_code("130100", "WAT", "7K3M9Q2X"))


def _swap(code: str) -> str:
    """Swap the first adjacent pair of different characters in the serial."""
    i = next(i for i in range(11, 18) if code[i] != code[i + 1])
    return code[:i] + code[i + 1] + code[i] + code[i + 2 :]


def _typos(code: str) -> dict[str, str]:
    check = code[-1]
    wrong = "0" if check != "0" else "1"
    return {
        "swapped pair": _swap(code),
        "wrong check character": code[:-1] + wrong,
        "missing check character": code[:-2],
        "wrong class": code.replace("-WAT-", "-WTA-"),
    }


def test_a_good_code_is_read_forgivingly():
    got = pasted.read_text("  " + GOOD.lower().replace("-", " ") + "\n")
    assert (got.kind, got.via, got.code, got.error) == (pasted.CODE, pasted.TEXT, GOOD, None)


@pytest.mark.parametrize(
    "what", ["swapped pair", "wrong check character", "missing check character", "wrong class"]
)
def test_a_typo_is_a_code_error_never_a_bundle_error(what):
    got = pasted.read_text(_typos(GOOD)[what])
    assert got.kind == pasted.CODE and got.code is None and got.bundle is None
    message = got.message
    assert "tlog-proof" not in message and "bundle" not in message
    expected = {
        "swapped pair": "check character",
        "wrong check character": "a typo somewhere in it?",
        "missing check character": "a code has 18 letters and digits",
        "wrong class": "asset class 'WTA'",
    }[what]
    assert expected in message, message


def test_bundle_text_and_qr_payload_are_bundles():
    for text in ("c2sp.org/tlog-proof@v1\nindex 3\n", QR_PREFIX + "eJw"):
        got = pasted.read_text(text)
        assert got.kind == pasted.BUNDLE and got.bundle == text.strip().encode()


def test_empty_input_says_so():
    got = pasted.read_text("   ")
    assert got.kind == pasted.NOTHING and "nothing to read" in got.message


def _png(content: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(content).save(out, kind="png", scale=4)
    return out.getvalue()


def test_a_qr_image_of_a_code_is_read_as_that_code():
    got = pasted.read_bytes(_png(GOOD))
    assert (got.kind, got.via, got.code) == (pasted.CODE, pasted.QR_IMAGE, GOOD)


def test_a_qr_image_of_a_bundle_payload_is_a_bundle():
    payload = qr_payload(b"c2sp.org/tlog-proof@v1\nindex 1\n")
    got = pasted.read_bytes(_png(payload))
    assert got.kind == pasted.BUNDLE and got.via == pasted.QR_IMAGE
    assert got.bundle == payload.encode()


def test_an_image_without_a_qr_code_is_explained():
    blank = io.BytesIO()
    segno.make_qr("x").save(blank, kind="png", scale=1, dark="white")  # all white
    got = pasted.read_bytes(blank.getvalue())
    assert got.kind == pasted.NOTHING and got.via == pasted.QR_IMAGE
    assert got.message == "no QR code found in the image"


def test_a_broken_image_is_explained():
    got = pasted.read_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage")
    assert got.kind == pasted.NOTHING and got.message.startswith("the image cannot be read")


def test_a_file_holding_a_code_or_a_bundle():
    assert pasted.read_bytes(GOOD.encode() + b"\n").code == GOOD
    got = pasted.read_bytes(b"c2sp.org/tlog-proof@v1\n")
    assert got.kind == pasted.BUNDLE and got.via == pasted.FILE


def test_a_long_single_line_is_still_read_as_a_code():
    got = pasted.read_text(GOOD + " " + GOOD.replace("-", ""))  # pasted twice
    assert got.kind == pasted.CODE and "a code has 18 letters and digits" in got.message
