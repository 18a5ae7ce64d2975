"""Send a cycle's emails at most once each, within the daily cap, with the Mail log as journal.

DESIGN invariant 4: an email is sent at most once per idempotency key, across crashes and
restarts, and a send that may or may not have happened is flagged for a person, never retried
blindly. The Mail log tab is the journal (the outbox pattern):

1. **Select.** Keys already in the Mail log are not sent again, whatever their status, except a
   temporary failure (the mail server said "try later", or the connection dropped before the
   message was handed over) with attempts left. The rest is cut to the daily send cap, counted
   over the last 24 hours of the Mail log (Gmail counts a rolling day, USERS.md #1); what does
   not fit waits for a later cycle, most important first: digests to managers, then service
   emails (welcome, follow-up), then marketing automations, then campaigns.
2. **Journal.** One write records every selected email as ``Planned`` (with the cycle's other
   writes). Nothing is sent unless that write succeeded.
3. **Send** over one mail-server session. A refusal about the account rather than a recipient
   (the server wants a login, refuses the sender) stops the batch.
4. **Record.** One write sets each email's Status (Sent, Failed, Bounced or Unknown), Sent at and
   Error in place, addressed by its key. Emails never handed over because the batch stopped are
   ``Waiting``: they go out in a later cycle without using up an attempt.

A cycle that stops between 2 and 4 leaves ``Planned`` rows behind; the next cycle marks them
``Unknown`` with a note to check the mailbox's Sent folder, and never sends them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage

from automations.mail.mailer import Mailer, MailerError, SendOutcome, SendResult
from automations.mail.message import build_message
from automations.rules.activity import local_now
from sheet_schema.backends.base import Backend
from sheet_schema.mail_log import BUDGET_STATUSES, MAIL_LOG
from sheet_schema.model import Append, ApplyReport, CellWrite, Email, Plan, Snapshot

MAX_ATTEMPTS = 3
# Error text of a failure worth another attempt; the next cycles retry it up to MAX_ATTEMPTS.
TEMPORARY = "temporary: "
INTERRUPTED = (
    "The bot stopped between sending and recording this email: it may have gone out. "
    "Check the Sent folder of the mailbox; SheetCRM will not send it again."
)
_SERVICE_KINDS = frozenset({"welcome", "follow-up"})
# An email that was journaled but never handed to the mail server (the batch stopped first):
# it goes out in a later cycle and does not use up an attempt.
WAITING = SendOutcome.WAITING.value


@dataclass(frozen=True)
class LogEntry:
    """What the Mail log says about one key (its first row, if a person copied it)."""

    key: str
    status: str
    attempts: int
    error: str
    moment: datetime | None  # sent at, else planned at (workbook-local wall-clock time)
    campaign: str = ""  # the campaign's ID (upper case), for a campaign email


def log_entries(snapshot: Snapshot) -> dict[str, LogEntry]:
    """The Mail log's rows by key."""
    entries: dict[str, LogEntry] = {}
    for row in snapshot.tab(MAIL_LOG):
        key = row.text("id").strip()
        if not key or key in entries:
            continue
        attempts = row.get("attempts")
        sent_at, planned_at = row.get("sent_at"), row.get("planned_at")
        moment = sent_at if isinstance(sent_at, datetime) else planned_at
        entries[key] = LogEntry(
            key=key,
            status=row.text("status").strip(),
            attempts=int(attempts) if isinstance(attempts, (int, float, Decimal)) else 1,
            error=row.text("error"),
            moment=moment if isinstance(moment, datetime) else None,
            campaign=row.text("campaign_id").strip().upper(),
        )
    return entries


def may_retry(entry: LogEntry) -> bool:
    """True for an email never handed over (Waiting), or a temporary failure with attempts left.

    These are the only logged keys sent again.
    """
    if entry.status == WAITING:
        return True
    return (
        entry.status == "Failed"
        and entry.error.startswith(TEMPORARY)
        and entry.attempts < MAX_ATTEMPTS
    )


def settled_keys(snapshot: Snapshot) -> set[str]:
    """Keys of the Mail log that must never be sent again (all but :func:`may_retry` ones)."""
    return {key for key, entry in log_entries(snapshot).items() if not may_retry(entry)}


