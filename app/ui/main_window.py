"""The desktop app's main window: map, layers, inspector, attribute table, search, actions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCompleter,
    QDockWidget,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QStyle,
    QToolBar,
    QWidget,
)

from app.core.texts import N_
from app.gis import code_query
from app.gis.code_query import CodeQuery
from app.gis.selection import Selection
from app.ledger import life
from app.ledger.issuance import may_issue
from app.ledger.verdict import PENDING
from app.ui import alerts, asset_source, io_jobs, job_messages, ledger_jobs, workspace
from app.ui.dialogs.about import show_about
from app.ui.dialogs.batch import ISSUE, BatchDialog, summary_text
from app.ui.dialogs.issue import IssueDialog
from app.ui.dialogs.verify import VerifyDialog
from app.ui.docks.inspector import Inspector
from app.ui.docks.layers import LayersPanel
from app.ui.docks.table_dock import AttributeTable
from app.ui.geometry_actions import GeometryActions
from app.ui.i18n import health_parts, localized, reason_text, set_city_names, tr
from app.ui.labels import HEALTH_STATES
from app.ui.life_view import LifeStyles
from app.ui.map import MapView
from app.ui.network_driver import NetworkDriver
from app.ui.network_state import NetworkState
from app.ui.search import SearchResult, resolve
from app.ui.status_bar import StatusBar
from app.ui.theme import HEALTH_COLORS

VERSION = "0.1.0"
STATUS_POLL_MS = 5000
MIN_ZOOM_DEG = 0.03
CODES_REFRESH_MS = 1500  # after sync events, gather new codes at most this often


def class_labels() -> dict[str, str]:
    """Asset class code -> "WAT  Water supply" in the UI language."""
    from app.core.classes import ASSET_CLASSES

    return {c.code: f"{c.code}  {localized(c.en, c.zh)}" for c in ASSET_CLASSES.values()}


class MainWindow(QMainWindow):
    workspaceLoaded = Signal()
    selectionShown = Signal(list)  # rows now shown in the inspector/table/map
    detailsShown = Signal(str)  # code whose history/verification reached the inspector
    searchDone = Signal(object)  # SearchResult

    def __init__(
        self,
        backend,
        data_dir,
        settings: QSettings | None = None,
        bus=None,
        demo_assets_per_city: int | None = None,
        network: bool = True,
        parent=None,
    ):
        super().__init__(parent)
        self.backend = backend
        self.data_dir = Path(data_dir)
        self.settings = settings or QSettings("CityLedger", "CityLedger")
        self.ws: workspace.Workspace | None = None
        self.selection_model = Selection()  # what scripts and tests drive, too
        self.selection_model.subscribe(self._show_selection)
        self.last_error = ""
        self.net = NetworkState()
        self._rechecking = False  # a live verdict's re-verification is in flight
        self._demo_per_city = demo_assets_per_city
        self.setWindowTitle(tr("CityLedger — city asset identity codes"))
        self.resize(1600, 1000)

        self.map = MapView(self)
        self.setCentralWidget(self.map)
        self.layers = LayersPanel()
        self.inspector = Inspector()
        self.table = AttributeTable(backend)
        self.layers_dock = self._dock(
            tr("Layers"), "layers_dock", self.layers, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.inspector_dock = self._dock(
            tr("Inspector"), "inspector_dock", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.table_dock = self._dock(
            tr("Attribute table"), "table_dock", self.table, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.resizeDocks(
            [self.layers_dock, self.inspector_dock], [270, 440], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.table_dock], [250], Qt.Orientation.Vertical)

        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.life = LifeStyles(self)
        self.geometry_actions = GeometryActions(self)
        self._make_actions()
        self._connect()

        self._network = network
        self.network = NetworkDriver(backend, bus, self)
        self.bus = self.network.bus
        self.network.eventReceived.connect(self._on_event)
        self._poll = QTimer(self, interval=STATUS_POLL_MS)
        self._poll.timeout.connect(self.poll_node)
        self._codes_timer = QTimer(self, singleShot=True, interval=CODES_REFRESH_MS)
        self._codes_timer.timeout.connect(self.refresh_codes)
        self.restore_settings()
        self.load()

    # construction -----------------------------------------------------------
    def _dock(self, title, name, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text, slot, shortcut=None, tip=None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})" if shortcut else tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _make_actions(self) -> None:
        a = self._action
        self.act_issue = a(
            tr("&Issue codes…"),
            self.issue_code,
            "Ctrl+I",
            tr("Issue identity codes for the selected assets (one, or thousands at once)"),
        )
        self.act_update = a(
            tr("Set service &status…"),
            lambda: self.run_batch(life.UPDATE),
            "Ctrl+U",
            tr("Record that the selected assets are in service, out of service or decommissioned"),
        )
        self.act_inspect = a(
            tr("Record i&nspection…"),
            lambda: self.run_batch(life.INSPECT),
            "Ctrl+Shift+I",
            tr("Sign an inspection (condition grade and note) of the selected assets"),
        )
        self.act_transfer = a(
            tr("&Transfer…"),
            lambda: self.run_batch(life.TRANSFER),
            "Ctrl+T",
            tr("Record a new owner of the selected assets"),
        )
        self.act_revoke = a(
            tr("&Revoke codes…"),
            lambda: self.run_batch(life.REVOKE),
            "Ctrl+Shift+R",
            tr("Revoke the codes of the selected assets (demolished, issued by mistake)"),
        )
        self.act_verify = a(
            tr("&Verify code or bundle…"),
            self.verify,
            "Ctrl+Shift+V",
            tr("Verify a code or a proof bundle"),
        )
        self.act_import = a(
            tr("&Import assets…"),
            self.import_assets,
            "Ctrl+O",
            tr("Import assets from GeoPackage, GeoJSON or Shapefile"),
        )
        self.act_import_bounds = a(
            tr("Import &boundaries…"),
            self.import_boundaries,
            None,
            tr(
                "Import your own city boundaries (GeoPackage, GeoJSON "
                "or Shapefile) in place of the demo data"
            ),
        )
        self.act_export = a(
            tr("&Export selection…"),
            self.export_selection,
            "Ctrl+E",
            tr("Export the selected assets to GeoPackage, GeoJSON or CSV"),
        )
        self.act_bundle = a(
            tr("Export &proof bundle…"),
            self.export_proof_bundle,
            "Ctrl+B",
            tr("Save an offline proof bundle for the selected code"),
        )
        self.act_search = a(tr("&Find…"), self.focus_search, "Ctrl+F")
        self.act_zoom_sel = a(tr("Zoom to &selection"), self.zoom_to_selection, "Ctrl+Shift+Z")
        self.act_zoom_all = a(tr("Zoom to &all cities"), self.zoom_to_all, "Ctrl+0")
        self.act_select_none = a(tr("Clear selection"), lambda: self.select_rows([], "app"), "Esc")
        self.act_select_shown = a(
            tr("Select all rows the table shows"),
            lambda: self.select_rows(self.table.shown_rows(), "app"),
            "Ctrl+Shift+A",
            tr("Select every asset the table's filter shows, to act on them at once"),
        )
        self.act_open = a(
            tr("&Open data folder…"),
            self.choose_data_folder,
            "Ctrl+Shift+O",
            tr("Open another node's data folder"),
        )
        self.act_quit = a(tr("&Quit"), self.close, "Ctrl+Q")
        self.act_about = a(tr("&About CityLedger"), lambda: show_about(self, VERSION), "F1")

        menus = self.menuBar()
        file_menu = menus.addMenu(tr("&File"))
        file_menu.addAction(self.act_open)
        file_menu.addSeparator()
        for act in (self.act_import, self.act_import_bounds, self.act_export, self.act_bundle):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        ledger_menu = menus.addMenu(tr("&Ledger"))
        ledger_menu.addAction(self.act_issue)
        for act in self.change_actions() + self.geometry_actions.actions():
            ledger_menu.addAction(act)
        ledger_menu.addSeparator()
        ledger_menu.addAction(self.act_verify)
        ledger_menu.addSeparator()
        self.act_ack = self._action(
            tr("Acknowledge alerts on the wall"),
            self.acknowledge_alerts,
            None,
            tr("Take the critical alerts this workstation sees off the wall display"),
        )
        ledger_menu.addAction(self.act_ack)
        view_menu = menus.addMenu(tr("&View"))
        for act in (
            self.act_search,
            self.act_zoom_sel,
            self.act_zoom_all,
            self.act_select_none,
            self.act_select_shown,
        ):
            view_menu.addAction(act)
        self.life_menu = view_menu.addMenu(tr("Select by the life of their codes"))
        for text, query in (
            (tr("Out of service"), CodeQuery(code_query.OUT_OF_SERVICE)),
            (tr("Decommissioned"), CodeQuery(code_query.DECOMMISSIONED)),
            (tr("Condition grade 4 or worse"), CodeQuery(code_query.POOR_CONDITION, 4)),
            (tr("Not inspected for 12 months"), CodeQuery(code_query.NOT_INSPECTED, 12)),
            (tr("Changed in the last 30 days"), CodeQuery(code_query.CHANGED_SINCE, 30)),
        ):
            act = self.life_menu.addAction(text)
            act.triggered.connect(lambda _c=False, q=query, t=text: self.select_in_state(q, t))
        self.style_menu = view_menu.addMenu(tr("Map style"))
        combo = self.layers.color_mode
        for i in range(combo.count()):
            act = self.style_menu.addAction(combo.itemText(i))
            act.triggered.connect(lambda _c=False, i=i: combo.setCurrentIndex(i))
        view_menu.addSeparator()
        for dock in (self.layers_dock, self.inspector_dock, self.table_dock):
            view_menu.addAction(dock.toggleViewAction())
        help_menu = menus.addMenu(tr("&Help"))
        help_menu.addAction(self.act_about)

        bar = QToolBar(tr("Main"))
        bar.setObjectName("main_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        for act, icon in (
            (self.act_issue, QStyle.StandardPixmap.SP_FileDialogNewFolder),
            (self.act_verify, QStyle.StandardPixmap.SP_DialogApplyButton),
            (self.act_import, QStyle.StandardPixmap.SP_DialogOpenButton),
            (self.act_export, QStyle.StandardPixmap.SP_DialogSaveButton),
            (self.act_bundle, QStyle.StandardPixmap.SP_FileDialogDetailedView),
        ):
            act.setIcon(style.standardIcon(icon))
            bar.addAction(act)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(QLabel(tr("Search") + " "))
        self.search_box = QLineEdit()
        self.search_box.setObjectName("search")
        self.search_box.setPlaceholderText(tr("Code, asset name or city (Ctrl+F)"))
        self.search_box.setClearButtonEnabled(True)
        bar.addWidget(self.search_box)
        self.addToolBar(bar)

    def _connect(self) -> None:
        self.map.selectionChanged.connect(lambda rows: self.select_rows(rows, "map"))
        self.map.cursorMoved.connect(self.status.set_cursor)
        self.table.rowsSelected.connect(lambda rows: self.select_rows(rows, "table"))
        self.map.contextMenuRequested.connect(self.show_selection_menu)
        self.map.pointMoved.connect(self.move_point)
        self.table.contextMenuRequested.connect(self.show_selection_menu)
        self.layers.citiesChanged.connect(self._layers_changed)
        self.layers.classesChanged.connect(self._layers_changed)
        self.layers.statusesChanged.connect(self._layers_changed)
        self.layers.opacityChanged.connect(self._set_asset_opacity)
        self.layers.colorModeChanged.connect(self.life.set_mode)
        self.layers.zoomToCity.connect(self.map.zoom_to_city)
        self.layers.followChanged.connect(self._follow_city)
        self.inspector.verifyRequested.connect(self.show_code_details)
        self.inspector.exportBundleRequested.connect(self.export_proof_bundle)
        self.inspector.issueRequested.connect(self.issue_code)
        self.inspector.recordSelected.connect(self._show_record_geometry)
        self.search_box.returnPressed.connect(lambda: self.search(self.search_box.text()))
        self.backend.busyChanged.connect(self.status.set_busy)
        self.backend.progress.connect(self.status.set_progress)
        self.backend.jobFailed.connect(self._job_failed)

    # loading ---------------------------------------------------------------
    @property
    def loaded(self) -> workspace.Workspace:
        """The loaded workspace, for what runs only once there is one (the map, table and
        selection are empty before)."""
        if self.ws is None:
            raise RuntimeError("no workspace is loaded yet")
        return self.ws

    def load(self) -> None:
        data_dir, n = self.data_dir, self._demo_per_city
        self.backend.call_for(
            self,
            lambda ctx: workspace.load(ctx, data_dir, n),
            on_done=self._loaded,
            label=tr("Loading node and assets"),
        )

    def choose_data_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Open data folder"), str(self.data_dir))
        if path:
            self.open_data_folder(path)

    def open_data_folder(self, path) -> None:
        """Close this folder's node (and its background sync) and load another folder."""
        self.save_settings()
        self.data_dir = Path(path)
        self.ws = None
        self.select_rows([], "app")
        self.network.reset()
        self.backend.call_for(self, workspace.close_node, label=tr("Closing node"))
        self.load()

    def _loaded(self, ws: workspace.Workspace) -> None:
        self.ws = ws
        if ws.boundaries is not None:
            self.map.set_boundaries(ws.boundaries)
        self.layers.set_cities((c, localized(en, zh)) for c, (zh, en) in ws.cities.items())
        set_city_names((en, zh) for zh, en in ws.cities.values())
        self._show_following(ws.city_code)
        labels = class_labels()
        self.layers.set_classes((c, labels.get(c, label), color) for c, label, color in ws.classes)
        self._show_table(ws.table)
        names = sorted({n for pair in ws.cities.values() for n in pair if n})
        completer = QCompleter(names, self.search_box)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.search_box.setCompleter(completer)
        self.net.set_own(ws.origin, ws.size)
        self.status.show_network(self.net)
        self.poll_node()
        if ws.message:
            self.status.showMessage(ws.message, 15000)
        self.act_issue.setEnabled(ws.origin is not None)
        self._poll.start()
        self._restore_view()
        self._restore_selection()
        if self._network:
            self.network.start()
        self.workspaceLoaded.emit()

    def refresh_codes(self) -> None:
        """Put codes that sync (or another workstation) added on the map and table."""
        if self.ws is None or self.ws.origin is None:
            return
        table = self.ws.table
        self.backend.call_for(
            self,
            lambda ctx: workspace.refresh_codes(ctx, table),
            on_done=lambda plan: self._apply_codes(table, plan),
        )

    def _apply_codes(self, table, plan) -> None:
        if self.ws is None or table is not self.ws.table or plan.is_empty():
            return
        new_table = workspace.apply_plan(table, plan)
        if new_table is not table:
            self.ws.table = new_table
            self._show_table(new_table)
        else:
            self.table.model.refresh_cells()
            self.life.refresh()

    def _show_table(self, table) -> None:
        """Hand a (new) AssetTable to the map and the attribute table, with the layer
        filters the panel shows."""
        self.map.set_table(table)
        class_names = class_labels()
        city_names = {c: localized(en, zh) for c, (zh, en) in self.loaded.cities.items()}
        self.table.set_table(table, city_names, class_names)
        self._layers_changed()
        self.life.refresh()

    def poll_node(self) -> None:
        if self.ws is None or self.ws.origin is None:
            return
        self.backend.call_for(self, ledger_jobs.node_status, on_done=self._node_status)

    def _node_status(self, status) -> None:
        origin, size, cosigned, delivered = status
        self.net.set_own(origin, size)
        self.net.cosignatures = cosigned
        if delivered:
            self.refresh_codes()  # pending codes were sequenced
        self.status.show_network(self.net)
        self.recheck_live_verdict()

    # events ----------------------------------------------------------------
    def _on_event(self, event) -> None:
        self.net.apply(event)
        self.status.show_network(self.net)
        if event.kind == "health":
            self._show_health()
        if event.kind in ("new_codes", "checkpoint") and not self._codes_timer.isActive():
            self._codes_timer.start()
        if event.kind in ("new_codes", "checkpoint", "cosigned"):
            self.recheck_live_verdict()
        if event.kind == "alert":
            message = reason_text(N_("{error}"), {"error": str(event.data.get("message", ""))})
            self.status.showMessage(tr("ALERT: {message}").format(message=message), 30000)

    def _show_health(self) -> None:
        """The layers panel's city swatches follow the same model as the status bar."""
        if self.ws is None or self.ws.trust is None:
            return
        states = {}
        for city in self.ws.trust.cities:
            health = self.net.own if city.origin == self.net.own_origin else None
            health = health or self.net.peers.get(city.origin)
            if health is not None:
                word = tr(HEALTH_STATES.get(health.state, health.state))
                reason, details = health_parts(health)
                tip = "\n".join([reason, *details])  # the raw errors behind the phrases
                states[city.code] = (HEALTH_COLORS[health.light], word, tip)
        self.layers.show_health(states)

    def acknowledge_alerts(self) -> list[str]:
        """Acknowledge the critical alerts this workstation knows of (the wall, reading the
        same data folder, stops showing them full-screen)."""
        keys = [a.key for a in alerts.current_alerts(self.net) if a.severity == alerts.CRITICAL]
        data_dir = self.data_dir
        self.backend.call_for(
            self,
            lambda _ctx: alerts.acknowledge(data_dir, keys),
            on_done=lambda _acks: self.status.showMessage(
                tr("%n critical alerts acknowledged", None, len(keys)), 8000
            ),
        )
        return keys

    def _job_failed(self, label: str, exc) -> None:
        """Show a failure without blocking (no nested event loop while work continues)."""
        self.last_error = tr("{what} failed: {reason}").format(
            what=label or tr("Work"), reason=job_messages.describe(exc)
        )
        self.status.showMessage(self.last_error, 15000)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("CityLedger"),
            self.last_error,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # selection ----------------------------------------------------------------
    @property
    def selection(self) -> list[int]:
        return self.selection_model.rows

    def select_rows(self, rows, source: str) -> None:
        """One selection (the Qt-free model), shown on the map, in the table and in the
        inspector."""
        self.selection_model.select(rows, source)

    def _show_record_geometry(self, step) -> None:
        """A record chosen in the timeline: the geometry the asset had then, ghosted on
        the map, when it differs from the current one."""
        steps = self.inspector.steps
        current = steps[-1].geometry if steps else None
        ghost = step.geometry if step is not None and step.geometry != current else None
        self.map.set_ghost(ghost)

    def _show_selection(self, rows: list[int], source: str) -> None:
        editor = self.geometry_actions.editor
        if editor.editing and rows != [editor.row]:
            editor.cancel()  # the handles belong to the asset that was selected
        self.geometry_actions.enable()
        self.map.set_ghost(None)
        if source != "map":
            self.map.set_selection(rows)
        if source != "table":
            self.table.select_table_rows(rows)
        self._inspect()
        self.selectionShown.emit(rows)

    def asset_info(self, row: int) -> dict:
        ws = self.loaded
        info = ws.table.record(row)
        zh, en = ws.cities.get(info["city"]) or ("", "")
        info.update(
            name=localized(info.get("name"), (info.get("attributes") or {}).get("name_zh")),
            city_name=localized(en, zh),
            class_name=class_labels().get(info["asset_class"], info["asset_class"]),
            selection_size=len(self.selection),
        )
        life = ws.table.life
        if life is not None and row < len(life):
            info.update(grade=life.grade_of(row), inspected=life.inspected_at(row))
        return info

    def _inspect(self) -> None:
        if not self.selection or self.ws is None:
            self.inspector.clear()
            return
        info = self.asset_info(self.selection[0])
        self.inspector.show_asset(info)
        if info["code"]:
            self.show_code_details(info["code"])

    def show_code_details(self, code: str, quiet: bool = False) -> None:
        if self.ws is None or self.ws.origin is None:
            self.inspector.show_error(tr("No node open: cannot look up the record history."))
            return
        self.backend.call_for(
            self,
            lambda ctx: ledger_jobs.code_details(ctx, code),
            on_done=self._details,
            on_error=lambda exc: self._details_failed(code, exc),
            label="" if quiet else tr("Verifying {code}").format(code=code),
        )

    def _show_following(self, own_city: str | None) -> None:
        from app.ledger.follow import FollowError, read_following

        try:
            now = read_following(self.data_dir)
        except FollowError as e:
            self.statusBar().showMessage(str(e), 10000)
            return
        self.layers.set_following(None if now.all else set(now.cities), own_city)

    def _follow_city(self, code: str, follow_it: bool) -> None:
        """The layers panel's Follow / On demand only: the node's follow list
        (app.ledger.follow), which its sync reads on its next pass."""
        from app.ledger import follow

        if follow_it:
            follow.follow(self.data_dir, [code])
        else:
            following = follow.read_following(self.data_dir)
            if following.all:  # from "every city" to every city but this one
                others = [c for c in self.ws.cities if c != code] if self.ws else []
                follow.follow(self.data_dir, others)
            follow.unfollow(self.data_dir, [code])
        self._show_following(self.ws.city_code if self.ws else None)

    def _details(self, details: ledger_jobs.CodeDetails) -> None:
        self._rechecking = False
        if details.code != self.inspector.code:
            return  # the user moved on
        self.inspector.show_history(details.history)
        if details.history:
            self._prove_records(details.code)
        if details.verdict is not None and details.verdict.state == PENDING:
            self.inspector.show_pending()
        elif details.verification is not None:
            self.inspector.show_verification(details.verification, details.verdict, details.source)
        elif details.missing_trust is not None:
            self.inspector.show_error(job_messages.describe(details.missing_trust))
        else:
            self.inspector.show_error(details.error or tr("This code is not in any log held here."))
        self.detailsShown.emit(details.code)

    def _prove_records(self, code: str) -> None:
        """Every record of the timeline verified on its own, on the worker."""

        def shown(proofs) -> None:
            if code == self.inspector.code:
                self.inspector.show_record_proofs(proofs)

        self.backend.call_for(self, lambda ctx: ledger_jobs.record_proofs(ctx, code), on_done=shown)

    def recheck_live_verdict(self) -> None:
        """Verify the inspected code again while its verdict can change by waiting
        (awaiting witnesses, pending in the outbox): events do the refreshing, not clicks."""
        code = self.inspector.code
        if code and self.inspector.verdict_live and not self._rechecking:
            self._rechecking = True
            self.show_code_details(code, quiet=True)

    def _details_failed(self, code, exc) -> None:
        self._rechecking = False
        if code == self.inspector.code:
            self.inspector.show_error(
                tr("Could not check {code}: {reason}").format(
                    code=code, reason=job_messages.describe(exc)
                )
            )

    # layers ----------------------------------------------------------------
    def _layers_changed(self, *_args) -> None:
        cities, classes = self.layers.cities.checked(), self.layers.classes.checked()
        statuses = self.layers.statuses.checked()
        self.map.set_visible_cities(cities)
        self.map.set_visible_classes(classes)
        self.map.set_visible_statuses(statuses)
        self.table.set_layer_filter(classes=classes, statuses=statuses, cities=cities)

    def _set_asset_opacity(self, value: float) -> None:
        for layer in ("points", "lines", "polygons"):
            self.map.set_opacity(layer, value)

    def select_in_state(self, query: CodeQuery, what: str = "") -> None:
        """Select the assets whose codes are in a state of their life (out of service, in
        poor condition, not inspected for months, changed lately): the map, the table's
        "Selected only" and the actions on the selection follow."""
        if self.ws is None or self.ws.origin is None:
            return
        table = self.ws.table
        self.backend.call_for(
            self,
            lambda ctx: ledger_jobs.rows_in_state(ctx, table, query),
            on_done=lambda rows: self._selected_in_state(rows, what),
            label=tr("Searching"),
        )

    def _selected_in_state(self, rows: list[int], what: str) -> None:
        self.select_rows(rows, "app")
        self.status.showMessage(f"{what}: " + tr("%n found", None, len(rows)), 8000)

    # search ------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def search(self, text: str) -> None:
        if self.ws is None:
            return
        table, cities = self.ws.table, dict(self.ws.cities)
        self.backend.call_for(
            self,
            lambda _ctx: resolve(text, table, cities),
            on_done=self._search_done,
            label=tr("Searching"),
        )

    def _search_done(self, result: SearchResult) -> None:
        if result.kind == "city" and result.city is not None:
            self.map.zoom_to_city(result.city)
            zh, en = self.loaded.cities.get(result.city, ("", ""))
            self.status.showMessage(tr("City {name}").format(name=f"{zh} {en}"), 5000)
        elif result.kind in ("code", "name") and len(result.rows):
            self.select_rows(result.rows.tolist(), "search")
            self.zoom_to_selection()
            self.status.showMessage(tr("%n found", None, len(result.rows)), 5000)
        elif result.kind == "code" and result.code is not None:
            self.select_rows([], "search")
            self.inspector.show_code_only(result.code)
            self.show_code_details(result.code)
        elif result.kind == "bundle":
            self.verify(result.query).verify_text()
        else:
            self.status.showMessage(reason_text(result.message, result.params), 8000)
        self.searchDone.emit(result)

    def zoom_to_selection(self) -> None:
        if self.ws is None or not self.selection:
            return
        bbox = asset_source.bbox(self.ws.table, self.selection)
        if bbox is not None:
            # At least a few km across, so a single asset is seen in its street context.
            cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
            half = max(bbox[2] - bbox[0], bbox[3] - bbox[1], MIN_ZOOM_DEG) / 2
            self.map.zoom_to_bbox((cx - half, cy - half, cx + half, cy + half), pad=0.3)

    def zoom_to_all(self) -> None:
        if self.ws is not None and self.ws.boundaries is not None and len(self.ws.boundaries):
            self.map.zoom_full()

    # actions -----------------------------------------------------------------
    def selection_menu(self) -> QMenu:
        """The actions on the selection, as the map's and the table's right-click menu."""
        menu = QMenu(self)
        n = len(self.selection)
        header = menu.addAction(tr("%n selected assets", None, n))
        header.setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.act_issue)
        for act in self.change_actions() + self.geometry_actions.actions():
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.act_bundle)
        menu.addAction(self.act_verify)
        menu.addSeparator()
        menu.addAction(self.act_zoom_sel)
        menu.addAction(self.act_export)
        menu.addAction(self.act_select_shown)
        menu.addAction(self.act_select_none)
        return menu

    def change_actions(self) -> tuple[QAction, ...]:
        return (self.act_update, self.act_inspect, self.act_transfer, self.act_revoke)

    def show_selection_menu(self, global_pos) -> None:
        if self.ws is None:
            return
        menu = self.selection_menu()
        menu.popup(global_pos)
        self.selection_popup = menu

    def issue_code(self) -> None:
        if self.ws is not None and self.ws.origin and len(self.selection) > 1:
            self.run_batch(ISSUE)
            return
        info = self.asset_info(self.selection[0]) if self.ws and self.selection else None
        own = self.ws.city_code if self.ws is not None and self.ws.origin else None
        refusal = may_issue(own, info)
        if refusal is not None:
            QMessageBox.information(
                self,
                tr("Issue code"),
                job_messages.issue_refusal(refusal, self.data_dir, info or {}),
            )
            return
        if info is None:  # may_issue refuses when no asset is selected
            return
        dialog = IssueDialog(
            self.backend, info, [(c, label) for c, label, _ in self.loaded.classes], self
        )
        dialog.issued.connect(self._issued)
        self.issue_dialog = dialog
        dialog.open()

    def run_batch(self, action: str) -> BatchDialog | None:
        """An action on every selected asset, in the background (progress, cancel,
        summary): issue codes, or a change to their codes."""
        if self.ws is None or self.ws.origin is None or not self.selection:
            QMessageBox.information(
                self,
                tr("CityLedger"),
                tr("Open a city node and select assets on the map or in the table first."),
            )
            return None
        dialog = BatchDialog(
            self.backend, self.loaded.table, self.selection, self.data_dir, action, self
        )
        dialog.batchDone.connect(lambda outcome: self._batch_done(action, outcome))
        self.batch_dialog = dialog
        dialog.open()
        return dialog

    def move_point(self, row: int, lon: float, lat: float) -> BatchDialog:
        """A point asset dragged on the map: sign an update of its geometry. It stays
        drawn where the log has it, the new place marked beside, until confirmed."""
        from app.gis.timeline import metres_between

        table = self.loaded.table
        new = {"type": "Point", "coordinates": [lon, lat]}
        old = {"type": "Point", "coordinates": [float(table.x[row]), float(table.y[row])]}
        what = tr("Move {name} by {metres} m to {lat:.6f}°N {lon:.6f}°E: an update record").format(
            name=table.name(row), metres=f"{metres_between(old, new):,.1f}", lat=lat, lon=lon
        )
        dialog = BatchDialog(
            self.backend,
            table,
            [row],
            self.data_dir,
            life.UPDATE,
            self,
            members=life.update_members(geometry=new),
            what=what,
        )
        dialog.batchDone.connect(lambda outcome: self._point_moved(row, lon, lat, outcome))
        dialog.rejected.connect(lambda: self._move_dropped(dialog))
        self.batch_dialog = dialog
        dialog.open()
        return dialog

    def _move_dropped(self, dialog: BatchDialog) -> None:
        if dialog.outcome is None:  # closed before signing: the point stays where it is
            self.map.show_proposed(None)

    def _point_moved(self, row: int, lon: float, lat: float, outcome) -> None:
        if outcome.issued:  # confirmed: the asset now stands at its new place
            self.map.show_proposed(None)
            self.ws = self.loaded
            self.ws.table = workspace.moved_point(self.ws.table, row, lon, lat)
            self._show_table(self.ws.table)
        elif not outcome.pending:  # refused: nothing changed
            self.map.show_proposed(None)
        self._inspect()
        self.poll_node()

    def _batch_done(self, action: str, outcome: ledger_jobs.BatchOutcome) -> None:
        """Codes issued show as issued, signed but unsequenced ones as pending; a revoke
        shows once the log holds it."""
        table = self.loaded.table
        changed: list[tuple[str, list[ledger_jobs.IssueOutcome]]] = []
        if action == ISSUE:
            changed = [("issued", outcome.issued), ("pending", outcome.pending)]
        elif action == life.REVOKE:
            changed = [("revoked", outcome.issued)]
        for status, done in changed:
            rows = [o.row for o in done if o.row is not None]
            if rows:
                table.set_codes(rows, [o.code for o in done if o.row is not None], status=status)
        self.table.model.refresh_cells()
        self.life.refresh()
        self._inspect()
        self.status.showMessage(summary_text(outcome, action).replace("\n", " · "), 15000)
        self.poll_node()

    def _issued(self, outcome: ledger_jobs.IssueOutcome) -> None:
        if outcome.row is not None:
            asset_source.set_code(
                self.loaded.table,
                outcome.row,
                outcome.code,
                "pending" if outcome.pending else "issued",
            )
            self.table.model.refresh_cells()  # the map listens to the table itself
            self.life.refresh()
            if outcome.row in self.selection:
                self._inspect()
        self.poll_node()

    def verify(self, initial: str = "") -> VerifyDialog:
        dialog = VerifyDialog(self.backend, initial or (self.inspector.code or ""), self)
        dialog.showOnMap.connect(self.show_code_on_map)
        self.verify_dialog = dialog
        dialog.open()
        return dialog

    def show_code_on_map(self, code: str, city: str) -> None:
        """Select the code's asset when the map holds it, else show its city."""
        row = self.ws.table.row_of_code(code) if self.ws is not None else None
        if row is not None:
            self.select_rows([row], "app")
            self.zoom_to_selection()
        else:
            self.map.zoom_to_city(city)
            self.inspector.show_code_only(code)
            self.show_code_details(code)

    def export_proof_bundle(self, code: str | None = None) -> None:
        code = code or self.inspector.code
        if not code:
            QMessageBox.information(
                self,
                tr("Export proof bundle"),
                tr("Select an asset that has an identity code first."),
            )
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("Export proof bundle"),
            str(Path.home() / f"{code}.tlog-proof"),
            tr("Proof bundles (*.tlog-proof)"),
        )
        if path:
            self.backend.call_for(
                self,
                lambda ctx: ledger_jobs.export_proof_bundle(ctx, code, path),
                on_done=lambda paths: self.status.showMessage(
                    tr("Proof bundle saved to {path}").format(path=", ".join(paths)), 8000
                ),
                label=tr("Exporting proof bundle"),
            )

    def import_assets(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Import assets"), "", io_jobs.IMPORT_FILTER)
        if path:
            self.import_from(path)

    def import_from(self, path: str) -> None:
        ws = self.ws
        self.backend.call_for(
            self,
            lambda ctx: io_jobs.import_assets(ctx, ws, path),
            on_done=self._imported,
            label=tr("Importing assets"),
        )

    def _imported(self, result) -> None:
        ws, count = result
        self._loaded(ws)
        self.status.showMessage(tr("Imported %n assets", None, count), 8000)

    def import_boundaries(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Import boundaries"), "", io_jobs.IMPORT_FILTER
        )
        if path:
            self.import_boundaries_from(path)

    def import_boundaries_from(self, path: str) -> None:
        ws = self.ws
        self.backend.call_for(
            self,
            lambda ctx: io_jobs.import_boundaries(ctx, ws, path),
            on_done=self._boundaries_imported,
            label=tr("Importing boundaries"),
        )

    def _boundaries_imported(self, result) -> None:
        ws, count = result
        self._loaded(ws)
        self.status.showMessage(tr("Imported %n city boundaries", None, count), 8000)

    def export_selection(self) -> None:
        if not self.selection:
            QMessageBox.information(
                self, tr("Export selection"), tr("Select assets on the map or in the table first.")
            )
            return
        path, chosen = QFileDialog.getSaveFileName(
            self, tr("Export selection"), str(Path.home() / "assets.gpkg"), io_jobs.EXPORT_FILTER
        )
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        ws, rows = self.loaded, list(self.selection)
        self.backend.call_for(
            self,
            lambda ctx: io_jobs.export_rows(ctx, ws.table, rows, path),
            on_done=lambda p: self.status.showMessage(
                tr("Exported %n assets to {path}", None, len(rows)).format(path=p), 8000
            ),
            label=tr("Exporting selection"),
        )

    # settings ----------------------------------------------------------------
    def restore_settings(self) -> None:
        geometry = self.settings.value("main/geometry")
        state = self.settings.value("main/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _restore_view(self) -> None:
        # The last view belongs to the data folder it was seen in.
        same_folder = self.settings.value("main/view_data_dir") == str(self.data_dir)
        bbox = self.settings.value("main/view") if same_folder else None
        try:
            bbox = [float(v) for v in bbox] if bbox else None
        except (TypeError, ValueError):
            bbox = None
        if bbox and len(bbox) == 4:
            self.map.set_view_bbox(bbox)
        else:
            self.zoom_to_all()

    def _restore_selection(self) -> None:
        """The code selected last time in this data folder, else the newest own code."""
        if self.selection or self.ws is None:
            return
        same_folder = self.settings.value("main/view_data_dir") == str(self.data_dir)
        code = (
            self.settings.value("main/selected_code") if same_folder else None
        ) or self.ws.extra.get("newest_code")
        row = self.ws.table.row_of_code(code) if code else None
        if row is not None:
            self.select_rows([row], "app")

    def save_settings(self) -> None:
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.setValue("main/state", self.saveState())
        self.settings.setValue("data_dir", str(self.data_dir))
        if self.ws is not None:
            self.settings.setValue("main/view", [float(v) for v in self.map.view_bbox()])
            self.settings.setValue("main/view_data_dir", str(self.data_dir))
            code = self.inspector.code if self.selection else None
            self.settings.setValue("main/selected_code", code or "")
        self.settings.sync()

    def closeEvent(self, event) -> None:
        self.save_settings()
        self._poll.stop()
        self._codes_timer.stop()
        self.network.stop()
        super().closeEvent(event)
