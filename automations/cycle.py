"""One bot cycle: read the snapshot once, apply the rules, write everything in one batch.

The rules, in order: IDs for new rows (:mod:`automations.rules.ids`), validation (Problems), stage
history (appends and Stage since), reminders (follow-ups, last contact, reminder), lifecycle with
RFM segments, and mailings (the emails due, Campaigns status). Each is a pure function of the
schema, the snapshot (which carries the settings) and ``now``; they write disjoint columns. A
long-running process (the scheduler) passes one :class:`~automations.rules.incremental.RowMemo`
to every cycle so unchanged rows are not checked again; without one, every row is checked (same
result, more time). The emails are then sent by :mod:`automations.mail.sending`, journaled in
the Mail log, before and after the write.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from functools import partial

from automations.mail.due import plan_mailings
from automations.mail.handover_log import HandoverLog
from automations.mail.mailer import Mailer
from automations.mail.sending import preview, send_and_apply
from automations.rules.activity import gather_activity, local_today
from automations.rules.history import stage_history
from automations.rules.ids import assign_ids
from automations.rules.incremental import RowMemo
from automations.rules.lifecycle import lifecycle_writes
from automations.rules.reminders import reminder_writes
from automations.rules.row_checks import RowFacts
from automations.rules.validate import PROBLEMS, checked_tabs, validate
from sheet_schema.backends.base import Backend
from sheet_schema.model import ApplyReport, CellWrite, Plan, Snapshot
from sheet_schema.schema import Schema

# A rule is a pure function of the snapshot and the current time; it returns its part of the plan.
Rule = Callable[[Schema, Snapshot, datetime], Plan]


def default_rules(memo: RowMemo[RowFacts] | None = None) -> tuple[Rule, ...]:
    """The rules a scheduled cycle runs, in order; ``memo`` carries row checks across cycles."""
    return (partial(validate, memo=memo), stage_history, customer_rules)


def customer_rules(schema: Schema, snapshot: Snapshot, now: datetime) -> Plan:
    """Reminders, lifecycle and mailings together: the same as running each alone, with one
    pass over the customers' activity (deals and interactions) for all three."""
    today = local_today(snapshot, now)
    activity = gather_activity(schema.tab("Deals"), schema.tab("Interactions"), snapshot, today)
    writes = reminder_writes(schema, snapshot, today, activity)
    plan = Plan(writes=writes + lifecycle_writes(schema, snapshot, today, activity))
    return plan.merge(plan_mailings(schema, snapshot, now, activity).plan)


def build_plan(
    schema: Schema, snapshot: Snapshot, now: datetime, rules: Sequence[Rule] | None = None
) -> Plan:
    """The whole plan for one cycle: new IDs first, then every rule's part."""
    return plan_cycle(schema, snapshot, now, rules)[0]


def plan_cycle(
    schema: Schema, snapshot: Snapshot, now: datetime, rules: Sequence[Rule] | None = None
) -> tuple[Plan, Snapshot]:
    """The plan, and the snapshot the rules saw (with the new IDs in place)."""
    # The rules allocate millions of small objects and make no reference cycles; with a big
    # snapshot alive, the cyclic collector would rescan it again and again (half the time of a
    # 50k-customer cycle). It is paused for the planning only and restored whatever happens.
    collecting = gc.isenabled()
    gc.disable()
    try:
        assignments, snapshot = assign_ids(schema, snapshot)
        plan = Plan(id_assignments=assignments)
        for rule in default_rules() if rules is None else rules:
            plan = plan.merge(rule(schema, snapshot, now))
        plan = fold_problem_notes(plan, snapshot)
    finally:
        if collecting:
            gc.enable()
    return plan, snapshot


def fold_problem_notes(plan: Plan, snapshot: Snapshot) -> Plan:
    """The plan with its problem notes added to the Problems cells they are about.

    The validator writes a Problems cell only when its own text differs from the cell; so a cell
    it did not write already holds its text. A note goes after that text, and the write is kept
    only when the result differs from the cell (a template that still fails is not rewritten).
    """
    if not plan.problem_notes:
        return plan
    notes: dict[tuple[str, str], list[str]] = {}
    for note in plan.problem_notes:
        sentences = notes.setdefault((note.tab, note.row_id), [])
        if str(note.value) not in sentences:
            sentences.append(str(note.value))
    validated = {(w.tab, w.row_id): str(w.value or "") for w in plan.writes if w.column == PROBLEMS}
    current = {
        (tab, row.row_id): row.text(PROBLEMS).strip()
        for tab, _ in notes
        for row in snapshot.tab(tab)
        if row.row_id
    }
    writes = [w for w in plan.writes if not (w.column == PROBLEMS and (w.tab, w.row_id) in notes)]
    for cell, sentences in notes.items():
        if cell not in current:
            continue  # the row is gone: nothing to write on
        own = [line for line in validated.get(cell, current[cell]).split("\n") if line]
        # The validator may have said it already (a template over budget while compiling).
        text = "\n".join(own + [s for s in sentences if s not in own])
        if text != current[cell]:
            writes.append(CellWrite(cell[0], cell[1], PROBLEMS, text))
    return replace(plan, writes=tuple(writes), problem_notes=())


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
) -> tuple[CycleReport, Plan]:
    """Read, plan and (unless ``dry_run``) send and apply; return the report and the plan.

    ``memo`` is used when ``rules`` is not given (the default rules); the scheduler keeps one
    for its lifetime. Without a ``mailer`` emails are planned but not sent. The plan returned
    holds the emails this cycle sends (or would send): not those the Mail log already has, nor
    those over the daily cap. ``handover`` is the local hand-over record that lets the next
    cycle resend what a stopped cycle never handed to the mail server
    (:mod:`automations.mail.sending`); without one, such emails become Unknown.
    """
    started = time.perf_counter()
    snapshot = backend.read()
    plan, seen = plan_cycle(schema, snapshot, now, default_rules(memo) if rules is None else rules)
    planned_emails = len(plan.emails)
    if dry_run:
        plan, mail = preview(plan, snapshot, now, mailer, handover)
        applied = ApplyReport()
    else:
        plan, applied, mail = send_and_apply(backend, plan, snapshot, mailer, now, handover)
    problems = count_problems(schema, seen, plan)
    report = CycleReport(
        source=backend.describe(),
        dry_run=dry_run,
        rows_read={name: len(rows) for name, rows in snapshot.rows.items()},
        tab_issues=[issue.message for issue in snapshot.tab_issues],
        problems_found=sum(problems.values()),
        cells_written=applied.cells_written,
        rows_appended=applied.rows_appended,
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
        notes=list(plan.notes),
    )
    return report, plan
