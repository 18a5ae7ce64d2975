"""The one ``spreadsheets:batchUpdate`` of ``sheetcrm init``, built from :mod:`sheet_schema.layout`.

``init`` on an existing spreadsheet adds what is missing and touches nothing else: missing tabs,
missing header cells (after the team's last used column), dropdowns on team choice columns, date
checks on team date columns, a date format on bot date columns (the bot writes serial numbers),
a frozen bold header, highlight rules (overdue follow-ups, rows with problems) and warning-only
protection of bot columns. Every request is added only when the spreadsheet lacks it, so a
second run finds nothing to do and sends nothing. The functions here are pure: they read the
metadata JSON and return requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sheet_schema.backends.sheets_values import quote_title
from sheet_schema.cells import cell_text
from sheet_schema.headers import HeaderError, column_letter, map_headers
from sheet_schema.layout import (
    BOT_COLUMN_COLOUR,
    BOT_COLUMN_NOTE,
    DEFAULT_SETTINGS,
    column_width,
    dropdown_values,
    is_date_column,
)
from sheet_schema.reading import match_worksheets
from sheet_schema.schema import Column, ColumnType, Schema, Tab

NEW_TAB_ROWS = 1000
NEW_TAB_COLUMNS = 26
PROBLEM_COLOUR = "FFF2CC"  # light yellow: "look at this row"
OVERDUE_COLOUR = "F4CCCC"  # light red: the follow-up date has passed
_PIXELS_PER_CHARACTER = 7


def init_metadata_fields() -> str:
    """The ``fields`` mask of init's metadata GET: sizes, rules and protections, no cells."""
    return (
        "properties.title,sheets(properties(sheetId,title,index,gridProperties),"
        "conditionalFormats,protectedRanges)"
    )


def init_data_ranges(schema: Schema, metadata: Mapping[str, Any]) -> list[str]:
    """Rows 1-2 of every worksheet init may touch: headers, their format, row 2's validation."""
    titles = [_props(s).get("title", "") for s in metadata.get("sheets", [])]
    return [f"{quote_title(t)}!1:2" for t in titles if schema.find_tab(t) is not None]


def _props(sheet: Mapping[str, Any]) -> Mapping[str, Any]:
    props = sheet.get("properties", {})
    return props if isinstance(props, Mapping) else {}


@dataclass(frozen=True)
class CellInfo:
    """What init needs to know of one cell of rows 1-2."""

    text: str = ""
    bold: bool = False
    validated: bool = False
    number_format: bool = False


@dataclass(frozen=True)
class SheetInfo:
    """One existing worksheet, as far as init is concerned."""

    sheet_id: int
    title: str
    rows: int
    columns: int
    frozen_rows: int
    header: tuple[CellInfo, ...] = ()
    second: tuple[CellInfo, ...] = ()
    formulas: frozenset[str] = frozenset()
    protected: frozenset[str] = frozenset()


def _cell_info(data: Mapping[str, Any]) -> CellInfo:
    entered = data.get("userEnteredValue") or {}
    value: object = data.get("formattedValue")
    if value is None and isinstance(entered, Mapping) and entered:
        value = next(iter(entered.values()))
    fmt = data.get("userEnteredFormat") or {}
    return CellInfo(
        text=cell_text(value),
        bold=bool((fmt.get("textFormat") or {}).get("bold")),
        validated=data.get("dataValidation") is not None,
        number_format=bool(fmt.get("numberFormat")),
    )


def _rows_of(sheet: Mapping[str, Any]) -> tuple[tuple[CellInfo, ...], tuple[CellInfo, ...]]:
    rows: list[tuple[CellInfo, ...]] = [(), ()]
    for data in sheet.get("data", []):
        start = int(data.get("startRow", 0))
        for offset, row in enumerate(data.get("rowData", [])):
            if start + offset < 2:
                rows[start + offset] = tuple(_cell_info(v) for v in row.get("values", []))
    return rows[0], rows[1]


