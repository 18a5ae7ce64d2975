"""The spreadsheets.values endpoints: get, batchGet, update, batchUpdate, append, clear, batchClear.

Reads follow Google's trimming: trailing empty cells of a row and trailing empty rows are
dropped, empty rows in the middle come back as ``[]``, and an empty range has no ``values`` key.
The echoed range is the requested range clamped to the grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import a1
from .a1 import Rect
from .cells import Cell, Scalar, render
from .errors import ApiError, bad_request, invalid_field
from .grid import clear_values, insert_dimension
from .store import Sheet, Spreadsheet, Store
from .user_input import raw_cell, user_entered_cell

Params = Mapping[str, Sequence[str]]

_VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
_DATE_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")


def _param(params: Params, name: str, default: str | None = None) -> str | None:
    values = params.get(name)
    return values[0] if values else default


def _flag(params: Params | Mapping[str, Any], name: str) -> bool:
    raw = params.get(name)
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else None
    return str(raw).lower() == "true"


def _choice(value: str | None, allowed: Sequence[str], name: str, default: str) -> str:
    if value is None or value == "":
        return default
    if value not in allowed:
        raise bad_request(
            f"Invalid value at '{name}' (type.googleapis.com/"
            f'google.apps.sheets.v4.{name}), "{value}"'
        )
    return value


def _check_in_grid(sheet: Sheet, rect: Rect, text: str) -> None:
    if rect.end_row > sheet.row_count or rect.end_col > sheet.col_count:
        raise bad_request(
            f"Range ({text}) exceeds grid limits. Max rows: {sheet.row_count}, "
            f"max columns: {sheet.col_count}"
        )


def value_range(
    sheet: Sheet, rect: Rect, major: str, value_render: str, date_render: str
) -> dict[str, Any]:
    """A ValueRange for a rectangle with Google's trimming rules."""
    # Only rows and columns that were ever written can hold values; everything past them
    # would be trimmed anyway, so large empty grids cost nothing to read.
    last_row = min(rect.end_row, len(sheet.rows))
    width = max((len(sheet.rows[r]) for r in range(rect.start_row, last_row)), default=0)
    last_col = min(rect.end_col, width)
    grid: list[list[Scalar | None]] = []
    for r in range(rect.start_row, last_row):
        line: list[Scalar | None] = []
        for c in range(rect.start_col, last_col):
            cell = sheet.cell(r, c)
            line.append(
                render(cell, value_render, date_render)
                if cell is not None and cell.has_value
                else None
            )
        grid.append(line)
    rows = grid
    if major == "COLUMNS":
        rows = [list(col) for col in zip(*grid, strict=True)] if grid else []
    trimmed: list[list[Scalar]] = []
    for line in rows:
        end = len(line)
        while end and line[end - 1] is None:
            end -= 1
        trimmed.append(["" if v is None else v for v in line[:end]])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    body: dict[str, Any] = {"range": a1.format_rect(sheet.title, rect), "majorDimension": major}
    if trimmed:
        body["values"] = trimmed
    return body


def _read_options(params: Params) -> tuple[str, str, str]:
    major = _choice(_param(params, "majorDimension"), ("ROWS", "COLUMNS"), "majorDimension", "ROWS")
    vr = _choice(
        _param(params, "valueRenderOption"), _VALUE_RENDER, "valueRenderOption", "FORMATTED_VALUE"
    )
    dr = _choice(
        _param(params, "dateTimeRenderOption"),
        _DATE_RENDER,
        "dateTimeRenderOption",
        "SERIAL_NUMBER",
    )
    return major, vr, dr


def _resolve_for_read(spreadsheet: Spreadsheet, text: str) -> tuple[Sheet, Rect]:
    sheet, rect = spreadsheet.resolve(text)
    _check_in_grid(sheet, rect, text)
    return sheet, rect


def values_get(store: Store, sid: str, range_text: str, params: Params) -> dict[str, Any]:
    """GET /v4/spreadsheets/{id}/values/{range}."""
    major, vr, dr = _read_options(params)
    with store.read(sid) as spreadsheet:
        sheet, rect = _resolve_for_read(spreadsheet, range_text)
        return value_range(sheet, rect, major, vr, dr)


