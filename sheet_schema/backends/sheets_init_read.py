"""What ``sheetcrm init`` reads of a Google spreadsheet, as :mod:`sheet_schema.layout` needs it.

Init makes two GETs before its one ``batchUpdate``: the metadata (sheet ids, grid sizes,
conditional formats, protected ranges; :func:`init_metadata_fields`) and rows 1-2 of every
worksheet with the whole Settings and Lists tabs (:func:`init_data_ranges`). This module turns
their JSON into :class:`~sheet_schema.layout.SheetInfo` (the two whole tabs with every row's
text, from which the planner reads the team's lists and what they lack) and :class:`GridSize`
(:func:`sheet_infos`); what to add is then planned by
:func:`sheet_schema.layout.plan_layout` and sent as the requests of
:mod:`sheet_schema.backends.sheets_layout`. The functions here are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sheet_schema.backends.sheets_values import quote_title
from sheet_schema.cells import cell_text
from sheet_schema.highlights import RuleInfo
from sheet_schema.init_rows import SETTINGS
from sheet_schema.layout_plan import CellInfo, SheetInfo
from sheet_schema.lists import LISTS
from sheet_schema.reading import match_worksheets
from sheet_schema.schema import Schema

NEW_TAB_ROWS = 1000
NEW_TAB_COLUMNS = 26
# The help text of SheetCRM's dropdowns: how init recognises its own next time.
DROPDOWN_HELP = "Pick one of: "


def init_metadata_fields() -> str:
    """The ``fields`` mask of init's metadata GET: sizes, rules and protections, no cells."""
    return (
        "properties.title,sheets(properties(sheetId,title,index,gridProperties),"
        "conditionalFormats,protectedRanges)"
    )


def _is_whole(schema: Schema, title: str) -> bool:
    """True for the tabs init reads whole: Settings and Lists, where it adds missing rows."""
    tab = schema.find_tab(title)
    return tab is not None and tab.name in (SETTINGS, LISTS)


def init_data_ranges(schema: Schema, metadata: Mapping[str, Any]) -> list[str]:
    """Rows 1-2 of every worksheet init may touch (headers, their format, row 2's validation),
    and the whole Settings and Lists tabs, to add the rows they lack (and the Lists tab's
    values are what the dropdowns offer)."""
    titles = [_props(s).get("title", "") for s in metadata.get("sheets", [])]
    found, _ = match_worksheets(schema, titles)
    # While a tab is missing, row 1 of the worksheets SheetCRM does not know too: one of them
    # may be that tab, renamed (init then says so instead of adding an empty one).
    others = len(found) < len(schema.tabs)
    return [
        quote_title(t) if _is_whole(schema, t) else f"{quote_title(t)}!1:2"
        for t in titles
        if others or schema.find_tab(t) is not None
    ]


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


def _dropdown(rule: Any) -> tuple[str, ...] | None:
    """The values of a dropdown SheetCRM set (known by its help text), else None."""
    if not isinstance(rule, Mapping) or not str(rule.get("inputMessage", "")).startswith(
        DROPDOWN_HELP
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


def _texts(sheet: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    """Every row's cell texts, header first, from a whole-tab grid GET."""
    rows: list[tuple[str, ...]] = []
    for data in sheet.get("data", []):
        for row in data.get("rowData", []):
            rows.append(tuple(_cell_text(v) for v in row.get("values", [])))
    return tuple(rows)


def sheet_infos(
    metadata: Mapping[str, Any], grid: Mapping[str, Any], schema: Schema
) -> tuple[list[SheetInfo], dict[str, GridSize]]:
    """Worksheets from init's metadata GET and its grid GET (rows 1-2, the Settings and Lists
    tabs whole), and their grids by title."""
    cells = {int(_props(s).get("sheetId", 0)): _rows_of(s) for s in grid.get("sheets", [])}
    texts = {int(_props(s).get("sheetId", 0)): _texts(s) for s in grid.get("sheets", [])}
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
                rows=texts.get(sheet_id, ()) if _is_whole(schema, title) else None,
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


def hex_colour(rgb: Mapping[str, Any]) -> str:
    """ "RRGGBB" from a Sheets Color (Google leaves out channels that are 0)."""
    return "".join(f"{round(float(rgb.get(c) or 0) * 255):02X}" for c in ("red", "green", "blue"))
