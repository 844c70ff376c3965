"""Issuing a code for an asset: what a request needs, whether this node may issue for the
asset, and the signed entry — the same for the desktop app, the CLI and scripts.

No Qt and no network here: sending the entry to the city's sequencer (or keeping it in the
outbox) is ``app.net.issuance``. Problems and refusals are returned as *kinds* (stable
strings) with their data; the view that shows them words and translates them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.core.errors import CityLedgerError

if TYPE_CHECKING:
    from app.ledger.node import Node

# IssueRequest.problem() kinds
NO_OFFICIAL = "no-official"
NO_PASSPHRASE = "no-passphrase"
NO_CLASS = "no-class"
NO_NAME = "no-name"
NO_GEOMETRY = "no-geometry"

# IssueRefusal kinds: why this node may not issue for an asset
NO_NODE = "no-node"
NO_ASSET = "no-asset"
HAS_CODE = "has-code"
OTHER_CITY = "other-city"

ASSET_ID = "asset_id"  # the attribute that links a code to its asset on the map


@dataclass(frozen=True)
class IssueRequest:
    official: str
    passphrase: str
    asset_class: str
    name: str
    geometry: object  # shapely geometry or GeoJSON mapping
    attributes: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None  # the asset's row in the view that asked (returned in the outcome)
    asset_id: str | None = None
    node_passphrase: str = ""  # unlocks the city keys to sequence here; empty: server/outbox
    owner: str | None = None
    boundary_override: str | None = None  # why an asset outside the city is the city's

    def problem(self) -> str | None:
        """Why the request cannot be submitted (a kind above), or None."""
        if not self.official:
            return NO_OFFICIAL
        if not self.passphrase:
            return NO_PASSPHRASE
        if not self.asset_class:
            return NO_CLASS
        if not self.name:
            return NO_NAME
        if self.geometry is None:
            return NO_GEOMETRY
        return None


class IncompleteRequest(CityLedgerError, ValueError):
    """A request of a batch lacks what :meth:`IssueRequest.problem` names (``kind``)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class IssueOutcome:
    code: str
    index: int | None  # None while pending in the outbox
    size: int | None
    pending: bool
    row: int | None


@dataclass(frozen=True)
class IssueRefusal:
    kind: str  # NO_NODE, NO_ASSET, HAS_CODE, OTHER_CITY
    asset_city: str | None = None
    node_city: str | None = None
    code: str | None = None


def may_issue(node_city: str | None, asset: Mapping[str, Any] | None) -> IssueRefusal | None:
    """Whether a node of ``node_city`` may issue a code for ``asset`` (a row's record with
    ``city`` and ``code``): each city issues only for its own assets, once."""
    if node_city is None:
        return IssueRefusal(NO_NODE)
    if asset is None:
        return IssueRefusal(NO_ASSET, node_city=node_city)
    if asset.get("code"):
        return IssueRefusal(HAS_CODE, asset.get("city"), node_city, str(asset["code"]))
    if asset.get("city") != node_city:
        return IssueRefusal(OTHER_CITY, asset.get("city"), node_city)
    return None


def geojson(geometry: object) -> dict[str, Any]:
    """GeoJSON with lists, not the tuples of shapely's mapping (records want JSON arrays)."""
    import shapely

    if isinstance(geometry, Mapping):
        doc: dict[str, Any] = json.loads(json.dumps(dict(geometry)))
        return doc
    if not isinstance(geometry, shapely.Geometry):
        raise TypeError(f"not a geometry: {type(geometry).__name__}")
    out: dict[str, Any] = json.loads(shapely.to_geojson(geometry))
    return out


def active_officials(node: Node) -> list[str]:
    return sorted(o["name"] for o in node.officials() if o.get("active", True))


def issue_context(node: Node, served: bool) -> tuple[list[str], bool]:
    """(active officials' names, whether the node passphrase is needed to sequence here:
    not when the keys are unlocked or a node server sequences for this folder)."""
    return active_officials(node), not (node.unlocked or served)


def issue_record(node: Node, req: IssueRequest) -> dict[str, Any]:
    """The unsigned issue record of a request (the asset id kept as an attribute)."""
    attributes = dict(req.attributes)
    if req.asset_id:
        attributes.setdefault(ASSET_ID, req.asset_id)
    return node.issue_record(
        req.asset_class, req.name, geojson(req.geometry), attributes, req.owner
    )
