"""What a user pasted, typed or opened: an identity code, a proof bundle, or a QR image.

One reader for the verify dialog and the search box (no Qt). A single line is
read as a code — forgivingly, and with the code parser's precise message when it is
not one (a swapped pair, a wrong check character, an unknown class), never as a
malformed bundle. A ``c2sp.org/tlog-proof@v1`` text, a QR payload or a bundle file is
a bundle. An image (PNG, JPEG, GIF, BMP) is decoded as a QR code with zxing-cpp, and
its text is read again by the same rules.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from app.core import codes as _codes
from app.core.errors import CodeError
from app.core.texts import N_
from app.core.tlog_proof import HEADER as _TLOG_PROOF_HEADER
from app.ledger.proof_bundle import MAX_PROOF_BUNDLE_BYTES, QR_PREFIX

CODE, BUNDLE, NOTHING = "code", "bundle", "nothing"
TEXT, FILE, QR_IMAGE = "text", "file", "qr image"

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


@dataclass(frozen=True)
class Pasted:
    kind: str  # CODE | BUNDLE | NOTHING
    via: str  # TEXT | FILE | QR_IMAGE: how it reached us
    code: str | None = None  # canonical, when kind is CODE and it parsed
    bundle: bytes | None = None  # the bytes to verify, when kind is BUNDLE
    error: str | None = None  # why it is not usable (English template, see params)
    params: tuple[tuple[str, object], ...] = ()

    @property
    def message(self) -> str | None:
        return None if self.error is None else self.error.format(**dict(self.params))


def looks_like_code(text: str) -> bool:
    """One line that is not a bundle (a bundle text starts with its header, a QR payload
    with its prefix): read it as a code attempt, however long, so the code parser says
    what is wrong with it."""
    stripped = text.strip()
    return (
        bool(stripped)
        and "\n" not in stripped
        and not stripped.startswith((_TLOG_PROOF_HEADER, QR_PREFIX))
    )


def read_text(text: str, via: str = TEXT) -> Pasted:
    stripped = (text or "").strip()
    if not stripped:
        return Pasted(NOTHING, via, error=N_("nothing to read: type a code or open a bundle"))
    if looks_like_code(stripped):
        try:
            return Pasted(CODE, via, code=str(_codes.parse_code(stripped)))
        except CodeError as e:  # the parser's own template, so the view can translate it
            return Pasted(CODE, via, error=e.template, params=tuple(e.params.items()))
    return Pasted(BUNDLE, via, bundle=stripped.encode("utf-8"))


def is_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC)


def read_bytes(data: bytes) -> Pasted:
    """A file's bytes: a QR image, else a bundle file (or a file holding just a code)."""
    if len(data) > MAX_PROOF_BUNDLE_BYTES:
        return Pasted(
            NOTHING,
            FILE,
            error=N_("the file is larger than {limit} bytes: not a bundle or a QR image"),
            params=(("limit", MAX_PROOF_BUNDLE_BYTES),),
        )
    if is_image(data):
        return read_qr_image(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Pasted(BUNDLE, FILE, bundle=data)  # the bundle check names the fault
    if looks_like_code(text):
        return read_text(text, FILE)
    return Pasted(BUNDLE, FILE, bundle=data)


def read_qr_image(data: bytes) -> Pasted:
    """Decode the first QR code in an image; its text is a code or a bundle payload."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            found = zxingcpp.read_barcodes(
                image.convert("L"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
    except (UnidentifiedImageError, OSError, ValueError) as e:
        return Pasted(
            NOTHING,
            QR_IMAGE,
            error=N_("the image cannot be read: {error}"),
            params=(("error", str(e)),),
        )
    if not found:
        return Pasted(NOTHING, QR_IMAGE, error=N_("no QR code found in the image"))
    inner = read_text(found[0].text, QR_IMAGE)
    if inner.kind == NOTHING:
        return Pasted(NOTHING, QR_IMAGE, error=N_("the QR code in the image is empty"))
    return inner
