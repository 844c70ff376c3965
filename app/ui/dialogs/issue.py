"""Issue an identity code for the selected asset: form, then the code, its QR and state."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import job_messages, ledger_jobs
from app.ui.dialogs.signer_fields import SignerFields
from app.ui.i18n import tr
from app.ui.qr import qr_pixmap
from app.ui.theme import STATUS_COLORS


class IssueDialog(QDialog):
    issued = Signal(object)  # ledger_jobs.IssueOutcome

    def __init__(self, backend, asset: dict, classes, parent=None):
        """asset: row info (name, asset_class, city, attributes, geometry, row);
        classes: iterable of (code, label)."""
        super().__init__(parent)
        self.setWindowTitle(tr("Issue identity code"))
        self.setMinimumWidth(620)
        self.backend = backend
        self.asset = asset
        self.outcome = None

        self.class_combo = QComboBox()
        for code, label in classes:
            self.class_combo.addItem(label, code)
        i = self.class_combo.findData(asset.get("asset_class"))
        if i >= 0:
            self.class_combo.setCurrentIndex(i)
        self.name_edit = QLineEdit(asset.get("name") or "")
        self.attrs = QTableWidget(0, 2)
        self.attrs.setHorizontalHeaderLabels([tr("Attribute"), tr("Value")])
        self.attrs.verticalHeader().setVisible(False)
        self.attrs.verticalHeader().setDefaultSectionSize(24)
        self.attrs.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for key, value in sorted((asset.get("attributes") or {}).items()):
            self._add_attr(key, value if isinstance(value, str) else json.dumps(value))
        add_attr = QPushButton(tr("Add attribute"))
        add_attr.clicked.connect(lambda: self._add_attr("", ""))
        self.boundary_override = QLineEdit()
        self.boundary_override.setPlaceholderText(
            tr("only for an asset outside the city's boundary: why it is the city's")
        )
        self.signer_fields = fields = SignerFields()
        self.official_combo, self.passphrase = fields.official_combo, fields.passphrase
        self.node_passphrase, self.error = fields.node_passphrase, fields.error

        form_page = QWidget()
        form = QFormLayout(form_page)
        where = f"{asset.get('city_name') or asset.get('city', '')} · {asset.get('asset_id', '')}"
        form.addRow(tr("Asset"), QLabel(where))
        form.addRow(tr("Class"), self.class_combo)
        form.addRow(tr("Name"), self.name_edit)
        form.addRow(tr("Attributes"), self.attrs)
        form.addRow("", add_attr)
        form.addRow(tr("Boundary override"), self.boundary_override)
        fields.add_rows(form)
        form.addRow(self.error)
        self.form_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.issue_button = self.form_buttons.addButton(
            tr("Sign and issue"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.form_buttons.rejected.connect(self.reject)
        self.issue_button.clicked.connect(self.submit)
        form.addRow(self.form_buttons)

        result_page = QWidget()
        self.code_label = QLabel()
        self.code_label.setObjectName("code_label")
        self.code_label.setStyleSheet("font-size: 18pt;")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label = QLabel()
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.accept)
        col = QVBoxLayout(result_page)
        col.addWidget(QLabel(tr("New identity code")))
        col.addWidget(self.code_label)
        row = QHBoxLayout()
        row.addWidget(self.state_label)
        row.addStretch(1)
        col.addLayout(row)
        col.addWidget(self.detail_label)
        col.addWidget(self.qr, 1)
        col.addWidget(close)

        self.pages = QStackedWidget()
        self.pages.addWidget(form_page)
        self.pages.addWidget(result_page)
        QVBoxLayout(self).addWidget(self.pages)
        self.backend.call_for(
            self,
            ledger_jobs.issue_context,
            on_done=self._set_context,
            on_error=lambda exc: self.error.setText(job_messages.describe(exc)),
        )

    def _add_attr(self, key: str, value: str) -> None:
        r = self.attrs.rowCount()
        self.attrs.insertRow(r)
        self.attrs.setItem(r, 0, QTableWidgetItem(str(key)))
        self.attrs.setItem(r, 1, QTableWidgetItem(str(value)))

    def _set_context(self, context) -> None:
        if not self.signer_fields.set_context(context):
            self.error.setText(
                tr("This node has no active official yet: add one with `cityledger official add`.")
            )

    def _cell_text(self, row: int, column: int) -> str:
        item = self.attrs.item(row, column)
        return item.text() if item is not None else ""

    def attributes(self) -> dict:
        out = {}
        for r in range(self.attrs.rowCount()):
            key = self._cell_text(r, 0).strip()
            if not key:
                continue
            raw = self._cell_text(r, 1)
            try:
                out[key] = json.loads(raw)
            except ValueError:
                out[key] = raw
        return out

    def request(self) -> ledger_jobs.IssueRequest:
        return ledger_jobs.IssueRequest(
            official=self.official_combo.currentText().strip(),
            passphrase=self.passphrase.text(),
            asset_class=self.class_combo.currentData(),
            name=self.name_edit.text().strip(),
            geometry=self.asset.get("geometry"),
            attributes=self.attributes(),
            row=self.asset.get("row"),
            asset_id=self.asset.get("asset_id"),
            node_passphrase=self.node_passphrase.text(),
            boundary_override=self.boundary_override.text().strip() or None,
        )

    def submit(self) -> None:
        req = self.request()
        problem = req.problem()
        if problem:
            self.error.setText(job_messages.issue_problem(problem))
            return
        self.error.setText(tr("Signing and sequencing…"))
        self.issue_button.setEnabled(False)
        self.backend.call_for(
            self,
            lambda ctx: ledger_jobs.issue(ctx, req),
            on_done=self._done,
            on_error=self._failed,
            label=tr("Issuing code"),
        )

    def _failed(self, exc) -> None:
        self.issue_button.setEnabled(True)
        self.error.setText(tr("Not issued: {reason}").format(reason=job_messages.describe(exc)))

    def _done(self, outcome) -> None:
        self.outcome = outcome
        self.code_label.setText(outcome.code)
        status = "pending" if outcome.pending else "issued"
        text = (
            tr("PENDING — waiting for the city's sequencer")
            if outcome.pending
            else tr("CONFIRMED — sequenced in the log")
        )
        self.state_label.setText(text)
        self.state_label.setStyleSheet(
            f"color: white; background: {STATUS_COLORS[status]};"
            "padding: 3px 8px; border-radius: 3px; font-weight: bold;"
        )
        detail = self.name_edit.text()
        if outcome.index is not None:
            detail += "  ·  " + tr("Log index {index}, tree size {size}").format(
                index=outcome.index, size=outcome.size
            )
        self.detail_label.setText(detail)
        self.qr.setPixmap(qr_pixmap(outcome.code, scale=6))
        self.pages.setCurrentIndex(1)
        self.issued.emit(outcome)
