"""A real multi-city network on loopback: one node process per city, a signed trust file.

    net = start_demo_network(base_dir)       # 5 Hebei cities, quorum 2
    net.nodes[0].url                         # http://127.0.0.1:PORT/
    net.stop()

Each node is a real `cityledger node serve` process (its own SQLite store, its own port),
so serving, syncing and witnessing between them are the production code paths. Used by
`make run` and by the multi-node tests.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

DEMO_CITIES = (130100, 130200, 130400, 130600, 131000)
DEMO_PASSPHRASE = "cityledger-demo"
DEMO_OFFICIAL = "demo-official"
# A quiet city is polled at most this far apart in the demo (production default 60 s), so
# a stopped city reads down on the status bar and the wall within seconds.
DEMO_MAX_SYNC_INTERVAL = 5.0
# The demo admin key is sealed like any other (app.ledger.network_admin) under this public
# demo passphrase; a demo folder made before that kept it in plain text in this file.
DEMO_ADMIN_PASSPHRASE = "hebei-admin-orchid-lantern"
LEGACY_ADMIN_KEY_FILE = "network-admin.skey"
TRUST_FILE = "trust.note"

_NAMES = {
    "130100": ("Shijiazhuang", "石家庄"),
    "130200": ("Tangshan", "唐山"),
    "130300": ("Qinhuangdao", "秦皇岛"),
    "130400": ("Handan", "邯郸"),
    "130500": ("Xingtai", "邢台"),
    "130600": ("Baoding", "保定"),
    "130700": ("Zhangjiakou", "张家口"),
    "130800": ("Chengde", "承德"),
    "130900": ("Cangzhou", "沧州"),
    "131000": ("Langfang", "廊坊"),
    "131100": ("Hengshui", "衡水"),
}
_SEATS = {
    "130100": (114.514, 38.042),
    "130200": (118.180, 39.630),
    "130400": (114.539, 36.625),
    "130600": (115.465, 38.874),
    "131000": (116.683, 39.538),
}


_handed_out: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A loopback port that is free now and stays out of the kernel's ephemeral range.

    A port the kernel picks (bind to 0) comes from the ephemeral range, which is also where
    every outgoing connection's local port comes from: with twenty nodes polling each other,
    one of them took a port chosen for a node not yet started, and that node died at bind
    (uvicorn exit 3).  Ports below the range are never handed to outgoing connections.
    """
    low, _high = _ephemeral_range()
    floor = 10000 if low > 12000 else 1024
    for _ in range(200):
        port = random.randrange(floor, low)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket() as s:  # a crowded range: fall back to the kernel's choice
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cities_per_process(n: int) -> int:
    """Cities per `node serve` process for an n-city demo: one each for make run's five
    (the app restarts them one by one), else about two processes per core (app.net.city_host):
    a hundred interpreters do not fit on two cores, two or four do and use both."""
    if n <= len(DEMO_CITIES):
        return 1
    return -(-n // (2 * (os.cpu_count() or 1)))


def city_names(code: str) -> tuple[str, str]:
    """(English, Chinese) name of a city: the demo's own, else the installed boundaries'."""
    if code in _NAMES:
        return _NAMES[code]
    try:
        from app.gis.maps import city_boundaries

        row = city_boundaries([code]).iloc[0]
        return str(row["name_en"]), str(row["name_zh"])
    except Exception:  # the map data is optional for a headless network
        return f"City {code}", f"城市{code}"


def demo_cities(n: int) -> tuple[str, ...]:
    """The demo network's n member cities: the five of `make run` by default, else n real
    prefecture-level cities (member_cities: Hebei first, then across the provinces)."""
    if n == len(DEMO_CITIES):
        return tuple(map(str, DEMO_CITIES))
    return tuple(member_cities(n))


def member_cities(n: int) -> list[str]:
    """n real prefecture-level cities (GB/T 2260 codes from the installed boundaries): Hebei
    first, where the network starts, then one city per province in turn."""
    from app.gis.maps import city_boundaries

    codes = sorted(str(c) for c in city_boundaries()["city"] if str(c).endswith("00"))
    out = [c for c in codes if c.startswith("13")]
    by_province: dict[str, list[str]] = {}
    for c in codes:
        if not c.startswith("13"):
            by_province.setdefault(c[:2], []).append(c)
    while len(out) < n and any(by_province.values()):
        for p in sorted(by_province):
            if by_province[p] and len(out) < n:
                out.append(by_province[p].pop(0))
    return out[:n]


def city_seat(code: str) -> tuple[float, float]:
    try:
        from app.gis.maps import city_seat as seat

        return seat(code)
    except Exception:  # the map data is optional for a headless network
        return _SEATS.get(code, (115.0, 38.5))


@dataclass
class NodeProcess:
    """One city's `node serve` process."""

    code: str
    data_dir: Path
    port: int
    origin: str = ""
    passphrase: str = DEMO_PASSPHRASE
    sync_interval: float = 0.5
    extra_args: tuple[str, ...] = ()
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, wait: float = 120.0) -> NodeProcess:
        self.proc = _popen(
            [
                "--data",
                str(self.data_dir),
                "node",
                "serve",
                "--listen",
                f"127.0.0.1:{self.port}",
                "--sync-interval",
                str(self.sync_interval),
                *self.extra_args,
            ],
            self.passphrase,
            self.data_dir / "serve.log",
        )
        if wait:
            self.wait_ready(wait)
        return self

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"node {self.code} exited with {self.proc.returncode}; see "
                    f"{self.data_dir / 'serve.log'}"
                )
            try:
                if httpx.get(self.url + "checkpoint", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"node {self.code} did not answer on {self.url} within {timeout} s")

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (the clean shutdown path); SIGKILL if it hangs."""
        proc, self.proc = self.proc, None  # stopped on purpose: no supervisor restarts it
        return _stop(proc, timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def _popen(args: list[str], passphrase: str, log_file: Path) -> subprocess.Popen:
    env = dict(os.environ, CITYLEDGER_PASSPHRASE=passphrase)
    # A PyInstaller build's executable is the cityledger command itself.
    command = (
        [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "app.net"]
    )
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            [*command, *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(_repo_root()),
        )


def _terminate(proc: subprocess.Popen) -> None:
    """SIGTERM once (a second one while the node is stopping would only hurry it)."""
    if proc.poll() is None and not getattr(proc, "terminated", False):
        proc.terminated = True  # type: ignore[attr-defined]
        proc.send_signal(signal.SIGTERM)


def _stop(proc: subprocess.Popen | None, timeout: float) -> int | None:
    """SIGTERM and wait (the clean shutdown path); SIGKILL if it hangs. The exit code."""
    if proc is None:
        return None
    _terminate(proc)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    return proc.returncode


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


@dataclass
class HostProcess:
    """One `node serve --city A --city B ...` process hosting several cities (each on its
    own port, app.net.city_host). Its cities' NodeProcess.proc is this process."""

    nodes: list[NodeProcess]
    log_file: Path
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def code(self) -> str:
        return "+".join(n.code for n in self.nodes)

    def start(self, wait: float = 60.0) -> HostProcess:
        first = self.nodes[0]
        args = ["node", "serve", "--sync-interval", str(first.sync_interval), *first.extra_args]
        for n in self.nodes:
            args += ["--city", f"{n.data_dir}=127.0.0.1:{n.port}"]
        self.proc = _popen(args, first.passphrase, self.log_file)
        for n in self.nodes:
            n.proc = self.proc
        if wait:
            self.wait_ready(wait)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for n in self.nodes:
            n.wait_ready(max(1.0, deadline - time.monotonic()))

    def terminate(self) -> None:
        if self.proc is not None:
            _terminate(self.proc)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (the clean shutdown path); SIGKILL if it hangs."""
        proc, self.proc = self.proc, None  # stopped on purpose: no supervisor restarts it
        for n in self.nodes:
            n.proc = None
        return _stop(proc, timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None
        for n in self.nodes:
            n.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class DemoNetwork:
    base_dir: Path
    nodes: list[NodeProcess]
    trust_note: bytes
    admin_passphrase: str  # opens the sealed admin key (app.ledger.network_admin)
    hosts: list[HostProcess] = field(default_factory=list)  # when cities share processes

    def node(self, code) -> NodeProcess:
        return next(n for n in self.nodes if n.code == str(code))

    @property
    def endpoints(self) -> dict[str, str]:
        return {n.code: n.url for n in self.nodes}

    @property
    def units(self) -> list:
        """What runs as one process each: the hosts, or else the nodes."""
        return list(self.hosts) if self.hosts else list(self.nodes)

    def host(self, n: int) -> None:
        """Serve the cities `n` to a process (n >= 2: app.net.city_host) from now on."""
        self.hosts = (
            [
                HostProcess(self.nodes[i : i + n], self.base_dir / f"host-{i // n}.log")
                for i in range(0, len(self.nodes), n)
            ]
            if n > 1
            else []
        )

    def start(self, wait: float = 60.0) -> None:
        try:
            for u in self.units:
                u.start(wait=0)
            for u in self.units:
                u.wait_ready(wait)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 15.0) -> list[int | None]:
        """SIGTERM to every process at once, then wait for each: their exit codes."""
        procs = [u.proc for u in self.units]
        for u in self.nodes + self.hosts:
            u.proc = None  # stopped on purpose: no supervisor restarts them
        for p in procs:
            if p is not None:
                _terminate(p)
        return [_stop(p, timeout) for p in procs]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def create_network(
    base_dir,
    cities=DEMO_CITIES,
    quorum: int = 2,
    passphrase: str = DEMO_PASSPHRASE,
    ports: dict | None = None,
    endpoints: dict | None = None,
    network: str = "Hebei demo network",
    db_urls: dict | None = None,
) -> DemoNetwork:
    """Create one node folder per city and install a signed trust file in each."""
    from app.ledger import network_admin
    from app.ledger.follow import follow_all
    from app.ledger.node import Node
    from app.ledger.trust import install_trust

    base = Path(base_dir)
    base.mkdir(parents=True, exist_ok=True)
    nodes, members = [], []
    for code in map(str, cities):
        port = (ports or {}).get(code) or free_port()
        name_en, name_zh = city_names(code)
        node = Node.create(
            base / code, code, name_en, name_zh, passphrase, db_url=(db_urls or {}).get(code)
        )
        try:
            lon, lat = city_seat(code)
            urls = (endpoints or {}).get(code) or [f"http://127.0.0.1:{port}/"]
            members.append(network_admin.city_entry(node.config, urls, lon, lat))
            nodes.append(NodeProcess(code, base / code, port, node.origin, passphrase))
        finally:
            node.close()
    # the admin's folder is the network's base folder: sealed key, trust.note, pin
    _trust, signed = network_admin.create_network(
        base, network, DEMO_ADMIN_PASSPHRASE, quorum, members, key_name="network-admin.demo"
    )
    for n in nodes:
        install_trust(n.data_dir, signed)
        follow_all(n.data_dir)  # the demo's cities are city servers: they follow every member
    return DemoNetwork(base, nodes, signed, DEMO_ADMIN_PASSPHRASE)


def demo_geometries(code: str, n: int, seed: int = 0) -> list[dict]:
    """n issue items: assets spread over the same demo inventory the desktop app shows for
    the city (its default size), each with its asset_id, so every seeded code lands on
    its asset on the map rather than as a stray extra row."""
    import json

    from shapely.geometry import mapping

    from app.gis.demo_assets import DEMO_ASSETS_PER_CITY, generate_assets

    pool = generate_assets(code, max(n, DEMO_ASSETS_PER_CITY), seed=seed)
    gdf = pool.iloc[:: max(1, len(pool) // max(n, 1))].head(n)

    def plain(obj):  # tuples -> lists, numpy scalars -> Python numbers
        return json.loads(json.dumps(obj, default=lambda v: getattr(v, "item", str)()))

    columns = zip(gdf["asset_class"], gdf["name"], gdf.geometry, gdf["attributes"], gdf["asset_id"])
    return [
        {
            "asset_class": asset_class,
            "name": str(name),
            "geometry": plain(mapping(geometry)),
            "attributes": {**plain(dict(attributes or {})), "asset_id": str(asset_id)},
        }
        for asset_class, name, geometry, attributes, asset_id in columns
    ]


def issue_demo_codes(
    data_dir,
    n: int,
    passphrase: str = DEMO_PASSPHRASE,
    official: str = DEMO_OFFICIAL,
    seed: int = 0,
) -> list[str]:
    """Register an official (once) and issue n codes in the node's own log (offline)."""
    from app.ledger.node import Node
    from app.ledger.sequencer import Receipt

    node = Node.open(data_dir)
    try:
        node.unlock(passphrase)
        if not any(o["name"] == official for o in node.officials()):
            node.add_official(official, passphrase)
        if n <= 0:
            return []
        results = node.issue_many(official, passphrase, demo_geometries(node.city_code, n, seed))
        return [r.code for r in results if isinstance(r, Receipt) and r.code is not None]
    finally:
        node.close()