def priority(email: Email) -> int:
    """Lower goes first when the daily cap is short."""
    if email.kind == "digest":
        return 0
    if email.kind in _SERVICE_KINDS and not email.marketing:
        return 1
    if email.kind != "campaign":
        return 2
    return 3


@dataclass(frozen=True)
class Selection:
    """Which of the planned emails go out this cycle, and why the others do not."""

    to_send: tuple[Email, ...] = ()
    retried: frozenset[str] = frozenset()  # keys already in the log (temporary failures)
    deferred: int = 0  # over the daily cap: a later cycle sends them
    interrupted: tuple[str, ...] = ()  # keys left Planned by a cycle that stopped


def sends_in_last_day(entries: Iterable[LogEntry], local_now: datetime) -> int:
    """Emails that used the sending budget in the 24 hours before ``local_now``."""
    since = local_now - timedelta(days=1)
    return sum(
        1
        for e in entries
        if e.status in BUDGET_STATUSES and e.moment is not None and since < e.moment <= local_now
    )


def select_emails(
    emails: Sequence[Email], entries: Mapping[str, LogEntry], cap: int, local_now: datetime
) -> Selection:
    """Drop what the Mail log already has, then keep what fits in the daily cap."""
    fresh: list[Email] = []
    retried: set[str] = set()
    seen: set[str] = set()
    for email in emails:
        if email.key in seen:
            continue
        seen.add(email.key)
        entry = entries.get(email.key)
        if entry is None:
            fresh.append(email)
        elif may_retry(entry):
            fresh.append(email)
            retried.add(email.key)
    budget = max(0, cap - sends_in_last_day(entries.values(), local_now))
    ordered = sorted(fresh, key=priority)  # stable: the rules' order within a priority
    chosen = tuple(ordered[:budget])
    interrupted = tuple(key for key, entry in entries.items() if entry.status == "Planned")
    return Selection(
        to_send=chosen,
        retried=frozenset(retried & {e.key for e in chosen}),
        deferred=len(ordered) - len(chosen),
        interrupted=interrupted,
    )


def interrupted_writes(selection: Selection) -> tuple[CellWrite, ...]:
    """Planned rows of a cycle that stopped mid-way become Unknown, for a person to check."""
    writes: list[CellWrite] = []
    for key in selection.interrupted:
        writes.append(CellWrite(MAIL_LOG, key, "status", "Unknown"))
        writes.append(CellWrite(MAIL_LOG, key, "error", INTERRUPTED))
    return tuple(writes)


def journal(selection: Selection, entries: Mapping[str, LogEntry], local_now: datetime) -> Plan:
    """The Mail log rows saying each selected email is about to be sent."""
    appends: list[Append] = []
    writes: list[CellWrite] = []
    for email in selection.to_send:
        if email.key in selection.retried:
            attempts = entries[email.key].attempts + 1
            writes.extend(
                (
                    CellWrite(MAIL_LOG, email.key, "status", "Planned"),
                    CellWrite(MAIL_LOG, email.key, "planned_at", local_now),
                    CellWrite(MAIL_LOG, email.key, "attempts", attempts),
                )
            )
            continue
        appends.append(
            Append(
                MAIL_LOG,
                {
                    "id": email.key,
                    "kind": email.kind or None,
                    "planned_at": local_now,
                    "to": email.to,
                    "customer_id": email.customer_id,
                    "campaign_id": email.campaign_id,
                    "template": email.template or None,
                    "subject": email.subject,
                    "status": "Planned",
                    "attempts": 1,
                },
            )
        )
    return Plan(writes=tuple(writes), appends=tuple(appends))


