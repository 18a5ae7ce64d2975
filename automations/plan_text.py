"""A plan as text a person can read (what `sheetcrm run --dry-run` prints)."""

from __future__ import annotations

from sheet_schema.cells import cell_text
from sheet_schema.formatting import counted
from sheet_schema.model import Plan

_SHOWN = 200


def describe_plan(plan: Plan) -> str:
    """One line per change; long plans are cut after a few hundred lines with a count."""
    lines: list[str] = []
    for a in plan.id_assignments:
        lines.append(f"{a.tab} row {a.row_number}: new ID {a.new_id}")
    for w in plan.writes:
        lines.append(f"{w.tab} {w.row_id} {w.column} = {cell_text(w.value)!r}")
    for p in plan.appends:
        values = ", ".join(f"{k}={cell_text(v)!r}" for k, v in p.values.items() if v is not None)
        lines.append(f"{p.tab} + row: {values}")
    for m in plan.marks:
        lines.append(f"{m.title} row {m.row_number}: {m.header} = {m.value!r}")
    for e in plan.emails:
        lines.append(f"email {e.key} to {e.to}: {e.subject!r}")
    if not lines:
        return "Nothing to change."
    hidden = len(lines) - _SHOWN
    shown = lines[:_SHOWN]
    if hidden > 0:
        shown.append(f"... and {counted(hidden, 'more change')}")
    return "\n".join(shown)
