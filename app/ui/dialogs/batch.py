"""An action on the selected assets — one or thousands: issue codes, update the service
status, record an inspection, transfer, revoke. Who signs (and what the change says),
then a progress bar with Cancel, then a summary of what happened to each asset
(confirmed, pending in the outbox, refused with its reason, not started). The work is one
job on the worker thread (ledger_jobs.issue_rows / change_rows); Cancel stops it between
chunks and the summary says exactly what was done by then — nothing is shown confirmed
before the sequencer confirmed it."""

from __future__ import annotations

from threading import Event

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.records import SERVICE_STATES
from app.ledger import life
from app.ui import job_messages, ledger_jobs
from app.ui.dialogs.signer_fields import SignerFields
from app.ui.i18n import tr
from app.ui.labels import SERVICE_LABELS

MAX_LISTED_REFUSALS = 500  # the summary counts them all; the list shows the first ones


ISSUE = "issue"
ACTIONS = (ISSUE, life.UPDATE, life.INSPECT, life.TRANSFER, life.REVOKE)


def action_title(action: str) -> str:
    return {
        ISSUE: tr("Issue codes for the selection"),
        life.UPDATE: tr("Set the service status of the selection"),
        life.INSPECT: tr("Record an inspection of the selection"),
        life.TRANSFER: tr("Transfer the selection to another owner"),
        life.REVOKE: tr("Revoke the codes of the selection"),
    }[action]


