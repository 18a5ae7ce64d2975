"""spreadsheets.get: the Spreadsheet JSON in Google's shape, with grid data and field masks."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from .a1 import Rect
from .cells import cell_data
from .fieldmask import apply_mask, parse_mask
from .store import Sheet, Spreadsheet

DEFAULT_ROW_PIXELS = 21
DEFAULT_COL_PIXELS = 100


def grid_range_json(sheet_id: int, gr: dict[str, Any]) -> dict[str, Any]:
    """A GridRange as Google writes it: ``sheetId`` left out when it is 0 (proto default)."""
    out = {k: v for k, v in gr.items() if k != "sheetId" and v is not None}
    if sheet_id:
        out = {"sheetId": sheet_id, **out}
    return out


def _with_range(sheet_id: int, item: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(item)
    if "range" in out:
        out["range"] = grid_range_json(sheet_id, out["range"])
    return out


def _dimension_meta(meta: dict[int, dict[str, Any]], index: int, default_px: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"pixelSize": default_px}
    entry.update(meta.get(index, {}))
    return entry


def grid_data(sheet: Sheet, rect: Rect) -> dict[str, Any]:
    """GridData for a rectangle: rowData with CellData, rowMetadata, columnMetadata."""
    data: dict[str, Any] = {}
    if rect.start_row:
        data["startRow"] = rect.start_row
    if rect.start_col:
        data["startColumn"] = rect.start_col
    rows = []
    for r in range(rect.start_row, min(rect.end_row, len(sheet.rows))):
        rows.append(
            {
                "values": [
                    cell_data(cell) if (cell := sheet.cell(r, c)) is not None else {}
                    for c in range(rect.start_col, rect.end_col)
                ]
            }
        )
    data["rowData"] = rows
    data["rowMetadata"] = [
        _dimension_meta(sheet.row_meta, r, DEFAULT_ROW_PIXELS)
        for r in range(rect.start_row, rect.end_row)
    ]
    data["columnMetadata"] = [
        _dimension_meta(sheet.col_meta, c, DEFAULT_COL_PIXELS)
        for c in range(rect.start_col, rect.end_col)
    ]
    return data


def _prune_grid(data: dict[str, Any]) -> dict[str, Any]:
    """Drop trailing empty cells and rows, as Google does in grid data."""
    rows = data.get("rowData")
    if isinstance(rows, list):
        for row in rows:
            values = row.get("values")
            if isinstance(values, list):
                while values and not values[-1]:
                    values.pop()
                if not values:
                    del row["values"]
        while rows and not rows[-1]:
            rows.pop()
        if not rows:
            del data["rowData"]
    return data


def sheet_json(sheet: Sheet, data_rects: Sequence[Rect] | None) -> dict[str, Any]:
    """The Sheet JSON; ``data_rects`` adds a GridData per rectangle."""
    out: dict[str, Any] = {"properties": copy.deepcopy(sheet.properties)}
    sid = sheet.sheet_id
    if data_rects is not None:
        out["data"] = [grid_data(sheet, rect) for rect in data_rects]
    if sheet.merges:
        out["merges"] = [grid_range_json(sid, m) for m in sheet.merges]
    if sheet.conditional_formats:
        out["conditionalFormats"] = [
            {**copy.deepcopy(cf), "ranges": [grid_range_json(sid, g) for g in cf.get("ranges", [])]}
            for cf in sheet.conditional_formats
        ]
    if sheet.protected_ranges:
        out["protectedRanges"] = [_with_range(sid, p) for p in sheet.protected_ranges]
    if sheet.basic_filter is not None:
        out["basicFilter"] = _with_range(sid, sheet.basic_filter)
    if sheet.row_groups:
        out["rowGroups"] = copy.deepcopy(sheet.row_groups)
    if sheet.column_groups:
        out["columnGroups"] = copy.deepcopy(sheet.column_groups)
    return out


def spreadsheet_json(
    spreadsheet: Spreadsheet,
    include_grid_data: bool = False,
    ranges: Sequence[str] = (),
    fields: str | None = None,
) -> dict[str, Any]:
    """The body of spreadsheets.get."""
    mask = parse_mask(fields) if fields else {}
    wants_data = include_grid_data or "data" in mask.get("sheets", {})
    sheets: list[dict[str, Any]] = []
    if ranges:
        picked: dict[int, tuple[Sheet, list[Rect]]] = {}
        for text in ranges:
            sheet, rect = spreadsheet.resolve(text)
            picked.setdefault(sheet.sheet_id, (sheet, []))[1].append(rect)
        for sheet in spreadsheet.sheets:
            if sheet.sheet_id in picked:
                sheets.append(sheet_json(sheet, picked[sheet.sheet_id][1] if wants_data else None))
    else:
        for sheet in spreadsheet.sheets:
            full = Rect(0, sheet.row_count, 0, sheet.col_count)
            sheets.append(sheet_json(sheet, [full] if wants_data else None))
    body: dict[str, Any] = {
        "spreadsheetId": spreadsheet.spreadsheet_id,
        "properties": copy.deepcopy(spreadsheet.properties),
        "sheets": sheets,
    }
    if spreadsheet.named_ranges:
        body["namedRanges"] = [
            {**n, "range": grid_range_json(int(n["range"].get("sheetId", 0) or 0), n["range"])}
            for n in copy.deepcopy(spreadsheet.named_ranges)
        ]
    body["spreadsheetUrl"] = (
        f"https://docs.google.com/spreadsheets/d/{spreadsheet.spreadsheet_id}/edit"
    )
    if mask:
        body = apply_mask(body, mask)
    for sheet_body in body.get("sheets", []):
        for data in sheet_body.get("data", []):
            _prune_grid(data)
    return body
