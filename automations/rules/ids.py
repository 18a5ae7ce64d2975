"""Give rows that have no ID one (C-0001, D-0001...), so every later write can address them."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import replace

from automations.rules.contract import Inputs
from sheet_schema.model import IdAssignment, Row, Snapshot
from sheet_schema.reading import row_fingerprint
from sheet_schema.schema import Schema, Tab

# The guard (automations.rules.contract) gives a tab new IDs only when its header row has the ID
# column: without it, every row would get an ID again in a new column, colliding with the IDs the
# rest of the workbook already uses.
REQUIRES: dict[str, Inputs] = {
    name: Inputs({name: ("ID",)})
    for name in (
        "Customers",
        "Deals",
        "Interactions",
        "Sources",
        "Templates",
        "Automations",
        "Campaigns",
    )
}


def highest_number(tab: Tab, rows: tuple[Row, ...]) -> int:
    """The highest number among the tab's IDs (0 when none): new IDs continue after it."""
    pattern = re.compile(rf"^{re.escape(tab.id_prefix or '')}-(\d+)$", re.IGNORECASE)
    numbers = [int(m.group(1)) for r in rows if r.row_id and (m := pattern.match(r.row_id))]
    return max(numbers, default=0)


def format_id(prefix: str, number: int) -> str:
    """An ID as the bot writes it: prefix, dash, at least four digits (C-0042)."""
    return f"{prefix}-{number:04d}"


def assign_ids(
    schema: Schema, snapshot: Snapshot, tabs: Collection[str] | None = None
) -> tuple[tuple[IdAssignment, ...], Snapshot]:
    """Plan IDs for rows without one; return them and the snapshot as if they were written.

    New numbers continue after the highest existing one, so IDs are never reused even after rows
    are deleted. Rules that run afterwards see the new IDs and can address those rows. ``tabs``
    limits it to those tabs (the ones the contract guard lets run); None: every tab.
    """
    assignments: list[IdAssignment] = []
    rows = dict(snapshot.rows)
    for tab in schema.tabs:
        if tab.id_prefix is None or tab.name not in rows:
            continue
        if tabs is not None and tab.name not in tabs:
            continue
        number = highest_number(tab, rows[tab.name])
        updated: list[Row] = []
        for row in rows[tab.name]:
            if row.row_id is None:
                number += 1
                new_id = format_id(tab.id_prefix, number)
                assignments.append(
                    IdAssignment(tab.name, row.number, row_fingerprint(tab, row), new_id)
                )
                row = replace(
                    row,
                    row_id=new_id,
                    values={**row.values, "id": new_id},
                    raw={**row.raw, "id": new_id},
                )
            updated.append(row)
        rows[tab.name] = tuple(updated)
    new = frozenset((a.tab, a.new_id) for a in assignments)
    return tuple(assignments), replace(snapshot, rows=rows, new_ids=snapshot.new_ids | new)
