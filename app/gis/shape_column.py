"""The line and polygon geometries of an asset table as flat coordinate arrays.

A shapely geometry costs ~500 bytes of GEOS memory besides its coordinates, and a
million-asset inventory has ~300,000 lines and polygons: held as objects (plus an
STRtree over them) they were a third of the map's memory.  A :class:`ShapeColumn` keeps
each family (lines, polygons) as shapely's ragged arrays — coordinates and offsets, as
``shapely.to_ragged_array`` gives them — with the bounds of every shape, and makes
shapely objects only for the rows asked for (identify, a box query's candidates, an
export).  Indexing it works like the object array it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from app.gis.render.ranges import concat_ranges

LINES, POLYGONS = 0, 1
_FAMILY_OF_TYPE = {1: LINES, 2: LINES, 5: LINES, 3: POLYGONS, 6: POLYGONS}

Ragged = tuple[Any, np.ndarray, tuple[np.ndarray, ...]]  # (GeometryType, coords, offsets)


def subset_ragged(ragged: Ragged, which: np.ndarray) -> Ragged:
    """The ragged arrays of the geometries ``which`` (positions) of ``ragged``."""
    kind, coords, offsets = ragged
    idx = np.asarray(which, np.int64)
    n = len(offsets[-1]) - 1
    if len(idx) == n and (n == 0 or (idx[0] == 0 and (np.diff(idx) == 1).all())):
        return ragged  # all of them, in order (the map asks for every line or polygon)
    new: list[np.ndarray] = []
    for off in reversed(offsets):  # geometry level first, down to coordinates
        starts, ends = off[idx], off[idx + 1]
        new.append(np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64))
        idx = concat_ranges(starts, ends)
    return kind, coords[idx], tuple(reversed(new))


class ShapeColumn:
    def __init__(self, geoms: np.ndarray | Sequence[Any]):
        geoms = np.asarray(geoms, dtype=object)
        types = shapely.get_type_id(geoms) if len(geoms) else np.empty(0, np.int64)
        bad = [t for t in np.unique(types) if int(t) not in _FAMILY_OF_TYPE]
        if bad:
            raise ValueError(f"a shape column holds lines and polygons, not type id(s) {bad}")
        rings = types == 2
        if rings.any():  # LinearRing has no ragged form: the same vertices as a LineString
            coords, idx = shapely.get_coordinates(geoms[rings], return_index=True)
            geoms = geoms.copy()
            geoms[rings] = shapely.linestrings(coords, indices=idx)
        self.family = np.where(np.isin(types, (3, 6)), POLYGONS, LINES).astype(np.int8)
        self.local = np.zeros(len(geoms), np.int64)
        self.ragged: list[Ragged | None] = [None, None]
        for fam in (LINES, POLYGONS):
            pos = np.flatnonzero(self.family == fam)
            self.local[pos] = np.arange(len(pos))
            if len(pos):
                self.ragged[fam] = shapely.to_ragged_array(geoms[pos])
        self.bounds = shapely.bounds(geoms) if len(geoms) else np.empty((0, 4))

    @classmethod
    def concat(cls, columns: Sequence[ShapeColumn]) -> ShapeColumn:
        """The columns one after the other, joining their arrays (no shapely objects
        unless a family mixes geometry types across columns)."""
        columns = list(columns)
        kinds = [{r[0] for c in columns if (r := c.ragged[f]) is not None} for f in (0, 1)]
        if any(len(k) > 1 for k in kinds):
            return cls(np.concatenate([c.to_numpy() for c in columns]))
        out = cls([])
        out.family = np.concatenate([c.family for c in columns] + [np.empty(0, np.int8)])
        out.bounds = np.concatenate([c.bounds for c in columns] + [np.empty((0, 4))])
        out.local = np.zeros(len(out.family), np.int64)
        for fam in (LINES, POLYGONS):
            at = np.flatnonzero(out.family == fam)
            out.local[at] = np.arange(len(at))
            parts = [r for c in columns if (r := c.ragged[fam]) is not None]
            if parts:
                out.ragged[fam] = _join(parts)
        return out

    def __len__(self) -> int:
        return len(self.family)

    def ragged_of(self, positions: np.ndarray) -> Ragged:
        """Ragged arrays of the shapes at ``positions``, all of one family."""
        positions = np.asarray(positions, np.int64)
        fams = np.unique(self.family[positions])
        if len(fams) != 1:
            raise ValueError("ragged_of takes shapes of one family (lines or polygons)")
        ragged = self.ragged[int(fams[0])]
        assert ragged is not None
        return subset_ragged(ragged, self.local[positions])

    def take(self, positions: np.ndarray) -> np.ndarray:
        """Shapely geometries of ``positions`` (an object array, made now)."""
        positions = np.asarray(positions, np.int64).reshape(-1)
        out = np.empty(len(positions), dtype=object)
        for fam in (LINES, POLYGONS):
            at = np.flatnonzero(self.family[positions] == fam)
            if len(at):
                ragged = self.ragged[fam]
                assert ragged is not None
                kind, coords, offsets = subset_ragged(ragged, self.local[positions[at]])
                out[at] = shapely.from_ragged_array(kind, coords, offsets)
        return out

    def to_numpy(self) -> np.ndarray:
        return self.take(np.arange(len(self)))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.to_numpy()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, np.integer)):
            return self.take(np.array([int(key) % len(self) if key < 0 else int(key)]))[0]
        return self.take(np.arange(len(self))[key])

    def __iter__(self) -> Any:
        return iter(self.to_numpy())


def _join(parts: list[Ragged]) -> Ragged:
    """Ragged arrays of one geometry type, one after the other."""
    kind = parts[0][0]
    coords = np.concatenate([p[1] for p in parts])
    levels = []
    for k in range(len(parts[0][2])):
        shifted, base = [np.zeros(1, np.int64)], 0
        for p in parts:
            off = np.asarray(p[2][k], np.int64)
            shifted.append(off[1:] + base)
            base += int(off[-1])
        levels.append(np.concatenate(shifted))
    return kind, coords, tuple(levels)
