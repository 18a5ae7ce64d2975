"""Send a cycle's emails at most once each, within the daily cap, with the Mail log as journal.

DESIGN invariant 4: an email is sent at most once per idempotency key, across crashes and
restarts, and a send that may or may not have happened is flagged for a person, never retried
blindly. The Mail log tab is the journal (the outbox pattern), helped by a local hand-over
record (:mod:`automations.mail.handover_log`) so that a stop loses nothing that was not in
flight:

0. **Recover.** ``Planned`` rows left by a cycle that stopped are settled from the hand-over
   record (:mod:`automations.mail.recovery`): an answer recorded there is written to the Mail
   log, an email never handed over is sent again, and only an email that was being handed over
   when the cycle stopped (or that no record covers) becomes ``Unknown``.
1. **Select** (:mod:`automations.mail.selection`). Keys already in the Mail log are not sent
   again, whatever their status, except ``Waiting`` (never handed over) and a temporary failure
   (the mail server said "try later", the connection dropped before the message was handed
   over) with attempts left. The rest is cut to the daily send cap, counted over the last 24
   hours of the Mail log (Gmail counts a rolling day, USERS.md #1); what does not fit waits for
   a later cycle, most important first: digests to managers, then service emails (welcome,
   follow-up), then marketing automations, then campaigns.
2. **Journal.** The hand-over record notes the batch (fsynced), then one write records every
   selected email as ``Planned`` (with the cycle's other writes and the recovery's). Nothing is
   sent unless that write succeeded.
3. **Send** over one mail-server session. Once the server has accepted a message's sender and
   recipient, and just before the message itself leaves (SMTP ``DATA``), the hand-over record
   says so (fsynced); after the server's answer, it records the answer. A refusal about the
   account rather than a recipient (the server wants a login, refuses the sender) stops the
   batch.
4. **Record.** One write sets each email's Status (Sent, Failed, Bounced or Unknown), Sent at and
   Error in place, addressed by its key; then the hand-over record is emptied. Emails never
   handed over because the batch stopped are ``Waiting``: they go out in a later cycle without
   using up an attempt.

The guarantee: whenever the cycle stops (SIGKILL included), the next cycle sends every email
that had not been handed to the mail server, flags ``Unknown`` at most the one message that was
being handed over, and never sends a key twice. The Sheets API calls per cycle stay constant:
the hand-over record is a local file, written once per email, never a Sheets write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from itertools import chain
from pathlib import Path

from automations.mail.campaign_progress import campaign_progress
from automations.mail.handover_log import HandoverLog, HandoverWriter
from automations.mail.journal import (
    LogEntry,
    attempt_number,
    journal_plan,
    log_entries,
    outcome_writes,
)
from automations.mail.mailer import Mailer, MailerError, MailSession, SendOutcome, SendResult
from automations.mail.message import build_message
from automations.mail.recovery import Recovery, recover
from automations.mail.selection import Selection, select_emails
from automations.rules.activity import local_now
from automations.rules.addresses import check_address
from automations.rules.contract import Inputs
from sheet_schema.backends.base import Backend, WorkbookError
from sheet_schema.formatting import counted
from sheet_schema.mail_log import MAIL_LOG
from sheet_schema.model import ApplyReport, CellWrite, Email, Plan, Snapshot
from sheet_schema.settings import Settings

UNPLACED_ID = "the customer's new ID could not be written on its row yet"
# What sending reads (automations.rules.contract): the Mail log columns that say whether a key
# was sent and when. A missing Mail log tab is the journal check's business
# (automations.mail.journal_check): it stops sending until a person confirms.
REQUIRES = Inputs(
    {MAIL_LOG: ("Key", "Planned at", "Sent at", "To", "Campaign ID", "Status", "Error", "Attempts")}
)


@dataclass(frozen=True)
class SendReport:
    """How the emails of one cycle went."""

    selected: int = 0
    sent: int = 0
    failed: int = 0
    bounced: int = 0
    unknown: int = 0
    waiting: int = 0  # journaled, never handed over: the batch stopped; a later cycle sends
    deferred: int = 0
    interrupted: int = 0  # left Planned by a stopped cycle and flagged Unknown now
    recovered: int = 0  # left Planned by a stopped cycle, settled from the hand-over record
    error: str = ""  # why nothing was sent, when nothing could be


@dataclass(frozen=True)
class _Step:
    """A cycle's plan as it will be applied, with the emails it sends and the log it read."""

    selection: Selection
    entries: Mapping[str, LogEntry]  # the Mail log once the recovery's writes are applied
    local_now: datetime
    plan: Plan  # the emails selected, plus the recovery's writes
    recovery: Recovery

    @property
    def counts(self) -> SendReport:
        return SendReport(
            selected=len(self.selection.to_send),
            deferred=self.selection.deferred,
            interrupted=self.recovery.unknown,
            recovered=self.recovery.recorded + self.recovery.resent,
        )

    def attempt(self, key: str) -> int:
        """The Attempts value the journal writes for a key."""
        return attempt_number(key, self.selection.retried, self.entries)


