"""The map widget (pyqtgraph): see app/ui/map/view.py."""

from app.ui.map.view import MapView

__all__ = ["MapView"]
