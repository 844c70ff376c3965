"""The layers panel sets what the node follows (issue 11): a followed city can be turned to
on-demand verification and back; the own city is always followed."""

from __future__ import annotations

from app.ledger.follow import read_following
from app.ledger.node import Node
from app.ui.docks.layers import LayersPanel


def test_the_city_menu_offers_follow_or_on_demand(qtbot):
    panel = LayersPanel()
    qtbot.addWidget(panel)
    panel.set_cities([("130100", "Shijiazhuang"), ("130200", "Tangshan")])
    panel.set_following(None, "130100")  # a node that follows every city
    assert panel.follow_action_for("130100") is None
    assert panel.follow_action_for("130200")[1] is False
    panel.set_following({"140100"}, "130100")
    text, follow = panel.follow_action_for("130200")
    assert follow is True and "Follow this city" in text


def test_the_main_window_writes_the_follow_list(make_window, tmp_path):
    Node.create(tmp_path / "n", "130100", "Shijiazhuang", "石家庄", "a passphrase!").close()
    window = make_window(tmp_path / "n", per_city=10)
    own, other = window.ws.city_code, "130200"
    assert own == "130100"
    window._follow_city(other, False)  # from "every city" to all but this one
    now = read_following(window.data_dir)
    assert not now.all and other not in now.cities
    assert window.layers.follow_action_for(other)[1] is True
    window._follow_city(other, True)
    assert other in read_following(window.data_dir).cities
    assert window.layers.follow_action_for(own) is None