def values_batch_get(store: Store, sid: str, params: Params) -> dict[str, Any]:
    """GET /v4/spreadsheets/{id}/values:batchGet?ranges=..."""
    major, vr, dr = _read_options(params)
    with store.read(sid) as spreadsheet:
        ranges = []
        for text in params.get("ranges", []):
            sheet, rect = _resolve_for_read(spreadsheet, text)
            ranges.append(value_range(sheet, rect, major, vr, dr))
        return {"spreadsheetId": sid, "valueRanges": ranges}


def _input_values(values: Any, field: str, major: str) -> list[list[Any]]:
    if values is None:
        return []
    if not isinstance(values, list) or any(not isinstance(v, list) for v in values):
        shown = values if isinstance(values, str) else repr(values)
        raise invalid_field(
            field,
            f"Invalid value at '{field}' (type.googleapis.com/"
            f'google.protobuf.ListValue), "{shown}"',
        )
    rows: list[list[Any]] = values
    if major == "COLUMNS":
        width = max((len(c) for c in rows), default=0)
        rows = [[col[r] if r < len(col) else None for col in rows] for r in range(width)]
    return rows


def _write(sheet: Sheet, top: int, left: int, rows: list[list[Any]], input_option: str) -> int:
    """Write values (None skips a cell, "" clears it); returns the number of cells written."""
    make = user_entered_cell if input_option == "USER_ENTERED" else raw_cell
    written = 0
    for dr, line in enumerate(rows):
        for dc, raw in enumerate(line):
            if raw is None:
                continue
            written += 1
            base = sheet.cell(top + dr, left + dc)
            if raw == "":
                sheet.put(top + dr, left + dc, base.without_value() if base else None)
            else:
                sheet.put(top + dr, left + dc, make(raw, base))
    return written


def _update_one(
    spreadsheet: Spreadsheet,
    range_text: str,
    values: Any,
    major: str,
    input_option: str,
    field: str,
) -> tuple[Sheet, Rect | None, int, dict[str, Any]]:
    rows = _input_values(values, field, major)
    sheet, rect = spreadsheet.resolve(range_text)
    n_rows = len(rows)
    n_cols = max((len(r) for r in rows), default=0)
    single = rect.rows == 1 and rect.cols == 1
    if not single and n_rows and (n_rows > rect.rows or n_cols > rect.cols):
        over_row = n_rows > rect.rows
        where = (
            f"row [{rect.start_row + n_rows}]"
            if over_row
            else f"column [{rect.start_col + n_cols}]"
        )
        raise bad_request(
            f"Requested writing within range [{range_text}], but tried writing to {where}"
        )
    body: dict[str, Any] = {"spreadsheetId": spreadsheet.spreadsheet_id}
    if not n_rows or not n_cols:
        _check_in_grid(sheet, rect, range_text)
        body["updatedRange"] = a1.format_rect(sheet.title, rect)
        return sheet, None, 0, body
    written_rect = Rect(
        rect.start_row, rect.start_row + n_rows, rect.start_col, rect.start_col + n_cols
    )
    _check_in_grid(sheet, written_rect, range_text)
    cells = _write(sheet, rect.start_row, rect.start_col, rows, input_option)
    # Null cells are skipped and not counted: Google reports the rows, columns and bounding
    # box of the cells actually given.
    given = [(r, c) for r, line in enumerate(rows) for c, v in enumerate(line) if v is not None]
    if not given:
        body["updatedRange"] = a1.format_rect(sheet.title, rect)
        return sheet, None, 0, body
    used_rows = sorted({r for r, _ in given})
    used_cols = sorted({c for _, c in given})
    written_rect = Rect(
        rect.start_row + used_rows[0],
        rect.start_row + used_rows[-1] + 1,
        rect.start_col + used_cols[0],
        rect.start_col + used_cols[-1] + 1,
    )
    body.update(
        {
            "updatedRange": a1.format_rect(sheet.title, written_rect),
            "updatedRows": len(used_rows),
            "updatedColumns": len(used_cols),
            "updatedCells": cells,
        }
    )
    return sheet, written_rect, cells, body


