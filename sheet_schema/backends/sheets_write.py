"""The Google Sheets write of one cycle: by column tag, then checked and put right.

:func:`tagged_write` turns a resolved plan into ONE ``values:batchUpdateByDataFilter``: every
cell goes through its column's tag (:mod:`sheet_schema.backends.sheets_tags`), so a column
inserted or moved by a person just before the write cannot make a bot value land in a team
column. :func:`check_and_fix` then reads the written tabs back (ONE
``values:batchGetByDataFilter``) and, when rows moved under the write, writes the corrections
(:mod:`sheet_schema.backends.sheets_verify`) and checks again, a bounded number of times.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sheet_schema.backends.sheets_tags import (
    a1_write,
    column_filter,
    column_of_range,
    column_write,
    create_tag,
    delete_tag,
    tagged_key,
)
from sheet_schema.backends.sheets_values import cells_range, pad, raw_value, whole_sheet
from sheet_schema.backends.sheets_verify import Corrections, Intent, RowNow, corrections
from sheet_schema.cells import cell_text
from sheet_schema.headers import HeaderError, map_headers
from sheet_schema.model import Plan, SkippedWrite
from sheet_schema.reading import Grid
from sheet_schema.schema import Schema, Tab
from sheet_schema.tab_writer import TabState, row_fingerprint
from sheet_schema.writing import ResolvedPlan

Filters = Mapping[str, Mapping[str, Any]]
FilteredGet = Callable[[Filters], dict[str, list[tuple[str, Grid]]]]
FilteredUpdate = Callable[[list[dict[str, Any]]], dict[str, Any]]
# Adds missing tabs, grows grids to (last row, last column) by title, sends tag requests.
MakeRoom = Callable[[Sequence[Tab], Mapping[str, tuple[int, int]], Sequence[dict[str, Any]]], None]
# Rounds of check-and-correct after the write; each costs one read (and one write if needed).
CHECK_ROUNDS = 3


@dataclass
class TabWrite:
    """What one tab's write meant: tab name, sheetId, cells by column key, and the intent."""

    name: str
    title: str
    sheet_id: int
    cells: dict[str, dict[int, object]] = field(default_factory=lambda: defaultdict(dict))
    intent: Intent = field(default_factory=Intent)


@dataclass(frozen=True)
class CheckResult:
    """What the check after the write found and did."""

    rounds: int
    cells_corrected: int
    unresolved: tuple[str, ...]
    lost_ids: Mapping[str, tuple[str, str]]  # new ID -> (tab, why)


def filter_key(data_filter: Mapping[str, Any]) -> str:
    """A stable text for a DataFilter, to match the filters echoed in answers."""
    return json.dumps(data_filter, sort_keys=True)


def column_writes(tab: TabWrite, cells: Mapping[str, Mapping[int, object]]) -> list[dict[str, Any]]:
    """One DataFilterValueRange per tagged column of a tab."""
    return [
        column_write(tab.sheet_id, key, by_row) for key, by_row in sorted(cells.items()) if by_row
    ]


def missing_columns(answer: Mapping[str, Any], sent: list[dict[str, Any]]) -> set[str]:
    """Keys of tagged columns whose filter matched nothing (their tag was deleted meanwhile)."""
    answered = {filter_key(r.get("dataFilter", {})) for r in answer.get("responses", [])}
    return {
        key
        for item in sent
        if (key := tagged_key(item["dataFilter"])) is not None
        and filter_key(item["dataFilter"]) not in answered
    }


def _read_back(schema: Schema, tabs: list[TabWrite], get: FilteredGet) -> dict[str, list[RowNow]]:
    """Each written tab as it is now: every row's ID, tagged cells and team fingerprint."""
    filters: dict[str, Mapping[str, Any]] = {}
    for tab in tabs:
        keys = {"id", *tab.cells}
        for key in keys:
            filters[f"{tab.name}\x00{key}"] = column_filter(tab.sheet_id, key)
        if tab.intent.new_ids:
            filters[f"{tab.name}\x00\x00all"] = {"a1Range": whole_sheet(tab.title)}
    found = get(filters)
    out: dict[str, list[RowNow]] = {}
    for tab in tabs:
        columns: dict[str, Grid] = {}
        for key in {"id", *tab.cells}:
            matched = found.get(f"{tab.name}\x00{key}", [])
            if len(matched) == 1:
                columns[key] = matched[0][1]
        ids = columns.get("id", [])
        prints: dict[int, str] = {}
        whole = found.get(f"{tab.name}\x00\x00all", [])
        if whole and whole[0][1]:
            grid = whole[0][1]
            try:
                headers = map_headers(schema.tab(tab.name), grid[0])
            except HeaderError:
                headers = None
            if headers is not None:
                for number, line in enumerate(grid[1:], start=2):
                    prints[number] = row_fingerprint(schema.tab(tab.name), headers, line)
        height = max([len(ids), *(len(g) for g in columns.values()), len(prints) + 1])
        rows = []
        for number in range(2, height + 1):
            cells = {
                key: (grid[number - 1][0] if number - 1 < len(grid) and grid[number - 1] else "")
                for key, grid in columns.items()
            }
            row_id = cell_text(cells.pop("id", "")).strip()
            rows.append(RowNow(number, row_id, cells, prints.get(number)))
        out[tab.name] = rows
    return out


