"""The map's Qt-free rendering core: app/gis/render."""

import numpy as np
import pytest
import shapely

from app.gis.render.canvas import Canvas
from app.gis.render.marks import Marks
from app.gis.render.palette import argb, palette
from app.gis.render.shapes import ShapeSet, segments_in
from app.gis.render.viewport import Block, subtract

PAL = palette(["#1f77b4", "#ff7f0e", "#2ca02c"])


def _marks(n=20_000, seed=0, shapes=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(114.5, 0.1, n)
    y = rng.normal(38.0, 0.07, n)
    extent = np.zeros(n)
    extent[:shapes] = rng.uniform(1e-5, 3e-3, shapes)
    m = Marks(x, y, extent)
    key = rng.integers(0, 3, n)
    m.set_style(key, PAL, np.zeros(n, np.uint8), PAL, ring_status=False)
    return m, x, y, key


def _block(m, bbox, width=400):
    x0, y0, x1, y1 = bbox
    sx = width / (x1 - x0)
    sy = -sx / np.cos(np.radians(38))
    gx, gy = int(np.floor(x0 * sx)), int(np.floor(y1 * sy))
    return Block(sx, sy, gx, gy, width, int(np.ceil((y0 - y1) * sy)))


def test_rectangle_arithmetic_covers_exactly():
    a, b = (0, 0, 100, 80), (30, 20, 100, 100)
    parts = subtract(a, b)
    cover = np.zeros((200, 200), int)
    for x, y, w, h in parts + [(30, 20, 70, 60)]:
        cover[y : y + h, x : x + w] += 1
    assert (cover[0:80, 0:100] == 1).all() and cover.sum() == 100 * 80
    assert subtract(a, (500, 500, 10, 10)) == [a]
    assert subtract(a, a) == []


def test_canvas_keeps_the_overlap_and_queues_exactly_the_exposed_strips():
    c = Canvas(1.0, -1.0, (0, 0, 50, 40), style=None)
    while (band := c.next_band()) is not None:
        x, y, w, h = band
        c.put(band, np.full((h, w), 7, np.uint32))
    c.image[0, 0] = 9  # global pixel (0, 0)
    c.move_to((10, -5, 50, 40))
    assert c.image[5, 0] == 7  # global (10, 0)
    assert c.image[5 + 0, 0] == 7 and c.image[4, 0] == 0  # row above was exposed
    queued = np.zeros((40, 50), int)
    for x, y, w, h in c.pending:
        queued[y + 5 : y + 5 + h, x - 10 : x - 10 + w] += 1
    # Exposed: the 5 new rows at the top and the 10 new columns at the right.
    expect = np.zeros((40, 50), int)
    expect[:5, :] = 1
    expect[:, 40:] = 1
    assert (queued == expect).all()


def test_positions_are_exactly_the_marks_in_the_box():
    m, x, y, _ = _marks()
    rng = np.random.default_rng(1)
    visible = rng.random(len(x)) < 0.7
    m.set_visible(visible)
    for _ in range(20):
        x0, y0 = rng.uniform(114.2, 114.8), rng.uniform(37.8, 38.2)
        bbox = (x0, y0, x0 + rng.uniform(0.001, 0.3), y0 + rng.uniform(0.001, 0.2))
        got = np.sort(m.order[m.positions(bbox)])
        fx, fy = m.fx[m.pos_of_row], m.fy[m.pos_of_row]  # float32 as stored
        ox, oy = m.origin
        inside = (
            (fx >= np.float32(bbox[0] - ox))
            & (fx <= np.float32(bbox[2] - ox))
            & (fy >= np.float32(bbox[1] - oy))
            & (fy <= np.float32(bbox[3] - oy))
        )
        assert (got == np.flatnonzero(inside & visible)).all()


@pytest.mark.parametrize("mode", ["density", "dots", "discs"])
def test_a_block_rendered_in_two_halves_equals_the_whole(mode):
    """What lets a pan render only a strip: the pixels of a block do not depend on
    how the view was cut into blocks (discs crossing the cut included)."""
    m, *_ = _marks(3000 if mode == "discs" else 20_000)
    whole = _block(m, (114.3, 37.85, 114.7, 38.15))
    img = m.render(whole, mode).copy()
    assert (img != 0).sum() > 1000
    left = Block(whole.sx, whole.sy, whole.gx, whole.gy, 150, whole.height)
    right = Block(whole.sx, whole.sy, whole.gx + 150, whole.gy, whole.width - 150, whole.height)
    # A disc near the cut is drawn from both sides: render each half with a margin.
    halves = []
    for b in (left, right):
        grown = b.grown(8)
        halves.append(m.render(grown, mode)[8:-8, 8:-8].copy())
    assert (np.hstack(halves) == img).all()


def test_pyramid_cells_take_their_most_common_key_and_agree_with_raw_density():
    n = 6
    x = np.array([114.0, 114.00001, 114.00002, 114.00003, 115.0, 114.5])
    y = np.array([38.0] * 5 + [38.5])
    m = Marks(x, y, np.zeros(n))
    m.set_style(np.array([0, 0, 1, 0, 2, 2]), PAL, np.zeros(n), PAL, ring_status=False)
    level = m.build_pyramid().levels[3]  # cells of 8 * base degrees
    assert level is not None
    by_count = dict(zip(level.count.tolist(), level.key.tolist()))
    assert by_count[4] == 0 and level.count.sum() == n

    big, *_ = _marks(300_000, seed=3)
    big.pyramid = big.build_pyramid()
    block = _block(big, (113.9, 37.5, 115.1, 38.5), width=300)
    agg = big.render(block, "density").copy()
    big.pyramid = None
    raw = big.render(block, "density")
    covered_agg, covered_raw = (agg != 0).sum(), (raw != 0).sum()
    assert covered_raw > 1000
    assert abs(covered_agg - covered_raw) < 0.15 * covered_raw


def test_shapes_become_marks_below_a_few_pixels_and_paths_above():
    m, x, y, _ = _marks(5000, shapes=100)
    deg = 1e-3
    limit = m.small_limit(deg)
    assert 1.5 * deg <= limit <= 3 * deg
    # The pyramid's and the paths' thresholds are the same steps.
    assert m.small_limit(deg * 1.01) == limit or m.level_of(deg * 1.01) != m.level_of(deg)


def _rings_of(shapes, block, which):
    x, y, connect = shapes.path_arrays(block, which)
    cut = np.flatnonzero(connect == 0)
    return [np.column_stack([x[i:j], y[i:j]]) for i, j in zip(cut, np.r_[cut[1:], len(x)])]


def test_polygon_rings_are_oriented_for_winding_fill():
    # Clockwise exterior with a counter-clockwise hole, and a multipolygon: the wrong
    # way round on purpose.
    poly = shapely.Polygon(
        [(0, 0), (0, 1), (1, 1), (1, 0)], holes=[[(0.3, 0.3), (0.6, 0.3), (0.6, 0.6)]]
    )
    multi = shapely.MultiPolygon([shapely.box(2, 0, 3, 1, ccw=False), shapely.box(4, 0, 5, 1)])
    s = ShapeSet.of(np.array([poly, multi]), rings=True, origin=(0.0, 0.0))
    s.prepare()
    block = Block(100.0, -100.0, 0, -100, 600, 100)
    rings = _rings_of(s, block, np.array([0, 1]))
    assert len(rings) == 4
    # In pixels y points down, so counter-clockwise in degrees is clockwise here.
    ccw_in_degrees = [not shapely.LinearRing(r).is_ccw for r in rings]
    assert ccw_in_degrees == [True, False, True, True]


def test_paths_merge_vertices_within_a_pixel_and_keep_every_shape():
    rng = np.random.default_rng(2)
    starts = rng.uniform(0, 1, (300, 2))
    # Lines of 50 vertices about 1e-4 degrees apart: within a pixel or two at 100 px
    # a degree, each in its own pixel at 1e5.
    steps = rng.normal(0, 1e-4, (300, 50, 2)).cumsum(axis=1)
    lines = shapely.linestrings(
        (starts[:, None, :] + steps).reshape(-1, 2), indices=np.repeat(np.arange(300), 50)
    )
    s = ShapeSet.of(lines, rings=False, origin=(0.0, 0.0))
    s.prepare()
    for scale in (100.0, 1e5):
        block = Block(scale, -scale, 0, int(-1.1 * scale), int(1.1 * scale), int(1.1 * scale))
        rings = _rings_of(s, block, np.arange(300))
        assert len(rings) == 300 and all(len(r) >= 2 for r in rings)
        pts = np.concatenate(rings)
        assert np.isfinite(pts).all()
        if scale == 100.0:
            assert len(pts) < 300 * 8  # a line within a pixel or two is a few vertices
        else:
            assert len(pts) > 300 * 45  # nearly every vertex its own pixel: kept


def test_argb_is_premultiplied():
    assert argb("#ff0000") == np.uint32(0xFFFF0000)
    assert argb("#ff0000", 128) == np.uint32((128 << 24) | (128 << 16))
    with pytest.raises(ValueError, match="#rrggbb"):
        argb("red")


def test_segments_in_keeps_exactly_the_segments_near_the_box():
    x = np.array([0.0, 1, 2, 3, np.nan, 10, 11, 12])
    y = np.array([0.0, 0, 0, 0, np.nan, 0, 0, 0])
    bx, by = segments_in(x, y, (0.5, -1, 1.5, 1))  # segments 0-1 and 1-2
    assert np.array_equal(bx, [0, 1, 2, np.nan], equal_nan=True)
    bx, _ = segments_in(x, y, (2.5, -1, 10.5, 1))  # 2-3 and 10-11, two runs
    assert np.array_equal(bx, [2, 3, np.nan, 10, 11, np.nan], equal_nan=True)
    assert len(segments_in(x, y, (50, 50, 60, 60))[0]) == 0


def test_polylines_are_drawn_pixel_by_pixel_and_only_where_joined():
    from app.gis.render.raster import polylines

    w, h = 20, 10
    img = np.zeros(w * h, np.uint32)
    # One line (2.5, 5.5) -> (10.5, 5.5) -> (10.5, 1.5), then a new line starting apart.
    x = np.array([2.5, 10.5, 10.5, 15.5, 17.5])
    y = np.array([5.5, 5.5, 1.5, 8.5, 8.5])
    joins = np.array([0, 1, 1, 0, 1], np.int32)
    colors = np.array([1, 1, 1, 2, 2], np.uint32)
    polylines(img, w, h, x, y, joins, colors)
    img = img.reshape(h, w)
    assert (img[5, 2:11] == 1).all() and (img[1:6, 10] == 1).all()
    assert (img[8, 15:18] == 2).all()
    assert (img != 0).sum() == 9 + 4 + 3  # nothing between the two lines


def test_polylines_clip_long_segments_to_the_image():
    from app.gis.render.raster import polylines

    w, h = 20, 10
    img = np.zeros(w * h, np.uint32)
    # A segment a million pixels long crossing the image on row 3, and one missing it.
    x = np.array([-5e5, 5e5, -5e5, 5e5])
    y = np.array([3.5, 3.5, -7.0, -7.0])
    polylines(img, w, h, x, y, np.array([0, 1, 0, 1], np.int32), np.full(4, 7, np.uint32))
    img = img.reshape(h, w)
    assert (img[3] == 7).all() and (img != 0).sum() == w


def test_coded_marks_stand_out_over_a_density_of_uncoded_ones():
    """Issue 12: 100 coded assets among 100,000 uncoded dots are drawn over them in their
    status colour, each a disc in a white ring; hidden ones (filters) are not."""
    n = 100_000
    m, x, _y, _key = _marks(n)
    status = np.zeros(n, np.uint8)
    coded = np.arange(0, n, 1000)  # 100 rows
    status[coded] = 2  # issued
    status_pal = palette(["#9aa5b1", "#d9822b", "#2e8540", "#c23030", "#8e6bbf"])
    m.set_style(np.zeros(n, np.uint8), PAL, status, status_pal, ring_status=False)
    block = _block(m, (114.3, 37.85, 114.7, 38.15))
    img = m.render_coded(block)
    assert img is not None
    green = status_pal[2]
    px, py = m._pixels(block, m.fx[m.pos_of_row[coded]], m.fy[m.pos_of_row[coded]])
    inside = (px >= 0) & (px < block.width) & (py >= 0) & (py < block.height)
    assert inside.sum() > 50
    centres = [img[b, a] for a, b in zip(px[inside], py[inside])]
    # a neighbour's ring may cover a centre where two discs overlap, nothing else may
    assert sum(c == green for c in centres) >= 0.9 * len(centres)
    assert (img == argb("#ffffff")).sum() > 0  # the ring
    assert set(np.unique(img)) <= {0, green, argb("#ffffff")}  # nothing uncoded
    mask = np.ones(n, bool)
    mask[coded] = False
    m.set_visible(mask)
    assert m.render_coded(block) is None


def test_coded_shapes_drawn_as_marks_stand_out_and_large_ones_do_not():
    """A coded polygon too small to draw as a path at this scale gets the coded disc like
    a point; one drawn as a path does not (its representative point is no place for it)."""
    n = 2_000
    m, _x, _y, _key = _marks(n, shapes=n)
    m.extent[:] = 1e-5  # every shape a mark at this scale...
    big = int(m.pos_of_row[7])
    m.extent[big] = 1.0  # ...but row 7, far larger than the view's mark limit
    status = np.zeros(n, np.uint8)
    status[[3, 7]] = 2
    status_pal = palette(["#9aa5b1", "#d9822b", "#2e8540", "#c23030", "#8e6bbf"])
    m.set_style(np.zeros(n, np.uint8), PAL, status, status_pal, ring_status=False)
    block = _block(m, (114.3, 37.85, 114.7, 38.15))
    img = m.render_coded(block)
    assert img is not None
    green = status_pal[2]
    for row, drawn in ((3, True), (7, False)):
        pos = m.pos_of_row[[row]]
        px, py = m._pixels(block, m.fx[pos], m.fy[pos])
        assert (img[py[0], px[0]] == green) == drawn


def test_polylines_of_every_length_are_unbroken_lines_of_their_pixels():
    """Segments of each length class (vertex only, 2, 4, 8 px sampled by broadcasting,
    longer walked pixel by pixel) give one pixel per column of a shallow line, no gap
    and nothing off the line."""
    from app.gis.render.raster import polylines

    w, h = 80, 40
    for length in (0.6, 1.0, 1.7, 2.0, 3.2, 4.0, 5.5, 8.0, 9.3, 31.0):
        img = np.zeros(w * h, np.uint32)
        # Two segments: right by ``length``, then up-right at a shallow slope.
        x = np.array([10.5, 10.5 + length, 10.5 + 2 * length])
        y = np.array([20.5, 20.5, 20.5 - 0.4 * length])
        polylines(img, w, h, x, y, np.array([0, 1, 1], np.int32), np.full(3, 5, np.uint32))
        img = img.reshape(h, w)
        cols = np.flatnonzero((img != 0).any(axis=0))
        # Every column from the first vertex to the last is drawn, once per column
        # except where the slope steps a row (8-connected: at most 2 rows apart).
        assert cols[0] == 10 and cols[-1] == int(np.floor(10.5 + 2 * length)), length
        assert np.array_equal(cols, np.arange(cols[0], cols[-1] + 1)), length
        rows = [np.flatnonzero(img[:, c]) for c in cols]
        assert all(r.max() - r.min() <= 1 for r in rows), length
        assert (img[20, 10 : int(np.floor(10.5 + length)) + 1] == 5).all(), length
    # Clipped to the image, this segment is exactly 226 px long: sampled a pixel apart,
    # rounding put two samples on row 106 and none on 107.
    w, h = 817, 224
    img = np.zeros(w * h, np.uint32)
    x, y = np.array([546.925903, 546.925903]), np.array([228.913315, -6.096997])
    polylines(img, w, h, x, y, np.array([0, 1], np.int32), np.full(2, 5, np.uint32))
    assert (img.reshape(h, w)[:, 546] == 5).all()
    for length in (2.0, 4.0, 8.0, 16.0):  # the bounds of the length classes, off-grid
        img = np.zeros(w * h, np.uint32)
        x, y = np.array([3.3, 3.3]), np.array([100.7, 100.7 - length])
        polylines(img, w, h, x, y, np.array([0, 1], np.int32), np.full(2, 5, np.uint32))
        rows = np.flatnonzero(img.reshape(h, w)[:, 3])
        assert np.array_equal(rows, np.arange(rows[0], rows[-1] + 1)), length


def test_bands_of_a_window_find_the_same_shapes_as_without_it():
    rng = np.random.default_rng(3)
    cx, cy = rng.uniform(114, 115, 2000), rng.uniform(38, 38.7, 2000)
    r = rng.uniform(1e-4, 5e-2, 2000)
    geoms = shapely.polygons(
        np.stack([np.c_[cx - r, cx + r, cx + r, cx - r], np.c_[cy - r, cy - r, cy + r, cy + r]], 2)
    )
    s = ShapeSet.of(geoms, rings=True, origin=(114.0, 38.0))
    sx = 3000.0
    sy = -sx / np.cos(np.radians(38))
    view = Block(sx, sy, int(114.3 * sx), int(38.35 * sy), 600, 400)
    for limit in (0.0, 1e-3):
        for k in range(-2, 12):  # bands of the view, and a few past its edges (pans)
            band = Block(sx, sy, view.gx, view.gy + 40 * k, 600, 40)
            assert np.array_equal(
                np.sort(s.in_block(band, limit, 2, view)), np.sort(s.in_block(band, limit, 2))
            )


def test_fill_polygons_fills_pixel_centres_inside_with_holes_and_overlaps():
    """Scanline fill with the non-zero winding rule against shapely at every pixel
    centre: two overlapping squares each filled (their overlap blended once, as one
    path per colour in QPainter), a hole left as it was, a second colour over the first."""
    from shapely.geometry.polygon import orient

    from app.gis.render.raster import fill_polygons

    w, h = 100, 60
    polys = [
        shapely.box(10.2, 10.3, 30.7, 30.1),
        shapely.box(20.4, 20.6, 40.3, 45.2),  # overlaps the first
        shapely.Polygon(
            [(50.1, 5.3), (90.2, 5.3), (90.2, 50.6), (50.1, 50.6)],
            [[(60.3, 15.2), (80.4, 15.2), (80.4, 40.7), (60.3, 40.7)]],
        ),
        shapely.Polygon([(5.3, 58.9), (45.1, 58.2), (25.2, 40.4)]),
    ]
    group_of = [0, 0, 0, 1]
    x, y, joins, group = [], [], [], []
    for poly, g in zip(polys, group_of):
        poly = orient(poly, 1.0)
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords)
            x.append(c[:, 0])
            y.append(c[:, 1])
            joins.append(np.r_[0, np.ones(len(c) - 1, np.int32)])
            group.append(np.full(len(c), g))
    bg = argb("#ffffff")
    img = np.full(w * h, bg, np.uint32)
    fills = np.array([argb("#ff0000", 110), argb("#0000ff", 110)], np.uint32)
    fill_polygons(
        img,
        w,
        h,
        np.concatenate(x),
        np.concatenate(y),
        np.concatenate(joins),
        np.concatenate(group),
        fills,
    )
    img = img.reshape(h, w)
    cx, cy = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    red = np.zeros((h, w), bool)
    for poly in polys[:3]:
        red |= shapely.contains_xy(poly, cx, cy)
    blue = shapely.contains_xy(polys[3], cx, cy)
    red_px, blue_px = img[red & ~blue], img[blue & ~red]
    assert len(np.unique(red_px)) == 1 and len(np.unique(blue_px)) == 1  # overlap once
    assert (img[~red & ~blue] == bg).all()  # outside and the hole untouched
    assert img[65 - 50, 70] == bg  # inside the hole
    r = int(red_px[0])
    assert (r >> 16) & 255 == 255 and r & 255 < 255 and (r >> 24) == 255
    both = img[red & blue]
    assert len(both) and (both != red_px[0]).all() and (both != blue_px[0]).all()