def _response_options(source: Params | Mapping[str, Any], from_query: bool) -> tuple[str, str]:
    def get(name: str) -> str | None:
        raw = source.get(name)
        if from_query and isinstance(raw, (list, tuple)):
            return raw[0] if raw else None
        return raw if isinstance(raw, str) else None

    vr = _choice(
        get("responseValueRenderOption"),
        _VALUE_RENDER,
        "responseValueRenderOption",
        "FORMATTED_VALUE",
    )
    dr = _choice(
        get("responseDateTimeRenderOption"),
        _DATE_RENDER,
        "responseDateTimeRenderOption",
        "SERIAL_NUMBER",
    )
    return vr, dr


def _input_option(value: str | None) -> str:
    if not value:
        raise bad_request("'valueInputOption' is required but not specified")
    return _choice(value, _INPUT_OPTIONS, "valueInputOption", "RAW")


def values_update(
    store: Store, sid: str, range_text: str, params: Params, body: Mapping[str, Any]
) -> dict[str, Any]:
    """PUT /v4/spreadsheets/{id}/values/{range}?valueInputOption=..."""
    major = body.get("majorDimension") or "ROWS"
    values = body.get("values")
    rows_check = _input_values(values, "data.values", major)
    del rows_check
    input_option = _input_option(_param(params, "valueInputOption"))
    with store.transaction(sid) as spreadsheet:
        sheet, rect, _, reply = _update_one(
            spreadsheet, range_text, values, major, input_option, "data.values"
        )
        if _flag(params, "includeValuesInResponse") and rect is not None:
            vr, dr = _response_options(params, True)
            reply["updatedData"] = value_range(sheet, rect, major, vr, dr)
        return reply


