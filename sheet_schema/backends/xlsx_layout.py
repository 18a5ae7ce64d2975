"""``sheetcrm init`` on an .xlsx workbook held in memory by openpyxl: read, then lay out.

What a workbook lacks is decided by :func:`sheet_schema.layout.plan_layout`, the planner the
Google Sheets backend uses too; this module reads openpyxl worksheets into
:class:`SheetInfo` and carries a :class:`LayoutPlan` out with openpyxl: new tabs (placed before
the hidden dropdown tab), header cells (bold, bot columns shaded with a note), a frozen header
row, the default rows of the team's Lists tab, dropdowns (their values in the hidden
``SheetCRM_lists`` tab, behind a defined name) and date checks. It only adds: cells, tabs and
validations the team has are never changed, except SheetCRM's own dropdowns, which follow the
Lists tab. Saving is the caller's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from copy import copy
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sheet_schema.cells import cell_text
from sheet_schema.headers import HeaderError, column_letter, map_headers
from sheet_schema.init_rows import SETTINGS, added_texts
from sheet_schema.layout_plan import (
    BOT_COLUMN_COLOUR,
    BOT_COLUMN_NOTE,
    CellInfo,
    LayoutPlan,
    SheetInfo,
    TabLayout,
    Validation,
    column_width,
)
from sheet_schema.lists import LISTS
from sheet_schema.reading import Grid, build_snapshot, match_worksheets
from sheet_schema.schema import Column, Schema, Tab

# The hidden tab that holds each dropdown's values (Excel needs them in cells). Workbooks made
# before the team's Lists tab existed called it "Lists": see :func:`rename_old_dropdown_tab`.
LISTS_TAB = "SheetCRM_lists"
_OLD_LISTS_TAB = "Lists"
# Dropdowns and date checks cover this many rows at least (more when the tab is longer).
_VALIDATED_ROWS = 10000


def _has_value(value: object) -> bool:
    return value is not None and value != ""


def _frozen_rows(ws: Worksheet) -> int:
    if not ws.freeze_panes:
        return 0
    _, row = coordinate_from_string(ws.freeze_panes)
    return int(row) - 1


def _validated(ws: Worksheet, coordinate: str) -> bool:
    return any(coordinate in v.sqref for v in ws.data_validations.dataValidation)


def _dropdown_rule(ws: Worksheet, coordinate: str) -> str | None:
    """The defined name behind SheetCRM's dropdown on this cell (``choices_...``), if any."""
    for rule in ws.data_validations.dataValidation:
        name = rule.formula1 or ""
        if rule.type == "list" and name.startswith("choices_") and coordinate in rule.sqref:
            return str(name)
    return None


def _dropdown(ws: Worksheet, coordinate: str) -> tuple[str, ...] | None:
    """The values of SheetCRM's dropdown on this cell (a list behind a ``choices_`` name)."""
    name = _dropdown_rule(ws, coordinate)
    values = _named_values(ws.parent, name) if name else None
    return tuple(cell_text(v) for v in values) if values is not None else None


def sheet_info(ws: Worksheet, whole: bool = False) -> SheetInfo:
    """What init needs to know of a worksheet: its header row, row 2 and how wide it is, and
    with ``whole`` the text of every row (the Settings and Lists tabs, where init adds rows)."""
    width = max((c.column for row in ws.iter_rows() for c in row if _has_value(c.value)), default=0)
    header = tuple(
        CellInfo(text=cell_text(ws.cell(row=1, column=i).value), bold=bool(ws.cell(1, i).font.b))
        for i in range(1, width + 1)
    )
    second = tuple(
        CellInfo(
            text=cell_text(ws.cell(row=2, column=i).value),
            validated=_validated(ws, f"{column_letter(i - 1)}2"),
            dropdown=_dropdown(ws, f"{column_letter(i - 1)}2"),
            number_format=ws.cell(row=2, column=i).number_format != "General",
        )
        for i in range(1, width + 1)
    )
    return SheetInfo(
        title=ws.title,
        header=header,
        second=second,
        used_columns=width,
        frozen_rows=_frozen_rows(ws),
        rows=_texts(ws) if whole else None,
    )