def test_a_slow_band_makes_the_next_ones_smaller():
    from app.gis.render.canvas import (
        BAND_PIXELS,
        BAND_SECONDS,
        FIRST_BAND_PIXELS,
        MIN_BAND_PIXELS,
    )

    c = Canvas(1.0, -1.0, (0, 0, 1920, 1080), style=None)
    first = c.next_band()
    assert first is not None and first[2] * first[3] == FIRST_BAND_PIXELS
    c.took(first, 1.5 * BAND_SECONDS)
    second = c.next_band()
    assert second is not None and second[3] == round(first[3] / 1.5)
    c.took(second, 10.0)
    third = c.next_band()
    assert third is not None and third[2] * third[3] == MIN_BAND_PIXELS
    c.took(third, 1e-6)
    fourth = c.next_band()
    assert fourth is not None and fourth[2] * fourth[3] == BAND_PIXELS
    c.refresh()  # new data: what was measured no longer holds
    fifth = c.next_band()
    assert fifth is not None and fifth[2] * fifth[3] == FIRST_BAND_PIXELS


def test_shapes_merged_once_per_scale_come_back_the_same_in_any_block():
    """Bands and pan strips of a scale reuse the shapes merged for an earlier block:
    what they get equals merging for their own block (another scale merges afresh)."""
    rng = np.random.default_rng(5)
    starts = rng.uniform(0, 1, (400, 2))
    steps = rng.normal(0, 3e-3, (400, 30, 2)).cumsum(axis=1)
    lines = shapely.linestrings(
        (starts[:, None, :] + steps).reshape(-1, 2), indices=np.repeat(np.arange(400), 30)
    )
    s = ShapeSet.of(lines, rings=False, origin=(0.0, 0.0))
    s.prepare()
    for scale in (700.0, 3000.0):
        blocks = [Block(scale, -scale, 37 * k, int(-scale) + 23 * k, 300, 90) for k in range(5)]
        for block in blocks + blocks[::-1]:
            which = s.in_block(block, 0.0, 2)
            got = s.merged(block, which)
            want = s._merge(block, which)
            assert all(len(a) == len(b) for a, b in zip(got, want))
            assert np.allclose(got[0], want[0], atol=1e-3) and np.allclose(
                got[1], want[1], atol=1e-3
            )
            assert np.array_equal(got[2], want[2]) and np.array_equal(got[3], want[3])
        assert s._merged_cache is not None and s._merged_cache.scale == (scale, -scale)
