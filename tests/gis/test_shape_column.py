"""ShapeColumn: lines and polygons as flat arrays, shapely objects on demand."""

import numpy as np
import pytest
import shapely

from app.gis.shape_column import ShapeColumn


def _mixed():
    return np.array(
        [
            shapely.LineString([(0, 0), (1, 1), (2, 0)]),
            shapely.Polygon([(0, 0), (1, 0), (1, 1)], holes=[[(0.6, 0.2), (0.8, 0.2), (0.8, 0.4)]]),
            shapely.MultiLineString([[(5, 5), (6, 6)], [(7, 7), (8, 8), (9, 7)]]),
            shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
            shapely.LinearRing([(0, 0), (1, 0), (1, 1)]),
        ],
        dtype=object,
    )


def test_geometries_come_back_equal_in_any_order():
    geoms = _mixed()
    col = ShapeColumn(geoms)
    assert len(col) == 5
    back = col.take(np.array([3, 0, 4, 1, 2]))
    want = geoms[[3, 0, 4, 1, 2]]
    want[2] = shapely.LineString(shapely.get_coordinates(want[2]))  # a ring as a line
    assert shapely.equals(back, want).all()
    assert col[1].equals(geoms[1]) and col[-1].equals(want[2])
    assert np.allclose(col.bounds, shapely.bounds(geoms))
    assert shapely.equals(np.asarray(col)[:4], geoms[:4]).all()


def test_concat_joins_the_arrays_and_keeps_every_shape():
    a, b = _mixed()[:4], _mixed()[[3, 2, 1, 0]]
    joined = ShapeColumn.concat([ShapeColumn(a), ShapeColumn(b)])
    assert shapely.equals(joined.to_numpy(), np.concatenate([a, b])).all()
    # One family of one type in each column, another type in the next: still right.
    lines = ShapeColumn(np.array([shapely.LineString([(0, 0), (1, 1)])]))
    multi = ShapeColumn(np.array([shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3)]])]))
    mixed = ShapeColumn.concat([lines, multi])
    assert shapely.equals(
        mixed.to_numpy(), np.concatenate([lines.to_numpy(), multi.to_numpy()])
    ).all()


def test_ragged_of_one_family_only():
    col = ShapeColumn(_mixed())
    kind, coords, offsets = col.ragged_of(np.array([1, 3]))
    assert len(shapely.from_ragged_array(kind, coords, offsets)) == 2
    with pytest.raises(ValueError, match="one family"):
        col.ragged_of(np.array([0, 1]))
    with pytest.raises(ValueError, match="not type id"):
        ShapeColumn(np.array([shapely.Point(0, 0)]))


def test_ragged_of_every_shape_in_order_or_not():
    """All of a family in order is the family's own arrays (no copy of the vertices, the
    map's load); any other order or subset is gathered."""
    col = ShapeColumn(_mixed())
    lines = np.flatnonzero(col.family == 0)
    kind, coords, offsets = col.ragged_of(lines)
    assert coords is col.ragged[0][1]
    assert shapely.equals(shapely.from_ragged_array(kind, coords, offsets), col.take(lines)).all()
    back = col.ragged_of(lines[::-1])
    assert back[1] is not col.ragged[0][1]
    assert shapely.equals(shapely.from_ragged_array(*back), col.take(lines[::-1])).all()
