"""Verify what the user has: a typed or pasted code or bundle, a bundle file, or a QR image.

The reading is app.ledger.pasted's (no Qt); this dialog says what it recognised, shows
the code's typo message or the verification, and for a verified record names the asset
and its city and offers to show it on the map.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
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

from app.ledger import pasted
from app.ui import job_messages, ledger_jobs
from app.ui.i18n import localized, reason_text, tr
from app.ui.theme import CHECK_COLORS
from app.ui.verification_view import VerificationView

EXAMPLE_CODE = "130100-WAT-7K3M9Q2X-9"  # well formed: its check character matches


def recognised_text(got: pasted.Pasted) -> str:
    """What the dialog understood the input to be."""
    if got.kind == pasted.CODE:
        what = tr("an identity code") if got.error is None else tr("an identity code with a typo")
    elif got.kind == pasted.BUNDLE:
        what = tr("a proof bundle")
    else:
        what = tr("nothing usable")
    via = {
        pasted.TEXT: tr("typed or pasted text"),
        pasted.FILE: tr("a file"),
        pasted.QR_IMAGE: tr("a QR image"),
    }.get(got.via, got.via)
    return tr("Recognised {what} in {via}.").format(what=what, via=via)


class VerifyDialog(QDialog):
    showOnMap = Signal(str, str)  # code, city code

    def __init__(self, backend, initial: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Verify code or proof bundle"))
        self.resize(720, 560)
        self.backend = backend
        self.outcome: ledger_jobs.PastedVerification | None = None
        self.source = QLabel(
            tr(
                "Type or paste an identity code (e.g. {example}) or a proof bundle, "
                "or open a bundle file or a QR image."
            ).format(example=EXAMPLE_CODE)
        )
        self.source.setWordWrap(True)
        self.input = QPlainTextEdit(initial)
        self.input.setPlaceholderText(EXAMPLE_CODE)
        self.input.selectAll()  # typing or pasting replaces the code it opened with
        self.input.setMaximumHeight(72)
        self.open_button = QPushButton(tr("Open bundle or QR image…"))
        self.verify_button = QPushButton(tr("Verify"))
        self.verify_button.setDefault(True)
        self.recognised = QLabel()
        self.recognised.setObjectName("recognised")
        self.recognised.setWordWrap(True)
        self.asset = QLabel()
        self.asset.setWordWrap(True)
        self.asset.setStyleSheet("font-weight: bold;")
        self.map_button = QPushButton(tr("Show on map"))
        self.map_button.hide()
        self.result_view = VerificationView()
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.verify_button)
        asset_row = QHBoxLayout()
        asset_row.addWidget(self.asset, 1)
        asset_row.addWidget(self.map_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addWidget(self.input)
        layout.addLayout(row)
        layout.addWidget(self.recognised)
        layout.addLayout(asset_row)
        layout.addWidget(self.result_view, 1)
        layout.addWidget(buttons)
        self.open_button.clicked.connect(self.choose_file)
        self.verify_button.clicked.connect(self.verify_text)
        self.map_button.clicked.connect(self._show_on_map)

    def verify_text(self) -> None:
        text = self.input.toPlainText()
        self._run(lambda ctx: ledger_jobs.verify_input(ctx, text=text))

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("Open proof bundle or QR image"),
            "",
            tr(
                "Proof bundles and QR images (*.tlog-proof *.bundle *.png *.jpg *.jpeg);;All files (*)"
            ),
        )
        if path:
            self.verify_file(path)

    def verify_file(self, path: str) -> None:
        self.source.setText(tr("File: {path}").format(path=path))
        self.input.clear()  # the result below is the file's, not a typed code's

        def job(ctx):
            return ledger_jobs.verify_input(ctx, data=ledger_jobs.read_file(ctx, path))

        self._run(job)

    def _run(self, job) -> None:
        self.verify_button.setEnabled(False)
        self.outcome = None
        self.recognised.clear()
        self.asset.clear()
        self.map_button.hide()
        self.result_view.clear(tr("Checking…"))
        self.backend.call_for(
            self, job, on_done=self._show, on_error=self._error, label=tr("Verifying")
        )

    def _show(self, outcome: ledger_jobs.PastedVerification) -> None:
        self.verify_button.setEnabled(True)
        self.outcome = outcome
        got = outcome.pasted
        self.recognised.setText(recognised_text(got))
        if got.error is not None:
            self.result_view.clear(reason_text(got.error, dict(got.params)))
            self.result_view.verdict.setStyleSheet(
                f"color: {CHECK_COLORS['fail']}; font-weight: bold; padding: 4px 0;"
            )
            return
        self.result_view.show_result(outcome.result, source=outcome.source)
        asset = outcome.asset
        if asset and outcome.result is not None and outcome.result.ok:
            name = localized(asset["name"], asset["name_zh"]) or tr("(unnamed asset)")
            city = localized(asset["city_en"], asset["city_zh"]) or asset["city"]
            self.asset.setText(
                tr("{name} · {city} ({code})").format(name=name, city=city, code=asset["code"])
            )
            self.map_button.show()

    def _show_on_map(self) -> None:
        if self.outcome is not None and self.outcome.asset:
            self.showOnMap.emit(self.outcome.asset["code"], self.outcome.asset["city"])

    def _error(self, exc) -> None:
        self.verify_button.setEnabled(True)
        self.result_view.clear(
            tr("Could not verify: {reason}").format(reason=job_messages.describe(exc))
        )
