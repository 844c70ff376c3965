"""A verification result (app.ledger.verifier.VerifyResult) as a list of checks."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.ui.i18n import tr
from app.ui.labels import CHECK_STATUS
from app.ui.theme import CHECK_COLORS

MARKS = {"pass": "✔", "fail": "✘", "unknown": "?"}


def check_title(name: str) -> str:
    """'entry_signature' / 'entry-signature' -> translated 'Entry signature'."""
    text = str(name).replace("_", " ").replace("-", " ").strip()
    return tr(text[:1].upper() + text[1:])


def _status(check) -> str:
    status = getattr(check, "status", None)
    status = getattr(status, "value", status)  # tolerate an Enum
    return str(status).lower()


class VerificationView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([tr("Check"), tr("Result"), tr("Why")])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.header().resizeSection(0, 170)
        self.tree.header().resizeSection(1, 70)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.tree)
        self.clear()

    def clear(self, message: str = "") -> None:
        self.tree.clear()
        self.verdict.setText(message)
        self.verdict.setStyleSheet("")
        self.result = None

    def show_result(self, result) -> None:
        self.tree.clear()
        self.result = result
        for check in getattr(result, "checks", ()):
            status = _status(check)
            item = QTreeWidgetItem([check_title(getattr(check, "name", "?")),
                                    f"{MARKS.get(status, '?')} {tr(CHECK_STATUS.get(status, status))}",
                                    str(getattr(check, "reason", "") or "")])
            color = QBrush(QColor(CHECK_COLORS.get(status, "#555555")))
            item.setForeground(1, color)
            bold = QFont(item.font(1))
            bold.setBold(True)
            item.setFont(1, bold)
            item.setToolTip(2, item.text(2))
            item.setData(0, Qt.UserRole, status)
            self.tree.addTopLevelItem(item)
        ok = bool(getattr(result, "ok", False))
        color = CHECK_COLORS["pass" if ok else "fail"]
        self.verdict.setText(tr("Verified") if ok else tr("NOT verified"))
        self.verdict.setStyleSheet(f"color: white; background: {color}; padding: 4px 8px;"
                                   "border-radius: 3px; font-weight: bold;")

    def failed_checks(self) -> list[str]:
        return [self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())
                if self.tree.topLevelItem(i).data(0, Qt.UserRole) == "fail"]
