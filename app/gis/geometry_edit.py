"""A line's or polygon's new geometry (issue 12): read from a file holding one feature,
or its vertices moved one at a time with undo — Qt-free; the map only shows handles
and forwards the moves.

A ring's closing vertex is never a vertex of its own: moving the first vertex of a ring
moves the last too, so every ring stays closed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely.geometry

from app.core.errors import CityLedgerError
from app.core.texts import N_
from app.gis.layer_io import read_layer

LINE_TYPES = ("LineString", "MultiLineString")
POLYGON_TYPES = ("Polygon", "MultiPolygon")


class GeometryFileError(CityLedgerError, ValueError):
    """A file that cannot give the asset its new geometry: ``template`` (English, N_)
    with ``params``, worded by the view."""

    def __init__(self, template: str, **params: Any):
        self.template, self.params = template, params
        super().__init__(template.format(**params))


def family(geom_type: str) -> str | None:
    if geom_type in LINE_TYPES:
        return "line"
    if geom_type in POLYGON_TYPES:
        return "polygon"
    return None


def geometry_from_file(path: str | Path, geom_type: str) -> dict[str, Any]:
    """The one feature's geometry of a GeoPackage / GeoJSON / shapefile, in EPSG:4326
    (app.gis.layer_io reprojects), as GeoJSON — refused unless it is of the asset's
    family (a line for a line, a polygon for a polygon), valid and not empty."""
    gdf = read_layer(path)  # LayerError: missing, unreadable, no CRS, cannot reproject
    geoms = [g for g in gdf.geometry if g is not None and not g.is_empty]
    if len(geoms) != 1:
        raise GeometryFileError(
            N_("{path} holds {count} features with a geometry; it must hold exactly one"),
            path=str(path),
            count=len(geoms),
        )
    (geom,) = geoms
    wanted = family(geom_type)
    if family(geom.geom_type) != wanted:
        raise GeometryFileError(
            N_("{path} holds a {found}; the asset is a {wanted}"),
            path=str(path),
            found=geom.geom_type,
            wanted=geom_type,
        )
    if not geom.is_valid:
        from shapely.validation import explain_validity

        raise GeometryFileError(
            N_("{path}: the geometry is not valid: {why}"),
            path=str(path),
            why=explain_validity(geom),
        )
    return as_geojson(shapely.force_2d(geom))


def as_geojson(geom) -> dict[str, Any]:
    """A shapely geometry as plain GeoJSON (lists, as a record holds it; not tuples)."""
    return dict(json.loads(shapely.to_geojson(geom)))


@dataclass(frozen=True)
class Vertex:
    """A movable vertex: part, ring (0: the exterior or the line itself) and position."""

    part: int
    ring: int
    i: int


class VertexEdit:
    """The vertices of a (multi)line or (multi)polygon, moved with undo."""

    def __init__(self, geometry: dict[str, Any]):
        self.geom_type = str(geometry["type"])
        if family(self.geom_type) is None:
            raise ValueError(f"only lines and polygons have vertices to move, not {self.geom_type}")
        self.original = geometry
        coords = geometry["coordinates"]
        parts = coords if self.geom_type.startswith("Multi") else [coords]
        if self.geom_type in LINE_TYPES:
            parts = [[line] for line in parts]  # a line is a part with one "ring"
        self.parts: list[list[list[list[float]]]] = [
            [[[float(c[0]), float(c[1])] for c in ring] for ring in part] for part in parts
        ]
        self.closed = self.geom_type in POLYGON_TYPES
        self._undo: list[tuple[Vertex, tuple[float, float]]] = []

    def vertices(self) -> list[tuple[Vertex, float, float]]:
        out: list[tuple[Vertex, float, float]] = []
        for p, part in enumerate(self.parts):
            for r, ring in enumerate(part):
                n = len(ring) - 1 if self.closed else len(ring)
                out.extend((Vertex(p, r, i), ring[i][0], ring[i][1]) for i in range(n))
        return out

    def position(self, v: Vertex) -> tuple[float, float]:
        x, y = self.parts[v.part][v.ring][v.i]
        return x, y

    def move(self, v: Vertex, x: float, y: float, start: tuple[float, float] | None = None) -> None:
        """Move a vertex, undoably; ``start``: where it was before a drag previewed it."""
        self._undo.append((v, start or self.position(v)))
        self._set(v, x, y)

    def preview(self, v: Vertex, x: float, y: float) -> None:
        """Where a vertex being dragged is now (not a move of its own: the drop is)."""
        self._set(v, x, y)

    def _set(self, v: Vertex, x: float, y: float) -> None:
        ring = self.parts[v.part][v.ring]
        ring[v.i] = [float(x), float(y)]
        if self.closed and v.i == 0:
            ring[-1] = [float(x), float(y)]

    def undo(self) -> bool:
        """Take back the last move; False if there is none."""
        if not self._undo:
            return False
        v, (x, y) = self._undo.pop()
        self._set(v, x, y)
        return True

    @property
    def moves(self) -> int:
        return len(self._undo)

    def geometry(self) -> dict[str, Any]:
        parts: list[Any] = self.parts
        if self.geom_type in LINE_TYPES:
            parts = [part[0] for part in self.parts]
        coords = parts if self.geom_type.startswith("Multi") else parts[0]
        return {"type": self.geom_type, "coordinates": coords}

    def problem(self) -> str | None:
        """Why the edited geometry cannot be signed (English), or None."""
        from shapely.validation import explain_validity

        shape = shapely.geometry.shape(self.geometry())
        return None if shape.is_valid else explain_validity(shape)
