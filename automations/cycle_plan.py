"""The plan of one bot cycle: which rules may run, and everything they write, from one snapshot.

The rules, in order: IDs for new rows (:mod:`automations.rules.ids`), merges a person confirmed
(:mod:`automations.rules.merges`), references typed by email, phone or name replaced by their IDs
(:mod:`automations.rules.resolving`), validation (Problems) with likely duplicates and form
intake, stage history (appends and Stage since), reminders (follow-ups, last contact, reminder),
lifecycle with RFM segments, and mailings (the emails due, Campaigns status). Each is a pure
function of the schema, the snapshot (which carries the settings) and ``now``; they write
disjoint columns.

Before planning, the contract guard (:mod:`automations.rules.contract`, :func:`guard`) checks the
tabs and columns each rule declares (its ``REQUIRES``) against the snapshot's header rows: a rule
whose inputs are missing does not run and its output cells stay as they are; the others run. A
long-running process (the scheduler) passes one :class:`~automations.rules.incremental.RowMemo`
to every cycle so unchanged rows are not checked again; without one, every row is checked (same
result, more time). Nothing here reads or writes the workbook: :mod:`automations.cycle` does.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial

from automations.intake import forms
from automations.mail import automations as mail_automations
from automations.mail import campaigns, digests, sending
from automations.mail.due import MAIL_PARTS, plan_mailings
from automations.rules import duplicates, history, ids, lifecycle, merges, reminders, validate
from automations.rules.activity import gather_activity, local_today
from automations.rules.contract import Part, Verdict, check_parts
from automations.rules.history import stage_history
from automations.rules.ids import assign_ids
from automations.rules.incremental import RowMemo
from automations.rules.lifecycle import lifecycle_writes
from automations.rules.reminders import reminder_writes
from automations.rules.resolving import (
    resolve_references,
)
from automations.rules.row_checks import RowFacts
from automations.rules.validate import PROBLEMS
from sheet_schema.model import CellWrite, Plan, Snapshot
from sheet_schema.schema import Schema
from sheet_schema.side_tabs import form_tab_name

# A rule is a pure function of the snapshot and the current time; it returns its part of the plan.
Rule = Callable[[Schema, Snapshot, datetime], Plan]


def contract_parts() -> tuple[Part, ...]:
    """Every rule the contract guard checks, with the inputs its module declares (in the order
    a held-back sentence names them: what the team sees first)."""
    parts = [
        Part("history", "part.history", history.REQUIRES),
        Part("reminders", "part.reminders", reminders.REQUIRES),
        Part("lifecycle", "part.lifecycle", lifecycle.REQUIRES),
        Part("automations", "part.automations", mail_automations.REQUIRES),
        Part("campaigns", "part.campaigns", campaigns.REQUIRES),
        Part("digests", "part.digests", digests.REQUIRES),
        Part("sending", "part.sending", sending.REQUIRES),
        Part("duplicates", "part.duplicates", duplicates.REQUIRES),
        Part("merges", "part.merges", merges.REQUIRES),
    ]
    parts += [
        Part(f"validate:{tab}", "part.validate", need, {"tab": tab})
        for tab, need in validate.REQUIRES.items()
    ]
    parts += [
        Part(f"ids:{tab}", "part.ids", need, {"tab": tab}) for tab, need in ids.REQUIRES.items()
    ]
    return tuple(parts)


FORMS = Part("forms", "part.forms", forms.REQUIRES)


def guard(schema: Schema, snapshot: Snapshot) -> Verdict:
    """Which rules may run on this snapshot (the contract guard), and why the others may not.

    Form intake is checked only when Settings names a form tab (it is off otherwise)."""
    parts = contract_parts()
    if form_tab_name(snapshot.settings):
        parts += (FORMS,)
    return check_parts(schema, snapshot, parts)


def everything() -> Verdict:
    """A verdict letting every rule run (rule tests that build their snapshots whole)."""
    return Verdict(frozenset(part.key for part in (*contract_parts(), FORMS)))


def default_rules(
    memo: RowMemo[RowFacts] | None = None, verdict: Verdict | None = None
) -> tuple[Rule, ...]:
    """The rules a scheduled cycle runs, in order; ``memo`` carries row checks across cycles,
    ``verdict`` says which the contract guard lets run (None: all of them)."""
    allowed = verdict or everything()
    return (
        partial(checked_problems, memo=memo, verdict=allowed),
        partial(guarded_history, verdict=allowed),
        partial(customer_rules, verdict=allowed),
    )


def checked_problems(
    schema: Schema,
    snapshot: Snapshot,
    now: datetime,
    memo: RowMemo[RowFacts] | None = None,
    verdict: Verdict | None = None,
) -> Plan:
    """Validation, leaving the Problems cells of tabs the guard holds back as they are, the
    likely duplicates proposed in Customers and form intake (both from the emails and phones the
    checks read).

    The checks run over every readable tab (the cross-row checks need them all); only the
    writes of a held-back tab are dropped, so its cells are not recomputed from partial data.
    """
    plan, findings = validate.validate_with_facts(schema, snapshot, now, memo)
    if verdict is not None:
        plan = Plan(writes=tuple(w for w in plan.writes if verdict.runs(f"validate:{w.tab}")))
    if verdict is None or verdict.runs("duplicates"):
        # The duplicate finder reads the normalised emails and phones the checks just read.
        found = findings.customers, findings.customer_facts
        plan = plan.merge(duplicates.proposal_plan(schema, snapshot, *found))
    if verdict is None or verdict.runs("forms"):
        # Form intake finds people by the emails and phones the checks just read, too.
        plan = plan.merge(forms.plan_form_intake(schema, snapshot, now, findings.customer_facts))
    return plan


def guarded_history(
    schema: Schema, snapshot: Snapshot, now: datetime, verdict: Verdict | None = None
) -> Plan:
    """The stage history rule, when the guard lets it run."""
    if verdict is not None and not verdict.runs("history"):
        return Plan()
    return stage_history(schema, snapshot, now)


def customer_rules(
    schema: Schema, snapshot: Snapshot, now: datetime, verdict: Verdict | None = None
) -> Plan:
    """Reminders, lifecycle and mailings together: the same as running each alone, with one
    pass over the customers' activity (deals and interactions) for all three. Each runs only
    when the guard lets it (``verdict``; None: all)."""
    allowed = verdict or everything()
    today = local_today(snapshot, now)
    activity = gather_activity(schema.tab("Deals"), schema.tab("Interactions"), snapshot, today)
    writes: tuple[CellWrite, ...] = ()
    if allowed.runs("reminders"):
        writes += reminder_writes(schema, snapshot, today, activity)
    if allowed.runs("lifecycle"):
        writes += lifecycle_writes(schema, snapshot, today, activity)
    plan = Plan(writes=writes)
    parts = [part for part in MAIL_PARTS if allowed.runs(part)]
    if not parts:
        return plan
    mailing = plan_mailings(schema, snapshot, now, activity, parts=parts, computed=writes)
    return plan.merge(mailing.plan)


def build_plan(
    schema: Schema, snapshot: Snapshot, now: datetime, rules: Sequence[Rule] | None = None
) -> Plan:
    """The whole plan for one cycle: new IDs first, then every rule's part."""
    return plan_cycle(schema, snapshot, now, rules)[0]


