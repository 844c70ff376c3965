"""The `cityledger` ledger commands, run for real (subprocess and main(argv)) on a temp node."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from app.ledger import trust as T
from app.ledger.proof_bundle import decode_proof_bundle

PASS = "node-passphrase"


def run(*argv, env_extra=None, check=None):
    """The real command in a subprocess: (exit status, stdout, stderr)."""
    env = {**os.environ, "CITYLEDGER_PASSPHRASE": PASS}
    env.pop("CITYLEDGER_OFFICIAL_PASSPHRASE", None)
    env.update(env_extra or {})
    p = subprocess.run(
        [sys.executable, "-m", "app", *map(str, argv)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    if check is not None:
        assert p.returncode == check, (p.returncode, p.stdout, p.stderr)
    return p.returncode, p.stdout, p.stderr


def cli(capsys, *argv):
    """main(argv) in this process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_trust(path: Path, info: dict, quorum: int = 0) -> Path:
    """A trust file listing the node described by `log info --json`."""
    skey, vkey = T.generate_admin_key("test-admin")
    city = T.City(
        info["city"],
        info["name_en"],
        info["name_zh"],
        114.5,
        38.0,
        info["origin"],
        info["vkey"],
        info["witness_vkey"],
        ("http://127.0.0.1:8100/",),
    )
    path.write_bytes(T.TrustFile("test", vkey, quorum=quorum).with_city(city).sign(skey))
    return path


def admin_of(trust: Path) -> str:
    """The admin key a trust file names (what its admin hands out, out of band)."""
    return T.parse_trust_text(trust.read_text().split("\n\n")[0] + "\n").admin_vkey


@pytest.fixture()
def env(monkeypatch):
    """Non-interactive passphrases: the node's, and the officials' (a separate one)."""
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", PASS)
    monkeypatch.setenv("CITYLEDGER_OFFICIAL_PASSPHRASE", "official-passphrase")


@pytest.fixture()
def node_dir(tmp_path, capsys, env):
    d = tmp_path / "node"
    assert (
        cli(
            capsys,
            "--data",
            d,
            "init",
            "--city",
            "130100",
            "--name-en",
            "Shijiazhuang",
            "--name-zh",
            "石家庄",
        )[0]
        == 0
    )
    assert cli(capsys, "--data", d, "official", "add", "zhang")[0] == 0
    return d


def _issue(capsys, d, *extra):
    return cli(capsys, "--data", d, "issue", *extra)


def _size(capsys, d) -> int:
    code, out, _ = cli(capsys, "--data", d, "log", "info", "--json")
    assert code == 0
    return json.loads(out)["size"]


# --- end to end, as a script would use it (real subprocesses) --------------------------


