"""Resolve a :class:`Plan` against the sheet as it is just before writing.

A plan addresses rows by ID and columns by key. Between the bot's read and its write, people may
insert, delete, sort or retype rows, so the backend re-reads the header rows and ID columns and
this module turns the plan into concrete cells. The rules it enforces:

- a write goes to the row that holds its ID *now*; a row deleted meanwhile is skipped and reported;
- the bot never writes a team-owned column (invariant 1), whatever the plan says; the two
  exceptions are checked here against the cell as it is now: an import fills an empty cell of a
  merged duplicate, and a cycle replaces a reference a person typed by name or email with the ID
  it names (only while the cell still holds that text and no formula);
- a bot column missing from the header row gets its header in the first free column;
- a new ID goes only to the row it was meant for, found by the fingerprint of its team cells;
- when a new ID cannot be written, nothing addressed to it is written either: its row's cells,
  and appended rows that name it (a Mail log row, so its email is not sent; a Stage history row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sheet_schema.cells import cell_text, write_value
from sheet_schema.model import CellWrite, Plan, SkippedWrite
from sheet_schema.schema import Column, ColumnType, Schema, Tab
from sheet_schema.tab_writer import TabState, TabWriter, id_key


@dataclass(frozen=True)
class CellUpdate:
    """One concrete cell to set: worksheet title, 1-based row, 0-based column."""

    title: str
    row: int
    column: int
    value: object


@dataclass(frozen=True)
class ResolvedPlan:
    """A plan in sheet coordinates, ready for one batched write and one append per tab."""

    updates: tuple[CellUpdate, ...]
    appends: Mapping[str, tuple[tuple[object, ...], ...]]
    new_tabs: tuple[Tab, ...]
    skipped: tuple[SkippedWrite, ...]
    ids_assigned: int
    cells_written: int
    rows_appended: int

    def appended(self) -> dict[str, int]:
        """Rows appended, by worksheet title."""
        return {title: len(rows) for title, rows in self.appends.items() if rows}


def resolve_plan(schema: Schema, plan: Plan, states: Mapping[str, TabState]) -> ResolvedPlan:
    """Turn a plan into concrete cell updates and appends against the current sheet state.

    ``states`` is keyed by canonical tab name; a tab missing from it does not exist in the sheet.
    """
    writers: dict[str, TabWriter] = {}
    skipped: list[SkippedWrite] = []
    ids_assigned = 0

    def writer(name: str) -> TabWriter | None:
        if name not in writers and name in states:
            writers[name] = TabWriter(schema.tab(name), states[name])
        return writers.get(name)

    # New IDs that could not be written: (tab, ID) -> why. What is addressed to them waits.
    refused: dict[tuple[str, str], str] = {}
    for assignment in plan.id_assignments:
        target = writer(assignment.tab)
        reason = (
            f"{assignment.tab}: the tab is missing"
            if target is None
            else target.assign_id(assignment.row_number, assignment.fingerprint, assignment.new_id)
        )
        if reason is None:
            ids_assigned += 1
        else:
            skipped.append(SkippedWrite(assignment.tab, assignment.new_id, "id", reason))
            refused[(assignment.tab, id_key(assignment.new_id))] = reason

    cells_written = 0
    for write in plan.writes:
        if (write.tab, id_key(write.row_id)) in refused:
            continue  # the row has no ID yet: reported once, with its assignment
        target = writer(write.tab)
        if target is None:
            skipped.append(
                SkippedWrite(
                    write.tab,
                    write.row_id,
                    write.column,
                    f"{write.tab}: the tab is missing or its header unreadable",
                )
            )
            continue
        column = target.tab.column(write.column)
        if write.only_if_empty:
            if _fill_if_empty(target, write, skipped):
                cells_written += 1
            continue
        if waiting := [ref for ref in write.refers_to if (ref[0], id_key(ref[1])) in refused]:
            skipped.append(
                SkippedWrite(
                    write.tab,
                    write.row_id,
                    write.column,
                    f"{write.tab}: {column.header} of row {write.row_id} not written, because "
                    f"{waiting[0][0]} row {waiting[0][1]} did not get its ID this cycle",
                )
            )
            continue
        if write.replaces is not None:
            cells_written += _replace_if_same(target, write, skipped)
            continue
        if not column.bot_owned:
            # Invariant 1: a scheduled cycle never overwrites what people typed.
            skipped.append(SkippedWrite(write.tab, write.row_id, write.column, _team(column)))
            continue
        row = target.row_of(write.row_id)
        if isinstance(row, str):
            skipped.append(SkippedWrite(write.tab, write.row_id, write.column, row))
            continue
        target.cells[(row, target.position(write.column))] = write_value(column, write.value)
        cells_written += 1

    # Appends may add header cells too, so cell updates are collected after them.
    appends, new_tabs = _resolve_appends(schema, plan, states, writers, skipped, refused)
    updates: list[CellUpdate] = []
    for target in writers.values():
        title = target.state.title
        updates.extend(
            CellUpdate(title, 1, col, header) for col, header in target.header_cells.items()
        )
        updates.extend(
            CellUpdate(title, row, col, value) for (row, col), value in target.cells.items()
        )
    rows_appended = sum(len(rows) for rows in appends.values())
    return ResolvedPlan(
        updates=tuple(updates),
        appends=appends,
        new_tabs=new_tabs,
        skipped=tuple(skipped),
        ids_assigned=ids_assigned,
        cells_written=cells_written,
        rows_appended=rows_appended,
    )


def _fill_if_empty(target: TabWriter, write: CellWrite, skipped: list[SkippedWrite]) -> bool:
    """Fill a cell of a merged duplicate, only while it is empty; False (and why) otherwise."""
    row = target.row_of(write.row_id)
    if isinstance(row, str):
        skipped.append(SkippedWrite(write.tab, write.row_id, write.column, row))
        return False
    at = target.position(write.column)
    if not target.is_empty(row, at):
        column = target.tab.column(write.column)
        skipped.append(
            SkippedWrite(
                write.tab,
                write.row_id,
                write.column,
                f"{write.tab}: {column.header!r} of row {write.row_id} was filled meanwhile; "
                "kept what is there",
            )
        )
        return False
    target.cells[(row, at)] = write_value(target.tab.column(write.column), write.value)
    return True


def _team(column: Column) -> str:
    return f"{column.tab}: column {column.header!r} belongs to the team"


def _replace_if_same(target: TabWriter, write: CellWrite, skipped: list[SkippedWrite]) -> int:
    """Change a team reference cell (a reference resolved to its ID, a deal moved to the kept
    customer of a merge) only while it still holds what the plan saw (``write.replaces``,
    compared as IDs are) and no formula; its note goes to its bot column with it. The cells
    written (0, and why, when it is not)."""
    column = target.tab.column(write.column)
    row = target.row_of(write.row_id)
    if isinstance(row, str):
        skipped.append(SkippedWrite(write.tab, write.row_id, write.column, row))
        return 0
    at = target.positions.get(write.column)
    if column.type is not ColumnType.REFERENCE or at is None:
        # Only a reference the team typed may be replaced, and only where its column is now.
        skipped.append(SkippedWrite(write.tab, write.row_id, write.column, _team(column)))
        return 0
    cells = target.state.grid[row - 1] if row - 1 < len(target.state.grid) else []
    now = cell_text(cells[at]).strip() if at < len(cells) else ""
    why = ""
    if (row, at) in target.state.formulas:
        why = "holds a formula; the bot does not write over it"
    elif id_key(now) != id_key(write.replaces or "") or (row, at) in target.cells:
        why = f"was changed meanwhile (it no longer says {write.replaces!r}); kept what is there"
    if why:
        skipped.append(
            SkippedWrite(
                write.tab,
                write.row_id,
                write.column,
                f"{write.tab}: {column.header} of row {write.row_id} {why}",
            )
        )
        return 0
    target.cells[(row, at)] = write_value(column, write.value)
    if write.note is None:
        return 1
    key, line = write.note
    note_at = target.position(key)
    if (row, note_at) in target.cells:
        had = str(target.cells[(row, note_at)] or "")
    else:
        had = cell_text(cells[note_at]).strip() if note_at < len(cells) else ""
    # Lines are added, never replaced: every reference the bot rewrote in this row stays told.
    text = "\n".join(part for part in (had, line) if part)
    target.cells[(row, note_at)] = write_value(target.tab.column(key), text)
    return 2


def _resolve_appends(
    schema: Schema,
    plan: Plan,
    states: Mapping[str, TabState],
    writers: dict[str, TabWriter],
    skipped: list[SkippedWrite],
    refused: Mapping[tuple[str, str], str],
) -> tuple[dict[str, tuple[tuple[object, ...], ...]], tuple[Tab, ...]]:
    rows: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    new_tabs: dict[str, Tab] = {}
    for append in plan.appends:
        waiting = [ref for ref in append.refers_to if (ref[0], id_key(ref[1])) in refused]
        if waiting:
            about, row_id = waiting[0]
            key = append.values.get("id")
            skipped.append(
                SkippedWrite(
                    append.tab,
                    str(key) if key else None,
                    None,
                    f"{append.tab}: not added, because {about} row {row_id} did not get its ID "
                    "this cycle; it is added once the row has one",
                )
            )
            continue
        tab = schema.tab(append.tab)
        if append.tab in states:
            if append.tab not in writers:
                writers[append.tab] = TabWriter(tab, states[append.tab])
            target = writers[append.tab]
            title = target.state.title
            positions = {key: target.position(key) for key in append.values}
            extra_at = {name: target.extra_position(name) for name in append.extra}
        elif tab.append_only:
            new_tabs[tab.name] = tab
            title = tab.name
            positions = {c.key: i for i, c in enumerate(tab.columns)}
            extra_at = {}
        else:
            skipped.append(
                SkippedWrite(append.tab, None, None, f"{append.tab}: the tab is missing")
            )
            continue
        width = max([*positions.values(), *extra_at.values()], default=-1) + 1
        cells: list[object] = [None] * width
        for key, value in append.values.items():
            cells[positions[key]] = write_value(tab.column(key), value)
        for name, text in append.extra.items():
            cells[extra_at[name]] = text or None
        rows[title].append(tuple(cells))
    return {t: tuple(r) for t, r in rows.items()}, tuple(new_tabs.values())
