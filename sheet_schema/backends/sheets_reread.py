"""The tabs a plan touches, re-read just before the cycle's write.

Between the cycle's read and its write people keep working: they insert, delete, move and sort
rows and columns. :func:`current_states` re-reads, in ONE small ``values:batchGetByDataFilter``,
only what the write depends on: each touched tab's header row and anchor column (whole rows for
tabs that get new IDs, whose fingerprints must be checked) and each bot column the plan writes,
found by its tag (:mod:`sheet_schema.backends.sheets_tags`) wherever it is now. A cycle that
replaces references people typed by name (:mod:`automations.rules.resolving`) reads whole rows
of those tabs, and those columns once more with their formulas, so a formula is never replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sheet_schema.backends.sheets_tags import a1_filter, column_filter
from sheet_schema.backends.sheets_values import column_range, row_range, whole_sheet
from sheet_schema.backends.sheets_write import FilteredGet, Reread
from sheet_schema.headers import HeaderError, HeaderMap, map_headers
from sheet_schema.model import Plan, SkippedWrite
from sheet_schema.schema import Schema, Tab
from sheet_schema.tab_writer import TabState


@dataclass(frozen=True)
class Seen:
    """Where a tab's anchor column was at the last read (to re-read just that column)."""

    headers: HeaderMap


def anchor_column(tab: Tab, headers: HeaderMap) -> int | None:
    """The column whose last value marks a tab's last row: the ID, else a key column."""
    for key in ("id", *tab.key_columns):
        if key in headers.positions:
            return headers.positions[key]
    return min(headers.positions.values(), default=None)


def current_states(
    schema: Schema,
    last_read: Mapping[str, Seen],
    plan: Plan,
    titles: Mapping[str, str],
    sheet_id: Callable[[str], int],
    get: FilteredGet,
    get_formulas: FilteredGet | None = None,
) -> Reread:
    """The tabs a plan touches as they are now, from one small ``values:batchGetByDataFilter``:
    header row and ID column (whole rows for tabs that get new IDs), plus each bot column
    the plan writes, found by its tag wherever it is (what it held, to put back a value that
    a moved row received by mistake)."""
    touched = (
        {w.tab for w in plan.writes}
        | {a.tab for a in plan.appends}
        | {i.tab for i in plan.id_assignments}
    )
    new_ids = {i.tab for i in plan.id_assignments}
    team_appends = {a.tab for a in plan.appends if not schema.tab(a.tab).append_only}
    filters: dict[str, Mapping[str, Any]] = {}
    # A fill-if-empty write (an import merging a duplicate) or a replace-if-same one (a resolved
    # reference, a merge moving a deal to the kept customer) checks the cell as it is now.
    team_appends |= {w.tab for w in plan.writes if w.only_if_empty or w.replaces is not None}
    replaced = {(w.tab, w.column) for w in plan.writes if w.replaces is not None}
    anchors: dict[str, int] = {}
    tag_keys: dict[str, set[str]] = {}
    for name in sorted(touched):
        title = titles.get(name)
        if title is None:
            continue  # resolve_plan reports it, or creates a missing log tab
        tab = schema.tab(name)
        seen = last_read.get(title)
        anchor = None if seen is None else anchor_column(tab, seen.headers)
        if name in new_ids or name in team_appends or anchor is None:
            filters[name] = a1_filter(whole_sheet(title))
        else:
            anchors[name] = anchor
            filters[name + "\x00header"] = a1_filter(row_range(title, 1))
            filters[name] = a1_filter(column_range(title, anchor))
        keys = {w.column for w in plan.writes if w.tab == name}
        keys |= {w.note[0] for w in plan.writes if w.tab == name and w.note is not None}
        keys = {
            k
            for k in keys
            if tab.has_column(k) and (tab.column(k).bot_owned or (name, k) in replaced)
        }
        if tab.has_column("id") and (keys or name in new_ids):
            keys.add("id")
        tag_keys[name] = keys
        for key in keys:
            filters[f"{name}\x00tag\x00{key}"] = column_filter(sheet_id(title), key)
    found = get(filters)
    grids = {name: found[name][0][1] if found.get(name) else [] for name in filters}
    reread = Reread()
    for name in sorted(touched):
        if name not in grids:
            continue
        title, tab = titles[name], schema.tab(name)
        grid = grids[name]
        if name in anchors:
            header = grids[name + "\x00header"]
            grid = [header[0] if header else [], *grid[1:]]
        if not grid:
            grid = [[]]
        try:
            headers = map_headers(tab, grid[0])
        except HeaderError as error:
            reread.skipped.append(SkippedWrite(name, None, None, f"{error} Nothing written there."))
            continue
        if name in anchors:
            if anchor_column(tab, headers) != anchors[name]:
                reread.skipped.append(
                    SkippedWrite(
                        name,
                        None,
                        None,
                        f"{name}: columns were moved while the bot was working; its changes "
                        "there are made next cycle.",
                    )
                )
                continue
            at = anchors[name]
            grid = [grid[0], *([None] * at + list(row[:1]) for row in grid[1:])]
        state = TabState(title=title, headers=headers, grid=grid)
        reread.states[name] = state
        reread.note_tags(name, state, tag_keys.get(name, set()), found)
    if replaced and get_formulas is not None:
        _note_formulas(reread, replaced, titles, get_formulas)
    return reread


def _note_formulas(
    reread: Reread,
    replaced: set[tuple[str, str]],
    titles: Mapping[str, str],
    get_formulas: FilteredGet,
) -> None:
    """Mark the cells of the columns a resolved reference may replace that hold a formula.

    The re-read gives a formula's value; ONE more read of just those columns with their
    formulas (only in a cycle that replaces a reference) tells them apart, so none is written
    over.
    """
    filters: dict[str, Mapping[str, Any]] = {}
    for name, key in sorted(replaced):
        state = reread.states.get(name)
        at = None if state is None else state.headers.positions.get(key)
        if at is not None:
            filters[f"{name}\x00{at}"] = a1_filter(column_range(titles[name], at))
    if not filters:
        return
    found = get_formulas(filters)
    marked: dict[str, set[tuple[int, int]]] = {}
    for label, matched in found.items():
        name, at_text = label.split("\x00")
        at, state = int(at_text), reread.states[name]
        column = matched[0][1] if matched else []
        for number, cells in enumerate(column[1:], start=2):
            text = cells[0] if cells else ""
            line = state.grid[number - 1] if number - 1 < len(state.grid) else []
            value = line[at] if at < len(line) else ""
            if isinstance(text, str) and text.startswith("=") and text != value:
                marked.setdefault(name, set()).add((number, at))
    for name, formulas in marked.items():
        reread.states[name] = replace(reread.states[name], formulas=frozenset(formulas))