def _texts(ws: Worksheet) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(cell_text(v) for v in row) for row in ws.iter_rows(values_only=True))


def sheet_infos(book: Workbook, schema: Schema) -> list[SheetInfo]:
    """Every worksheet of the workbook, for the planner (the hidden dropdown tab included: it
    is no tab of the schema, so the planner passes it by); the Settings and Lists tabs whole."""
    titles, _ = match_worksheets(schema, book.sheetnames)
    whole = {titles[name] for name in (SETTINGS, LISTS) if name in titles}
    return [sheet_info(ws, ws.title in whole) for ws in book.worksheets]


def workbook_schema(book: Workbook, schema: Schema) -> Schema:
    """The schema with the team's lists, as the workbook's Lists tab holds them."""
    titles, _ = match_worksheets(schema, book.sheetnames)
    grids: dict[str, Grid] = {}
    if LISTS in titles:
        grids[titles[LISTS]] = [list(r) for r in book[titles[LISTS]].iter_rows(values_only=True)]
    snapshot = build_snapshot(schema, grids, datetime.now(UTC), tabs=[LISTS])
    return snapshot.schema_or(schema)


def follow_lists(book: Workbook, schema: Schema) -> int:
    """Point SheetCRM's dropdowns at the values of the team's lists (``schema`` read with the
    Lists tab) where they offer others; how many were changed. Dropdowns the team set up, and
    columns without one, are left alone (``sheetcrm init`` adds those)."""
    if _OLD_LISTS_TAB in book.sheetnames and book[_OLD_LISTS_TAB].sheet_state == "hidden":
        return 0  # an older workbook: `sheetcrm init` moves its dropdown values first
    titles, _ = match_worksheets(schema, book.sheetnames)
    changed = 0
    for tab in schema.tabs:
        if tab.name not in titles or not any(c.list_name for c in tab.columns):
            continue
        ws = book[titles[tab.name]]
        try:
            headers = map_headers(tab, [c.value for c in ws[1]])
        except HeaderError:
            continue
        for key, index in headers.positions.items():
            column = tab.column(key)
            if not column.list_name or column.bot_owned:
                continue
            rule = _dropdown_rule(ws, f"{column_letter(index)}2")
            if rule is None or _names_a_list(book, rule, column.choices):
                continue
            book.defined_names[rule] = DefinedName(
                rule, attr_text=_choice_range(book, column.choices)
            )
            changed += 1
    return changed


def rename_old_dropdown_tab(book: Workbook) -> bool:
    """Give the hidden dropdown tab of an older workbook (called "Lists", values from A1, no
    header) its own name, so the team's Lists tab can be added; True when renamed."""
    if _OLD_LISTS_TAB not in book.sheetnames or LISTS_TAB in book.sheetnames:
        return False
    old = book[_OLD_LISTS_TAB]
    if old.sheet_state != "hidden":
        return False
    old.title = LISTS_TAB
    for name, defined in list(book.defined_names.items()):
        text = defined.attr_text or ""
        if text.startswith(f"{_OLD_LISTS_TAB}!"):
            book.defined_names[name] = DefinedName(
                name, attr_text=LISTS_TAB + text[len(_OLD_LISTS_TAB) :]
            )
    return True


def write_header(
    ws: Worksheet, tab: Tab, start_column: int = 0, columns: Sequence[int] | None = None
) -> None:
    """Write a tab's header row: bold, frozen, bot columns shaded with a note."""
    chosen = range(len(tab.columns)) if columns is None else columns
    for offset, index in enumerate(chosen):
        column = tab.columns[index]
        _header_cell(ws, start_column + offset, column)
        ws.column_dimensions[column_letter(start_column + offset)].width = column_width(column)
    ws.freeze_panes = "A2"


def _header_cell(ws: Worksheet, index: int, column: Column) -> None:
    cell = ws.cell(row=1, column=index + 1, value=column.header)
    cell.font = Font(bold=True)
    if column.bot_owned:
        cell.fill = PatternFill("solid", start_color=BOT_COLUMN_COLOUR, end_color=BOT_COLUMN_COLOUR)
        cell.comment = Comment(BOT_COLUMN_NOTE, "SheetCRM")


