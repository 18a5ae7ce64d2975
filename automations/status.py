"""The Bot status tab: what the last cycle did, written by the bot in the cycle's own write.

Rows (Item, Value), in the workbook's language: Last run, Last success (the last cycle in which
every rule ran and sending was not stopped, and the mail server took the emails), Held back (the
rules the contract guard did not run, and why), Sending (on, or why it stopped, or why no email
could go out in this cycle), Emails to check (the emails of the last :data:`CHECK_DAYS` days
that may have gone out, Mail log status Unknown, one line each: a stopped cycle leaves at most
one, and its Mail log row alone is easy to miss), Mail log keys
recorded (what the journal check compares the Mail log with), Mail log confirmed (set by
``sheetcrm confirm-mail-log``), Lists (whether the team's lists were read), Settings (the values
that could not be used, each with its row and the default used instead) and, while Settings
names a form tab, Form intake (what the cycle read:
:func:`automations.intake.forms.intake_status`). Values are text, written RAW like every bot
write. A missing tab is created by the first cycle; a row is written only when its value changes,
so the tab costs no extra API call (it rides in the cycle's single ``values:batchUpdate``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from automations import messages
from automations.mail.journal import LogEntry
from automations.mail.journal_check import journal_state, read_copy, write_copy
from automations.mail.mailer import SendOutcome
from automations.rules.activity import local_now
from sheet_schema.backends.base import Backend, WorkbookError
from sheet_schema.bot_status import (
    BOT_STATUS,
    EMAILS_TO_CHECK,
    FORM_INTAKE,
    HELD_BACK,
    ITEMS,
    LAST_RUN,
    LAST_SUCCESS,
    LISTS_READ,
    MAIL_LOG_CONFIRMED,
    MAIL_LOG_KEYS,
    SENDING,
    SETTINGS_READ,
)
from sheet_schema.formatting import counted
from sheet_schema.mail_log import MAIL_LOG
from sheet_schema.model import Append, CellWrite, Plan, Snapshot
from sheet_schema.schema import Schema

# How far back the Emails to check item looks: long enough for a team that opens the workbook
# once a week to see it, short enough that an email checked long ago stops being listed.
CHECK_DAYS = 7


def moment_text(snapshot: Snapshot, now: datetime) -> str:
    """``now`` as the team reads it: local wall-clock time and the time zone."""
    return f"{local_now(snapshot, now):%Y-%m-%d %H:%M} ({snapshot.settings.time_zone})"


def status_usable(snapshot: Snapshot) -> bool:
    """False when the tab exists but its Item or Value header cannot be found: writing then
    would add the rows again every cycle."""
    if not snapshot.readable(BOT_STATUS):
        return not any(issue.tab == BOT_STATUS for issue in snapshot.tab_issues)
    return snapshot.has_column(BOT_STATUS, "id") and snapshot.has_column(BOT_STATUS, "value")


def item_plan(snapshot: Snapshot, values: Mapping[str, str]) -> Plan:
    """Writes (and appends for rows not there yet) that bring these items to these values."""
    if not status_usable(snapshot):
        return Plan()
    rows = snapshot.by_id(BOT_STATUS)
    writes: list[CellWrite] = []
    appends: list[Append] = []
    for item in ITEMS:
        if item not in values:
            continue
        value = values[item]
        row = rows.get(item)
        if row is None:
            if value:
                appends.append(Append(BOT_STATUS, {"id": item, "value": value}))
        elif row.text("value").strip() != value:
            writes.append(CellWrite(BOT_STATUS, item, "value", value))
    return Plan(writes=tuple(writes), appends=tuple(appends))


@dataclass(frozen=True)
class CycleStatus:
    """What one cycle has to say in the Bot status tab."""

    held_back: Sequence[str]  # one sentence per group of rules held back
    sending_stopped: str  # why sending stopped ("" when it did not)
    mail_log_present: bool
    lists: Sequence[str] = ()  # what is wrong with the Lists tab ("" when nothing)
    settings: Sequence[str] = ()  # the Settings values that could not be used, and why
    forms: str | None = None  # what form intake read, or why not (None: form intake is off)

    @property
    def success(self) -> bool:
        """Every rule ran and sending was not stopped."""
        return not self.held_back and not self.sending_stopped


def emails_to_check(snapshot: Snapshot, entries: Mapping[str, LogEntry], now: datetime) -> str:
    """One sentence per email of the last :data:`CHECK_DAYS` days whose Mail log status is (or
    becomes in this cycle, settling what a stopped cycle left) Unknown; "" when there is none.

    ``entries`` is the Mail log as this cycle's first write leaves it
    (:func:`automations.mail.recovery.recover` applied).
    """
    since = local_now(snapshot, now) - timedelta(days=CHECK_DAYS)
    address = {row.text("id").strip(): row.text("to").strip() for row in snapshot.tab(MAIL_LOG)}
    lines = [
        messages.render(
            "status.email_to_check",
            snapshot.settings.language,
            {
                "key": key,
                "to": address.get(key, "") or "?",
                "planned": f"{entry.moment:%Y-%m-%d %H:%M}",
            },
        )
        for key, entry in entries.items()
        if entry.status == SendOutcome.UNKNOWN.value
        and entry.moment is not None
        and entry.moment >= since
    ]
    return "\n".join(lines)


def status_plan(
    snapshot: Snapshot,
    now: datetime,
    status: CycleStatus,
    recorded: int,
    entries: Mapping[str, LogEntry] | None = None,
) -> Plan:
    """The Bot status rows of a cycle; ``recorded`` is the Mail log key count to remember and
    ``entries`` the Mail log once this cycle's recovery is written (None: the item is left as
    it is)."""
    language = snapshot.settings.language
    moment = moment_text(snapshot, now)
    values = {
        LAST_RUN: moment,
        HELD_BACK: "\n".join(status.held_back) or messages.render("status.all_ran", language, {}),
        SENDING: status.sending_stopped or messages.render("status.sending_on", language, {}),
        MAIL_LOG_KEYS: str(recorded),
        LISTS_READ: "\n".join(status.lists) or messages.render("status.lists_ok", language, {}),
        SETTINGS_READ: "\n".join(status.settings)
        or messages.render("status.settings_ok", language, {}),
    }
    if entries is not None:
        values[EMAILS_TO_CHECK] = emails_to_check(snapshot, entries, now)
    if status.forms is not None:
        values[FORM_INTAKE] = status.forms
    if status.success:
        values[LAST_SUCCESS] = moment
    if status.mail_log_present:
        # The confirmation was for a missing tab; once there is a Mail log again it is spent.
        values[MAIL_LOG_CONFIRMED] = ""
    return item_plan(snapshot, values)


def batch_stopped_plan(snapshot: Snapshot, sentence: str) -> Plan:
    """The Sending row saying why a batch stopped after the journal write, and Last success put
    back to what it was: that write, made before sending, set both as if all went well.

    Only rows the tab had before this cycle are written (a first cycle's rows were appended by
    that same write); the Mail log rows of the emails left waiting say why too.
    """
    if not status_usable(snapshot):
        return Plan()
    rows = snapshot.by_id(BOT_STATUS)
    writes = []
    if SENDING in rows:
        writes.append(CellWrite(BOT_STATUS, SENDING, "value", sentence))
    if LAST_SUCCESS in rows:
        before = rows[LAST_SUCCESS].text("value").strip()
        writes.append(CellWrite(BOT_STATUS, LAST_SUCCESS, "value", before))
    return Plan(writes=tuple(writes))


def confirm_mail_log(backend: Backend, schema: Schema, now: datetime, copy: Path | None) -> str:
    """Accept the Mail log as it is now (``sheetcrm confirm-mail-log``); returns what was done.

    Records its current key count as the count to compare with, so sending resumes next cycle.
    Keys no longer in the Mail log may be sent again (a campaign marked Sent never is).
    """
    del schema  # the backend knows it; kept for the same call shape as the other commands
    snapshot = backend.read()
    state = journal_state(snapshot, read_copy(copy))
    if not status_usable(snapshot):
        raise WorkbookError(
            f"The {BOT_STATUS} tab's header row needs 'Item' and 'Value' columns; fix it and "
            "run the command again. Nothing was changed."
        )
    plan = item_plan(
        snapshot,
        {
            MAIL_LOG_KEYS: str(state.keys),
            MAIL_LOG_CONFIRMED: moment_text(snapshot, now),
            SENDING: messages.render("status.sending_on", snapshot.settings.language, {}),
        },
    )
    backend.apply(plan)
    write_copy(copy, state.keys)
    where = "holds" if state.present else "is missing; a new one is started with"
    before = "" if state.recorded is None else f" (the bot had recorded {state.recorded})"
    return (
        f"Mail log confirmed: it {where} {counted(state.keys, 'key')}{before}. Sending resumes "
        "at the next cycle. Emails whose keys are not in the Mail log may be sent again; "
        "campaigns whose Status says Sent are not."
    )
