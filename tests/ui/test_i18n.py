"""Every UI text has a Chinese translation, and the shipped .qm matches the .ts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app.ui import i18n, i18n_catalog


def test_every_tr_text_has_a_chinese_translation():
    assert i18n_catalog.missing() == []
    zh = i18n_catalog.catalogue()
    assert zh["Layers"] == "图层"
    for source, text in zh.items():  # placeholders survive translation
        for name in ("{path}", "{code}", "{n}", "{reason}", "{time}"):
            assert (name in source) == (name in text), (source, text)


def test_shipped_qm_is_built_from_the_ts(tmp_path):
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    out = tmp_path / "fresh.qm"
    subprocess.run(
        [str(lrelease), str(i18n_catalog.TS_FILE), "-qm", str(out)], check=True, capture_output=True
    )
    shipped = i18n.I18N_DIR / "cityledger_zh_CN.qm"
    assert out.read_bytes() == shipped.read_bytes(), (
        "run pyside6-lrelease resources/i18n/cityledger_zh_CN.ts to rebuild the .qm"
    )


def test_installing_a_language_switches_the_texts(qapp):
    try:
        assert i18n.install(qapp, "zh_CN") == "zh_CN"
        assert i18n.tr("Attribute table") == "属性表"
        assert QCoreApplication.translate(i18n.CONTEXT, "Verified") == "已验证"
    finally:
        i18n.install(qapp, "en")
    assert i18n.tr("Attribute table") == "Attribute table"


def test_unknown_language_is_refused(qapp):
    import pytest

    with pytest.raises(ValueError, match="unknown UI language 'fr'"):
        i18n.install(qapp, "fr")