def sheet_infos(
    schema: Schema, metadata: Mapping[str, Any], grid: Mapping[str, Any]
) -> list[SheetInfo]:
    """Worksheets from init's metadata GET and its rows-1-2 GET."""
    cells = {int(_props(s).get("sheetId", 0)): _rows_of(s) for s in grid.get("sheets", [])}
    infos = []
    for sheet in metadata.get("sheets", []):
        props = _props(sheet)
        grid_props = props.get("gridProperties", {})
        sheet_id = int(props.get("sheetId", 0))
        header, second = cells.get(sheet_id, ((), ()))
        formulas = {
            str(value.get("userEnteredValue", ""))
            for rule in sheet.get("conditionalFormats", [])
            for value in ((rule.get("booleanRule") or {}).get("condition") or {}).get("values", [])
        }
        protected = {str(p.get("description", "")) for p in sheet.get("protectedRanges", [])}
        infos.append(
            SheetInfo(
                sheet_id=sheet_id,
                title=str(props.get("title", "")),
                rows=int(grid_props.get("rowCount", NEW_TAB_ROWS)),
                columns=int(grid_props.get("columnCount", NEW_TAB_COLUMNS)),
                frozen_rows=int(grid_props.get("frozenRowCount", 0)),
                header=header,
                second=second,
                formulas=frozenset(formulas),
                protected=frozenset(protected),
            )
        )
    return infos