def check_and_fix(
    schema: Schema, tabs: list[TabWrite], get: FilteredGet, update: FilteredUpdate
) -> CheckResult:
    """Read the written tabs back and put right what landed on a moved row, a few rounds."""
    if not tabs:
        return CheckResult(0, 0, (), {})
    corrected = 0
    fixes: dict[str, Corrections] = {}
    rounds = 0
    for rounds in range(1, CHECK_ROUNDS + 1):
        now = _read_back(schema, tabs, get)
        fixes = {tab.name: corrections(tab.intent, now[tab.name]) for tab in tabs}
        data: list[dict[str, Any]] = []
        for tab in tabs:
            by_key: dict[str, dict[int, object]] = defaultdict(dict)
            for (row, key), value in fixes[tab.name].cells.items():
                by_key[key][row] = "" if value is None else value
            data.extend(column_writes(tab, by_key))
        if not data or rounds == CHECK_ROUNDS:
            break
        update(data)
        corrected += sum(len(f.cells) for f in fixes.values())
    unresolved = tuple(
        f"{tab.name}: row {row}, column {key}: still wrong after {CHECK_ROUNDS} checks while "
        "people kept moving rows; put right next cycle"
        for tab in tabs
        for (row, key) in fixes[tab.name].cells
    )
    lost = {
        new_id: (tab.name, why) for tab in tabs for new_id, why in fixes[tab.name].lost_ids.items()
    }
    return CheckResult(rounds, corrected, unresolved, lost)


@dataclass
class Reread:
    """The re-read just before writing: tab states, what was skipped, column tags found, and
    each tagged column's values by row ID (to put back a value a moved row got by mistake)."""

    states: dict[str, TabState] = field(default_factory=dict)
    skipped: list[SkippedWrite] = field(default_factory=list)
    tags: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    before: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    new_columns: dict[str, dict[int, str]] = field(default_factory=dict)

    def note_tags(
        self,
        name: str,
        state: TabState,
        keys: set[str],
        found: Mapping[str, list[tuple[str, Grid]]],
    ) -> None:
        """Record where each tag is and, when it sits on its header, the column's values."""
        id_at = state.headers.positions.get("id")
        for key in keys:
            matched = found.get(f"{name}\x00tag\x00{key}", [])
            positions = [c for r, _ in matched if (c := column_of_range(r)) is not None]
            self.tags.setdefault(name, {})[key] = positions
            if id_at is None or positions != [state.headers.positions.get(key)] or key == "id":
                continue
            column = matched[0][1]
            before = self.before.setdefault(name, {})
            for number, line in enumerate(state.grid[1:], start=2):
                row_id = cell_text(line[id_at]).strip() if id_at < len(line) else ""
                if row_id:
                    cell = column[number - 1] if number - 1 < len(column) else []
                    before.setdefault(row_id, {})[key] = cell[0] if cell else ""

    def intent(self, name: str, tab: Tab, written: TabWrite, plan: Plan) -> Intent:
        """What the tab should hold after the write, for the check that follows it."""
        state = self.states[name]
        id_at = state.headers.positions.get("id")
        new_at = written.cells.get("id", {})
        intent = Intent(before=self.before.get(name, {}))

        def owner(number: int) -> str:
            if number in new_at:
                return str(new_at[number])
            line = state.grid[number - 1] if number - 1 < len(state.grid) else []
            return cell_text(line[id_at]).strip() if id_at is not None and id_at < len(line) else ""

        for key, by_row in written.cells.items():
            if key == "id":
                continue
            for number, value in by_row.items():
                if number >= 2 and (row_id := owner(number)):
                    intent.values.setdefault(row_id, {})[key] = value
        team = {k: by_row for k, by_row in written.cells.items() if not tab.column(k).bot_owned}
        for key, by_row in team.items():
            intent.team_written[key] = {str(v).strip() for v in by_row.values()}
        for write in plan.writes:
            if write.tab == name and write.replaces is not None:
                intent.replacing.setdefault(write.row_id, {})[write.column] = write.replaces

        def after(number: int) -> list[object]:
            # The row as the write leaves it: a replaced team cell changes its fingerprint.
            line = list(state.grid[number - 1]) if number - 1 < len(state.grid) else []
            for key, by_row in team.items():
                at = state.headers.positions.get(key)
                if number in by_row and at is not None:
                    line.extend([""] * (at + 1 - len(line)))
                    line[at] = by_row[number]
            return line

        placed = {str(v): number for number, v in new_at.items()}
        for assignment in plan.id_assignments:
            if assignment.tab == name and assignment.new_id in placed:
                number = placed[assignment.new_id]
                intent.new_ids[assignment.new_id] = (
                    row_fingerprint(tab, state.headers, after(number))
                    if any(number in by_row for by_row in team.values())
                    else assignment.fingerprint
                )
        if plan.id_assignments and id_at is not None:
            for number in range(2, len(state.grid) + 1):
                line = after(number) if team else state.grid[number - 1]
                fp = row_fingerprint(tab, state.headers, line)
                row_id = cell_text(line[id_at]).strip() if id_at < len(line) else ""
                intent.id_by_fingerprint[fp] = None if fp in intent.id_by_fingerprint else row_id
        return intent