def _flow(tmp_path, db_args):
    d = tmp_path / "city"
    run(
        *db_args,
        "--data",
        d,
        "init",
        "--city",
        "130100",
        "--name-en",
        "Shijiazhuang",
        "--name-zh",
        "石家庄",
        "--json",
        check=0,
    )
    off = {"CITYLEDGER_OFFICIAL_PASSPHRASE": "official-passphrase"}
    run("--data", d, "official", "add", "zhang", env_extra=off, check=0)
    _, out, _ = run(
        "--data",
        d,
        "issue",
        "--class",
        "WAT",
        "--name",
        "Main 1",
        "--lon",
        "114.51",
        "--lat",
        "38.04",
        "--attr",
        "dn=300",
        "--json",
        env_extra=off,
        check=0,
    )
    issued = json.loads(out)
    assert issued["codes"] == [issued["code"]] and issued["index"] == 2  # 1: a code map
    _, out, _ = run("--data", d, "log", "info", "--json", check=0)
    info = json.loads(out)
    for key in ("origin", "size", "vkey", "witness_vkey", "url"):
        assert key in info
    assert info["origin"] == "cityledger.example/130100" and info["size"] == 4
    assert info["vkey"].startswith("cityledger.example/130100+")
    trust = write_trust(tmp_path / "trust.note", info)

    code, out, _ = run(
        "--data",
        d,
        "verify",
        issued["code"],
        "--trust",
        trust,
        "--admin-key",
        admin_of(trust),
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True
    assert {c["name"] for c in doc["checks"]} >= {
        "entry signature",
        "inclusion",
        "checkpoint signature",
        "witness cosignatures",
    }

    bundle, qr = tmp_path / "a.tlog-proof", tmp_path / "a.svg"
    run("--data", d, "bundle", "export", issued["code"], "-o", bundle, "--qr", qr, check=0)
    assert bundle.read_bytes().startswith(b"c2sp.org/tlog-proof@v1\n") and qr.exists()
    # Offline: a folder with no node, only the trust file
    code, out, _ = run(
        "--data",
        tmp_path / "elsewhere",
        "verify",
        "--bundle",
        bundle,
        "--trust",
        trust,
        "--admin-key",
        admin_of(trust),
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True
    # the bundle carries the co-signed code map: the record is the code's latest there
    assert next(c for c in doc["checks"] if c["name"] == "not revoked")["status"] == "pass"
    assert doc["outcome"] == "verified" and doc["current_as_of"]["size"] == doc["checkpoint_size"]
    code, out, _ = run(
        "--data", tmp_path / "elsewhere", "verify", "--bundle", bundle, "--trust", trust,
        "--admin-key", admin_of(trust),
    )  # fmt: skip
    assert code == 0 and f"current as of checkpoint {doc['checkpoint_size']}" in out

    run("--data", d, "log", "verify", check=0)
    return d, issued, trust, bundle


@pytest.mark.slow
def test_end_to_end_sqlite(tmp_path):
    d, issued, trust, bundle = _flow(tmp_path, [])
    # A tampered bundle: the entry's name changed -> exit 1, the failed check named
    b = decode_proof_bundle(bundle.read_bytes())
    import dataclasses

    forged = dataclasses.replace(b, entry=b.entry.replace(b"Main 1", b"Main 2"))
    bad = tmp_path / "forged.tlog-proof"
    bad.write_bytes(forged.encode())
    code, out, _ = run(
        "--data",
        tmp_path / "elsewhere",
        "verify",
        "--bundle",
        bad,
        "--trust",
        trust,
        "--admin-key",
        admin_of(trust),
        "--json",
    )
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False
    failed = {c["name"] for c in doc["checks"] if c["status"] == "fail"}
    assert "inclusion" in failed
    code, out, _ = run(
        "--data",
        tmp_path / "elsewhere",
        "verify",
        "--bundle",
        bad,
        "--trust",
        trust,
        "--admin-key",
        admin_of(trust),
    )
    assert code == 1 and "NOT VERIFIED" in out and "inclusion" in out


@pytest.mark.slow
@pytest.mark.postgres
def test_end_to_end_postgres(tmp_path, pg_url):
    d, issued, trust, _ = _flow(tmp_path, ["--db", str(pg_url)])
    assert not (d / "ledger.sqlite3").exists()  # the log lives in PostgreSQL
    assert json.loads((d / "node.json").read_text())["db_url"].startswith("postgresql")


# --- passphrases ------------------------------------------------------------------------


def test_wrong_node_passphrase(node_dir, capsys, monkeypatch):
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", "not-it")
    monkeypatch.setenv("CITYLEDGER_OFFICIAL_PASSPHRASE", "x")
    code, _, err = cli(capsys, "--data", node_dir, "official", "add", "li")
    assert code == 2 and "wrong passphrase" in err
    monkeypatch.setenv("CITYLEDGER_PASSPHRASE", PASS)
    code, out, _ = cli(capsys, "--data", node_dir, "official", "list", "--json")
    assert [o["name"] for o in json.loads(out)] == ["zhang"]  # nothing added
    assert not (node_dir / "keys" / "officials" / "li.key").exists()


def test_wrong_official_passphrase_issues_nothing(node_dir, capsys, monkeypatch):
    before = _size(capsys, node_dir)
    monkeypatch.setenv("CITYLEDGER_OFFICIAL_PASSPHRASE", "wrong")
    code, _, err = cli(
        capsys,
        "--data",
        node_dir,
        "issue",
        "--class",
        "GAS",
        "--name",
        "v",
        "--lon",
        "114.5",
        "--lat",
        "38",
    )
    assert code == 2 and "wrong passphrase" in err and "zhang" in err
    assert _size(capsys, node_dir) == before


# --- batch ------------------------------------------------------------------------------


def _layer(path: Path, n: int, broken=()):
    feats = []
    for i in range(n):
        props = {
            "name": f"hydrant {i}",
            "asset_class": "WAT",
            "dn": 100 + i,
            "material": "ductile iron",
        }
        geom = {"type": "Point", "coordinates": [114.5 + i * 1e-3, 38.0 + i * 1e-4]}
        if i in broken:
            props["asset_class"] = "XYZ"
        feats.append({"type": "Feature", "properties": props, "geometry": geom})
    feats.append(
        {
            "type": "Feature",
            "properties": {"name": "pipe", "asset_class": "SEW", "dn": 1, "material": "pvc"},
            "geometry": {"type": "LineString", "coordinates": [[114.5, 38.0], [114.51, 38.01]]},
        }
    )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_batch_issue_from_geojson(node_dir, tmp_path, capsys):
    layer = _layer(tmp_path / "assets.geojson", 40)
    out_layer = tmp_path / "with_codes.gpkg"
    before = _size(capsys, node_dir)
    code, out, _ = _issue(capsys, node_dir, "--batch", layer, "--out", out_layer, "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["count"] == 41 and len(set(doc["codes"])) == 41 and doc["refused"] == []
    assert doc["indexes"] == list(range(before, before + 41))
    assert doc["codes"][-1].startswith("130100-SEW-")
    assert _size(capsys, node_dir) == before + 42  # one batch and its code-map entry
    import pyogrio

    written = pyogrio.read_dataframe(out_layer)
    assert list(written["code"]) == doc["codes"]
    # the codes carry the layer's attributes
    code, out, _ = cli(capsys, "--data", node_dir, "inspect", doc["codes"][3], "--json")
    state = json.loads(out)
    assert state["attributes"] == {"dn": 103, "material": "ductile iron"}
    assert state["name"] == "hydrant 3"
    # issuing the written layer again is refused: those features already have codes
    code, _, err = _issue(capsys, node_dir, "--batch", out_layer)
    assert code == 2 and "already has code" in err


def test_batch_with_bad_features_changes_nothing(node_dir, tmp_path, capsys):
    layer = _layer(tmp_path / "bad.geojson", 30, broken=(4, 17))
    before = _size(capsys, node_dir)
    code, _, err = _issue(capsys, node_dir, "--batch", layer)
    assert code == 2
    assert "feature 5" in err and "feature 18" in err and "'XYZ'" in err
    assert "nothing was issued" in err
    assert _size(capsys, node_dir) == before


def test_batch_input_errors(node_dir, tmp_path, capsys):
    code, _, err = _issue(capsys, node_dir, "--batch", tmp_path / "missing.gpkg")
    assert code == 2 and "no such file" in err
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json")
    code, _, err = _issue(capsys, node_dir, "--batch", junk)
    assert code == 2 and "cannot read it as a GIS layer" in err
    layer = _layer(tmp_path / "ok.geojson", 2)
    code, _, err = _issue(capsys, node_dir, "--batch", layer, "--name-field", "title")
    assert code == 2 and "no field 'title'" in err
    code, _, err = _issue(capsys, node_dir, "--batch", layer, "--name", "x")
    assert code == 2 and "drop --name" in err


# --- single issue input errors ------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (("--class", "WAT", "--name", "x", "--lon", "114.5"), "needs a location"),
        (("--class", "XXX", "--name", "x", "--lon", "114.5", "--lat", "38"), "'XXX' is not one of"),
        (("--class", "WAT", "--name", "x", "--lon", "214.5", "--lat", "38"), "outside EPSG:4326"),
        (("--class", "WAT", "--lon", "114.5", "--lat", "38"), "needs --name"),
        (
            ("--class", "WAT", "--name", "x", "--lon", "114.5", "--lat", "38", "--attr", "novalue"),
            "KEY=VALUE",
        ),
        (
            ("--class", "WAT", "--name", "x", "--lon", "114.5", "--lat", "38", "--official", "li"),
            "'li' is not registered",
        ),
    ],
)
def test_issue_input_errors(node_dir, capsys, args, message):
    before = _size(capsys, node_dir)
    code, _, err = _issue(capsys, node_dir, *args)
    assert code == 2 and message in err, err
    assert _size(capsys, node_dir) == before


def test_issue_geometry_file(node_dir, tmp_path, capsys):
    g = tmp_path / "road.geojson"
    g.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[114.5, 38.0], [114.6, 38.1], [114.7, 38.1]],
                },
            }
        )
    )
    code, out, _ = _issue(
        capsys,
        node_dir,
        "--class",
        "ROD",
        "--name",
        "Ring road",
        "--geometry",
        g,
        "--owner",
        "roads bureau",
        "--json",
    )
    assert code == 0
    c = json.loads(out)["code"]
    _, out, _ = cli(capsys, "--data", node_dir, "inspect", c, "--json")
    doc = json.loads(out)
    assert doc["geometry"]["type"] == "LineString" and doc["owner"] == "roads bureau"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "Polygon", "coordinates": [[[1, 2], [3]]]}))
    code, _, err = _issue(capsys, node_dir, "--class", "BLD", "--name", "x", "--geometry", bad)
    assert code == 2 and "geometry" in err