def _prepare(plan: Plan, snapshot: Snapshot, now: datetime, handover: HandoverLog | None) -> _Step:
    moment = local_now(snapshot, now)
    try:
        handovers = handover.read() if handover is not None else None
    except MailerError:
        handovers = None  # unreadable: Planned rows become Unknown; nothing new can be recorded
    recovery = recover(log_entries(snapshot), handovers, moment)
    entries = recovery.entries
    selection = select_emails(plan.emails, entries, snapshot.settings.daily_send_cap, moment)
    chosen = {email.key for email in selection.to_send}
    # A key sent again this cycle is journaled Planned anew: its recovery cells would be moot.
    writes = tuple(chain.from_iterable(w for k, w in recovery.writes.items() if k not in chosen))
    selected = replace(plan, emails=selection.to_send).merge(Plan(writes=writes))
    return _Step(selection, entries, moment, selected, recovery)


def preview(
    plan: Plan,
    snapshot: Snapshot,
    now: datetime,
    mailer: Mailer | None = None,
    handover: HandoverLog | None = None,
) -> tuple[Plan, SendReport]:
    """What :func:`send_and_apply` would do, without writing or sending (a dry run).

    Counts as "would send" what a real run with the same mailer would hand over: nothing when
    it could not send at all (no mailer, no sender address), and not the messages that cannot
    be built (an address no mail server takes), which a real run marks Failed. The mail server
    is not contacted, so its own refusals cannot be foreseen.
    """
    step = _prepare(plan, snapshot, now, handover)
    counts = step.counts
    to_send = step.selection.to_send
    if not to_send:
        return step.plan, counts
    settings = snapshot.settings
    reason = _cannot_send(mailer, settings.sender_email)
    if reason:
        return step.plan, replace(counts, error=reason)
    dated = now.astimezone(settings.zone)
    failed = 0
    for email in to_send:
        try:
            _message(email, settings, dated)
        except ValueError:
            failed += 1
    return step.plan, replace(counts, sent=len(to_send) - failed, failed=failed)


def _message(email: Email, settings: Settings, dated: datetime) -> EmailMessage:
    """The message a real run sends for ``email`` (ValueError for an unusable address)."""
    return build_message(
        email,
        settings.sender_email,
        settings.sender_name,
        dated,
        unsubscribe_to=settings.get("Unsubscribe email"),
    )


