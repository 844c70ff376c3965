"""Inspector: the selected asset or code — attributes, code + QR, history, verification."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gis import timeline
from app.ledger.verdict import VERIFIED, verdict_of
from app.ui.i18n import localized, reason_text, tr
from app.ui.labels import SERVICE_LABELS, STATUS_LABELS
from app.ui.qr import qr_pixmap
from app.ui.theme import CHECK_COLORS, STATUS_COLORS
from app.ui.verification_view import MARKS as CHECK_MARKS
from app.ui.verification_view import VerificationView, check_title, verdict_text

MARKS = {**CHECK_MARKS, "unknown": "⋯"}


def _fit_rows(table) -> None:
    """Size a small table to its rows, so the scroll area scrolls, not the table."""
    height = table.horizontalHeader().height() if table.horizontalHeader().isVisible() else 0
    height += sum(table.rowHeight(r) for r in range(table.rowCount())) + 4
    table.setFixedHeight(max(height, 28))


def short_time(rfc3339) -> str:
    """'2026-11-25T07:59:45.787733Z' -> '2026-11-25 07:59:45' (still UTC)."""
    text = str(rfc3339 or "")
    return text[:19].replace("T", " ") if len(text) >= 19 else text


def step_details(step: timeline.Step, record: dict) -> str:
    """What one record changed, worded: attribute diff, metres moved, status, inspection."""
    parts = [_change_text(kind, data) for kind, data in step.changes]
    if step.kind == "issue":
        asset = record.get("asset") or {}
        parts.insert(
            0, localized(asset.get("name"), (asset.get("attributes") or {}).get("name_zh"))
        )
    if step.kind in ("official-add", "official-revoke"):
        parts.insert(0, (record.get("subject") or {}).get("name", ""))
    return "; ".join(p for p in parts if p)


def _change_text(kind: str, data: tuple) -> str:
    if kind == timeline.NAME:
        return tr("name {old} → {new}").format(old=data[0] or "—", new=data[1])
    if kind == timeline.ATTRIBUTE:
        key, old, new = data
        return f"{key}: {_value(old)} → {_value(new)}"
    if kind == timeline.MOVED:
        return tr("moved {metres} m").format(metres=f"{data[0]:,.1f}")
    if kind == timeline.RESHAPED:
        return tr("new shape in the same place")
    if kind == timeline.SERVICE:
        old, new = (tr(SERVICE_LABELS.get(v, v)) if v else tr("In service") for v in data)
        return f"{old} → {new}"
    if kind == timeline.INSPECTION:
        return tr("condition grade {grade}: {note}").format(grade=data[0], note=data[1])
    if kind == timeline.OWNER:
        return tr("to {owner}").format(owner=data[0])
    if kind == timeline.MOVED_TO:
        return tr("to city {city}").format(city=data[0])
    if kind == timeline.TAKEN_FROM:
        return tr("from {origin}").format(origin=data[0])
    return str(data[0]) if data else ""  # the reason of a revoke


def _value(value) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def condition_text(info: dict) -> str:
    """Last inspection and condition of an asset (info: code, grade, inspected as the
    codes index has them; without a code there is no inspection on record)."""
    if not info.get("code"):
        return tr("No code yet: no inspection on record")
    if info.get("grade") and info.get("inspected") is not None:
        return tr("Condition grade {grade}, last inspected {time}").format(
            grade=info["grade"], time=info["inspected"].strftime("%Y-%m-%d %H:%M:%S")
        )
    if "grade" in info:
        return tr("Not inspected yet")
    return ""  # the codes index is still being read; the history will say


def record_proof_text(proof) -> tuple[str, str]:
    """('pass' | 'unknown' | 'fail', the tooltip) of one record's proof."""
    if proof.result is None:
        return "fail", tr("Not proven here: {reason}").format(reason=proof.error)
    verdict = verdict_of(proof.result)
    lines = [
        tr("Record {index} of {origin}").format(index=proof.index, origin=proof.origin),
        verdict_text(verdict),
    ]
    for check in proof.result.failed + proof.result.unknowns:
        lines.append(f"{check_title(check.name)}: {reason_text(check.template, check.params)}")
    if verdict.state == VERIFIED:
        return "pass", "\n".join(lines)
    return ("unknown" if verdict.live or proof.result.ok else "fail"), "\n".join(lines)