def outcome_writes(
    email: Email, result: SendResult, local_now: datetime, attempts_before: int = 0
) -> tuple[CellWrite, ...]:
    """The Mail log cells that record how one send went.

    ``attempts_before`` is the Attempts count before this cycle: an email that was never
    handed over (Waiting) gets it back, so only real attempts count.
    """
    status = result.outcome.value
    if result.outcome is SendOutcome.WAITING:
        return (
            CellWrite(MAIL_LOG, email.key, "status", status),
            CellWrite(MAIL_LOG, email.key, "attempts", attempts_before),
            CellWrite(MAIL_LOG, email.key, "error", f"not sent yet: {result.error}"),
        )
    error = result.error
    if result.outcome is SendOutcome.FAILED and result.temporary:
        error = TEMPORARY + error
    return (
        CellWrite(MAIL_LOG, email.key, "status", status),
        CellWrite(
            MAIL_LOG, email.key, "sent_at", local_now if status in ("Sent", "Unknown") else None
        ),
        CellWrite(MAIL_LOG, email.key, "error", error or None),
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
    interrupted: int = 0
    error: str = ""  # why nothing was sent, when nothing could be


@dataclass(frozen=True)
class _Step:
    """A cycle's plan as it will be applied, with the emails it sends and the log it read."""

    selection: Selection
    entries: Mapping[str, LogEntry]
    local_now: datetime
    plan: Plan  # the emails selected, plus the writes flagging interrupted sends

    @property
    def counts(self) -> SendReport:
        return SendReport(
            selected=len(self.selection.to_send),
            deferred=self.selection.deferred,
            interrupted=len(self.selection.interrupted),
        )


def _prepare(plan: Plan, snapshot: Snapshot, now: datetime) -> _Step:
    entries = log_entries(snapshot)
    moment = local_now(snapshot, now)
    selection = select_emails(plan.emails, entries, snapshot.settings.daily_send_cap, moment)
    selected = replace(plan, emails=selection.to_send).merge(
        Plan(writes=interrupted_writes(selection))
    )
    return _Step(selection, entries, moment, selected)


def preview(
    plan: Plan, snapshot: Snapshot, now: datetime, mailer: Mailer | None = None
) -> tuple[Plan, SendReport]:
    """What :func:`send_and_apply` would do, without writing or sending (a dry run).

    Counts as "would send" what a real run with the same mailer would hand over: nothing when
    it could not send at all (no mailer, no sender address), and not the messages that cannot
    be built (an address no mail server takes), which a real run marks Failed. The mail server
    is not contacted, so its own refusals cannot be foreseen.
    """
    step = _prepare(plan, snapshot, now)
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
            _message(email, snapshot, dated)
        except ValueError:
            failed += 1
    return step.plan, replace(counts, sent=len(to_send) - failed, failed=failed)


def _message(email: Email, snapshot: Snapshot, dated: datetime) -> EmailMessage:
    """The message a real run sends for ``email`` (ValueError for an unusable address)."""
    settings = snapshot.settings
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
) -> tuple[Plan, ApplyReport, SendReport]:
    """Apply the plan and send its emails, journaled in the Mail log (see the module doc).

    Returns the plan as applied (only the emails this cycle sent or tried), what the backend
    did and how the emails went. With no mailer, or nothing to send, this is one
    ``backend.apply``; otherwise two: the journal (with the plan's other writes) before
    sending, the outcomes after.
    """
    settings = snapshot.settings
    step = _prepare(plan, snapshot, now)
    base = replace(step.plan, emails=())
    counts = step.counts
    to_send = step.selection.to_send
    if not to_send:
        return step.plan, backend.apply(base), counts
    reason = _cannot_send(mailer, settings.sender_email)
    if reason or mailer is None:
        return step.plan, backend.apply(base), replace(counts, error=reason)
    dated = now.astimezone(settings.zone)
    first: ApplyReport | None = None
    results: dict[str, SendResult] = {}
    try:
        with mailer.session() as session:
            first = backend.apply(base.merge(journal(step.selection, step.entries, step.local_now)))
            unjournaled = {s.row_id for s in first.skipped if s.tab == MAIL_LOG}
            for email in to_send:
                if email.key in unjournaled or None in unjournaled:
                    continue  # never send what the journal does not hold
                try:
                    message = _message(email, snapshot, dated)
                except ValueError as error:  # an address no mail server would take
                    results[email.key] = SendResult(SendOutcome.FAILED, str(error))
                    continue
                results[email.key] = session.send(message)
    except MailerError as error:
        if first is None:
            # Connecting failed before anything was journaled or sent: the emails wait.
            return step.plan, backend.apply(base), replace(counts, error=str(error))
        # Journaled, then the batch stopped (the server went away, or refused the account or
        # the sender): what was not handed over waits for a later cycle.
        for email in to_send:
            results.setdefault(email.key, SendResult(SendOutcome.WAITING, str(error)))
        counts = replace(counts, error=str(error))
    by_key = {email.key: email for email in to_send}
    writes = tuple(
        w
        for k, r in results.items()
        for w in outcome_writes(by_key[k], r, step.local_now, _attempts_before(step, k))
    ) + campaign_progress(plan.emails, step.entries, by_key, results)
    second = backend.apply(Plan(writes=writes))
    assert first is not None  # without it, the MailerError branch above has returned
    outcomes = [r.outcome for r in results.values()]
    return (
        step.plan,
        _combined(first, second),
        replace(
            counts,
            sent=outcomes.count(SendOutcome.SENT),
            failed=outcomes.count(SendOutcome.FAILED),
            bounced=outcomes.count(SendOutcome.BOUNCED),
            unknown=outcomes.count(SendOutcome.UNKNOWN),
            waiting=outcomes.count(SendOutcome.WAITING),
        ),
    )


