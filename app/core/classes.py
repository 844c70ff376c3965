"""The asset-class registry shipped in resources/asset_classes.json.

ASSET_CLASSES maps the 3-letter class code of an identity code to its AssetClass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

REGISTRY_PATH = Path(__file__).resolve().parents[2] / "resources" / "asset_classes.json"

GEOMETRY_KINDS = ("point", "line", "polygon")
_CODE_RE = re.compile(r"[A-Z]{3}")
_COLOR_RE = re.compile(r"#[0-9a-f]{6}")


@dataclass(frozen=True)
class AssetClass:
    code: str
    en: str
    zh: str
    kinds: tuple[str, ...]
    color: str


def load_registry(path: Path = REGISTRY_PATH) -> dict[str, AssetClass]:
    """Read and validate a registry file; a broken shipped file fails loudly at import."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    classes: dict[str, AssetClass] = {}
    for item in doc["classes"]:
        cls = AssetClass(item["code"], item["en"], item["zh"], tuple(item["kinds"]), item["color"])
        if not _CODE_RE.fullmatch(cls.code):
            raise ValueError(f"{path}: class code {cls.code!r} is not 3 capital letters")
        if cls.code in classes:
            raise ValueError(f"{path}: class {cls.code} listed twice")
        if not cls.kinds or not set(cls.kinds) <= set(GEOMETRY_KINDS):
            raise ValueError(f"{path}: class {cls.code} has bad kinds {cls.kinds!r}")
        if not _COLOR_RE.fullmatch(cls.color):
            raise ValueError(f"{path}: class {cls.code} has bad colour {cls.color!r}")
        classes[cls.code] = cls
    return classes


ASSET_CLASSES: MappingProxyType[str, AssetClass] = MappingProxyType(load_registry())