def plan_cycle(
    schema: Schema,
    snapshot: Snapshot,
    now: datetime,
    rules: Sequence[Rule] | None = None,
    verdict: Verdict | None = None,
) -> tuple[Plan, Snapshot]:
    """The plan, and the snapshot the rules saw (with the new IDs in place).

    ``verdict`` (the contract guard's) limits which tabs get new IDs and, when ``rules`` is not
    given, which default rules run; None: everything runs.
    """
    # The rules allocate millions of small objects and make no reference cycles; with a big
    # snapshot alive, the cyclic collector would rescan it again and again (half the time of a
    # 50k-customer cycle). It is paused for the planning only and restored whatever happens.
    # The rules see the workbook's own lists (its Lists tab), not only crm.toml's defaults.
    schema = snapshot.schema_or(schema)
    collecting = gc.isenabled()
    gc.disable()
    try:
        id_tabs = None
        if verdict is not None:
            id_tabs = {tab for tab in ids.REQUIRES if verdict.runs(f"ids:{tab}")}
        assignments, snapshot = assign_ids(schema, snapshot, id_tabs)
        plan = Plan(id_assignments=assignments)
        moved_keys: frozenset[str] = frozenset()
        if verdict is None or verdict.runs("merges"):
            # Merges a person confirmed; the rules after see the workbook as merged.
            merged = merges.plan_merges(schema, snapshot, now)
            plan, snapshot, moved_keys = plan.merge(merged.plan), merged.snapshot, merged.moved_keys
        # References typed by email, phone or name become IDs before any rule reads them; only
        # in tabs whose validation the guard lets run (it reads the same columns).
        resolved, snapshot = resolve_references(
            schema,
            snapshot,
            None if verdict is None else reference_tabs(verdict),
            {(a.tab, a.new_id) for a in assignments},
        )
        plan = plan.merge(resolved)
        for rule in default_rules(verdict=verdict) if rules is None else rules:
            plan = plan.merge(rule(schema, snapshot, now))
        if moved_keys:
            # The sheet holds those Mail log keys only once this cycle's write is done.
            plan = replace(plan, emails=tuple(e for e in plan.emails if e.key not in moved_keys))
        plan = fold_problem_notes(plan, snapshot)
    finally:
        if collecting:
            gc.enable()
    return plan, snapshot


def reference_tabs(verdict: Verdict) -> set[str]:
    """The tabs whose references a cycle resolves: those the guard lets validate."""
    return {tab for tab in validate.REQUIRES if verdict.runs(f"validate:{tab}")}


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
