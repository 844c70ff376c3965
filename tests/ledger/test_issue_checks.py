"""Bad assets and weak passphrases are refused before anything is signed or created, with a
message that says what is wrong — by the CLI, the issuance service and /submit alike."""

from __future__ import annotations

import json

import httpx
import pytest

from app.cli.main import main
from app.gis import asset_checks
from app.ledger.issuance import IssueRequest
from app.ledger.node import Node
from app.ledger.passphrase_policy import weakness
from app.net import issuance as net_issuance

NODE_PASS, OFFICIAL_PASS = "node-passphrase", "official-passphrase"
BOWTIE = {  # self-intersecting polygon
    "type": "Polygon",
    "coordinates": [[[114.5, 38.0], [114.6, 38.1], [114.6, 38.0], [114.5, 38.1], [114.5, 38.0]]],
}
PARIS = {"type": "Point", "coordinates": [2.3522, 48.8566]}
HANGZHOU = {"type": "Point", "coordinates": [120.1551, 30.2741]}
IN_CITY = {"type": "Point", "coordinates": [114.51, 38.04]}


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def env(monkeypatch):
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", NODE_PASS)
    monkeypatch.setenv("CITYLEDGER_OFFICIAL_PASSPHRASE", OFFICIAL_PASS)


@pytest.fixture()
def node_dir(tmp_path):
    d = tmp_path / "node"
    node = Node.create(d, "130100", "Shijiazhuang", "石家庄", NODE_PASS, batch_delay=0.005)
    node.add_official("zhang", OFFICIAL_PASS)
    node.close()
    return d


def log_size(d) -> int:
    with Node.open(d) as node:
        return node.size()


def geometry_file(tmp_path, geometry) -> str:
    path = tmp_path / "asset.geojson"
    path.write_text(json.dumps(geometry))
    return str(path)


# --- passphrases --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "why"),
    [("a", "1 characters; use at least 10"), ("password1234", "too easy to guess")],
)
def test_init_refuses_a_weak_passphrase_and_creates_nothing(
    tmp_path, capsys, monkeypatch, secret, why
):
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", secret)
    d = tmp_path / "node"
    code, _, err = cli(
        capsys, "--data", d, "init", "--city", "130100", "--name-en", "S", "--name-zh", "S"
    )
    assert code == 2 and why in err and "nothing was created" in err
    assert not (d / "node.json").exists() and not (d / "keys").exists()


def test_official_add_refuses_a_weak_passphrase(node_dir, capsys, env, monkeypatch):
    monkeypatch.setenv("CITYLEDGER_OFFICIAL_PASSPHRASE", "li-li-li-li")
    code, _, err = cli(capsys, "--data", node_dir, "official", "add", "li")
    assert code == 2 and "too easy to guess" in err
    with Node.open(node_dir) as node:
        assert [o["name"] for o in node.officials()] == ["zhang"]


def test_known_names_make_a_passphrase_weaker():
    assert weakness("Shijiazhuang2024") is None
    assert "too easy" in weakness("Shijiazhuang2024", ["Shijiazhuang"])


# --- assets through the CLI ---------------------------------------------------------


def test_self_intersecting_polygon_is_refused_with_the_reason(node_dir, tmp_path, capsys, env):
    code, _, err = cli(
        capsys, "--data", node_dir, "issue", "--class", "WAT", "--name", "bowtie",
        "--geometry", geometry_file(tmp_path, BOWTIE),
    )  # fmt: skip
    assert code == 2 and "invalid geometry: Self-intersection[114.55 38.05]" in err
    assert log_size(node_dir) == 2  # the official and its code-map entry


@pytest.mark.parametrize(("where", "point"), [("Paris", PARIS), ("Hangzhou", HANGZHOU)])
def test_an_asset_outside_the_city_needs_a_recorded_reason(
    node_dir, tmp_path, capsys, env, where, point
):
    args = ["--data", node_dir, "issue", "--class", "BLD", "--name", f"office in {where}"]
    args += ["--geometry", geometry_file(tmp_path, point), "--json"]
    code, out, _ = cli(capsys, *args)
    assert code == 2 and log_size(node_dir) == 2  # the official and its code map
    error = json.loads(out)["error"]["message"]
    assert "outside city 130100's boundary" in error and "km away" in error
    reason = f"liaison office in {where}, owned by the city"
    code, out, err = cli(capsys, *args, "--boundary-override", reason)
    assert code == 0, err
    with Node.open(node_dir) as node:
        record = node.history(json.loads(out)["code"])[0][1]
    assert record["asset"]["attributes"][asset_checks.OVERRIDE_ATTRIBUTE] == reason


