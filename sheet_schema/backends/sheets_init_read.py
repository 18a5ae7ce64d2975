"""What ``sheetcrm init`` reads of a Google spreadsheet, as :mod:`sheet_schema.layout` needs it.

Init makes two GETs before its one ``batchUpdate``: the metadata (sheet ids, grid sizes,
conditional formats, protected ranges; :func:`init_metadata_fields`) and rows 1-2 of every
worksheet with the whole Lists tab (:func:`init_data_ranges`). This module turns their JSON into
:class:`~sheet_schema.layout.SheetInfo` and :class:`GridSize` (:func:`sheet_infos`) and into the
schema with the team's lists (:func:`workbook_schema`); what to add is then planned by
:func:`sheet_schema.layout.plan_layout` and sent as the requests of
:mod:`sheet_schema.backends.sheets_layout`. The functions here are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sheet_schema.backends.sheets_values import quote_title
from sheet_schema.cells import cell_text
from sheet_schema.highlights import RuleInfo
from sheet_schema.layout_plan import CellInfo, SheetInfo
from sheet_schema.lists import LISTS
from sheet_schema.reading import Grid, build_snapshot
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


def hex_colour(rgb: Mapping[str, Any]) -> str:
    """ "RRGGBB" from a Sheets Color (Google leaves out channels that are 0)."""
    return "".join(f"{round(float(rgb.get(c) or 0) * 255):02X}" for c in ("red", "green", "blue"))
