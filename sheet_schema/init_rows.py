"""The rows ``sheetcrm init`` writes into the team's Settings and Lists tabs.

A new workbook gets every default setting (:mod:`sheet_schema.default_settings`) and every
default list value. An older workbook gets only what it lacks, after the team's last row, so
that ``init`` brings it up to date without touching what the team typed: each setting added in
a later version (a key is matched the way the Settings reader matches it, so "time_zone" or
"TZ" is Time zone), and the list values :func:`sheet_schema.lists.list_rows_to_add` decides.
Nothing here does I/O; :func:`sheet_schema.layout.plan_layout` calls :func:`rows_to_add` for
each tab.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sheet_schema.default_settings import DEFAULT_SETTINGS, DefaultSetting
from sheet_schema.headers import Placement
from sheet_schema.lists import LISTS, ListRow, default_rows, list_rows_to_add
from sheet_schema.model import Row
from sheet_schema.reading import build_snapshot
from sheet_schema.schema import Schema
from sheet_schema.settings import setting_identity

SETTINGS = "Settings"
# The columns each added row fills, in the order of the row's fields.
_SETTINGS_COLUMNS = ("key", "value", "notes")
_LISTS_COLUMNS = ("list", "value", "meaning", "aliases")


@dataclass(frozen=True)
class Existing:
    """A Settings or Lists tab as the team has it: every row's text (header first) and, for
    Lists, its rows as read."""

    grid: Sequence[Sequence[str]]
    rows: Sequence[Row] = ()


@dataclass(frozen=True)
class AddedRows:
    """The rows init adds to a Settings or Lists tab: from sheet row ``first_row`` (1-based),
    their fields in the 0-based ``columns`` (Key, Value, Notes; or List, Value, Meaning, Also
    written as)."""

    settings: tuple[DefaultSetting, ...] = ()
    list_rows: tuple[ListRow, ...] = ()
    first_row: int = 2
    columns: tuple[int, ...] = ()

    def count(self) -> int:
        """How many rows are added."""
        return len(self.settings) + len(self.list_rows)


def settings_to_add(keys: Collection[str]) -> tuple[DefaultSetting, ...]:
    """The default settings none of these typed keys stands for, in their usual order."""
    have = {setting_identity(key) for key in keys}
    return tuple(s for s in DEFAULT_SETTINGS if setting_identity(s.key) not in have)


def last_used_row(grid: Sequence[Sequence[str]]) -> int:
    """The 1-based number of the last row with any text (0 for an empty grid)."""
    return max((n for n, row in enumerate(grid, 1) if any(t.strip() for t in row)), default=0)


def rows_to_add(
    schema: Schema,
    tab: str,
    positions: Mapping[str, int],
    found: Collection[str],
    existing: Existing | None,
) -> AddedRows:
    """What init writes into the ``tab`` (canonical name) of a workbook: everything for a new
    tab (``existing`` None), else what the team's tab lacks (``schema``: crm.toml's, whose lists
    are the defaults). ``positions`` places every column (those init adds too); ``found`` are
    the columns the team's header has. A tab whose rows were not read, or that lacks its key
    columns, gets nothing: init cannot tell what is there. An empty tab gets everything."""
    if existing is not None and last_used_row(existing.grid) == 0:
        existing = None  # an empty tab: it gets what a new one gets, below the header
    if tab == SETTINGS:
        columns = tuple(positions[key] for key in _SETTINGS_COLUMNS)
        if existing is None:
            return AddedRows(settings=DEFAULT_SETTINGS, columns=columns)
        if "key" not in found:
            return AddedRows()
        at = positions["key"]
        keys = [row[at] for row in existing.grid[1:] if at < len(row)]
        first = last_used_row(existing.grid) + 1
        return AddedRows(settings=settings_to_add(keys), first_row=first, columns=columns)
    if tab == LISTS:
        columns = tuple(positions[key] for key in _LISTS_COLUMNS)
        if existing is None:
            return AddedRows(list_rows=default_rows(schema), columns=columns)
        if not {"list", "value"} <= set(found):
            return AddedRows()
        first = last_used_row(existing.grid) + 1
        added = list_rows_to_add(schema, existing.rows)
        return AddedRows(list_rows=added, first_row=first, columns=columns)
    return AddedRows()


def added_texts(rows: AddedRows, settings: Mapping[str, str] = {}) -> list[tuple[str, ...]]:
    """The cells of each added row, in the order of ``rows.columns``; ``settings`` overrides
    default Settings values by key (``sheetcrm init`` of a new workbook with chosen settings)."""
    return [
        *((s.key, settings.get(s.key, s.value), s.note) for s in rows.settings),
        *((r.list, r.value, r.meaning, r.aliases) for r in rows.list_rows),
    ]


def lists_after_init(
    schema: Schema, title: str, grid: Sequence[Sequence[str]], placed: Placement
) -> tuple[Schema, AddedRows]:
    """The schema with the team's lists as the Lists tab (``title``, every row's text) holds
    them once init added the rows it lacks, and those rows: SheetCRM's dropdowns follow the
    lists with the added values, so the next ``init`` finds them up to date."""
    rows: list[list[str]] = [list(r) for r in grid]
    read = build_snapshot(schema, {title: rows}, datetime.now(UTC), tabs=[LISTS])
    added = rows_to_add(
        schema, LISTS, placed.positions, placed.found, Existing(rows, read.tab(LISTS))
    )
    if not added.list_rows:
        return read.schema_or(schema), added
    rows = [[*r, *([""] * (placed.width - len(r)))] for r in rows or [[]]]
    for index, column in placed.new_headers:
        rows[0][index] = column.header
    for texts in added_texts(added):
        cells = [""] * placed.width
        for index, text in zip(added.columns, texts, strict=True):
            cells[index] = text
        rows.append(cells)
    after = build_snapshot(schema, {title: rows}, datetime.now(UTC), tabs=[LISTS])
    return after.schema_or(schema), added