def send_and_apply(
    backend: Backend,
    plan: Plan,
    snapshot: Snapshot,
    mailer: Mailer | None,
    now: datetime,
    handover: HandoverLog | None = None,
    status: Callable[[int, Mapping[str, LogEntry], str], Plan] | None = None,
    stopped: Callable[[str], Plan] | None = None,
) -> tuple[Plan, ApplyReport, SendReport]:
    """Apply the plan and send its emails, journaled in the Mail log (see the module doc).

    Returns the plan as applied (only the emails this cycle sent or tried), what the backend
    did and how the emails went. With no mailer, or nothing to send, this is one
    ``backend.apply``; otherwise two: the journal (with the plan's other writes) before
    sending, the outcomes after. ``handover`` is the local hand-over record; without one, a
    stopped cycle's emails all become Unknown.

    ``status(keys, entries, not_sent)`` is added to the first write: the cycle's Bot status rows,
    told how many keys the Mail log holds once that write is done (what the journal check
    compares with next time), what it says of each key then (a stopped cycle's emails settled)
    and, when no email could go out at all (the server refused the connection or the login, no
    usable Sender email), why: that is known before anything is journaled, and otherwise the
    workbook would say sending is on while every email waits. ``stopped(why)`` is added to the
    outcome write when the batch stopped after the journal write (the server refused the sender
    or the relay, or went away): the Bot status cells that first write set as if all went well.
    """
    settings = snapshot.settings
    step = _prepare(plan, snapshot, now, handover)
    keys_now = len(step.entries)
    base = replace(step.plan, emails=())
    unsent = base if status is None else base.merge(status(keys_now, step.entries, ""))
    counts = step.counts
    to_send = step.selection.to_send
    reason = _cannot_send(mailer, settings.sender_email) if to_send else ""
    if not to_send or reason or mailer is None:
        if reason and mailer is not None and status is not None:
            unsent = base.merge(status(keys_now, step.entries, reason))
        applied = backend.apply(unsent)
        _forget(handover, applied)
        return step.plan, applied, replace(counts, error=reason)
    first: ApplyReport | None = None
    results: dict[str, SendResult] = {}
    dated = now.astimezone(settings.zone)
    recording = handover.recording() if handover is not None else nullcontext(None)
    try:
        with recording as writer, mailer.session() as session:
            if writer is not None:
                writer.planned((e.key, step.attempt(e.key)) for e in to_send)
            journaled = base
            if status is not None:
                # Built once connected: the status then counts the keys this write journals.
                fresh = sum(1 for email in to_send if email.key not in step.entries)
                journaled = base.merge(status(keys_now + fresh, step.entries, ""))
            try:
                first = backend.apply(journaled.merge(_journal(step)))
            except WorkbookError as error:
                raise WorkbookError(_journal_failed(str(error))) from None
            unjournaled = {s.row_id for s in first.skipped if s.tab == MAIL_LOG}
            # A new customer ID that did not end up on its customer's row (people moved rows
            # during the write) addresses nobody yet: its emails wait for the ID to be in place,
            # so no customer is ever mailed under two IDs (welcome:C-0050, then welcome:C-0051).
            unplaced = {s.row_id for s in first.skipped if s.column == "id" and s.row_id}
            for email in to_send:
                if email.key in unjournaled or None in unjournaled:
                    continue  # never send what the journal does not hold
                attempt = step.attempt(email.key)
                stop: MailerError | None = None
                try:
                    if email.customer_id is not None and email.customer_id in unplaced:
                        result = SendResult(SendOutcome.WAITING, UNPLACED_ID)
                    else:
                        result = _send_one(email, session, writer, attempt, settings, dated)
                except MailerError as error:
                    # Refused before anything was handed over (the account, the sender): the
                    # batch stops, and the record says so, or a cycle that stops before the
                    # outcome write would take this email for one in flight.
                    result, stop = SendResult(SendOutcome.WAITING, str(error)), error
                results[email.key] = result
                if writer is not None:
                    writer.done(email.key, attempt, result, step.local_now)
                if stop is not None:
                    raise stop
    except MailerError as error:
        if first is None:
            # Connecting failed before anything was journaled or sent: the emails wait.
            if status is not None:
                unsent = base.merge(status(keys_now, step.entries, str(error)))
            return step.plan, backend.apply(unsent), replace(counts, error=str(error))
        # Journaled, then the batch stopped (the server went away, or refused the account or
        # the sender, or the hand-over record could not be written): what was not handed over
        # waits for a later cycle.
        for email in to_send:
            results.setdefault(email.key, SendResult(SendOutcome.WAITING, str(error)))
        counts = replace(counts, error=str(error))
    outcomes = [r.outcome for r in results.values()]
    counts = replace(
        counts,
        sent=outcomes.count(SendOutcome.SENT),
        failed=outcomes.count(SendOutcome.FAILED),
        bounced=outcomes.count(SendOutcome.BOUNCED),
        unknown=outcomes.count(SendOutcome.UNKNOWN),
        waiting=outcomes.count(SendOutcome.WAITING),
    )
    try:
        progress = campaign_progress(plan.emails, step.entries, _by_key(to_send), results)
        recorded = Plan(writes=_outcomes(step, results) + progress)
        if counts.error and stopped is not None:
            recorded = recorded.merge(stopped(counts.error))
        second = backend.apply(recorded)
    except WorkbookError as error:
        where = handover.path if handover is not None else None
        raise WorkbookError(_outcomes_not_recorded(counts, str(error), where)) from None
    _forget(handover, second)
    assert first is not None  # without it, the MailerError branch above has returned
    return step.plan, _combined(first, second), counts


