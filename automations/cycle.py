"""One bot cycle: read the snapshot once, plan, send, write everything in one batch, report.

The plan (which rules the contract guard lets run, and what they write) is
:mod:`automations.cycle_plan`'s. The journal check (:mod:`automations.mail.journal_check`) stops
sending when the Mail log was deleted or lost rows. Both say why in the report
(:class:`CycleReport`) and in the Bot status tab (:mod:`automations.status`), written with the
cycle's other writes. The emails are sent by :mod:`automations.mail.sending`, journaled in the
Mail log, before and after the write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from automations import messages
from automations.cycle_plan import Rule, default_rules, guard, plan_cycle, reference_tabs
from automations.intake import forms
from automations.mail.due import MAIL_PARTS
from automations.mail.handover_log import HandoverLog
from automations.mail.journal import LogEntry
from automations.mail.journal_check import journal_state, read_copy, write_copy
from automations.mail.mailer import Mailer
from automations.mail.sending import preview, send_and_apply
from automations.rules.incremental import RowMemo
from automations.rules.resolving import (
    empty_references,
    reference_notes,
    unresolved_references,
)
from automations.rules.row_checks import RowFacts
from automations.rules.validate import PROBLEMS, checked_tabs
from automations.status import CycleStatus, batch_stopped_plan, status_plan
from sheet_schema.backends.base import Backend
from sheet_schema.formatting import counted
from sheet_schema.lists import LISTS
from sheet_schema.model import ApplyReport, Plan, Snapshot
from sheet_schema.schema import Schema


@dataclass(frozen=True)
class CycleReport:
    """What one cycle saw and did; printed by `sheetcrm run` (as JSON with --json)."""

    source: str
    dry_run: bool
    rows_read: dict[str, int]
    tab_issues: list[str]
    problems_found: int
    cells_written: int
    rows_appended: int
    ids_assigned: int
    emails_planned: int
    emails_sent: int
    skipped: list[str]
    api_calls: dict[str, int]
    seconds: float
    planned: dict[str, int] = field(default_factory=dict)
    problems_by_tab: dict[str, int] = field(default_factory=dict)
    emails_failed: int = 0
    emails_bounced: int = 0
    emails_unknown: int = 0
    emails_waiting: int = 0
    emails_deferred: int = 0  # over the daily cap; a later cycle sends them
    emails_interrupted: int = 0  # left Planned by a stopped cycle, may have gone out: Unknown
    emails_recovered: int = 0  # left Planned by a stopped cycle, settled from the local record
    mail_error: str = ""
    notes: list[str] = field(default_factory=list)
    # Rules the contract guard did not run, one sentence per reason, in the workbook's language.
    held_back: list[str] = field(default_factory=list)
    # Why sending stopped (the Mail log is missing or lost rows); "" when it did not.
    sending_stopped: str = ""
    # Rows of the form's answers tab marked as read (imported, already there, or not imported).
    rows_marked: int = 0
    # References typed by email, phone or name: replaced by their ID this cycle (written, or
    # planned in a dry run), and left as typed (naming no row, several, or a row without ID).
    references_resolved: int = 0
    references_unresolved: int = 0
    references_ambiguous: int = 0
    references_empty: int = 0  # rows typed with their reference (a deal's customer) empty
    # Rows appended, by worksheet (they add up to rows_appended).
    rows_appended_by_tab: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """The report as one line of JSON."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def count_problems(schema: Schema, snapshot: Snapshot, plan: Plan) -> dict[str, int]:
    """Rows per tab whose Problems cell holds text once the plan is applied.

    That is what the validator found this cycle (its writes) and, for rows whose cell it left
    alone, what the cell already says. Tabs without a Problems column are not counted: their
    issues (Settings, tab headers) are in the report's ``tab_issues``.
    """
    planned = {(w.tab, w.row_id): str(w.value or "") for w in plan.writes if w.column == PROBLEMS}
    counts: dict[str, int] = {}
    for tab in checked_tabs(schema):
        found = sum(
            1
            for row in snapshot.tab(tab.name)
            if planned.get((tab.name, row.row_id or ""), row.text(PROBLEMS)).strip()
        )
        if found:
            counts[tab.name] = found
    return counts


