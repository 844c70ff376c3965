"""A running network node: serving, syncing and witnessing around one app.ledger Node.

`NodeService(node).serve(host, port)` is what `cityledger node serve` runs; tests and the
demo network run it in a subprocess. While it serves it owns the data folder: it holds the folder's lock
file (app.ledger.folder_owner), which also records the URL it listens on, so the desktop
app finds the server and `cityledger log info --json` can report it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from app.core.errors import CoreError
from app.gis import asset_checks
from app.ledger.follow import FollowError, read_following
from app.ledger.trust import TrustError, installed_trust, trust_path
from app.net import events as ev
from app.net.announce import Announcer, AnnounceService
from app.net.client import PeerHttp
from app.net.health import NetworkStatus, assess, own_status
from app.net.ledger_view import LedgerView
from app.net.lookup import LookupService
from app.net.server import Refused, Services, build_app
from app.net.sync import MAX_INTERVAL, SyncEngine
from app.net.witness import CosignCollector, WitnessService

log = logging.getLogger(__name__)


class TrustCache:
    """The installed trust file, re-read when it changes on disk (a newer one arrived)."""

    def __init__(self, data_dir):
        self.data_dir = Path(data_dir)
        self._stamp = None
        self._trust = None
        self._lock = threading.Lock()
        self.error: str | None = None

    def __call__(self):
        p = trust_path(self.data_dir)
        try:
            st = p.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            return None
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._trust = installed_trust(self.data_dir)
                    self.error = None
                except TrustError as e:
                    # Keep the last good one; say why the new file is not used.
                    self.error = str(e)
                    log.error("trust file refused: %s", e)
                self._stamp = stamp
            return self._trust


class NodeService:
    def __init__(
        self,
        node,
        bus: ev.EventBus | None = None,
        sync_interval: float = 2.0,
        max_sync_interval: float = MAX_INTERVAL,
        concurrency: int = 8,
        witness: bool = True,
        sync: bool = True,
        follow_all: bool = False,
        http: PeerHttp | None = None,
    ):
        self.node = node
        self.follow_all = follow_all
        # One outgoing client for sync, cosigning and announcing (a CityHost passes the one
        # its cities share, and closes it itself).
        self._own_http = http is None and (sync or witness)
        self.http = http if http is not None else (PeerHttp() if self._own_http else None)
        self.bus = bus or ev.EventBus()
        self.trust = TrustCache(node.data_dir)
        self.ledger = LedgerView(node.store, node.origin, node.data_dir)
        self.sync = (
            SyncEngine(
                self.ledger,
                self.trust,
                self.bus,
                http=self.http,
                concurrency=concurrency,
                interval=sync_interval,
                max_interval=max_sync_interval,
                follows=self.follows,
                watches=self.watches,
            )
            if sync
            else None
        )
        self.collector = (
            CosignCollector(self.ledger, self.trust, self.bus, http=self.http) if witness else None
        )
        cosigner = node.witness_signer() if node.unlocked else None
        self.witness = (
            WitnessService(
                self.ledger, self.trust, cosigner, self.bus, on_new_checkpoint=self._on_witnessed
            )
            if (witness and cosigner is not None)
            else None
        )
        # Push: members hear of this node's co-signed checkpoints at once (app.net.announce).
        self.announcer = (
            Announcer(node.origin, self.trust, http=self.http) if self.collector else None
        )
        if self.announcer is not None:
            self.bus.subscribe(self._on_event)
        node.checkpoint_listeners.append(self._on_own_checkpoint)
        self.services = Services(
            node.origin,
            self.ledger.find_source,
            witness=self.witness,
            submit=self._submit if node.unlocked else None,
            info=self.info,
            announce=AnnounceService(self.ledger, self.trust, self._on_announced)
            if self.sync
            else None,
            lookup=LookupService(self.ledger),
        )
        self.app = build_app(self.services)
        self.url: str | None = None

    def follows(self, city) -> bool:
        """Replicate this member city's entries (else keep only its checkpoints)?"""
        if self.follow_all:
            return True
        try:
            return read_following(self.node.data_dir).follows(city.code, self.node.city_code)
        except FollowError as e:
            log.error("%s: following every member meanwhile", e)
            return True

    def watches(self, city) -> bool:
        """Probe this city's node for liveness although this node is not its witness? A
        workstation's picked cities; a node that follows every member watches only the
        cities it witnesses for (app.net.sync)."""
        if self.follow_all:
            return False
        try:
            following = read_following(self.node.data_dir)
        except FollowError:
            return False
        return not following.all and following.follows(city.code, self.node.city_code)

    # --- hooks ---------------------------------------------------------------------
    def _on_announced(self, origin: str, size: int) -> None:
        if self.sync is not None:
            self.sync.wake(origin)

    def _on_event(self, event: ev.Event) -> None:
        """Once our new checkpoint has its quorum, announce it to every member."""
        if event.kind != ev.COSIGNED or event.origin != self.node.origin:
            return
        trust = self.trust()
        cp = self.ledger.latest_checkpoint(self.node.origin)
        if trust is None or cp is None or len(cp.cosigners) < trust.quorum:
            return
        note = self.ledger.served_checkpoint(self.node.origin)
        if self.announcer is not None and note is not None:
            self.announcer.announce(cp.size, note)

    def _on_witnessed(self, origin: str) -> None:
        if self.sync is not None:
            self.sync.wake(origin)  # a city announced a new checkpoint: fetch it now

    def _on_own_checkpoint(self, size: int, note: bytes) -> None:
        if self.collector is not None:
            self.collector.kick()  # push: the witnesses are asked at once

    def _submit(self, body: bytes) -> dict:
        from app.core.records import parse_entry
        from app.ledger.sequencer import SubmissionRefused

        try:
            record = parse_entry(body)  # malformed input is a 400, before the sequencer
        except CoreError as e:
            raise Refused(400, f"malformed entry: {e}") from None
        problems = asset_checks.check_record(record, self.node.data_dir)  # as the issuer's
        if problems:
            raise Refused(422, "refused: " + "; ".join(map(str, problems)))
        try:
            receipt = self.node.submit(body, timeout=60)
        except SubmissionRefused as e:
            text = str(e)
            status = 403 if ("signature" in text or "official" in text) else 422
            raise Refused(status, f"refused: {text}") from None
        except CoreError as e:
            raise Refused(400, f"malformed entry: {e}") from None
        return {
            "code": receipt.code,
            "index": receipt.index,
            "size": receipt.size,
            "origin": self.node.origin,
        }

    def status(self) -> NetworkStatus:
        """The measured health of this node's city and every member (app.net.health)."""
        cp = self.ledger.latest_checkpoint(self.node.origin)
        trust = self.trust()
        quorum = trust.quorum if trust is not None else 0
        peers = list(self.sync.health_snapshot().values()) if self.sync else []
        return NetworkStatus(
            own=own_status(
                self.node.city_code,
                self.node.origin,
                cp.size if cp else 0,
                len(cp.cosigners) if cp else 0,
                quorum,
            ),
            cities=[assess(h) for h in peers],
            quorum=quorum,
        )

    def info(self) -> dict:
        cp = self.ledger.latest_checkpoint(self.node.origin)
        health = (
            {k: v.as_dict() for k, v in self.sync.health_snapshot().items()} if self.sync else {}
        )
        return {
            "health": self.status().as_dict(),
            "origin": self.node.origin,
            "city_code": self.node.city_code,
            "size": cp.size if cp else 0,
            "cosignatures": sorted(cp.cosigners) if cp else [],
            "log_vkey": self.node.log_vkey,
            "witness_vkey": self.node.witness_vkey,
            "url": self.url,
            "peers": health,
            "requests_served": self.services.requests_served,
        }

    # --- running -------------------------------------------------------------------
    def start_background(self) -> None:
        if self.sync is not None:
            self.sync.start()
        if self.collector is not None:
            self.collector.start()

    def stop_background(self) -> None:
        if self._own_http and self.http is not None:
            self.http.close()  # first: every peer call in flight returns at once
        if self.sync is not None:
            self.sync.stop()
        if self.collector is not None:
            self.collector.stop()
        if self.announcer is not None:
            self.announcer.stop()
        if self.witness is not None:
            self.witness.close()

    def serve(self, host: str, port: int) -> None:
        """Serve until SIGINT/SIGTERM, then stop cleanly (app.net.city_host: the same
        serving as several cities in one process, with one city)."""
        from app.net.city_host import CityHost

        CityHost([(self, host, port)]).serve()