def _forget(handover: HandoverLog | None, applied: ApplyReport) -> None:
    """Empty the hand-over record once the Mail log holds everything it said."""
    if handover is not None and not any(s.tab == MAIL_LOG for s in applied.skipped):
        handover.clear()


def _journal(step: _Step) -> Plan:
    return journal_plan(
        step.selection.to_send, step.selection.retried, step.entries, step.local_now
    )


def _send_one(
    email: Email,
    session: MailSession,
    writer: HandoverWriter | None,
    attempt: int,
    settings: Settings,
    dated: datetime,
) -> SendResult:
    """Build and send one message, recording when it is being handed over."""
    try:
        message = _message(email, settings, dated)
    except ValueError as error:  # an address no mail server would take
        return SendResult(SendOutcome.FAILED, str(error))
    if writer is None:
        return session.send(message)
    # Recorded (and fsynced) once the server accepted sender and recipient, just before the
    # message itself leaves: a stop before that point leaves the email to be sent again.
    return session.send(message, handing=lambda: writer.handing(email.key, attempt))


def _by_key(emails: Sequence[Email]) -> dict[str, Email]:
    return {email.key: email for email in emails}


def _outcomes(step: _Step, results: Mapping[str, SendResult]) -> tuple[CellWrite, ...]:
    return tuple(
        w
        for key, result in results.items()
        for w in outcome_writes(key, result, step.local_now, step.attempt(key) - 1)
    )


def _cannot_send(mailer: Mailer | None, sender_email: str) -> str:
    if mailer is None:
        return "No mailer is configured: emails were planned, not sent."
    if not sender_email.strip():
        return (
            "Settings: 'Sender email' is empty, so no email can be sent. Type the address "
            "emails should come from in the Settings tab."
        )
    # The same verdict as the customers' addresses: a sender the message builder would refuse
    # would fail every email for good; this keeps them all pending until it is fixed.
    verdict = check_address(sender_email)
    if not verdict.mailable:
        return (
            f"Settings: 'Sender email' {sender_email.strip()!r} cannot be used ({verdict.reason}), "
            "so no email was sent. Type the address emails should come from in the Settings tab."
        )
    return ""


def _combined(first: ApplyReport, second: ApplyReport) -> ApplyReport:
    # A backend counts its API calls from the cycle's read on, so the second report has them all.
    return ApplyReport(
        cells_written=first.cells_written + second.cells_written,
        rows_appended=first.rows_appended + second.rows_appended,
        appended=dict(Counter(first.appended) + Counter(second.appended)),
        ids_assigned=first.ids_assigned + second.ids_assigned,
        skipped=first.skipped + second.skipped,
        api_calls=second.api_calls or first.api_calls,
        rows_marked=first.rows_marked + second.rows_marked,
    )


def _journal_failed(error: str) -> str:
    return f"No email was sent: the Mail log could not be written before sending. {error}"


def _outcomes_not_recorded(counts: SendReport, error: str, where: Path | None) -> str:
    """What went out and where its record is, when the outcome write failed for good."""
    went = [
        f"{n:,} {what}"
        for n, what in (
            (counts.bounced, "bounced"),
            (counts.failed, "failed"),
            (counts.unknown, "may have gone out (the connection was lost)"),
            (counts.waiting, "were not handed to the mail server"),
        )
        if n
    ]
    sent = f"{counted(counts.sent, 'email was', 'emails were')} sent"
    head = sent + (f" ({', '.join(went)})" if went else "")
    later = (
        f"they are recorded in {where} and will be written to the Mail log at the next cycle"
        if where is not None
        else "the next cycle marks them Unknown: check the Sent folder of the mailbox"
    )
    return f"{head} but their outcome could not be recorded in the Mail log; {later}. ({error})"