def run_cycle(
    backend: Backend,
    schema: Schema,
    now: datetime,
    dry_run: bool = False,
    rules: Sequence[Rule] | None = None,
    memo: RowMemo[RowFacts] | None = None,
    mailer: Mailer | None = None,
    handover: HandoverLog | None = None,
    journal_copy: Path | None = None,
) -> tuple[CycleReport, Plan]:
    """Read, plan and (unless ``dry_run``) send and apply; return the report and the plan.

    ``memo`` is used when ``rules`` is not given (the default rules); the scheduler keeps one
    for its lifetime. Without a ``mailer`` emails are planned but not sent. The plan returned
    holds the emails this cycle sends (or would send): not those the Mail log already has, nor
    those over the daily cap. ``handover`` is the local hand-over record that lets the next
    cycle resend what a stopped cycle never handed to the mail server
    (:mod:`automations.mail.sending`); without one, such emails become Unknown. ``journal_copy``
    is the file beside an .xlsx workbook that keeps the Mail log's key count
    (:mod:`automations.mail.journal_check`).
    """
    started = time.perf_counter()
    snapshot = backend.read()
    schema = snapshot.schema_or(schema)
    language = snapshot.settings.language
    verdict = guard(schema, snapshot)
    journal = journal_state(snapshot, read_copy(journal_copy))
    stopped = journal.stop_reason(language)
    if stopped:
        verdict = verdict.without(("sending", *MAIL_PARTS))
    rules = default_rules(memo, verdict) if rules is None else rules
    plan, seen = plan_cycle(schema, snapshot, now, rules, verdict)
    if not verdict.runs("sending"):
        plan = replace(plan, emails=())
    planned_emails = len(plan.emails)
    lists = [issue.message for issue in snapshot.tab_issues if issue.tab == LISTS]
    settings = [i.message for i in snapshot.tab_issues if i.tab == "Settings"]
    form_line = forms.intake_status(snapshot, plan, verdict.runs("forms"))
    cycle_status = CycleStatus(
        verdict.sentences(language), stopped, journal.present, lists, settings, form_line
    )
    recorded = [journal.recorded_after(journal.keys)]

    def status(keys_after: int, entries: Mapping[str, LogEntry], not_sent: str) -> Plan:
        recorded[0] = journal.recorded_after(keys_after)
        said = cycle_status
        if not_sent and not said.sending_stopped:
            # Nothing could go out (server, login, sender): the Sending row says why, and this
            # cycle is no success, so the dashboard's Data quality page shows it too.
            sentence = messages.render("status.not_sent", language, {"refusal": not_sent})
            said = replace(said, sending_stopped=sentence)
        return status_plan(snapshot, now, said, recorded[0], entries)

    def batch_stopped(refusal: str) -> Plan:
        sentence = messages.render("status.batch_stopped", language, {"refusal": refusal})
        return batch_stopped_plan(snapshot, sentence)

    if dry_run:
        plan, mail = preview(plan, snapshot, now, mailer, handover)
        applied = ApplyReport()
    else:
        plan, applied, mail = send_and_apply(
            backend, plan, snapshot, mailer, now, handover, status, batch_stopped
        )
        write_copy(journal_copy, recorded[0])
    problems = count_problems(schema, seen, plan)
    left = unresolved_references(schema, seen, reference_tabs(verdict))
    empty = empty_references(schema, seen, reference_tabs(verdict))
    not_written = {(s.tab, s.row_id, s.column) for s in applied.skipped if s.row_id and s.column}
    resolved = sum(
        1
        for w in plan.writes
        if w.replaces is not None and (w.tab, w.row_id, w.column) not in not_written
    )
    report = CycleReport(
        source=backend.describe(),
        dry_run=dry_run,
        rows_read={name: len(rows) for name, rows in snapshot.rows.items()},
        tab_issues=[issue.message for issue in snapshot.tab_issues],
        problems_found=sum(problems.values()),
        cells_written=applied.cells_written,
        rows_appended=applied.rows_appended,
        rows_appended_by_tab=dict(applied.appended),
        rows_marked=applied.rows_marked,
        ids_assigned=applied.ids_assigned,
        emails_planned=mail.selected,
        emails_sent=mail.sent,
        skipped=[s.reason for s in applied.skipped],
        api_calls=dict(applied.api_calls),
        seconds=round(time.perf_counter() - started, 3),
        planned={
            "writes": len(plan.writes),
            "appends": len(plan.appends),
            "ids": len(plan.id_assignments),
            "emails": len(plan.emails),
            "emails_due": planned_emails,
            "marks": len(plan.marks),
        },
        problems_by_tab=problems,
        emails_failed=mail.failed,
        emails_bounced=mail.bounced,
        emails_unknown=mail.unknown,
        emails_waiting=mail.waiting,
        emails_deferred=mail.deferred,
        emails_interrupted=mail.interrupted,
        emails_recovered=mail.recovered,
        mail_error=mail.error,
        notes=list(plan.notes)
        + reference_notes(left)
        + [
            f"{tab}: {counted(n, 'row')} with {header} empty, counted for no one until it is typed"
            for (tab, header), n in empty.items()
        ],
        held_back=list(cycle_status.held_back),
        sending_stopped=stopped,
        references_resolved=resolved,
        references_unresolved=len(left),
        references_ambiguous=sum(1 for u in left if u.candidates),
        references_empty=sum(empty.values()),
    )
    return report, plan