class BatchDialog(QDialog):
    batchDone = Signal(object)  # ledger_jobs.BatchOutcome, also after a cancel

    def __init__(
        self,
        backend,
        table,
        rows,
        folder,
        action: str = ISSUE,
        parent=None,
        members: dict | None = None,
        what: str = "",
    ):
        """``members``: what the change says, fixed by the caller (a point dragged on
        the map), described by ``what``; else the form asks for it."""
        super().__init__(parent)
        self.fixed, self.fixed_what = members, what
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
        self.action = action
        self.setWindowTitle(action_title(action))
        self.setMinimumWidth(620)
        self.backend, self.table, self.rows, self.folder = backend, table, list(rows), folder
        self.cancel_event = Event()
        self.outcome: ledger_jobs.BatchOutcome | None = None
        self.running = False

        self.signer_fields = fields = SignerFields()
        self.official_combo, self.passphrase = fields.official_combo, fields.passphrase
        self.node_passphrase, self.error = fields.node_passphrase, fields.error

        form_page = QWidget()
        form = QFormLayout(form_page)
        self.what_label = what_label = QLabel(self._what())
        what_label.setWordWrap(True)
        form.addRow(what_label)
        self._change_fields(form)
        fields.add_rows(form)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton(
            tr("Sign and issue %n codes", None, len(self.rows))
            if action == ISSUE
            else tr("Sign %n records", None, len(self.rows)),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        buttons.rejected.connect(self.reject)
        self.start_button.clicked.connect(self.start)
        form.addRow(buttons)

        run_page = QWidget()
        self.progress = QProgressBar()
        self.progress.setRange(0, max(1, len(self.rows)))
        self.progress.setValue(0)
        self.progress.setFormat(tr("%v of %m assets"))
        self.state = QLabel(tr("Signing and sequencing…"))
        self.state.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("batch_summary")
        self.summary.setWordWrap(True)
        self.refusals = QListWidget()
        self.refusals.setVisible(False)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton(tr("Close"))
        self.close_button.clicked.connect(self.accept)
        self.close_button.setVisible(False)
        col = QVBoxLayout(run_page)
        col.addWidget(self.state)
        col.addWidget(self.progress)
        col.addWidget(self.summary)
        col.addWidget(self.refusals, 1)
        col.addWidget(self.cancel_button)
        col.addWidget(self.close_button)

        self.pages = QStackedWidget()
        self.pages.addWidget(form_page)
        self.pages.addWidget(run_page)
        QVBoxLayout(self).addWidget(self.pages)
        self.backend.call_for(
            self,
            ledger_jobs.issue_context,
            on_done=self._set_context,
            on_error=lambda exc: self.error.setText(job_messages.describe(exc)),
        )

    def _what(self) -> str:
        if self.fixed_what:
            return self.fixed_what
        n = len(self.rows)
        if self.action == ISSUE:
            return tr(
                "One code for each of the %n selected assets. Assets that already have a "
                "code or belong to another city are skipped and listed in the summary.",
                None,
                n,
            )
        return tr(
            "One signed record for the code of each of the %n selected assets. Assets "
            "without a code, or whose code another city holds, are listed in the summary.",
            None,
            n,
        )

    def _change_fields(self, form: QFormLayout) -> None:
        """What the change says: service status, inspection, owner or reason."""
        self.service = QComboBox()
        for state in SERVICE_STATES:
            self.service.addItem(tr(SERVICE_LABELS[state]), state)
        self.grade = QSpinBox()
        self.grade.setRange(1, 5)
        self.grade.setValue(3)
        self.note = QLineEdit()
        self.note.setPlaceholderText(tr("what the official saw"))
        self.owner = QLineEdit()
        self.owner.setPlaceholderText(tr("department or company that now owns the assets"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("e.g. demolished; issued by mistake"))
        if self.fixed is not None:
            return
        if self.action == life.UPDATE:
            form.addRow(tr("Service status"), self.service)
        elif self.action == life.INSPECT:
            form.addRow(tr("Condition grade (1 good – 5 failed)"), self.grade)
            form.addRow(tr("Note"), self.note)
        elif self.action == life.TRANSFER:
            form.addRow(tr("New owner"), self.owner)
        elif self.action == life.REVOKE:
            form.addRow(tr("Reason"), self.reason)

    def members(self) -> dict | None:
        """The change's members, or None when the form lacks what the change needs."""
        if self.fixed is not None:
            return self.fixed
        if self.action == life.UPDATE:
            return life.update_members(service=self.service.currentData())
        if self.action == life.INSPECT:
            note = self.note.text().strip()
            return life.inspection_members(self.grade.value(), note) if note else None
        if self.action == life.TRANSFER:
            owner = self.owner.text().strip()
            return {"owner": owner} if owner else None
        if self.action == life.REVOKE:
            reason = self.reason.text().strip()
            return {"reason": reason} if reason else None
        return {}

    def _set_context(self, context) -> None:
        self.signer_fields.set_context(context)

    def signer(self) -> ledger_jobs.Signer:
        return ledger_jobs.Signer(
            self.official_combo.currentText().strip(),
            self.passphrase.text(),
            self.node_passphrase.text(),
        )

    def start(self) -> None:
        signer = self.signer()
        if not signer.official or not signer.passphrase:
            self.error.setText(tr("Choose the official and type the passphrase."))
            return
        members = self.members()
        if members is None:
            self.error.setText(tr("Say what the record is to say (note, owner or reason)."))
            return
        table, rows, cancel, kind = self.table, list(self.rows), self.cancel_event, self.action
        self.running = True
        self.pages.setCurrentIndex(1)

        def job(ctx):
            if kind == ISSUE:
                return ledger_jobs.issue_rows(ctx, table, rows, signer, cancel)
            return ledger_jobs.change_rows(ctx, table, rows, signer, kind, members, cancel)

        self.backend.call_for(
            self,
            job,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progress,
            label=tr("Issuing codes") if kind == ISSUE else tr("Signing records"),
        )

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)

    def cancel(self) -> None:
        """Stop after the chunk being sequenced; what is done by then stays done."""
        self.cancel_event.set()
        self.cancel_button.setEnabled(False)
        self.state.setText(tr("Cancelling after the entries being sequenced…"))

    def reject(self) -> None:
        if self.running:  # closing mid-batch cancels it; the summary still comes
            self.cancel()
            return
        super().reject()

    def _failed(self, exc) -> None:
        self.running = False
        self.pages.setCurrentIndex(0)
        self.error.setText(tr("Nothing signed: {reason}").format(reason=job_messages.describe(exc)))

    def _done(self, outcome: ledger_jobs.BatchOutcome) -> None:
        self.running = False
        self.outcome = outcome
        self.progress.setValue(outcome.done)
        self.state.setText(
            tr("Cancelled: the rest was not started.") if outcome.cancelled else tr("Done.")
        )
        self.summary.setText(summary_text(outcome, self.action))
        self.refusals.clear()
        for row, reason in outcome.refused[:MAX_LISTED_REFUSALS]:
            name = self.table.name(row) if row is not None else ""
            self.refusals.addItem(f"{name}: {self._reason(row, reason)}")
        self.refusals.setVisible(bool(outcome.refused))
        self.cancel_button.setVisible(False)
        self.close_button.setVisible(True)
        self.batchDone.emit(outcome)

    def _reason(self, row, reason) -> str:
        asset = self.table.record(row) if row is not None else {}
        return job_messages.batch_refusal(reason, self.folder, asset)


def summary_text(outcome: ledger_jobs.BatchOutcome, action: str = ISSUE) -> str:
    """One line per fate: confirmed, pending, refused, not started."""
    confirmed = len(outcome.issued)
    lines = [
        tr("%n issued and confirmed in the log", None, confirmed)
        if action == ISSUE
        else tr("%n recorded and confirmed in the log", None, confirmed),
        tr("%n signed and pending in the outbox (not yet confirmed)", None, len(outcome.pending)),
        tr("%n refused", None, len(outcome.refused)),
    ]
    if outcome.not_started:
        lines.append(tr("%n not started (cancelled)", None, outcome.not_started))
    return "\n".join(lines)