def start_demo_network(
    base_dir,
    cities=DEMO_CITIES,
    seed_codes: int = 20,
    quorum: int = 2,
    sync_interval: float = 0.5,
    max_sync_interval: float = DEMO_MAX_SYNC_INTERVAL,
    per_process: int = 1,
) -> DemoNetwork:
    """Create (or reuse) the demo network under base_dir and start every node
    (`per_process` cities to a `node serve` process)."""
    base = Path(base_dir)
    if (base / TRUST_FILE).exists():
        net = _reopen(base, cities)
    else:
        net = create_network(base, cities, quorum)
        for node in net.nodes:
            issue_demo_codes(node.data_dir, seed_codes)
    for node in net.nodes:
        node.sync_interval = sync_interval
        node.extra_args = ("--max-sync-interval", str(max_sync_interval), *node.extra_args)
    net.host(per_process)
    net.start(wait=120.0)
    return net


def _reopen(base: Path, cities) -> DemoNetwork:
    from app.ledger.trust import open_trust

    signed = (base / TRUST_FILE).read_bytes()
    trust = open_trust(signed)
    nodes = []
    for code in map(str, cities):
        city = trust.city(code)
        if city is None:
            raise ValueError(f"{base / TRUST_FILE} has no city {code}")
        port = int(city.endpoints[0].rstrip("/").rsplit(":", 1)[1])
        nodes.append(NodeProcess(code, base / code, port, city.origin))
    _seal_legacy_admin_key(base)
    from app.ledger.follow import FOLLOW_FILE, follow_all

    for n in nodes:  # a folder made when no follow list meant "every member"
        if not (n.data_dir / FOLLOW_FILE).exists():
            follow_all(n.data_dir)
    return DemoNetwork(base, nodes, signed, DEMO_ADMIN_PASSPHRASE)


def _seal_legacy_admin_key(base: Path) -> None:
    """A demo folder from before the admin key was sealed: seal it, delete the plain text."""
    from app.ledger import network_admin
    from app.ledger.keystore import seal, write_private
    from app.ledger.trust import open_trust

    legacy = base / LEGACY_ADMIN_KEY_FILE
    if not legacy.exists():
        return
    if not network_admin.admin_key_path(base).exists():
        vkey = open_trust((base / TRUST_FILE).read_bytes()).admin_vkey
        skey = legacy.read_text().strip()
        write_private(
            network_admin.admin_key_path(base),
            seal({"admin": skey}, {"admin": vkey}, DEMO_ADMIN_PASSPHRASE),
        )
    legacy.unlink()
