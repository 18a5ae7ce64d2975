"""A spreadsheet's worksheets and their grid sizes, and the requests that make room in them.

The metadata GET gives each worksheet's id, title and grid size (:class:`Worksheet`). A write
aimed past the end of a grid fails whole, so before the cycle's write :func:`room_requests` adds
missing log tabs and grows grids the write would overflow (rarely needed: these requests go in
one ``spreadsheets:batchUpdate``, or none is sent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sheet_schema.schema import Tab

# The locale rides along: it decides how Google reads the dates people type (sheets_locale).
METADATA_FIELDS = (
    "properties(title,locale),"
    "sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount))"
)
# Rows added at once when a log tab runs out of grid, so growing is rare.
GROW_ROWS = 1000
# Empty rows kept below the last row the bot writes: a write aimed past the end of the grid
# fails whole, which is what a person deleting rows during the write would otherwise cause.
SPARE_ROWS = 100


@dataclass(frozen=True)
class Worksheet:
    """One worksheet as the metadata describes it."""

    sheet_id: int
    title: str
    rows: int
    columns: int


def worksheets(metadata: Mapping[str, Any]) -> list[Worksheet]:
    """The worksheets of a spreadsheet's metadata JSON, in order."""
    out = []
    for sheet in metadata.get("sheets", []):
        props = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        out.append(
            Worksheet(
                sheet_id=int(props.get("sheetId", 0)),
                title=str(props.get("title", "")),
                rows=int(grid.get("rowCount", 0)),
                columns=int(grid.get("columnCount", 0)),
            )
        )
    return out


def room_requests(
    worksheets: Sequence[Worksheet],
    new_tabs: Sequence[Tab],
    extent: Mapping[str, tuple[int, int]],
) -> tuple[list[dict[str, Any]], list[Worksheet]]:
    """Requests adding ``new_tabs`` and growing grids to hold ``extent`` (title -> last row,
    last column written), and the worksheets as they will be once those requests are sent."""
    requests: list[dict[str, Any]] = []
    sheets = {s.title: s for s in worksheets}
    next_id = max((s.sheet_id for s in sheets.values()), default=0) + 1
    for tab in new_tabs:
        requests.append(
            {
                "addSheet": {
                    "properties": {
                        "sheetId": next_id,
                        "title": tab.name,
                        "gridProperties": {
                            "rowCount": GROW_ROWS,
                            "columnCount": max(26, len(tab.columns)),
                            "frozenRowCount": 1,
                        },
                    }
                }
            }
        )
        sheets[tab.name] = Worksheet(next_id, tab.name, GROW_ROWS, max(26, len(tab.columns)))
        next_id += 1
    for title, (rows, columns) in extent.items():
        sheet = sheets.get(title)
        if sheet is None:
            continue
        grown = sheet
        if rows > sheet.rows - SPARE_ROWS:
            add = rows - sheet.rows + GROW_ROWS
            requests.append(_append_dimension(sheet.sheet_id, "ROWS", add))
            grown = replace(grown, rows=sheet.rows + add)
        if columns > sheet.columns:
            add = columns - sheet.columns
            requests.append(_append_dimension(sheet.sheet_id, "COLUMNS", add))
            grown = replace(grown, columns=columns)
        sheets[title] = grown
    return requests, list(sheets.values())


def _append_dimension(sheet_id: int, dimension: str, length: int) -> dict[str, Any]:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": dimension, "length": length}}
