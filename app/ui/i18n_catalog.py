"""The translation catalogues, kept by Qt's own tools (no hand-written extractor).

``pyside6-lupdate`` (shipped with PySide6-Essentials) reads every ``tr("…")`` of the
app and every ``N_("…")`` or ``NP_("…%n…", None, n)`` template (app.core.texts:
reasons the Qt-free layers give, label tables) into resources/i18n/*.ts; ``pyside6-lrelease`` compiles them to the .qm
files the app loads. The .qm files are committed, so a checkout runs without a build
step; tests/ui/test_i18n.py fails when a .qm is stale or a text lacks a translation.

    python -m app.ui.i18n_catalog update   # after changing texts: refresh .ts, rebuild .qm
    python -m app.ui.i18n_catalog check    # list texts without a finished translation
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
I18N_DIR = ROOT / "resources" / "i18n"
TS_FILE = I18N_DIR / "cityledger_zh_CN.ts"
EN_TS_FILE = I18N_DIR / "cityledger_en.ts"  # English plural forms only
SOURCES = ("app",)


def _tool(name: str) -> str:
    found = Path(sys.executable).with_name(name)
    return str(found) if found.exists() else (shutil.which(name) or name)


def lupdate(ts_file: Path, *extra: str) -> None:
    """Merge the app's current texts into ``ts_file`` (created if missing)."""
    subprocess.run(
        [
            _tool("pyside6-lupdate"),
            "-tr-function-alias",
            "QT_TR_NOOP+=N_,tr+=NP_",  # NP_(text, None, n): a plural (app.core.texts)
            "-extensions",
            "py",
            "-locations",
            "none",
            "-no-obsolete",
            "-silent",
            *extra,
            *(str(ROOT / s) for s in SOURCES),
            "-ts",
            str(ts_file),
        ],
        check=True,
        capture_output=True,
    )


def lrelease(ts_file: Path, qm_file: Path | None = None) -> Path:
    qm_file = qm_file or ts_file.with_suffix(".qm")
    subprocess.run(
        [_tool("pyside6-lrelease"), "-silent", str(ts_file), "-qm", str(qm_file)],
        check=True,
        capture_output=True,
    )
    return qm_file


def unfinished(ts_file: Path) -> list[str]:
    """Source texts in ``ts_file`` whose translation is missing, empty or unfinished
    (for a plural, any of its forms)."""
    out = []
    for message in ET.parse(ts_file).getroot().iter("message"):
        translation = message.find("translation")
        forms = translation.findall("numerusform") if translation is not None else []
        texts = [f.text for f in forms] if forms else [getattr(translation, "text", None)]
        if (
            translation is None
            or translation.get("type") in ("unfinished", "vanished", "obsolete")
            or not all(texts)
        ):
            out.append(message.findtext("source") or "")
    return out


def check() -> dict[str, list[str]]:
    """Run lupdate over the sources into copies of the catalogues: every text it finds
    must already have a finished translation. {catalogue name: texts lacking one}."""
    gaps = {}
    with tempfile.TemporaryDirectory() as tmp:
        for ts, extra in ((TS_FILE, ()), (EN_TS_FILE, ("-pluralonly",))):
            copy = Path(tmp) / ts.name
            shutil.copy(ts, copy)
            lupdate(copy, *extra)
            gaps[ts.name] = unfinished(copy)
    return gaps


def update() -> None:
    lupdate(TS_FILE)
    lupdate(EN_TS_FILE, "-pluralonly", "-target-language", "en")
    for ts in (TS_FILE, EN_TS_FILE):
        lrelease(ts)


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    found = check()
    for name, texts in found.items():
        for text in texts:
            print(f"{name}: {text}")
    sys.exit(1 if any(found.values()) else 0)
