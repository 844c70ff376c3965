"""Verify a code or a proof bundle: type or paste it, or open a bundle file."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from app.ui import job_messages, ledger_jobs
from app.ui.i18n import tr
from app.ui.verification_view import VerificationView


class VerifyDialog(QDialog):
    def __init__(self, backend, initial: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Verify code or proof bundle"))
        self.resize(680, 520)
        self.backend = backend
        self.source = QLabel(
            tr(
                "Type or paste an identity code (e.g. 130100-WAT-7K3M9Q2X-4) "
                "or a proof bundle, or open a bundle file."
            )
        )
        self.source.setWordWrap(True)
        self.input = QPlainTextEdit(initial)
        self.input.setPlaceholderText("130100-WAT-…")
        self.input.setMaximumHeight(72)
        self.open_button = QPushButton(tr("Open bundle file…"))
        self.verify_button = QPushButton(tr("Verify"))
        self.verify_button.setDefault(True)
        self.result = VerificationView()
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.verify_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addWidget(self.input)
        layout.addLayout(row)
        layout.addWidget(self.result, 1)
        layout.addWidget(buttons)
        self.open_button.clicked.connect(self.choose_file)
        self.verify_button.clicked.connect(self.verify_text)

    def verify_text(self) -> None:
        text = self.input.toPlainText()
        if not text.strip():
            self.result.clear(tr("Nothing to verify: type a code or open a bundle."))
            return
        self._run(lambda ctx: ledger_jobs.verify_input(ctx, text=text))

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("Open proof bundle"),
            "",
            tr("Proof bundles (*.tlog-proof *.bundle);;All files (*)"),
        )
        if path:
            self.verify_file(path)

    def verify_file(self, path: str) -> None:
        self.source.setText(tr("Bundle file: {path}").format(path=path))
        self.input.clear()  # the result below is the file's, not a typed code's

        def job(ctx):
            return ledger_jobs.verify_input(ctx, data=ledger_jobs.read_file(ctx, path))

        self._run(job)

    def _run(self, job) -> None:
        self.verify_button.setEnabled(False)
        self.result.clear(tr("Checking…"))
        self.backend.call_for(
            self, job, on_done=self._show, on_error=self._error, label=tr("Verifying")
        )

    def _show(self, result) -> None:
        self.verify_button.setEnabled(True)
        self.result.show_result(result)

    def _error(self, exc) -> None:
        self.verify_button.setEnabled(True)
        self.result.clear(
            tr("Could not verify: {reason}").format(reason=job_messages.describe(exc))
        )
