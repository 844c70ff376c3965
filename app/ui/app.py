"""Starting the desktop app and the wall: QApplication, fonts, translation, worker."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QStyleFactory

from app.ui import i18n, theme

ORG, APP = "CityLedger", "CityLedger"


def make_application(argv=None, language: str | None = None, dark: bool = False) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    if not isinstance(app, QApplication):
        raise RuntimeError("a QCoreApplication (no widgets) is already running in this process")
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(theme.dark_palette() if dark else theme.light_palette())
    theme.apply_fonts(app)
    i18n.install(app, language)
    return app


def quit_on_signals(app: QApplication) -> QTimer:
    """SIGTERM, SIGINT and SIGHUP quit the event loop like closing the window does, so the
    callers' cleanup runs: settings saved, the worker stopped, and `cityledger demo`'s city
    nodes stopped (a demo killed with SIGTERM used to leave its nodes running, and the next
    demo's nodes then failed to bind).  Python runs a signal handler only when the
    interpreter has control; Qt's C++ loop would hold it back, so a timer hands it control
    four times a second.  The quit is queued, not called: a signal that lands before the
    loop starts would otherwise be lost (QCoreApplication.quit does nothing outside exec)."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: QTimer.singleShot(0, app.quit))
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)
    return timer


def settings() -> QSettings:
    return QSettings(ORG, APP)


def save_png(widget, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write the screenshot {path}")
    return path


def wait_until(app, predicate, timeout_s: float) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    return predicate()


def screenshot_when_loaded(app, window, backend, path: Path, size, what: str) -> None:
    """Show ``window`` at ``size``, wait until it loaded and the worker is idle, let the map
    paint its first frame, and save the window as PNG."""
    window.resize(*size)
    window.show()
    if not wait_until(app, lambda: window.ws is not None and not backend.pending(), 120):
        raise RuntimeError(f"the {what} did not finish loading within 120 s")
    wait_until(app, lambda: False, 0.5)
    save_png(window, path)


def run_gui(
    data_dir,
    screenshot: Path | None = None,
    language: str | None = None,
    bus=None,
    demo_assets_per_city: int | None = None,
    size=(1600, 1000),
) -> int:
    from app.ui.main_window import MainWindow
    from app.ui.worker import Backend

    app = make_application(language=language)
    app.setStyleSheet(theme.DESKTOP_STYLESHEET)
    backend = Backend()
    window = MainWindow(
        backend, data_dir, settings(), bus=bus, demo_assets_per_city=demo_assets_per_city
    )
    try:
        if screenshot is not None:
            screenshot_when_loaded(app, window, backend, screenshot, size, "main window")
            return 0
        window.show()
        quit_on_signals(app)
        return app.exec()
    finally:
        window.save_settings()
        backend.stop()


def run_wall(
    data_dir,
    screenshot: Path | None = None,
    language: str | None = None,
    bus=None,
    rotate_s: float = 20.0,
    demo_assets_per_city: int | None = None,
    windowed: bool = False,
    size=(1920, 1080),
) -> int:
    from app.ui.wall import WallWindow
    from app.ui.worker import Backend

    app = make_application(language=language, dark=True)
    backend = Backend()
    wall = WallWindow(
        backend, data_dir, bus=bus, rotate_s=rotate_s, demo_assets_per_city=demo_assets_per_city
    )
    try:
        if screenshot is not None:
            screenshot_when_loaded(app, wall, backend, screenshot, size, "wall")
            return 0
        if windowed:
            wall.resize(*size)
            wall.show()
        else:
            wall.showFullScreen()
        QTimer.singleShot(0, wall.raise_)
        quit_on_signals(app)
        return app.exec()
    finally:
        backend.stop()