def values_batch_update(store: Store, sid: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values:batchUpdate."""
    input_option = _input_option(body.get("valueInputOption"))
    data = body.get("data") or []
    include = _flag(body, "includeValuesInResponse")
    vr, dr = _response_options(body, False)
    with store.transaction(sid) as spreadsheet:
        responses = []
        touched: dict[int, tuple[set[int], set[int]]] = {}
        total_cells = 0
        for i, item in enumerate(data):
            major = item.get("majorDimension") or "ROWS"
            sheet, rect, cells, reply = _update_one(
                spreadsheet,
                item.get("range", ""),
                item.get("values"),
                major,
                input_option,
                f"data[{i}].values",
            )
            if rect is not None:
                rows_set, cols_set = touched.setdefault(sheet.sheet_id, (set(), set()))
                rows_set.update(range(rect.start_row, rect.end_row))
                cols_set.update(range(rect.start_col, rect.end_col))
                total_cells += cells
                if include:
                    reply["updatedData"] = value_range(sheet, rect, major, vr, dr)
            responses.append(reply)
        result: dict[str, Any] = {"spreadsheetId": sid}
        if touched:
            result["totalUpdatedRows"] = sum(len(r) for r, _ in touched.values())
            result["totalUpdatedColumns"] = sum(len(c) for _, c in touched.values())
            result["totalUpdatedCells"] = total_cells
            result["totalUpdatedSheets"] = len(touched)
        if responses:
            result["responses"] = responses
        return result


def _current_region(sheet: Sheet, row: int, col: int) -> Rect:
    """The block of data around a cell, bounded by empty rows and columns (diagonals connect)."""

    def filled(r: int, c: int) -> bool:
        cell = sheet.cell(r, c)
        return cell is not None and cell.has_value

    top, bottom, left, right = row, row + 1, col, col + 1
    changed = True
    while changed:
        changed = False
        lo_c, hi_c = max(left - 1, 0), min(right + 1, sheet.col_count)
        while bottom < sheet.row_count and any(filled(bottom, c) for c in range(lo_c, hi_c)):
            bottom += 1
            changed = True
        while top > 0 and any(filled(top - 1, c) for c in range(lo_c, hi_c)):
            top -= 1
            changed = True
        lo_r, hi_r = max(top - 1, 0), min(bottom + 1, sheet.row_count)
        while right < sheet.col_count and any(filled(r, right) for r in range(lo_r, hi_r)):
            right += 1
            changed = True
        while left > 0 and any(filled(r, left - 1) for r in range(lo_r, hi_r)):
            left -= 1
            changed = True
    return Rect(top, bottom, left, right)


def find_table(sheet: Sheet, rect: Rect) -> Rect | None:
    """Google's append table detection, as observed in the recordings.

    The table is the data block around the last filled cell of the input range (row-major):
    with ``A1`` and ``C1`` filled and ``B1`` empty, appending to the whole sheet finds the
    table ``C1`` while appending to ``A1`` finds ``A1``.  No filled cell: no table.
    """
    last_row = min(rect.end_row, len(sheet.rows)) - 1
    for r in range(last_row, rect.start_row - 1, -1):
        line = sheet.rows[r]
        for c in range(min(rect.end_col, len(line)) - 1, rect.start_col - 1, -1):
            cell = line[c]
            if cell is not None and cell.has_value:
                return _current_region(sheet, r, c)
    return None


def values_append(
    store: Store, sid: str, range_text: str, params: Params, body: Mapping[str, Any]
) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values/{range}:append."""
    major = body.get("majorDimension") or "ROWS"
    rows = _input_values(body.get("values"), "data.values", major)
    input_option = _input_option(_param(params, "valueInputOption"))
    insert = _choice(
        _param(params, "insertDataOption"),
        ("OVERWRITE", "INSERT_ROWS"),
        "insertDataOption",
        "OVERWRITE",
    )
    with store.transaction(sid) as spreadsheet:
        sheet, rect = spreadsheet.resolve(range_text)
        _check_in_grid(sheet, rect, range_text)
        table = find_table(sheet, rect)
        reply: dict[str, Any] = {"spreadsheetId": sid}
        if table is not None:
            reply["tableRange"] = a1.format_rect(sheet.title, table)
            top, left = table.end_row, table.start_col
        else:
            top, left = rect.start_row, rect.start_col
        n_rows = len(rows)
        n_cols = max((len(r) for r in rows), default=0)
        updates: dict[str, Any] = {"spreadsheetId": sid}
        if n_rows and n_cols:
            if insert == "INSERT_ROWS":
                insert_dimension(spreadsheet, sheet, True, top, top + n_rows)
            # Appending past the last row grows the sheet, as Google does.
            if top + n_rows > sheet.row_count:
                sheet.set_size(rows=top + n_rows)
            if left + n_cols > sheet.col_count:
                sheet.set_size(cols=left + n_cols)
            cells = _write(sheet, top, left, rows, input_option)
            written = Rect(top, top + n_rows, left, left + n_cols)
            updates.update(
                {
                    "updatedRange": a1.format_rect(sheet.title, written),
                    "updatedRows": n_rows,
                    "updatedColumns": n_cols,
                    "updatedCells": cells,
                }
            )
            if _flag(params, "includeValuesInResponse"):
                vr, dr = _response_options(params, True)
                updates["updatedData"] = value_range(sheet, written, major, vr, dr)
        reply["updates"] = updates
        return reply


def values_clear(store: Store, sid: str, range_text: str) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values/{range}:clear."""
    with store.transaction(sid) as spreadsheet:
        sheet, rect = spreadsheet.resolve(range_text)
        _check_in_grid(sheet, rect, range_text)
        clear_values(sheet, rect)
        return {"spreadsheetId": sid, "clearedRange": a1.format_rect(sheet.title, rect)}


def values_batch_clear(store: Store, sid: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values:batchClear."""
    with store.transaction(sid) as spreadsheet:
        cleared = []
        for text in body.get("ranges") or []:
            sheet, rect = spreadsheet.resolve(text)
            _check_in_grid(sheet, rect, text)
            clear_values(sheet, rect)
            cleared.append(a1.format_rect(sheet.title, rect))
        return {"spreadsheetId": sid, "clearedRanges": cleared}


__all__ = [
    "ApiError",
    "Cell",
    "find_table",
    "value_range",
    "values_append",
    "values_batch_clear",
    "values_batch_get",
    "values_batch_update",
    "values_clear",
    "values_get",
    "values_update",
]