def test_batch_with_a_10_mib_property_names_it(node_dir, tmp_path, capsys, env):
    layer = tmp_path / "big.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"asset_class": "WAT", "name": f"pump {i}", "notes": "n"},
            "geometry": IN_CITY,
        }
        for i in range(3)
    ]
    features[2]["properties"]["notes"] = "x" * (10 << 20)
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    code, _, err = cli(capsys, "--data", node_dir, "issue", "--batch", layer)
    assert code == 2 and "Too many characters" not in err
    assert "feature 3: property 'notes' is 10,485,760 characters; at most 16,384" in err
    assert log_size(node_dir) == 2  # the official and its code-map entry


def test_batch_with_an_oversize_attribute_and_a_bad_polygon_issues_nothing(
    node_dir, tmp_path, capsys, env
):
    layer = tmp_path / "bad.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"asset_class": "WAT", "name": "ok"},
            "geometry": IN_CITY,
        },
        {
            "type": "Feature",
            "properties": {"asset_class": "WAT", "name": "long", "notes": "y" * 20_000},
            "geometry": IN_CITY,
        },
        {
            "type": "Feature",
            "properties": {"asset_class": "WAT", "name": "bow"},
            "geometry": BOWTIE,
        },
    ]
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    code, _, err = cli(capsys, "--data", node_dir, "issue", "--batch", layer)
    assert code == 2 and "2 of 3 features cannot be issued; nothing was issued" in err
    assert "feature 2 (long): attribute 'notes' is 20,000 characters" in err
    assert "feature 3 (bow): invalid geometry: Self-intersection" in err
    assert log_size(node_dir) == 2  # the official and its code-map entry


# --- the issuance service (desktop app, scripts) and /submit ------------------------


def request(geometry, **over) -> IssueRequest:
    return IssueRequest("zhang", OFFICIAL_PASS, "BLD", "depot", geometry, **over)


def test_issuance_service_refuses_before_signing_and_records_an_override(node_dir):
    with Node.open(node_dir, batch_delay=0.005) as node:
        with pytest.raises(asset_checks.AssetRejected, match="outside city 130100"):
            net_issuance.issue(node, request(PARIS))  # locked: it would have gone to the outbox
        with pytest.raises(asset_checks.AssetRejected, match="Self-intersection"):
            net_issuance.issue(node, request(BOWTIE))
        assert node.store.outbox_items("pending", origin=node.origin) == []
        out = net_issuance.issue(node, request(PARIS, boundary_override="depot abroad"))
        assert out.pending
        entry = json.loads(node.store.outbox_items("pending", origin=node.origin)[0]["entry"])
        assert entry["asset"]["attributes"][asset_checks.OVERRIDE_ATTRIBUTE] == "depot abroad"
        inside = net_issuance.issue(node, request(IN_CITY, boundary_override="not needed"))
        pending = node.store.outbox_items("pending", origin=node.origin)
        entry = json.loads(next(i["entry"] for i in pending if i["code"] == inside.code))
        assert asset_checks.OVERRIDE_ATTRIBUTE not in entry["asset"]["attributes"]


def test_submit_refuses_an_asset_outside_the_city_with_422(node_dir):
    from app.net.demo_network import NodeProcess, free_port

    with Node.open(node_dir) as node:
        rec = node.issue_record("WAT", "pump in Paris", PARIS)
        outside = node.make_entry("zhang", OFFICIAL_PASS, rec)
        inside = node.make_entry("zhang", OFFICIAL_PASS, node.issue_record("WAT", "p", IN_CITY))
    server = NodeProcess("130100", node_dir, free_port(), passphrase=NODE_PASS)
    server.extra_args = ("--no-sync", "--no-witness")
    server.start()
    try:
        refused = httpx.post(server.url + "submit", content=outside, timeout=60)
        assert refused.status_code == 422 and "outside city 130100" in refused.text
        accepted = httpx.post(server.url + "submit", content=inside, timeout=60)
        assert accepted.status_code == 200, accepted.text
    finally:
        server.stop()
    assert log_size(node_dir) == 4  # the official, the asset inside the city, their maps