# --- init, officials, verify, log ---------------------------------------------------------


def test_init_refuses_bad_city_and_existing_node(tmp_path, capsys, env, node_dir):
    d = tmp_path / "bad"
    code, _, err = cli(
        capsys, "--data", d, "init", "--city", "990100", "--name-en", "X", "--name-zh", "X"
    )
    assert code == 2 and "990100" in err and not d.exists()
    code, _, err = cli(
        capsys,
        "--data",
        node_dir,
        "init",
        "--city",
        "130200",
        "--name-en",
        "T",
        "--name-zh",
        "唐山",
    )
    assert code == 2 and "already holds a node" in err


def test_official_revoke_then_issue_refused(node_dir, capsys):
    code, out, _ = cli(capsys, "--data", node_dir, "official", "revoke", "zhang", "--json")
    assert code == 0 and json.loads(out)["name"] == "zhang"
    code, _, err = _issue(
        capsys,
        node_dir,
        "--class",
        "WAT",
        "--name",
        "x",
        "--lon",
        "114.5",
        "--lat",
        "38",
        "--official",
        "zhang",
    )
    assert code == 2 and "was revoked" in err
    code, _, err = cli(capsys, "--data", node_dir, "official", "revoke", "zhang")
    assert code == 2 and "already revoked" in err


