"""A verification result (app.ledger.verifier.VerifyResult): a verdict, then each check
with its outcome and the reason, wrapped so the whole reason is readable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.ui.i18n import tr
from app.ui.labels import CHECK_STATUS
from app.ui.theme import CHECK_COLORS

MARKS = {"pass": "✔", "fail": "✘", "unknown": "?"}


def check_title(name: str) -> str:
    """'entry_signature' / 'entry signature' -> translated 'Entry signature'."""
    text = str(name).replace("_", " ").replace("-", " ").strip()
    return tr(text[:1].upper() + text[1:])


def _status(check) -> str:
    status = getattr(check, "status", None)
    status = getattr(status, "value", status)  # tolerate an Enum
    return str(status).lower()


class VerificationView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.result = None
        self.rows: list[tuple[str, str, str]] = []  # (title, status, reason)
        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.checks = QWidget()
        self.grid = QGridLayout(self.checks)
        self.grid.setContentsMargins(0, 4, 0, 0)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(5)
        self.grid.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.checks)
        layout.addStretch(1)
        self.clear()

    def _clear_grid(self) -> None:
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # deleteLater is deferred: never paint old and new together
                widget.setParent(None)
                widget.deleteLater()

    def clear(self, message: str = "") -> None:
        self._clear_grid()
        self.rows = []
        self.result = None
        self.verdict.setText(message)
        self.verdict.setStyleSheet("")

    def show_result(self, result) -> None:
        self._clear_grid()
        self.result = result
        self.rows = []
        for r, check in enumerate(getattr(result, "checks", ())):
            status = _status(check)
            title = check_title(getattr(check, "name", "?"))
            reason = str(getattr(check, "reason", "") or "")
            self.rows.append((title, status, reason))
            color = CHECK_COLORS.get(status, "#555555")
            name_label = QLabel(title)
            mark = QLabel(f"{MARKS.get(status, '?')} {tr(CHECK_STATUS.get(status, status))}")
            mark.setStyleSheet(f"color: {color}; font-weight: bold;")
            why = QLabel(reason)
            why.setWordWrap(True)
            why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            why.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            why.setStyleSheet("color: #52606d;")
            for c, widget in enumerate((name_label, mark, why)):
                self.grid.addWidget(widget, r, c, Qt.AlignmentFlag.AlignTop)
        ok = bool(getattr(result, "ok", False))
        color = CHECK_COLORS["pass" if ok else "fail"]
        self.verdict.setText(tr("Verified") if ok else tr("NOT verified"))
        self.verdict.setStyleSheet(
            f"color: white; background: {color}; padding: 4px 8px;"
            "border-radius: 3px; font-weight: bold;"
        )

    def failed_checks(self) -> list[str]:
        return [title for title, status, _ in self.rows if status == "fail"]
