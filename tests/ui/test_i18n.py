"""Every user-visible text has a translation (checked with Qt's own lupdate), counts use
Qt's plural forms, verifier reasons are translated, and the shipped .qm files are fresh."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QCoreApplication

from app.ui import i18n, i18n_catalog

PLACEHOLDER = re.compile(r"\{[a-z_]+(?:![rs])?\}|%n")


def test_lupdate_finds_no_text_without_a_finished_translation():
    """lupdate over the sources into copies of the catalogues: a new tr()/N_() text, or
    one whose translation is unfinished, shows up here."""
    assert i18n_catalog.check() == {"cityledger_zh_CN.ts": [], "cityledger_en.ts": []}


def _messages(ts):
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        forms = [f.text or "" for f in translation.findall("numerusform")]
        yield message.findtext("source"), forms or [translation.text or ""]


def test_translations_keep_every_placeholder():
    seen = 0
    for ts in (i18n_catalog.TS_FILE, i18n_catalog.EN_TS_FILE):
        for source, forms in _messages(ts):
            for form in forms:
                assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(form)), (
                    source,
                    form,
                )
                seen += 1
    assert seen > 250


@pytest.mark.parametrize("ts", [i18n_catalog.TS_FILE, i18n_catalog.EN_TS_FILE])
def test_shipped_qm_is_built_from_the_ts(tmp_path, ts):
    fresh = i18n_catalog.lrelease(ts, tmp_path / "fresh.qm")
    assert fresh.read_bytes() == ts.with_suffix(".qm").read_bytes(), (
        "run `python -m app.ui.i18n_catalog update` to rebuild the .qm files"
    )


def test_installing_a_language_switches_texts_plurals_and_reasons(qapp):
    from app.ledger.verifier import VerifyResult, _check_code, _Checker

    result = VerifyResult(code=None)
    _check_code(_Checker(result), "130100-WAT-7K3M9Q2X-9")
    check = result.checks[0]
    try:
        assert i18n.install(qapp, "en") == "en"
        assert i18n.tr("%n cosignatures", None, 1) == "1 cosignature"
        assert i18n.tr("%n cosignatures", None, 2) == "2 cosignatures"
        assert i18n.reason_text(check.template, check.params) == check.reason
        assert i18n.install(qapp, "zh_CN") == "zh_CN"
        assert i18n.tr("Attribute table") == "属性表"
        assert QCoreApplication.translate(i18n.CONTEXT, "Verified") == "已验证"
        assert i18n.tr("%n cosignatures", None, 1) == "1 个联署"
        assert i18n.reason_text(check.template, check.params) == (
            "130100-WAT-7K3M9Q2X-9 格式正确，校验字符 9 匹配"
        )
        assert i18n.localized("Shijiazhuang", "石家庄市") == "石家庄市"
    finally:
        i18n.install(qapp, "en")
    assert i18n.tr("Attribute table") == "Attribute table"
    assert i18n.localized("Shijiazhuang", "石家庄市") == "Shijiazhuang"


def test_unknown_language_is_refused(qapp):
    with pytest.raises(ValueError, match="unknown UI language 'fr'"):
        i18n.install(qapp, "fr")


def test_asset_names_follow_the_ui_language(qapp):
    from app.ui.asset_source import display_name

    class Table:  # the two AssetTable accessors display_name reads
        def name(self, row):
            return "Shijiazhuang Bus Depot 129"

        def attributes(self, row):
            return {"name_zh": "石家庄市公交场站129号"}

    try:
        i18n.install(qapp, "zh_CN")
        assert display_name(Table(), 0) == "石家庄市公交场站129号"
    finally:
        i18n.install(qapp, "en")
    assert display_name(Table(), 0) == "Shijiazhuang Bus Depot 129"


def test_a_typo_in_a_code_is_explained_in_the_ui_language(qapp):
    from app.ledger import pasted

    got = pasted.read_text("130100-WAT-7K3M9Q2X-8")  # the check character is 9
    assert got.message == (
        "check character '8' does not match the rest of the code — a typo somewhere in it?"
    )
    try:
        i18n.install(qapp, "zh_CN")
        assert i18n.reason_text(got.error, dict(got.params)) == (
            "校验字符 '8' 与编码其余部分不匹配——是否有输入错误？"
        )
    finally:
        i18n.install(qapp, "en")


def test_the_map_legend_is_in_the_ui_language(qapp):
    from app.ui.map import MapView

    try:
        i18n.install(qapp, "zh_CN")
        view = MapView()
        assert view.overlay.legend_title == "资产"
        assert all(
            not any(c.isascii() and c.isalpha() for c in label) for _, label in view.overlay.legend
        ), view.overlay.legend
        view.set_color_mode("status")
        assert view.overlay.legend_title == "编码状态"
        assert ("#2ca02c", "已签发") in view.overlay.legend
        view.deleteLater()
    finally:
        i18n.install(qapp, "en")
    view = MapView()
    assert view.overlay.legend_title == "Assets"
    view.deleteLater()


def test_a_plural_reason_has_the_same_english_singular_in_the_catalogue_and_the_cli():
    """NP_ gives the Qt-free layers their English for 1; the English catalogue gives the
    UI's: they must say the same."""
    import app.net.health  # noqa: F401  (marks its plural reasons)
    from app.core.texts import _ONE

    compared = 0
    for source, forms in _messages(i18n_catalog.EN_TS_FILE):
        if source in _ONE:
            assert forms[0] == _ONE[source], source
            compared += 1
    assert compared >= 4


def test_city_names_in_a_verifier_reason_follow_the_ui_language(qapp):
    template = "{n} of quorum {k} witnesses co-signed: {names}{invalid}"
    params = {"n": 2, "k": 2, "names": "Tangshan (130200), Tang (130900)", "invalid": ""}
    i18n.set_city_names([("Tangshan", "唐山市"), ("Tang", "唐县")])
    try:
        i18n.install(qapp, "zh_CN")
        text = i18n.reason_text(template, params)
        assert "唐山市 (130200), 唐县 (130900)" in text and "Tang" not in text
        i18n.install(qapp, "en")
        assert i18n.reason_text(template, params).endswith("Tangshan (130200), Tang (130900)")
    finally:
        i18n.set_city_names([])
        i18n.install(qapp, "en")
