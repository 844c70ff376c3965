"""A real city node in a temp folder (keys, official, trust file) and a main window on it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

CITY = "130100"
NODE_PASS = "city-passphrase"
OFFICIAL, OFFICIAL_PASS = "alice", "alice-passphrase"
DEMO_PER_CITY = 400


def install_single_city_trust(data_dir, node, quorum: int = 0) -> None:
    """A one-city network: no witnesses exist, so the quorum is 0 for these tests."""
    from app.ledger.trust import City, TrustFile, generate_admin_key, install_trust

    skey, vkey = generate_admin_key("test-network-admin")
    city = City(
        code=CITY,
        name_en="Shijiazhuang",
        name_zh="石家庄市",
        lon=114.5,
        lat=38.04,
        origin=node.origin,
        log_vkey=node.log_vkey,
        witness_vkey=node.witness_vkey,
    )
    trust = TrustFile(network="test", admin_vkey=vkey, quorum=quorum, cities=(city,))
    install_trust(data_dir, trust.sign(skey))


@pytest.fixture()
def node_dir(tmp_path):
    """Data folder of a closed node with one official and one issued code (seed_code)."""
    from app.ledger.node import Node

    data = tmp_path / "node"
    node = Node.create(data, CITY, "Shijiazhuang", "石家庄市", NODE_PASS)
    try:
        node.add_official(OFFICIAL, OFFICIAL_PASS)
        receipt = node.issue(
            OFFICIAL,
            OFFICIAL_PASS,
            "WAT",
            "Seed pump",
            {"type": "Point", "coordinates": [114.51, 38.04]},
            {"note": "seed"},
        )
        install_single_city_trust(data, node)
    finally:
        node.close()
    data.joinpath("seed_code").write_text(receipt.code)
    return data


@pytest.fixture()
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture()
def backend(qapp):
    from app.ui.worker import Backend

    b = Backend()
    yield b
    b.stop()


@pytest.fixture()
def make_window(qtbot, backend, settings):
    from app.ui import theme

    theme.apply_fonts(qtbot_app())

    def make(data_dir, per_city: int = DEMO_PER_CITY):
        from app.ui.main_window import MainWindow

        window = MainWindow(backend, data_dir, settings, demo_assets_per_city=per_city)
        qtbot.addWidget(window)
        window.resize(1600, 1000)
        window.show()
        qtbot.waitUntil(lambda: window.ws is not None, timeout=60000)
        qtbot.waitUntil(lambda: backend.pending() == 0, timeout=60000)
        return window

    return make


def qtbot_app():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance()


def wait_idle(qtbot, backend, timeout: int = 60000) -> None:
    qtbot.waitUntil(lambda: backend.pending() == 0, timeout=timeout)
