"""A verification result (app.ledger.verifier.VerifyResult): a verdict, then each check
with its outcome and the reason, wrapped so the whole reason is readable.

The verdict is live (app.ledger.verdict): *awaiting witnesses (n of k)* in amber while
the checkpoint waits for cosignatures, *pending* while the entry waits in the outbox,
never a red "not verified" for either. Reasons arrive as English templates with
parameters and are translated here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.ledger.verdict import (
    AWAITING,
    FAILED,
    PENDING,
    VERIFIED,
    VERIFIED_OFFLINE,
    Verdict,
    verdict_of,
)
from app.ui.i18n import reason_parts, tr
from app.ui.labels import CHECK_STATUS
from app.ui.theme import CHECK_COLORS, VERDICT_COLORS

MARKS = {"pass": "✔", "fail": "✘", "unknown": "?"}


def check_title(name: str) -> str:
    """'entry_signature' / 'entry signature' -> translated 'Entry signature'."""
    text = str(name).replace("_", " ").replace("-", " ").strip()
    return tr(text[:1].upper() + text[1:])


def verdict_text(verdict: Verdict) -> str:
    if verdict.state == VERIFIED and verdict.as_of is not None:
        if verdict.time:
            return tr("Verified: current as of checkpoint {size} ({time})").format(
                size=verdict.as_of, time=verdict.time
            )
        return tr("Verified: current as of checkpoint {size}").format(size=verdict.as_of)
    if verdict.state == VERIFIED:
        return tr("Verified")
    if verdict.state == VERIFIED_OFFLINE:
        return tr(
            "Verified as of checkpoint {size}: later records (a revocation included) "
            "are unknown offline"
        ).format(size=verdict.as_of)
    if verdict.state == AWAITING:
        return tr("Awaiting witnesses ({n} of {k})").format(n=verdict.witnesses, k=verdict.quorum)
    if verdict.state == PENDING:
        return tr("Pending: waiting in the outbox for the city's sequencer")
    return tr("NOT verified")


def _status(check) -> str:
    status = getattr(check, "status", None)
    status = getattr(status, "value", status)  # tolerate an Enum
    return str(status).lower()


def source_text(source) -> str:
    """How a code was verified, in the UI language: from the local replica (a followed
    city) or on demand from a member's node (app.net.on_demand)."""
    if source is None:
        return ""
    how, peer = source
    if how == "replica":
        return tr("Verified from the local replica")
    return tr("Verified on demand from {peer}").format(peer=peer)


class VerificationView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.result = None
        self.verdict_state: Verdict | None = None
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
        # Where the proof came from: this node's replica, or on demand from a member.
        self.source = QLabel()
        self.source.setObjectName("verificationSource")
        self.source.setWordWrap(True)
        self.source.setStyleSheet("color: #52606d;")
        layout.addWidget(self.source)
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
        self.verdict_state = None
        self.verdict.setText(message)
        self.verdict.setStyleSheet("")
        self.source.clear()

    def show_pending(self) -> None:
        """The entry waits in the outbox: nothing to check yet, and nothing failed."""
        self.clear()
        self._set_verdict(Verdict(PENDING))

    def show_result(self, result, verdict: Verdict | None = None, source=None) -> None:
        """`source`: the app.net.on_demand Verdict's (how, peer), or None (a bundle)."""
        self._clear_grid()
        self.source.setText(source_text(source))
        self.result = result
        self.rows = []
        for r, check in enumerate(getattr(result, "checks", ())):
            status = _status(check)
            title = check_title(getattr(check, "name", "?"))
            template = getattr(check, "template", "")
            reason, details = (
                reason_parts(template, check.params)
                if template
                else (str(getattr(check, "reason", "") or ""), [])
            )
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
            why.setToolTip("\n".join(details))  # the raw error behind a family's phrase
            for c, widget in enumerate((name_label, mark, why)):
                self.grid.addWidget(widget, r, c, Qt.AlignmentFlag.AlignTop)
        self._set_verdict(verdict or verdict_of(result))

    def _set_verdict(self, verdict: Verdict) -> None:
        self.verdict_state = verdict
        color = VERDICT_COLORS.get(verdict.state, VERDICT_COLORS[FAILED])
        self.verdict.setText(verdict_text(verdict))
        self.verdict.setStyleSheet(
            f"color: white; background: {color}; padding: 4px 8px;"
            "border-radius: 3px; font-weight: bold;"
        )

    def failed_checks(self) -> list[str]:
        return [title for title, status, _ in self.rows if status == "fail"]