def apply_layout(book: Workbook, plan: LayoutPlan, settings: Mapping[str, str] = {}) -> None:
    """Carry out ``plan`` on ``book``; ``settings`` overrides default Settings values by key."""
    for tab in plan.tabs:
        if tab.new:
            # New tabs go at the end, but before the hidden dropdown tab, which stays last.
            at = book.sheetnames.index(LISTS_TAB) if LISTS_TAB in book.sheetnames else None
            book.create_sheet(tab.title, index=at)
    for tab in plan.tabs:
        _apply_tab(book, book[tab.title], tab, settings)


def _apply_tab(book: Workbook, ws: Worksheet, tab: TabLayout, settings: Mapping[str, str]) -> None:
    for index, column in tab.new_headers:
        _header_cell(ws, index, column)
    for index, column in tab.widths:
        ws.column_dimensions[column_letter(index)].width = column_width(column)
    for row, texts in enumerate(added_texts(tab.rows, settings), start=tab.rows.first_row):
        for at, text in zip(tab.rows.columns, texts, strict=True):
            ws.cell(row=row, column=at + 1, value=text or None)
    if tab.freeze:
        # Keep frozen columns the team chose; freeze the header row.
        letter = coordinate_from_string(ws.freeze_panes)[0] if ws.freeze_panes else "A"
        ws.freeze_panes = f"{letter}2"
    for index in tab.bold:
        cell = ws.cell(row=1, column=index + 1)
        font = copy(cell.font)
        font.b = True
        cell.font = font
    last_row = max(_VALIDATED_ROWS, ws.max_row)
    for validation in tab.validations:
        rule = _validation(book, tab.tab, validation)
        if validation.update:
            continue  # the rule names the list; pointing the name at the new values is enough
        letter = column_letter(validation.index)
        rule.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(rule)


def _validation(book: Workbook, tab: Tab, validation: Validation) -> DataValidation:
    column = validation.column
    if not validation.choices:
        return DataValidation(
            type="date",
            operator="greaterThan",
            formula1="1",
            allow_blank=True,
            errorStyle="warning",
            showErrorMessage=True,
            errorTitle=column.header,
            error="Type a date, e.g. 2024-03-05 or 05/03/2024",
        )
    # The list lives in the hidden tab so it may exceed Excel's 255-character inline limit.
    name = f"choices_{tab.name}_{column.key}".replace(" ", "_")
    if not _names_a_list(book, name, validation.choices):
        book.defined_names[name] = DefinedName(
            name, attr_text=_choice_range(book, validation.choices)
        )
    return DataValidation(
        type="list",
        formula1=name,
        allow_blank=True,
        errorStyle="warning",
        showErrorMessage=True,
        error=f"Pick one of: {', '.join(validation.choices)}",
        errorTitle=column.header,
    )


def _named_values(book: Workbook, name: str) -> list[object] | None:
    """The cell values a defined name points at in the hidden dropdown tab (None: elsewhere)."""
    if name not in book.defined_names or LISTS_TAB not in book.sheetnames:
        return None
    destinations = list(book.defined_names[name].destinations)
    if len(destinations) != 1 or destinations[0][0] != LISTS_TAB:
        return None
    cells = book[LISTS_TAB][destinations[0][1].replace("$", "")]
    if not isinstance(cells, tuple):
        return [cells.value]
    return [c.value for row in cells for c in (row if isinstance(row, tuple) else (row,))]


def _names_a_list(book: Workbook, name: str, choices: Sequence[str]) -> bool:
    """True when the defined name already points at these choices in the hidden tab."""
    return _named_values(book, name) == list(choices)


def _choice_range(book: Workbook, choices: Sequence[str]) -> str:
    lists = book[LISTS_TAB] if LISTS_TAB in book.sheetnames else book.create_sheet(LISTS_TAB)
    lists.sheet_state = "hidden"
    used = [c.column for row in lists.iter_rows() for c in row if _has_value(c.value)]
    column = max(used, default=0) + 1
    for row, choice in enumerate(choices, start=1):
        lists.cell(row=row, column=column, value=choice)
    letter = column_letter(column - 1)
    return f"{LISTS_TAB}!${letter}$1:${letter}${len(choices)}"
