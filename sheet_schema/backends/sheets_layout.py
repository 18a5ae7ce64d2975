"""The one ``spreadsheets:batchUpdate`` of ``sheetcrm init``, from a :mod:`sheet_schema.layout`
plan.

``init`` on an existing spreadsheet adds what is missing and touches nothing of the team's: missing
tabs, missing header cells (after the team's last used column), the Settings and Lists rows of
later versions (after the team's rows), dropdowns on team choice columns,
date checks on team date columns, a date format on bot date columns (the bot writes serial
numbers), a frozen bold header, highlight rules (overdue follow-ups, rows with problems) and
warning-only protection of bot columns; SheetCRM's own dropdowns and highlight rules that name old
list values or columns are replaced. What is missing is decided by
:func:`sheet_schema.layout.plan_layout` (the same planner the .xlsx backend uses), over what
:mod:`sheet_schema.backends.sheets_init_read` read of the spreadsheet; this module turns the plan
into requests. The functions here are pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sheet_schema.backends.sheets_init_read import (
    DROPDOWN_HELP,
    NEW_TAB_COLUMNS,
    NEW_TAB_ROWS,
    GridSize,
)
from sheet_schema.init_rows import added_texts
from sheet_schema.layout import plan_layout
from sheet_schema.layout_plan import (
    BOT_COLUMN_COLOUR,
    BOT_COLUMN_NOTE,
    SHEETS_FEATURES,
    LayoutPlan,
    SheetInfo,
    TabLayout,
    column_width,
)
from sheet_schema.schema import Column, ColumnType, Schema

_PIXELS_PER_CHARACTER = 7


def colour(hex_rgb: str) -> dict[str, float]:
    """A Sheets Color from "RRGGBB"."""
    red, green, blue = (int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


@dataclass
class Layout:
    """The plan of ``sheetcrm init`` and the requests of its one ``spreadsheets:batchUpdate``."""

    plan: LayoutPlan
    requests: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, title: str) -> str:
        """A few lines for the person who ran ``sheetcrm init``."""
        return self.plan.summary(f"spreadsheet {title!r}", " (one batch update)")


def _grid(sheet_id: int, **bounds: int | None) -> dict[str, int]:
    return {"sheetId": sheet_id, **{k: v for k, v in bounds.items() if v is not None}}


def _header_cell(column: Column) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "userEnteredValue": {"stringValue": column.header},
        "userEnteredFormat": {"textFormat": {"bold": True}},
    }
    if column.bot_owned:
        cell["userEnteredFormat"]["backgroundColor"] = colour(BOT_COLUMN_COLOUR)
        cell["note"] = BOT_COLUMN_NOTE
    return cell


def _text_cell(text: str) -> dict[str, Any]:
    return {"userEnteredValue": {"stringValue": text}}


def _below_header(sheet_id: int, index: int) -> dict[str, int]:
    return _grid(sheet_id, startRowIndex=1, startColumnIndex=index, endColumnIndex=index + 1)


def _tab_requests(tab: TabLayout, size: GridSize) -> list[dict[str, Any]]:
    """Every request one tab needs, in an order Google accepts."""
    return [
        *_header_requests(tab, size),
        *_check_requests(tab, size.sheet_id),
        *_rule_requests(tab, size.sheet_id),
    ]


def _header_requests(tab: TabLayout, size: GridSize) -> list[dict[str, Any]]:
    """The tab, its room, header cells, default settings, frozen row and bold header."""
    sid = size.sheet_id
    requests: list[dict[str, Any]] = []
    if tab.new:
        grid_properties = {"rowCount": size.rows, "columnCount": size.columns, "frozenRowCount": 1}
        properties = {"sheetId": sid, "title": tab.title, "gridProperties": grid_properties}
        requests.append({"addSheet": {"properties": properties}})
    if tab.width > size.columns:
        append = {"sheetId": sid, "dimension": "COLUMNS", "length": tab.width - size.columns}
        requests.append({"appendDimension": append})
    for start, columns in _runs(tab.new_headers):
        requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": sid, "rowIndex": 0, "columnIndex": start},
                    "rows": [{"values": [_header_cell(c) for c in columns]}],
                    "fields": "userEnteredValue,userEnteredFormat(textFormat.bold,"
                    "backgroundColor),note",
                }
            }
        )
    requests.extend(_row_requests(tab, size))
    if tab.freeze and not tab.new:  # a new tab is added frozen
        requests.append(
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sid, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRowCount",
                }
            }
        )
    for index in tab.bold:
        requests.append(
            {
                "repeatCell": {
                    "range": _grid(
                        sid,
                        startRowIndex=0,
                        endRowIndex=1,
                        startColumnIndex=index,
                        endColumnIndex=index + 1,
                    ),
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold",
                }
            }
        )
    return requests


def _row_requests(tab: TabLayout, size: GridSize) -> list[dict[str, Any]]:
    """The Settings or Lists rows init adds, in one ``updateCells`` below the team's rows (the
    rows there are empty, so the cells between the written columns are empty already)."""
    added = tab.rows
    texts = added_texts(added)
    if not texts:
        return []
    sid = size.sheet_id
    requests: list[dict[str, Any]] = []
    last = added.first_row - 1 + len(texts)
    if not tab.new and last > size.rows:
        append = {"sheetId": sid, "dimension": "ROWS", "length": last - size.rows}
        requests.append({"appendDimension": append})
    start = min(added.columns)
    rows = []
    for row in texts:
        cells: list[dict[str, Any]] = [{} for _ in range(max(added.columns) - start + 1)]
        for at, text in zip(added.columns, row, strict=True):
            cells[at - start] = _text_cell(text) if text else {}
        rows.append({"values": cells})
    origin = {"sheetId": sid, "rowIndex": added.first_row - 1, "columnIndex": start}
    requests.append({"updateCells": {"start": origin, "rows": rows, "fields": "userEnteredValue"}})
    return requests


def _check_requests(tab: TabLayout, sid: int) -> list[dict[str, Any]]:
    """Dropdowns, date checks and date formats."""
    requests: list[dict[str, Any]] = []
    for validation in tab.validations:
        if validation.choices:
            condition: dict[str, Any] = {
                "type": "ONE_OF_LIST",
                "values": [{"userEnteredValue": c} for c in validation.choices],
            }
            help_text = f"{DROPDOWN_HELP}{', '.join(validation.choices)}"
        else:
            condition = {"type": "DATE_IS_VALID"}
            help_text = "Type a date, e.g. 2024-03-05"
        rule = {
            "condition": condition,
            "inputMessage": help_text,
            "strict": False,
            "showCustomUi": bool(validation.choices),
        }
        range_ = _below_header(sid, validation.index)
        requests.append({"setDataValidation": {"range": range_, "rule": rule}})
    for index, column in tab.date_formats:
        if column.type is ColumnType.DATETIME:
            number_format = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
        else:
            number_format = {"type": "DATE", "pattern": "yyyy-mm-dd"}
        requests.append(
            {
                "repeatCell": {
                    "range": _below_header(sid, index),
                    "cell": {"userEnteredFormat": {"numberFormat": number_format}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
    return requests


def _rule_requests(tab: TabLayout, sid: int) -> list[dict[str, Any]]:
    """Highlight rules, warnings on bot columns and widths of new columns."""
    # SheetCRM's stale rules go first, highest index first, so each index is still the one read
    # (the adds below insert at index 0 and would shift them).
    requests: list[dict[str, Any]] = [
        {"deleteConditionalFormatRule": {"sheetId": sid, "index": stale.index}}
        for stale in tab.stale_highlights
    ]
    for highlight in tab.highlights:
        rows_below = _grid(sid, startRowIndex=1, startColumnIndex=0, endColumnIndex=tab.width)
        condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": highlight.formula}]}
        boolean_rule = {
            "condition": condition,
            "format": {"backgroundColor": colour(highlight.colour)},
        }
        requests.append(
            {
                "addConditionalFormatRule": {
                    "rule": {"ranges": [rows_below], "booleanRule": boolean_rule},
                    "index": 0,
                }
            }
        )
    for protection in tab.protections:
        at = protection.index
        range_ = (
            _grid(sid) if at is None else _grid(sid, startColumnIndex=at, endColumnIndex=at + 1)
        )
        requests.append(
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": range_,
                        "description": protection.description,
                        "warningOnly": True,
                    }
                }
            }
        )
    for index, column in tab.widths:
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sid,
                        "dimension": "COLUMNS",
                        "startIndex": index,
                        "endIndex": index + 1,
                    },
                    "properties": {"pixelSize": column_width(column) * _PIXELS_PER_CHARACTER},
                    "fields": "pixelSize",
                }
            }
        )
    return requests


def _runs(cells: Sequence[tuple[int, Column]]) -> list[tuple[int, list[Column]]]:
    """Header cells grouped into runs of adjacent columns (one updateCells each)."""
    runs: list[tuple[int, list[Column]]] = []
    for index, column in cells:
        if runs and runs[-1][0] + len(runs[-1][1]) == index:
            runs[-1][1].append(column)
        else:
            runs.append((index, [column]))
    return runs


def layout_requests(
    schema: Schema,
    sheets: Sequence[SheetInfo],
    sizes: Mapping[str, GridSize],
    init_command: str = "sheetcrm init --spreadsheet ID",
) -> Layout:
    """The plan for these worksheets and every request it needs (none when all is in place)."""
    plan = plan_layout(schema, sheets, SHEETS_FEATURES, init_command)
    layout = Layout(plan)
    next_id = max((s.sheet_id for s in sizes.values()), default=0) + 1
    for tab in plan.tabs:
        if tab.new:
            columns = max(NEW_TAB_COLUMNS, len(tab.tab.columns))
            size = GridSize(sheet_id=next_id, rows=NEW_TAB_ROWS, columns=columns)
            next_id += 1
        else:
            size = sizes[tab.title]
        layout.requests.extend(_tab_requests(tab, size))
    return layout