def test_verify_results_and_errors(node_dir, tmp_path, capsys):
    _, out, _ = _issue(
        capsys,
        node_dir,
        "--class",
        "MED",
        "--name",
        "clinic",
        "--lon",
        "114.5",
        "--lat",
        "38",
        "--json",
    )
    c = json.loads(out)["code"]
    code, _, err = cli(capsys, "--data", node_dir, "verify", c)
    assert code == 2 and "no trust file" in err
    _, out, _ = cli(capsys, "--data", node_dir, "log", "info", "--json")
    trust = write_trust(tmp_path / "t.note", json.loads(out), quorum=1)
    code, out, _ = cli(
        capsys,
        "--data",
        node_dir,
        "verify",
        c,
        "--trust",
        trust,
        "--admin-key",
        admin_of(trust),
        "--json",
    )
    doc = json.loads(out)  # quorum 1 and no other city: not cross-verified
    assert code == 1 and not doc["ok"]
    assert [x["name"] for x in doc["checks"] if x["status"] == "fail"] == ["witness cosignatures"]
    code, out, _ = cli(
        capsys,
        "--data",
        node_dir,
        "verify",
        c[:-1] + "?",
        "--trust",
        trust,
        "--admin-key",
        admin_of(trust),
        "--json",
    )
    error = json.loads(out)["error"]  # a typo is an input error (2) with the core's message
    assert code == 2 and error["kind"] == "code" and "is not a letter or digit" in error["message"]
    assert error["position"] == len(c) - 1
    code, _, err = cli(capsys, "--data", node_dir, "verify", c, "--bundle", trust)
    assert code == 2
    unsigned = tmp_path / "unsigned.note"
    unsigned.write_text(T.parse_trust_text(trust.read_text().split("\n\n")[0] + "\n").to_text())
    code, _, err = cli(
        capsys, "--data", node_dir, "verify", c, "--trust", unsigned, "--admin-key", admin_of(trust)
    )
    assert code == 1 and "not signed" in err


