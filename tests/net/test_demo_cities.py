"""`cityledger demo --cities N`: real prefecture-level cities, Hebei first, then across the
provinces, in a fixed order; the default five stay those of `make run`."""

from __future__ import annotations

from app.gis.maps import city_boundaries
from app.net.demo_network import DEMO_CITIES, city_names, demo_cities


def test_a_hundred_real_cities_from_hebei_across_the_provinces():
    assert demo_cities(5) == tuple(map(str, DEMO_CITIES))
    cities = demo_cities(100)
    assert cities == demo_cities(100) and len(set(cities)) == 100
    assert all(c.startswith("13") for c in cities[:11])  # Hebei's eleven first
    assert len({c[:2] for c in cities}) >= 30
    known = city_boundaries(cities)  # BoundaryError if any is not a real city
    assert list(known["city"]) == list(cities)
    names = [city_names(c) for c in cities]
    assert not any(en.startswith("City ") for en, _ in names), names
    assert names[cities.index("140100")] == ("Taiyuan", "太原市")