def colour(hex_rgb: str) -> dict[str, float]:
    """A Sheets Color from "RRGGBB"."""
    red, green, blue = (int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def protection_description(tab: Tab, column: Column | None) -> str:
    """How init labels the warning on a bot column (also how it recognises it next time)."""
    if column is None:
        return f"SheetCRM: the bot writes the {tab.name} tab"
    return f"SheetCRM: the bot fills {tab.name} / {column.header}"


@dataclass
class Layout:
    """The requests of one ``spreadsheets:batchUpdate`` and what they add, for the summary."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    added_tabs: list[str] = field(default_factory=list)
    added_headers: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        """Note that ``n`` more things of a kind were added."""
        self.counts[what] = self.counts.get(what, 0) + n

    def summary(self, title: str) -> str:
        """A few lines for the person who ran ``sheetcrm init``."""
        lines = []
        if not self.requests:
            lines.append(f"Spreadsheet {title!r} is already set up for SheetCRM: nothing changed.")
        else:
            lines.append(f"Set up spreadsheet {title!r} for SheetCRM (one batch update):")
            if self.added_tabs:
                lines.append(f"- added tabs: {', '.join(self.added_tabs)}")
            for tab, headers in self.added_headers.items():
                lines.append(f"- {tab}: added columns {', '.join(headers)}")
            labels = {
                "dropdowns": "dropdowns on choice columns",
                "date_checks": "date checks on date columns",
                "date_formats": "date formats on bot date columns",
                "frozen": "tab(s) given a frozen header row",
                "bold": "header cells made bold",
                "highlights": "highlight rules (overdue follow-ups, rows with problems)",
                "protected": "bot columns that warn before a person edits them",
                "settings": "default settings",
            }
            for key, label in labels.items():
                if self.counts.get(key):
                    lines.append(f"- {self.counts[key]} {label}")
        lines.extend(f"Not changed: {p}" for p in self.problems)
        return "\n".join(lines)


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


class _TabLayout:
    """Requests for one tab, existing or new."""

    def __init__(self, layout: Layout, tab: Tab, info: SheetInfo, new: bool) -> None:
        self.layout = layout
        self.tab = tab
        self.info = info
        self.new = new

    def add(self, request: dict[str, Any]) -> None:
        self.layout.requests.append(request)

    def run(self) -> None:
        """Every request this tab needs, in an order Google accepts."""
        texts = [c.text for c in self.info.header]
        try:
            headers = map_headers(self.tab, texts)
        except HeaderError as error:
            self.layout.problems.append(f"{error} Fix it and run init again.")
            return
        positions = dict(headers.positions)
        start = max(headers.width, len(self.info.second))
        missing = [self.tab.column(key) for key in headers.missing()]
        for offset, column in enumerate(missing):
            positions[column.key] = start + offset
        width = max([start + len(missing), *(p + 1 for p in positions.values())])
        self._grow(width)
        self._headers(start, missing)
        self._freeze_and_bold(headers.positions)
        if not self.tab.append_only:
            self._validations(positions)
        self._date_formats(positions)
        self._highlights(positions, width)
        self._protect(positions)
        if self.new:
            self._widths()

    def _grow(self, width: int) -> None:
        if width > self.info.columns:
            self.add(
                {
                    "appendDimension": {
                        "sheetId": self.info.sheet_id,
                        "dimension": "COLUMNS",
                        "length": width - self.info.columns,
                    }
                }
            )

    def _headers(self, start: int, missing: Sequence[Column]) -> None:
        if not missing:
            return
        self.add(
            {
                "updateCells": {
                    "start": {"sheetId": self.info.sheet_id, "rowIndex": 0, "columnIndex": start},
                    "rows": [{"values": [_header_cell(c) for c in missing]}],
                    "fields": "userEnteredValue,userEnteredFormat(textFormat.bold,"
                    "backgroundColor),note",
                }
            }
        )
        if not self.new:
            self.layout.added_headers[self.tab.name] = [c.header for c in missing]
        if self.new and self.tab.name == "Settings":
            self.add(
                {
                    "updateCells": {
                        "start": {"sheetId": self.info.sheet_id, "rowIndex": 1, "columnIndex": 0},
                        "rows": [
                            {"values": [_text_cell(s.key), _text_cell(s.value), _text_cell(s.note)]}
                            for s in DEFAULT_SETTINGS
                        ],
                        "fields": "userEnteredValue",
                    }
                }
            )
            self.layout.count("settings", len(DEFAULT_SETTINGS))

    def _freeze_and_bold(self, existing: Mapping[str, int]) -> None:
        if self.info.frozen_rows < 1 and not self.new:
            self.add(
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": self.info.sheet_id,
                            "gridProperties": {"frozenRowCount": 1},
                        },
                        "fields": "gridProperties.frozenRowCount",
                    }
                }
            )
            self.layout.count("frozen")
        for index in sorted(existing.values()):
            if index < len(self.info.header) and not self.info.header[index].bold:
                self.add(
                    {
                        "repeatCell": {
                            "range": _grid(
                                self.info.sheet_id,
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
                self.layout.count("bold")

    def _second(self, index: int) -> CellInfo:
        return self.info.second[index] if index < len(self.info.second) else CellInfo()

    def _column_below_header(self, index: int) -> dict[str, int]:
        return _grid(
            self.info.sheet_id, startRowIndex=1, startColumnIndex=index, endColumnIndex=index + 1
        )

    def _validations(self, positions: Mapping[str, int]) -> None:
        for column in self.tab.columns:
            index = positions[column.key]
            if column.bot_owned or self._second(index).validated:
                continue  # never replace a rule the team set up
            choices = dropdown_values(column)
            if choices:
                condition: dict[str, Any] = {
                    "type": "ONE_OF_LIST",
                    "values": [{"userEnteredValue": c} for c in choices],
                }
                help_text = f"Pick one of: {', '.join(choices)}"
                kind = "dropdowns"
            elif is_date_column(column):
                condition = {"type": "DATE_IS_VALID"}
                help_text = "Type a date, e.g. 2024-03-05"
                kind = "date_checks"
            else:
                continue
            self.add(
                {
                    "setDataValidation": {
                        "range": self._column_below_header(index),
                        "rule": {
                            "condition": condition,
                            "inputMessage": help_text,
                            "strict": False,
                            "showCustomUi": bool(choices),
                        },
                    }
                }
            )
            self.layout.count(kind)

    def _date_formats(self, positions: Mapping[str, int]) -> None:
        for column in self.tab.columns:
            index = positions[column.key]
            if not (column.bot_owned and is_date_column(column)):
                continue
            if self._second(index).number_format:
                continue
            if column.type is ColumnType.DATETIME:
                number_format = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
            else:
                number_format = {"type": "DATE", "pattern": "yyyy-mm-dd"}
            self.add(
                {
                    "repeatCell": {
                        "range": self._column_below_header(index),
                        "cell": {"userEnteredFormat": {"numberFormat": number_format}},
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
            self.layout.count("date_formats")

    def _highlight(self, formula: str, hex_rgb: str, width: int) -> None:
        if formula in self.info.formulas:
            return
        self.add(
            {
                "addConditionalFormatRule": {
                    "rule": {
                        "ranges": [
                            _grid(
                                self.info.sheet_id,
                                startRowIndex=1,
                                startColumnIndex=0,
                                endColumnIndex=width,
                            )
                        ],
                        "booleanRule": {
                            "condition": {
                                "type": "CUSTOM_FORMULA",
                                "values": [{"userEnteredValue": formula}],
                            },
                            "format": {"backgroundColor": colour(hex_rgb)},
                        },
                    },
                    "index": 0,
                }
            }
        )
        self.layout.count("highlights")

    def _highlights(self, positions: Mapping[str, int], width: int) -> None:
        if self.tab.append_only:
            return
        if "problems" in positions:
            letter = column_letter(positions["problems"])
            self._highlight(f"=LEN(${letter}2)>0", PROBLEM_COLOUR, width)
        if self.tab.name == "Deals" and "follow_up_due" in positions:
            due = column_letter(positions["follow_up_due"])
            parts = [f"ISNUMBER(${due}2)", f"${due}2<TODAY()"]
            if "stage" in positions:
                stage = column_letter(positions["stage"])
                parts += [f'${stage}2<>"Won"', f'${stage}2<>"Lost"']
            self._highlight(f"=AND({','.join(parts)})", OVERDUE_COLOUR, width)

    def _protect(self, positions: Mapping[str, int]) -> None:
        targets: list[tuple[str, dict[str, int]]] = []
        if self.tab.append_only:
            targets.append((protection_description(self.tab, None), _grid(self.info.sheet_id)))
        else:
            for column in self.tab.bot_columns:
                index = positions[column.key]
                targets.append(
                    (
                        protection_description(self.tab, column),
                        _grid(self.info.sheet_id, startColumnIndex=index, endColumnIndex=index + 1),
                    )
                )
        for description, grid_range in targets:
            if description in self.info.protected:
                continue
            self.add(
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": grid_range,
                            "description": description,
                            "warningOnly": True,
                        }
                    }
                }
            )
            self.layout.count("protected")

    def _widths(self) -> None:
        for index, column in enumerate(self.tab.columns):
            self.add(
                {
                    "updateDimensionProperties": {
                        "range": {
                            "sheetId": self.info.sheet_id,
                            "dimension": "COLUMNS",
                            "startIndex": index,
                            "endIndex": index + 1,
                        },
                        "properties": {"pixelSize": column_width(column) * _PIXELS_PER_CHARACTER},
                        "fields": "pixelSize",
                    }
                }
            )


def plan_layout(schema: Schema, sheets: Sequence[SheetInfo]) -> Layout:
    """Every request ``init`` needs against these worksheets (none when all is in place)."""
    layout = Layout()
    titles, _ = match_worksheets(schema, [s.title for s in sheets])
    by_title = {s.title: s for s in sheets}
    next_id = max((s.sheet_id for s in sheets), default=0) + 1
    for tab in schema.tabs:
        if tab.name in titles:
            _TabLayout(layout, tab, by_title[titles[tab.name]], new=False).run()
            continue
        info = SheetInfo(
            sheet_id=next_id,
            title=tab.name,
            rows=NEW_TAB_ROWS,
            columns=max(NEW_TAB_COLUMNS, len(tab.columns)),
            frozen_rows=1,
        )
        next_id += 1
        layout.requests.append(
            {
                "addSheet": {
                    "properties": {
                        "sheetId": info.sheet_id,
                        "title": tab.name,
                        "gridProperties": {
                            "rowCount": info.rows,
                            "columnCount": info.columns,
                            "frozenRowCount": 1,
                        },
                    }
                }
            }
        )
        layout.added_tabs.append(tab.name)
        _TabLayout(layout, tab, info, new=True).run()
    return layout