def test_log_verify_reports_tampering(node_dir, capsys):
    _issue(capsys, node_dir, "--class", "TEL", "--name", "mast", "--lon", "114.5", "--lat", "38")
    code, out, _ = cli(capsys, "--data", node_dir, "log", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    db = sqlite3.connect(node_dir / "ledger.sqlite3")
    try:
        data = db.execute("SELECT data FROM tiles WHERE level = 0 AND n = 0").fetchone()[0]
        flipped = bytes([data[0] ^ 1]) + data[1:]
        db.execute("UPDATE tiles SET data = ? WHERE level = 0 AND n = 0", (flipped,))
        db.commit()
    finally:
        db.close()
    code, out, _ = cli(capsys, "--data", node_dir, "log", "verify", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False and doc["logs"][0]["first_mismatch"]
    code, out, _ = cli(capsys, "--data", node_dir, "log", "verify")
    assert code == 1 and "first mismatch" in out


def test_no_node_is_a_usage_error(tmp_path, capsys, env):
    code, _, err = cli(capsys, "--data", tmp_path / "none", "log", "info")
    assert code == 2 and "cityledger init" in err


def test_batch_from_projected_geopackage(node_dir, tmp_path, capsys):
    """A GeoPackage layer in Web Mercator: reprojected to EPSG:4326, --class for all."""
    import geopandas as gpd
    from shapely.geometry import Point

    pts = gpd.GeoDataFrame(
        {"title": ["depot A", "depot B"], "owner_dept": ["bus", "tram"]},
        geometry=[Point(114.5, 38.0), Point(114.6, 38.1)],
        crs=4326,
    )
    path = tmp_path / "depots.gpkg"
    pts.to_crs(3857).to_file(path, layer="depots", driver="GPKG")
    code, out, _ = _issue(
        capsys,
        node_dir,
        "--batch",
        path,
        "--layer",
        "depots",
        "--class",
        "TRN",
        "--name-field",
        "title",
        "--owner-field",
        "owner_dept",
        "--json",
    )
    assert code == 0, out
    codes = json.loads(out)["codes"]
    assert all(c.startswith("130100-TRN-") for c in codes)
    _, out, _ = cli(capsys, "--data", node_dir, "inspect", codes[1], "--json")
    doc = json.loads(out)
    lon, lat = doc["geometry"]["coordinates"]
    assert abs(lon - 114.6) < 1e-6 and abs(lat - 38.1) < 1e-6
    assert doc["owner"] == "tram" and doc["name"] == "depot B" and doc["attributes"] == {}


def test_bundle_show_inspect_and_code_qr(node_dir, tmp_path, capsys):
    _, out, _ = _issue(
        capsys,
        node_dir,
        "--class",
        "PLT",
        "--name",
        "water plant",
        "--lon",
        "114.5",
        "--lat",
        "38",
        "--json",
    )
    c = json.loads(out)["code"]
    b, png = tmp_path / "p.tlog-proof", tmp_path / "code.png"
    code, out, _ = cli(
        capsys,
        "--data",
        node_dir,
        "bundle",
        "export",
        c,
        "-o",
        b,
        "--qr",
        png,
        "--qr-content",
        "code",
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["qr"]["content"] == "code" and doc["qr"]["characters"] == len(c)
    assert png.read_bytes()[:4] == b"\x89PNG"
    code, out, _ = cli(capsys, "--data", node_dir, "bundle", "show", b, "--json")
    shown = json.loads(out)
    assert shown["code"] == c and shown["record"]["asset"]["name"] == "water plant"
    assert shown["signatures"] == ["cityledger.example/130100"]
    code, out, _ = cli(capsys, "--data", node_dir, "inspect", c.lower())
    assert code == 0 and c in out and "history" in out and "no trust file" in out
    code, _, err = cli(
        capsys, "--data", node_dir, "bundle", "export", c, "-o", tmp_path / "nodir" / "x.tlog-proof"
    )
    assert code == 2 and "does not exist" in err
    code, _, err = cli(capsys, "--data", node_dir, "bundle", "show", png)
    assert code == 2 and "not a valid" in err
