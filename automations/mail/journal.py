"""The Mail log as the sending journal: what it says about each key, and the cells the bot writes.

Read by :mod:`automations.mail.sending` (which keys may go out), by the mailing planner (which
keys are settled) and by :mod:`automations.mail.recovery` (what a stopped cycle left behind).
The statuses: ``Planned`` (journaled, outcome not recorded yet), ``Sent``, ``Failed`` (an
``error`` starting with :data:`TEMPORARY` is retried), ``Bounced``, ``Unknown`` (may have gone
out: never sent again) and ``Waiting`` (never handed to the mail server: sent later, using no
attempt).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from automations.mail.mailer import SendOutcome, SendResult
from sheet_schema.mail_log import BUDGET_STATUSES, MAIL_LOG
from sheet_schema.model import Append, CellWrite, Email, Plan, Snapshot

MAX_ATTEMPTS = 3
# Error text of a failure worth another attempt; the next cycles retry it up to MAX_ATTEMPTS.
TEMPORARY = "temporary: "
# An email that was journaled but never handed to the mail server (the batch stopped first):
# it goes out in a later cycle and does not use up an attempt.
WAITING = SendOutcome.WAITING.value
PLANNED = "Planned"


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
    """Keys of the Mail log the planner need not plan again.

    All but the :func:`may_retry` ones and the ``Planned`` ones: a Planned row was left by a
    cycle that stopped, and the sending step settles it first (automations.mail.recovery),
    sending it again only if it never left.
    """
    return {
        key
        for key, entry in log_entries(snapshot).items()
        if not may_retry(entry) and entry.status != PLANNED
    }


def sends_in_last_day(entries: Iterable[LogEntry], local_now: datetime) -> int:
    """Emails that used the sending budget in the 24 hours before ``local_now``."""
    since = local_now - timedelta(days=1)
    return sum(
        1
        for e in entries
        if e.status in BUDGET_STATUSES and e.moment is not None and since < e.moment <= local_now
    )


def journal_plan(
    to_send: Iterable[Email],
    retried: Iterable[str],
    entries: Mapping[str, LogEntry],
    local_now: datetime,
) -> Plan:
    """The Mail log rows saying each email is about to be sent (``Planned``).

    A key already in the log (``retried``) gets its row back to Planned with one more attempt;
    a new key gets a new row with attempt 1.
    """
    again = set(retried)
    appends: list[Append] = []
    writes: list[CellWrite] = []
    for email in to_send:
        if email.key in again:
            writes.extend(
                (
                    CellWrite(MAIL_LOG, email.key, "status", PLANNED),
                    CellWrite(MAIL_LOG, email.key, "planned_at", local_now),
                    CellWrite(MAIL_LOG, email.key, "attempts", entries[email.key].attempts + 1),
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
                    "status": PLANNED,
                    "attempts": 1,
                },
                refers_to=_rows_named(email),
            )
        )
    return Plan(writes=tuple(writes), appends=tuple(appends))


def _rows_named(email: Email) -> tuple[tuple[str, str], ...]:
    """The rows an email is about: if one of them could not get its new ID, it is not sent."""
    named = (
        ("Customers", email.customer_id),
        ("Campaigns", email.campaign_id),
        ("Deals", email.deal_id),
    )
    return tuple((tab, row_id) for tab, row_id in named if row_id)


def attempt_number(key: str, retried: Iterable[str], entries: Mapping[str, LogEntry]) -> int:
    """The Attempts value :func:`journal_plan` writes for a key (1 for a new row)."""
    return entries[key].attempts + 1 if key in set(retried) else 1


def outcome_writes(
    key: str, result: SendResult, sent_at: datetime | None, attempts_before: int = 0
) -> tuple[CellWrite, ...]:
    """The Mail log cells that record how one send went.

    ``attempts_before`` is the Attempts count before this attempt was journaled: an email that
    was never handed over (Waiting) gets it back, so only real attempts count. ``sent_at`` is
    written for Sent and Unknown (None when the moment is not known).
    """
    status = result.outcome.value
    if result.outcome is SendOutcome.WAITING:
        return (
            CellWrite(MAIL_LOG, key, "status", status),
            CellWrite(MAIL_LOG, key, "attempts", attempts_before),
            CellWrite(MAIL_LOG, key, "error", f"not sent yet: {result.error}"),
        )
    error = result.error
    if result.outcome is SendOutcome.FAILED and result.temporary:
        error = TEMPORARY + error
    return (
        CellWrite(MAIL_LOG, key, "status", status),
        CellWrite(MAIL_LOG, key, "sent_at", sent_at if status in ("Sent", "Unknown") else None),
        CellWrite(MAIL_LOG, key, "error", error or None),
    )


def recorded_entry(entry: LogEntry, result: SendResult, sent_at: datetime | None) -> LogEntry:
    """The entry as the Mail log will say it once :func:`outcome_writes` is applied."""
    if result.outcome is SendOutcome.WAITING:
        error = f"not sent yet: {result.error}"
        return replace(entry, status=WAITING, attempts=max(0, entry.attempts - 1), error=error)
    error = result.error
    if result.outcome is SendOutcome.FAILED and result.temporary:
        error = TEMPORARY + error
    sent = result.outcome in (SendOutcome.SENT, SendOutcome.UNKNOWN)
    moment = sent_at if sent and sent_at is not None else entry.moment
    return replace(entry, status=result.outcome.value, error=error, moment=moment)
