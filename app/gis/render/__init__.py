"""The map's rendering core, Qt-free (numpy and shapely only).

- viewport.py: the global pixel grid of a scale, blocks of it, rectangle arithmetic;
- canvas.py: rendered images kept per scale, moved by a pan, with the strips to draw;
- marks.py: points (and shapes smaller than a few pixels) rasterised per block, with
  an aggregation pyramid for views holding millions;
- shapes.py: lines and polygons as oriented, level-of-detail coordinate arrays;
- raster.py, palette.py: the numpy drawing primitives and colours.

app/ui/map only turns these into a QImage and draws the paths of large shapes.
"""
