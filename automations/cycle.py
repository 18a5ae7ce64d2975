"""One bot cycle: read the snapshot once, apply the rules, write everything in one batch."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from automations.ids import assign_ids
from sheet_schema.backends.base import Backend
from sheet_schema.model import ApplyReport, Plan, Snapshot
from sheet_schema.schema import Schema

# A rule is a pure function of the snapshot and the current time; it returns its part of the plan.
Rule = Callable[[Schema, Snapshot, datetime], Plan]


def default_rules() -> tuple[Rule, ...]:
    """The rules a scheduled cycle runs, in order."""
    return ()


def build_plan(
    schema: Schema, snapshot: Snapshot, now: datetime, rules: Sequence[Rule] | None = None
) -> Plan:
    """The whole plan for one cycle: new IDs first, then every rule's part."""
    assignments, snapshot = assign_ids(schema, snapshot)
    plan = Plan(id_assignments=assignments)
    for rule in default_rules() if rules is None else rules:
        plan = plan.merge(rule(schema, snapshot, now))
    return plan


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

    def to_json(self) -> str:
        """The report as one line of JSON."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def count_problems(snapshot: Snapshot) -> int:
    """Rows whose cells could not be read as their column's type."""
    return sum(1 for rows in snapshot.rows.values() for row in rows if row.issues)


def run_cycle(
    backend: Backend,
    schema: Schema,
    now: datetime,
    dry_run: bool = False,
    rules: Sequence[Rule] | None = None,
) -> tuple[CycleReport, Plan]:
    """Read, plan and (unless ``dry_run``) apply; return the report and the plan."""
    started = time.perf_counter()
    snapshot = backend.read()
    plan = build_plan(schema, snapshot, now, rules)
    applied = ApplyReport() if dry_run else backend.apply(plan)
    report = CycleReport(
        source=backend.describe(),
        dry_run=dry_run,
        rows_read={name: len(rows) for name, rows in snapshot.rows.items()},
        tab_issues=[issue.message for issue in snapshot.tab_issues],
        problems_found=count_problems(snapshot),
        cells_written=applied.cells_written,
        rows_appended=applied.rows_appended,
        ids_assigned=applied.ids_assigned,
        emails_planned=len(plan.emails),
        emails_sent=0,
        skipped=[s.reason for s in applied.skipped],
        api_calls=dict(applied.api_calls),
        seconds=round(time.perf_counter() - started, 3),
        planned={
            "writes": len(plan.writes),
            "appends": len(plan.appends),
            "ids": len(plan.id_assignments),
            "emails": len(plan.emails),
        },
    )
    return report, plan
