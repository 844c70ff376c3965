"""CityLedger: verifiable identity codes for city infrastructure assets."""

__version__ = "0.1.0"