def tagged_write(
    schema: Schema,
    zone: ZoneInfo,
    resolved: ResolvedPlan,
    reread: Reread,
    plan: Plan,
    sheet_id: Callable[[str], int],
    make_room: MakeRoom,
    send: FilteredUpdate,
    positional: Mapping[tuple[str, int, int], object] | None = None,
) -> list[TabWrite]:
    """ONE ``values:batchUpdateByDataFilter``: cells by column tag, appends by position.

    Tags missing (the first cycle that writes a column) are added first, at the column the
    re-read found, in the same spreadsheets:batchUpdate that makes room when needed.
    ``positional`` cells ((title, 1-based row, 0-based column) -> text: the marks in a form's
    answers tab, placed from the re-read) ride in the same write.
    """
    last_rows = {state.title: len(state.grid) for state in reread.states.values()}
    by_title = {state.title: name for name, state in reread.states.items()}
    tabs: dict[str, TabWrite] = {}
    extent: dict[str, tuple[int, int]] = {}  # title -> (last row, last column) written
    tag_requests: list[dict[str, Any]] = []

    def reach(title: str, row: int, column: int) -> None:
        rows, columns = extent.get(title, (0, 0))
        extent[title] = (max(rows, row), max(columns, column + 1))

    keys_at: dict[str, dict[int, str]] = {}
    extra_headers: list[dict[str, Any]] = []
    for update in resolved.updates:
        name = by_title[update.title]
        if name not in keys_at:
            positions = reread.states[name].headers.positions
            keys_at[name] = {pos: key for key, pos in positions.items()}
        key_at = keys_at[name]
        if update.row == 1:
            # A bot column missing from the header row: resolve_plan adds its header.
            tab = schema.tab(name)
            known = next((c.key for c in tab.columns if c.header == update.value), None)
            if known is None:
                # A column the schema does not know (an import keeps a file's columns):
                # only its header is written here, by position; its cells are appended.
                header_range = cells_range(update.title, 1, update.column, update.column)
                extra_headers.append(a1_write(header_range, [[update.value]]))
                reach(update.title, 1, update.column)
                continue
            key_at[update.column] = known
            reread.new_columns.setdefault(name, {})[update.column] = key_at[update.column]
        key = key_at[update.column]
        if name not in tabs:
            tabs[name] = TabWrite(name, update.title, sheet_id(update.title))
        # An explicit empty value clears the cell; a JSON null would leave it as it is.
        value = "" if update.value is None else raw_value(update.value, zone)
        tabs[name].cells[key][update.row] = value
        reach(update.title, update.row, update.column)
    for name, tab_write in tabs.items():
        state = reread.states[name]
        wanted = set(tab_write.cells) | ({"id"} if "id" in state.headers.positions else set())
        for key in sorted(wanted):
            found = reread.tags.get(name, {}).get(key, [])
            at = state.headers.positions.get(key)
            at = next((c for c, k in reread.new_columns.get(name, {}).items() if k == key), at)
            if at is not None and found != [at]:
                if found:
                    tag_requests.append(delete_tag(tab_write.sheet_id, key))
                tag_requests.append(create_tag(tab_write.sheet_id, at, key))
        tab_write.intent = reread.intent(name, schema.tab(name), tab_write, plan)
    data: list[dict[str, Any]] = list(extra_headers)
    for (title, row, column), value in sorted((positional or {}).items()):
        data.append(a1_write(cells_range(title, row, column, column), [[value]]))
        reach(title, row, column)
    for tab_write in tabs.values():
        data.extend(column_writes(tab_write, tab_write.cells))
    new_titles = {tab.name for tab in resolved.new_tabs}
    for tab in resolved.new_tabs:
        headers = [c.header for c in tab.columns]
        data.append(a1_write(cells_range(tab.name, 1, 0, len(headers) - 1), [headers]))
    for title, rows in resolved.appends.items():
        start = 2 if title in new_titles else max(last_rows.get(title, 1), 1) + 1
        width = max(len(r) for r in rows)
        block = [[raw_value(v, zone) for v in pad(r, width)] for r in rows]
        data.append(a1_write(cells_range(title, start, 0, width - 1, rows=len(rows)), block))
        reach(title, start + len(rows) - 1, width - 1)
    make_room(resolved.new_tabs, extent, tag_requests)
    if data:
        answer = send(data)
        gone = missing_columns(answer, data)
        if gone:
            reread.skipped.append(
                SkippedWrite(
                    "",
                    None,
                    None,
                    "columns " + ", ".join(sorted(gone)) + " were deleted while the bot "
                    "was writing; their values are written next cycle",
                )
            )
    return list(tabs.values())