class Inspector(QWidget):
    verifyRequested = Signal(str)
    exportBundleRequested = Signal(str)
    issueRequested = Signal()
    recordSelected = Signal(object)  # the timeline.Step chosen in the history, or None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.code: str | None = None
        self.title = QLabel(tr("Nothing selected"))
        self.title.setObjectName("inspector_title")
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.title.setWordWrap(True)
        self.subtitle = QLabel(tr("Click an asset on the map, a row in the table, or search."))
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet("color: #52606d;")

        # identity code + QR
        self.code_label = QLabel("—")
        self.code_label.setObjectName("code_label")
        self.code_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.status_badge = QLabel()
        self.qr = QLabel()
        self.qr.setFixedSize(132, 132)
        self.qr.setAlignment(Qt.AlignCenter)
        self.copy_button = QPushButton(tr("Copy code"))
        self.issue_button = QPushButton(tr("Issue code…"))
        self.verify_button = QPushButton(tr("Verify"))
        self.export_button = QPushButton(tr("Export proof…"))
        code_box = QGroupBox(tr("Identity code"))
        code_col = QVBoxLayout()
        code_col.addWidget(self.code_label)
        badge_row = QHBoxLayout()
        badge_row.addWidget(self.status_badge)
        badge_row.addStretch(1)
        code_col.addLayout(badge_row)
        buttons = QGridLayout()
        # Issue (no code yet) and Verify (has a code) share a cell: one is ever shown.
        buttons.addWidget(self.issue_button, 0, 0)
        buttons.addWidget(self.verify_button, 0, 0)
        buttons.addWidget(self.copy_button, 1, 0)
        buttons.addWidget(self.export_button, 1, 1)
        code_col.addLayout(buttons)
        code_col.addStretch(1)
        code_row = QHBoxLayout(code_box)
        code_row.addLayout(code_col, 1)
        code_row.addWidget(self.qr)

        self.attributes = QTableWidget(0, 2)
        self.attributes.setHorizontalHeaderLabels([tr("Attribute"), tr("Value")])
        self.attributes.verticalHeader().setVisible(False)
        self.attributes.horizontalHeader().setStretchLastSection(True)
        self.attributes.horizontalHeader().resizeSection(0, 140)
        self.attributes.setEditTriggers(QTableWidget.NoEditTriggers)
        self.attributes.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        attr_box = QGroupBox(tr("Attributes"))
        QVBoxLayout(attr_box).addWidget(self.attributes)

        self.history = QTreeWidget()
        self.history.setColumnCount(6)
        self.history.setHeaderLabels(
            [
                tr("Index"),
                tr("Proof"),
                tr("Record"),
                tr("Time (UTC)"),
                tr("Official"),
                tr("Details"),
            ]
        )
        self.history.setRootIsDecorated(False)
        self.history.currentItemChanged.connect(self._record_chosen)
        self.steps: list[timeline.Step] = []
        self.condition = QLabel()
        self.condition.setObjectName("condition")
        self.condition.setWordWrap(True)
        self.condition.setStyleSheet("font-weight: bold;")
        self.history.header().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.history.setMinimumHeight(80)
        self.history.setMaximumHeight(170)
        hist_box = QGroupBox(tr("Record history"))
        hist_col = QVBoxLayout(hist_box)
        hist_col.addWidget(self.history)

        self.verification = VerificationView()
        self.verification.setMinimumHeight(60)
        ver_box = QGroupBox(tr("Verification"))
        QVBoxLayout(ver_box).addWidget(self.verification)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.condition)
        for box in (code_box, ver_box, attr_box, hist_box):
            layout.addWidget(box)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.copy_button.clicked.connect(
            lambda: self.code and QGuiApplication.clipboard().setText(self.code)
        )
        self.verify_button.clicked.connect(
            lambda: self.code and self.verifyRequested.emit(self.code)
        )
        self.export_button.clicked.connect(
            lambda: self.code and self.exportBundleRequested.emit(self.code)
        )
        self.issue_button.clicked.connect(self.issueRequested)
        self.clear()

    # content ----------------------------------------------------------------
    def clear(self) -> None:
        self.code = None
        self.title.setText(tr("Nothing selected"))
        self.subtitle.setText(tr("Click an asset on the map, a row in the table, or search."))
        self._set_code(None, None)
        self.attributes.setRowCount(0)
        _fit_rows(self.attributes)
        self.history.clear()
        self.condition.setText("")
        self.verification.clear()
        self.issue_button.setVisible(False)

    def show_asset(self, info: dict) -> None:
        """info: name, asset_class, class_name, city, city_name, status, code, asset_id,
        attributes (dict), selection_size."""
        self.title.setText(info.get("name") or tr("(unnamed asset)"))
        extra = ""
        if info.get("selection_size", 1) > 1:
            extra = "  ·  " + tr("%n selected", None, info["selection_size"])
        self.subtitle.setText(
            f"{info.get('class_name') or info.get('asset_class', '')}  ·  "
            f"{info.get('city_name') or info.get('city', '')}{extra}"
        )
        self._set_code(info.get("code"), info.get("status"))
        rows = [
            (tr("Asset ID"), info.get("asset_id", "")),
            (tr("Class"), info.get("asset_class", "")),
            (tr("City"), info.get("city", "")),
        ]
        rows += [(str(k), v) for k, v in sorted((info.get("attributes") or {}).items())]
        self.attributes.setRowCount(len(rows))
        for r, (key, value) in enumerate(rows):
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            self.attributes.setItem(r, 0, QTableWidgetItem(key))
            self.attributes.setItem(r, 1, QTableWidgetItem(text))
        self.attributes.resizeRowsToContents()
        _fit_rows(self.attributes)
        self.history.clear()
        self.condition.setText(condition_text(info))
        self.issue_button.setVisible(not info.get("code"))
        if info.get("code"):
            self.verification.clear(tr("Checking…"))
        else:
            self.verification.clear(tr("No identity code has been issued for this asset yet."))

    def show_code_only(self, code: str, status: str | None = None) -> None:
        """A code that is not on the map (e.g. another city's, found by search)."""
        self.title.setText(code)
        self.subtitle.setText(tr("Identity code"))
        self._set_code(code, status)
        self.attributes.setRowCount(0)
        _fit_rows(self.attributes)
        self.history.clear()
        self.condition.setText("")
        self.issue_button.setVisible(False)
        self.verification.clear(tr("Checking…"))

    def _set_code(self, code, status) -> None:
        self.code = code or None
        self.code_label.setText(code or "—")
        for b in (self.copy_button, self.verify_button, self.export_button):
            b.setVisible(bool(code))
        status = status or ("issued" if code else "none")
        color = STATUS_COLORS.get(status, "#888888")
        self.status_badge.setText(tr(STATUS_LABELS.get(status, status)))
        self.status_badge.setStyleSheet(
            f"color: white; background: {color}; padding: 2px 8px;"
            "border-radius: 3px; font-weight: bold;"
        )
        if code:
            self.qr.setPixmap(
                qr_pixmap(code, scale=4).scaled(
                    128,
                    128,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation,
                )
            )
        else:
            self.qr.clear()
            self.qr.setText(tr("no code"))

    def show_history(self, history) -> None:
        """history: list of (index, record dict), oldest first — as a timeline of what
        each record changed; the latest inspection above it."""
        self.history.clear()
        self.steps = timeline.timeline(history)
        for step, (_index, record) in zip(self.steps, history):
            details = step_details(step, record)
            item = QTreeWidgetItem(
                [
                    str(step.index),
                    "…",
                    tr(step.kind),
                    short_time(step.time),
                    step.official,
                    details,
                ]
            )
            item.setToolTip(1, tr("Checking this record's proof…"))
            item.setToolTip(5, details)
            self.history.addTopLevelItem(item)
        inspections = [c for s in self.steps for k, c in s.changes if k == timeline.INSPECTION]
        last = next((s for s in reversed(self.steps) if s.kind == "inspect"), None)
        self.condition.setText(
            tr("Condition grade {grade}, last inspected {time}").format(
                grade=inspections[-1][0], time=short_time(last.time)
            )
            if inspections and last is not None
            else tr("Not inspected yet")
        )

    def show_record_proofs(self, proofs) -> None:
        """Each record's own proof (app.ledger.record_proofs.RecordProof, in timeline
        order): a mark in the Proof column, the verdict and any failed check as its tip."""
        for row, proof in enumerate(proofs[: self.history.topLevelItemCount()]):
            item = self.history.topLevelItem(row)
            state, tip = record_proof_text(proof)
            item.setText(1, MARKS[state])
            item.setForeground(1, QBrush(QColor(CHECK_COLORS[state])))
            item.setToolTip(1, tip)
            item.setData(1, Qt.ItemDataRole.UserRole, state)

    def _record_chosen(self, item, _previous=None) -> None:
        row = self.history.indexOfTopLevelItem(item) if item is not None else -1
        self.recordSelected.emit(self.steps[row] if 0 <= row < len(self.steps) else None)

    def show_verification(self, result, verdict=None, source=None) -> None:
        self.verification.show_result(result, verdict, source)

    def show_pending(self) -> None:
        self.verification.show_pending()

    @property
    def verdict_live(self) -> bool:
        """The shown verdict can still change by waiting (awaiting witnesses, pending)."""
        state = self.verification.verdict_state
        return state is not None and state.live

    def show_error(self, message: str) -> None:
        self.verification.clear(message)
