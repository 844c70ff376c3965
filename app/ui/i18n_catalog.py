"""Maintenance of the Chinese catalogue: which source texts the UI translates (no Qt).

``python -m app.ui.i18n_catalog`` lists texts of app/ui that have no translation in
resources/i18n/cityledger_zh_CN.ts; tests/ui/test_i18n.py fails on any.
"""

from __future__ import annotations

import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

UI_DIR = Path(__file__).resolve().parent
TS_FILE = Path(__file__).resolve().parents[2] / "resources" / "i18n" / "cityledger_zh_CN.ts"


def source_texts(ui_dir: Path = UI_DIR) -> set[str]:
    """Every string literal passed to tr(...) in app/ui, plus the label tables."""
    texts: set[str] = set()
    for path in ui_dir.rglob("*.py"):
        if "map" in path.relative_to(ui_dir).parts[:1]:
            continue  # app/ui/map belongs to the map widget, which has its own labels
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                texts.add(node.args[0].value)
    from app.ui import labels

    texts.update(
        labels.STATUS_LABELS.values(),
        labels.VERIFIER_CHECKS,
        labels.RECORD_TYPES,
        labels.CHECK_STATUS.values(),
        labels.ISSUE_PROBLEMS.values(),
        (header for _key, header in labels.TABLE_COLUMNS),
    )
    return texts


def catalogue(ts_file: Path = TS_FILE) -> dict[str, str]:
    """source -> translation of the finished messages in the .ts file."""
    root = ET.parse(ts_file).getroot()
    out = {}
    for message in root.iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if (
            source is not None
            and translation is not None
            and translation.text
            and translation.get("type") != "unfinished"
        ):
            out[source] = translation.text
    return out


def write_ts(translations: dict[str, str], ts_file: Path = TS_FILE) -> None:
    """Write a Qt Linguist file (one context) from source -> translation."""
    from app.ui.i18n import CONTEXT

    root = ET.Element("TS", version="2.1", language="zh_CN", sourcelanguage="en")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source in sorted(translations):
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = source
        ET.SubElement(message, "translation").text = translations[source]
    ET.indent(root)
    ts_file.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(root, encoding="unicode")
    ts_file.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )


def missing() -> list[str]:
    return sorted(source_texts() - set(catalogue()))


if __name__ == "__main__":
    gaps = missing()
    for text in gaps:
        print(text)
    sys.exit(1 if gaps else 0)
