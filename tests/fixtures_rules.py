"""Shared helpers for the rule tests: snapshots built through the real reading path, a fixed clock.

Snapshots are made from records ``{tab: [{column key: value}]}`` by laying them out as grids
(header row first) and calling ``sheet_schema.reading.build_snapshot``, exactly as a backend does,
so cells are typed by the same code as in production.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from automations.cycle_plan import default_rules, plan_cycle
from automations.rules.incremental import RowMemo
from automations.rules.row_checks import RowFacts
from sheet_schema.model import CellWrite, Plan, Snapshot
from sheet_schema.reading import build_snapshot
from sheet_schema.schema import Schema, load_schema

SCHEMA: Schema = load_schema()
# A fixed clock: 10:00 UTC on Wednesday 4 November 2026.
NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 4)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"

Records = Mapping[str, Sequence[Mapping[str, object]]]

BASE_SETTINGS: dict[str, str] = {
    "Time zone": "Europe/Madrid",
    "Default country": "ES",
    "Language": "en",
    "Date order": "DMY",
    "Dormant after days": "90",
    "Churned after days": "365",
    "Reminder window days": "7",
    "SLA Lead days": "2",
    "SLA Qualified days": "5",
    "SLA Proposal days": "7",
    "SLA Negotiation days": "7",
}


def settings_rows(overrides: Mapping[str, str] | None = None) -> list[list[object]]:
    """The Settings grid: header and key/value rows."""
    merged = {**BASE_SETTINGS, **(overrides or {})}
    return [["Key", "Value"], *([k, v] for k, v in merged.items())]


def grids_for(
    records: Records, settings: Mapping[str, str] | None = None, schema: Schema = SCHEMA
) -> dict[str, list[list[object]]]:
    """Worksheet grids for the records: every tab, schema headers in schema order."""
    grids: dict[str, list[list[object]]] = {}
    for tab in schema.tabs:
        if tab.name == "Settings":
            grids[tab.name] = settings_rows(settings)
            continue
        header: list[object] = [c.header for c in tab.columns]
        rows = [[record.get(c.key) for c in tab.columns] for record in records.get(tab.name, ())]
        grids[tab.name] = [header, *rows]
    return grids


def make_snapshot(
    records: Records,
    settings: Mapping[str, str] | None = None,
    read_at: datetime = NOW,
    schema: Schema = SCHEMA,
) -> Snapshot:
    """A snapshot of a workbook holding these records."""
    return build_snapshot(schema, grids_for(records, settings, schema), read_at, source="test")


def plan_for(
    records: Records,
    settings: Mapping[str, str] | None = None,
    now: datetime = NOW,
    memo: RowMemo[RowFacts] | None = None,
) -> tuple[Plan, Snapshot]:
    """The plan of one cycle (default rules, IDs first) and the snapshot the rules saw."""
    return plan_cycle(SCHEMA, make_snapshot(records, settings, now), now, default_rules(memo))


def writes_of(plan: Plan, tab: str | None = None, column: str | None = None) -> dict[str, object]:
    """Planned values by row ID, for one tab and column."""
    return {
        w.row_id: w.value
        for w in plan.writes
        if (tab is None or w.tab == tab) and (column is None or w.column == column)
    }


def writes_by_cell(plan: Plan) -> dict[tuple[str, str, str], object]:
    """Every planned write keyed by (tab, row ID, column)."""
    return {(w.tab, w.row_id, w.column): w.value for w in plan.writes}


def apply_to_records(records: Records, plan: Plan) -> dict[str, list[dict[str, object]]]:
    """The records as they would read after the plan's writes, IDs and appends (for re-runs).

    Rows are matched by position (the plan was made from these very records); new IDs are set
    where the plan assigns them.
    """
    out = {tab: [dict(r) for r in rows] for tab, rows in records.items()}
    for tab, rows in out.items():
        for assignment in plan.id_assignments:
            if assignment.tab == tab:
                rows[assignment.row_number - 2]["id"] = assignment.new_id
    by_id: dict[tuple[str, str], dict[str, object]] = {
        (tab, str(r["id"])): r for tab, rows in out.items() for r in rows if r.get("id")
    }
    for write in plan.writes:
        target = by_id.get((write.tab, write.row_id))
        if target is not None:
            target[write.column] = write.value
    for append in plan.appends:
        out.setdefault(append.tab, []).append(dict(append.values))
    return out


def problems_of(plan: Plan, tab: str) -> dict[str, str]:
    """The Problems text the plan writes, by row ID."""
    return {k: str(v) for k, v in writes_of(plan, tab, "problems").items()}


def shared_dataset(*parts: str) -> Path | None:
    """A file of ../shared/datasets, or None when the shared folder is absent."""
    path = SHARED.joinpath(*parts)
    return path if path.exists() else None


def naughty_strings() -> list[str]:
    """The Big List of Naughty Strings (empty when ../shared is absent)."""
    path = shared_dataset("big_list_of_naughty_strings", "blns.json")
    if path is None:
        return []
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return [s for s in loaded if isinstance(s, str)]


# --- generated workbooks for the big tests and the benchmark -----------------------------------

_STAGES = ("Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost")
_KINDS = ("Call", "Meeting", "Email", "Complaint", "Note", "Purchase")


def generated_records(
    customers: int, seed: int = 1, today: date = TODAY
) -> dict[str, list[dict[str, object]]]:
    """A plausible workbook: ~1.3 deals and ~3 interactions per customer, typed cells.

    Used when automations.demo.generate is not wanted (or for sizes it does not make quickly).
    """
    rng = random.Random(seed)
    records: dict[str, list[dict[str, object]]] = {"Customers": [], "Deals": [], "Interactions": []}
    deal_number = 0
    interaction_number = 0
    for n in range(1, customers + 1):
        cid = f"C-{n:05d}"
        created = today - timedelta(days=rng.randint(0, 900))
        records["Customers"].append(
            {
                "id": cid,
                "name": f"Customer {n}",
                "email": f"person{n}@example.com",
                "phone": f"+34 6{n % 100:02d} {n // 100 % 1000:03d} {rng.randint(100, 999)}",
                "country": rng.choice(["ES", "Spain", "España", "PT", "Greece", ""]),
                "birthday": date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                "source": rng.choice(["Website", "Referral", "Google Ads", "Event"]),
                "manager": rng.choice(["Ana", "Bruno", "Eleni"]),
                "created": created,
            }
        )
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            deal_number += 1
            stage = rng.choice(_STAGES)
            deal_created = created + timedelta(days=rng.randint(0, 60))
            records["Deals"].append(
                {
                    "id": f"D-{deal_number:05d}",
                    "customer_id": cid,
                    "title": "Deal",
                    "stage": stage,
                    "value": float(rng.randint(100, 20000)),
                    "manager": rng.choice(["Ana", "Bruno", "Eleni"]),
                    "created": min(deal_created, today),
                    "closed": min(deal_created + timedelta(days=30), today)
                    if stage in ("Won", "Lost")
                    else None,
                }
            )
        for _ in range(rng.choice((1, 2, 3, 3, 4, 5))):
            interaction_number += 1
            kind = rng.choice(_KINDS)
            when = datetime.combine(
                created + timedelta(days=rng.randint(0, 400)), datetime.min.time()
            ) + timedelta(hours=rng.randint(8, 19))
            records["Interactions"].append(
                {
                    "id": f"I-{interaction_number:06d}",
                    "date": min(when, datetime.combine(today, datetime.min.time())),
                    "customer_id": cid,
                    "kind": kind,
                    "summary": "Talked",
                    "amount": float(rng.randint(10, 500)) if kind == "Purchase" else None,
                    "answered": rng.random() < 0.5 if kind == "Complaint" else None,
                }
            )
    return records


def first_writes(plan: Plan) -> list[CellWrite]:
    """The plan's writes sorted for comparison."""
    return sorted(plan.writes, key=lambda w: (w.tab, w.row_id, w.column))
