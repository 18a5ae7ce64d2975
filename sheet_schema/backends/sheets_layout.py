"""The one ``spreadsheets:batchUpdate`` of ``sheetcrm init``, from a :mod:`sheet_schema.layout`
plan.

``init`` on an existing spreadsheet adds what is missing and touches nothing of the team's: missing
tabs, missing header cells (after the team's last used column), dropdowns on team choice columns,
date checks on team date columns, a date format on bot date columns (the bot writes serial
numbers), a frozen bold header, highlight rules (overdue follow-ups, rows with problems) and
warning-only protection of bot columns; SheetCRM's own dropdowns and highlight rules that name old
list values or columns are replaced. What is missing is decided by
:func:`sheet_schema.layout.plan_layout` (the same planner the .xlsx backend uses); this module
reads the spreadsheet's metadata JSON into :class:`SheetInfo` and turns the plan into requests. The
functions here are pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sheet_schema.backends.sheets_values import quote_title
from sheet_schema.cells import cell_text
from sheet_schema.highlights import RuleInfo
from sheet_schema.layout import (
    BOT_COLUMN_COLOUR,
    BOT_COLUMN_NOTE,
    SHEETS_FEATURES,
    CellInfo,
    LayoutPlan,
    SheetInfo,
    TabLayout,
    column_width,
    plan_layout,
)
from sheet_schema.lists import LISTS
from sheet_schema.reading import Grid, build_snapshot
from sheet_schema.schema import Column, ColumnType, Schema

NEW_TAB_ROWS = 1000
NEW_TAB_COLUMNS = 26
_PIXELS_PER_CHARACTER = 7


def init_metadata_fields() -> str:
    """The ``fields`` mask of init's metadata GET: sizes, rules and protections, no cells."""
    return (
        "properties.title,sheets(properties(sheetId,title,index,gridProperties),"
        "conditionalFormats,protectedRanges)"
    )


def _is_lists(schema: Schema, title: str) -> bool:
    tab = schema.find_tab(title)
    return tab is not None and tab.name == LISTS


def init_data_ranges(schema: Schema, metadata: Mapping[str, Any]) -> list[str]:
    """Rows 1-2 of every worksheet init may touch (headers, their format, row 2's validation),
    and the whole Lists tab, whose values the dropdowns offer."""
    titles = [_props(s).get("title", "") for s in metadata.get("sheets", [])]
    return [
        quote_title(t) if _is_lists(schema, t) else f"{quote_title(t)}!1:2"
        for t in titles
        if schema.find_tab(t) is not None
    ]


def workbook_schema(schema: Schema, metadata: Mapping[str, Any], grid: Mapping[str, Any]) -> Schema:
    """The schema with the team's lists, from the Lists tab in init's grid GET."""
    ids = {
        int(_props(s).get("sheetId", 0)): str(_props(s).get("title", ""))
        for s in metadata.get("sheets", [])
    }
    grids: dict[str, Grid] = {}
    for sheet in grid.get("sheets", []):
        title = ids.get(int(_props(sheet).get("sheetId", 0)), "")
        if not _is_lists(schema, title):
            continue
        rows: list[list[object]] = []
        for data in sheet.get("data", []):
            for row in data.get("rowData", []):
                rows.append([_cell_text(v) for v in row.get("values", [])])
        grids[title] = rows
    return build_snapshot(schema, grids, datetime.now(UTC), tabs=[LISTS]).schema_or(schema)


def _cell_text(data: Mapping[str, Any]) -> str:
    value = data.get("formattedValue")
    entered = data.get("userEnteredValue") or {}
    if value is None and isinstance(entered, Mapping) and entered:
        value = next(iter(entered.values()))
    return cell_text(value)


def _props(sheet: Mapping[str, Any]) -> Mapping[str, Any]:
    props = sheet.get("properties", {})
    return props if isinstance(props, Mapping) else {}


@dataclass(frozen=True)
class GridSize:
    """Where an existing worksheet is and how big its grid is (Sheets writes only inside it)."""

    sheet_id: int
    rows: int
    columns: int


_DROPDOWN_HELP = "Pick one of: "


def _dropdown(rule: Any) -> tuple[str, ...] | None:
    """The values of a dropdown SheetCRM set (known by its help text), else None."""
    if not isinstance(rule, Mapping) or not str(rule.get("inputMessage", "")).startswith(
        _DROPDOWN_HELP
    ):
        return None
    condition = rule.get("condition") or {}
    if condition.get("type") != "ONE_OF_LIST":
        return None
    return tuple(str(v.get("userEnteredValue", "")) for v in condition.get("values", []))


