"""The rows every signing dialog asks for: the official, their passphrase and — only when
this process sequences — the city node's passphrase (ledger_jobs.issue_context says)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit

from app.ui.i18n import tr
from app.ui.theme import STATUS_COLORS


class SignerFields:
    def __init__(self) -> None:
        self.official_combo = QComboBox()
        self.official_combo.setEditable(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(tr("unlocks the official's signing key"))
        self.node_passphrase = QLineEdit()
        self.node_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.node_passphrase.setPlaceholderText(
            tr("empty: keep it in the outbox, pending, until the sequencer runs")
        )
        self.node_row_label = QLabel(tr("City node passphrase"))
        self.error = QLabel()  # why the dialog cannot sign (yet)
        self.error.setStyleSheet(f"color: {STATUS_COLORS['revoked']};")
        self.error.setWordWrap(True)

    def add_rows(self, form: QFormLayout) -> None:
        form.addRow(tr("Official"), self.official_combo)
        form.addRow(tr("Passphrase"), self.passphrase)
        form.addRow(self.node_row_label, self.node_passphrase)

    def set_context(self, context) -> list[str]:
        """(officials' names, whether the node passphrase is needed): the city keys sign
        the checkpoint, so they are asked for only if this process sequences."""
        names, needs_node_passphrase = context
        self.node_row_label.setVisible(needs_node_passphrase)
        self.node_passphrase.setVisible(needs_node_passphrase)
        current = self.official_combo.currentText()
        self.official_combo.clear()
        self.official_combo.addItems(list(names))
        if current:
            self.official_combo.setCurrentText(current)
        return list(names)