def campaign_progress(
    due: Sequence[Email],
    entries: Mapping[str, LogEntry],
    sent_now: Mapping[str, Email],
    results: Mapping[str, SendResult],
) -> tuple[CellWrite, ...]:
    """Campaigns' Sent, Failed and Status cells as they stand after this cycle's sends.

    The plan's own campaign cells were counted from the Mail log as read, before sending; this
    brings them up to date in the same cycle (Sent and Failed as the campaigns rule counts them:
    Sent rows, and Failed, Bounced or Unknown rows), and says Sent once every email the campaign
    still had due went out or failed for good.
    """
    statuses = {key: e.status for key, e in entries.items() if e.campaign}
    campaign_of = {key: e.campaign for key, e in entries.items() if e.campaign}
    for key, result in results.items():
        campaign = (sent_now[key].campaign_id or "").strip().upper()
        if campaign:
            statuses[key] = result.outcome.value
            campaign_of[key] = campaign
    touched = {campaign_of[key] for key in results if key in campaign_of}
    writes: list[CellWrite] = []
    for campaign in sorted(touched):
        keys = [key for key, c in campaign_of.items() if c == campaign]
        sent = sum(1 for key in keys if statuses[key] == "Sent")
        failed = sum(1 for key in keys if statuses[key] in ("Failed", "Bounced", "Unknown"))
        writes.append(CellWrite("Campaigns", campaign, "sent", sent))
        writes.append(CellWrite("Campaigns", campaign, "failed", failed))
        pending = [
            e.key
            for e in due
            if (e.campaign_id or "").strip().upper() == campaign
            and not _settled_now(results.get(e.key))
        ]
        if not pending:
            writes.append(CellWrite("Campaigns", campaign, "status", "Sent"))
    return tuple(writes)


def _settled_now(result: SendResult | None) -> bool:
    """True when this cycle's attempt leaves nothing more to send for the key."""
    if result is None or result.outcome is SendOutcome.WAITING:
        return False
    return not (result.outcome is SendOutcome.FAILED and result.temporary)


def _attempts_before(step: _Step, key: str) -> int:
    """Attempts the Mail log recorded for a key before this cycle journaled it (0 if new)."""
    if key in step.selection.retried:
        return step.entries[key].attempts
    return 0


def _cannot_send(mailer: Mailer | None, sender_email: str) -> str:
    if mailer is None:
        return "No mailer is configured: emails were planned, not sent."
    if not sender_email.strip():
        return (
            "Settings: 'Sender email' is empty, so no email can be sent. Type the address "
            "emails should come from in the Settings tab."
        )
    return ""


def _combined(first: ApplyReport, second: ApplyReport) -> ApplyReport:
    # A backend counts its API calls from the cycle's read on, so the second report has them all.
    return ApplyReport(
        cells_written=first.cells_written + second.cells_written,
        rows_appended=first.rows_appended + second.rows_appended,
        ids_assigned=first.ids_assigned + second.ids_assigned,
        skipped=first.skipped + second.skipped,
        api_calls=second.api_calls or first.api_calls,
    )