def _cell_info(data: Mapping[str, Any]) -> CellInfo:
    fmt = data.get("userEnteredFormat") or {}
    return CellInfo(
        text=_cell_text(data),
        bold=bool((fmt.get("textFormat") or {}).get("bold")),
        validated=data.get("dataValidation") is not None,
        number_format=bool(fmt.get("numberFormat")),
        dropdown=_dropdown(data.get("dataValidation")),
    )


def _rows_of(sheet: Mapping[str, Any]) -> tuple[tuple[CellInfo, ...], tuple[CellInfo, ...]]:
    rows: list[tuple[CellInfo, ...]] = [(), ()]
    for data in sheet.get("data", []):
        start = int(data.get("startRow", 0))
        for offset, row in enumerate(data.get("rowData", [])):
            if start + offset < 2:
                rows[start + offset] = tuple(_cell_info(v) for v in row.get("values", []))
    return rows[0], rows[1]


def _rule_info(rule: Mapping[str, Any]) -> RuleInfo:
    """A conditional format of the metadata GET: its custom formula and background colour."""
    boolean = rule.get("booleanRule") or {}
    condition = boolean.get("condition") or {}
    values = condition.get("values") or [{}]
    formula = (
        str(values[0].get("userEnteredValue", ""))
        if condition.get("type") == ("CUSTOM_FORMULA")
        else ""
    )
    fmt = boolean.get("format") or {}
    rgb = fmt.get("backgroundColor") or (fmt.get("backgroundColorStyle") or {}).get("rgbColor")
    return RuleInfo(formula=formula, colour=hex_colour(rgb) if rgb else "")


def sheet_infos(
    metadata: Mapping[str, Any], grid: Mapping[str, Any]
) -> tuple[list[SheetInfo], dict[str, GridSize]]:
    """Worksheets from init's metadata GET and its rows-1-2 GET, and their grids by title."""
    cells = {int(_props(s).get("sheetId", 0)): _rows_of(s) for s in grid.get("sheets", [])}
    infos = []
    sizes = {}
    for sheet in metadata.get("sheets", []):
        props = _props(sheet)
        grid_props = props.get("gridProperties", {})
        sheet_id = int(props.get("sheetId", 0))
        title = str(props.get("title", ""))
        header, second = cells.get(sheet_id, ((), ()))
        rules = tuple(_rule_info(rule) for rule in sheet.get("conditionalFormats", []))
        protected = {str(p.get("description", "")) for p in sheet.get("protectedRanges", [])}
        infos.append(
            SheetInfo(
                title=title,
                header=header,
                second=second,
                # Only rows 1-2 are read: the team's columns are those with a header or a
                # value, validation or format in row 2.
                used_columns=len(second),
                frozen_rows=int(grid_props.get("frozenRowCount", 0)),
                rules=rules,
                protected=frozenset(protected),
            )
        )
        sizes[title] = GridSize(
            sheet_id=sheet_id,
            rows=int(grid_props.get("rowCount", NEW_TAB_ROWS)),
            columns=int(grid_props.get("columnCount", NEW_TAB_COLUMNS)),
        )
    return infos, sizes


def colour(hex_rgb: str) -> dict[str, float]:
    """A Sheets Color from "RRGGBB"."""
    red, green, blue = (int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def hex_colour(rgb: Mapping[str, Any]) -> str:
    """ "RRGGBB" from a Sheets Color (Google leaves out channels that are 0)."""
    return "".join(f"{round(float(rgb.get(c) or 0) * 255):02X}" for c in ("red", "green", "blue"))


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
    if tab.settings:
        rows = [
            {"values": [_text_cell(s.key), _text_cell(s.value), _text_cell(s.note)]}
            for s in tab.settings
        ]
        requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": sid, "rowIndex": 1, "columnIndex": 0},
                    "rows": rows,
                    "fields": "userEnteredValue",
                }
            }
        )
    if tab.list_rows:
        requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": sid, "rowIndex": 1, "columnIndex": 0},
                    "rows": [
                        {
                            "values": [
                                _text_cell(text) for text in (r.list, r.value, r.meaning, r.aliases)
                            ]
                        }
                        for r in tab.list_rows
                    ],
                    "fields": "userEnteredValue",
                }
            }
        )
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


def _check_requests(tab: TabLayout, sid: int) -> list[dict[str, Any]]:
    """Dropdowns, date checks and date formats."""
    requests: list[dict[str, Any]] = []
    for validation in tab.validations:
        if validation.choices:
            condition: dict[str, Any] = {
                "type": "ONE_OF_LIST",
                "values": [{"userEnteredValue": c} for c in validation.choices],
            }
            help_text = f"{_DROPDOWN_HELP}{', '.join(validation.choices)}"
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
