"""Structural edits on a sheet's cells, shared by batchUpdate requests and the test hooks.

Inserting or deleting rows/columns shifts the cells and every range kept on the sheet
(merges, protected ranges, conditional formats, basic filter) and named ranges, as Google does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import developer_metadata
from .a1 import Rect
from .cells import Cell, Scalar
from .store import Sheet, Spreadsheet

_ROW_KEYS = ("startRowIndex", "endRowIndex")
_COL_KEYS = ("startColumnIndex", "endColumnIndex")


def _shift_index(value: int, start: int, count: int, inserting: bool) -> int:
    if inserting:
        return value + count if value >= start else value
    end = start + count
    if value >= end:
        return value - count
    if value > start:
        return start
    return value


def _shift_grid_range(
    gr: dict[str, Any], rows: bool, start: int, count: int, inserting: bool
) -> bool:
    """Shift one GridRange in place; returns False when a deletion removed it entirely."""
    lo_key, hi_key = _ROW_KEYS if rows else _COL_KEYS
    lo, hi = gr.get(lo_key), gr.get(hi_key)
    if lo is not None:
        gr[lo_key] = _shift_index(int(lo), start, count, inserting)
    if hi is not None:
        new_hi = _shift_index(int(hi), start, count, inserting)
        # An insertion exactly at the end of a range does not grow it.
        if inserting and int(hi) == start:
            new_hi = int(hi)
        gr[hi_key] = new_hi
    return not (lo is not None and hi is not None and gr[lo_key] >= gr[hi_key])


RangeRef = tuple[list[Any], Any, Callable[[Any], dict[str, Any]]]


def _ranges_on_sheet(spreadsheet: Spreadsheet, sheet: Sheet) -> Iterable[RangeRef]:
    """Yield (container, item, getter-of-GridRange) for every range that lives on ``sheet``."""
    for merge in sheet.merges:
        yield sheet.merges, merge, lambda m: m
    for pr in sheet.protected_ranges:
        if "range" in pr:
            yield sheet.protected_ranges, pr, lambda p: p["range"]
    for cf in sheet.conditional_formats:
        for gr in cf.get("ranges", []):
            yield cf["ranges"], gr, lambda g: g
    if sheet.basic_filter is not None:
        yield [], sheet.basic_filter, lambda b: b["range"]
    for named in spreadsheet.named_ranges:
        if int(named["range"].get("sheetId", 0) or 0) == sheet.sheet_id:
            yield spreadsheet.named_ranges, named, lambda n: n["range"]


def _shift_ranges(
    spreadsheet: Spreadsheet, sheet: Sheet, rows: bool, start: int, count: int, inserting: bool
) -> None:
    removals: list[tuple[list[Any], Any]] = []
    for container, item, getter in list(_ranges_on_sheet(spreadsheet, sheet)):
        if not _shift_grid_range(getter(item), rows, start, count, inserting):
            removals.append((container, item))
    for container, item in removals:
        if item is sheet.basic_filter:
            sheet.basic_filter = None
        elif any(x is item for x in container):
            container[:] = [x for x in container if x is not item]


def _shift_meta(
    meta: dict[int, dict[str, Any]], start: int, count: int, inserting: bool
) -> dict[int, dict[str, Any]]:
    shifted: dict[int, dict[str, Any]] = {}
    for index, value in meta.items():
        if not inserting and start <= index < start + count:
            continue
        shifted[_shift_index(index, start, count, inserting)] = value
    return shifted


def insert_dimension(
    spreadsheet: Spreadsheet, sheet: Sheet, rows: bool, start: int, end: int
) -> None:
    """Insert empty rows/columns [start, end) and grow the grid."""
    count = end - start
    if rows:
        if start < len(sheet.rows):
            sheet.rows[start:start] = [[] for _ in range(count)]
        sheet.properties["gridProperties"]["rowCount"] = sheet.row_count + count
        sheet.row_meta = _shift_meta(sheet.row_meta, start, count, True)
    else:
        for line in sheet.rows:
            if start < len(line):
                line[start:start] = [None] * count
        sheet.properties["gridProperties"]["columnCount"] = sheet.col_count + count
        sheet.col_meta = _shift_meta(sheet.col_meta, start, count, True)
    _shift_ranges(spreadsheet, sheet, rows, start, count, True)
    developer_metadata.shift(spreadsheet, sheet.sheet_id, rows, start, count, True)


def delete_dimension(
    spreadsheet: Spreadsheet, sheet: Sheet, rows: bool, start: int, end: int
) -> None:
    """Delete rows/columns [start, end) and shrink the grid."""
    count = end - start
    if rows:
        del sheet.rows[start:end]
        sheet.properties["gridProperties"]["rowCount"] = sheet.row_count - count
        sheet.row_meta = _shift_meta(sheet.row_meta, start, count, False)
    else:
        for line in sheet.rows:
            del line[start:end]
        sheet.properties["gridProperties"]["columnCount"] = sheet.col_count - count
        sheet.col_meta = _shift_meta(sheet.col_meta, start, count, False)
    _shift_ranges(spreadsheet, sheet, rows, start, count, False)
    developer_metadata.shift(spreadsheet, sheet.sheet_id, rows, start, count, False)


def clear_values(sheet: Sheet, rect: Rect) -> None:
    """Remove values (keep formats and notes) in a rectangle."""
    for r in range(rect.start_row, min(rect.end_row, len(sheet.rows))):
        line = sheet.rows[r]
        for c in range(rect.start_col, min(rect.end_col, len(line))):
            cell = line[c]
            if cell is not None:
                line[c] = cell.without_value()


def read_rect(sheet: Sheet, rect: Rect) -> list[list[Cell | None]]:
    """The cells of a rectangle, row by row."""
    return [
        [sheet.cell(r, c) for c in range(rect.start_col, rect.end_col)]
        for r in range(rect.start_row, rect.end_row)
    ]


def write_rect(sheet: Sheet, top: int, left: int, cells: list[list[Cell | None]]) -> None:
    """Put a block of cells with its top-left corner at (top, left)."""
    for dr, line in enumerate(cells):
        for dc, cell in enumerate(line):
            sheet.put(top + dr, left + dc, cell)


def _sort_key(cell: Cell | None) -> tuple[int, Any]:
    # Google sorts numbers before text before booleans, and empty cells always last.
    if cell is None or not cell.has_value:
        return (3, 0)
    value: Scalar | None = cell.value
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value).lower())


def sort_rect(sheet: Sheet, rect: Rect, specs: list[tuple[int, bool]]) -> None:
    """Sort the rows of a rectangle by (column index, ascending) specs; empties stay last."""
    block = read_rect(sheet, rect)
    for col, ascending in reversed(specs):
        offset = col - rect.start_col
        filled = [row for row in block if _sort_key(row[offset])[0] != 3]
        empty = [row for row in block if _sort_key(row[offset])[0] == 3]
        filled.sort(key=lambda row: _sort_key(row[offset]), reverse=not ascending)
        block = filled + empty
    write_rect(sheet, rect.start_row, rect.start_col, block)


def overlaps(a: Rect, b: Rect) -> bool:
    """Whether two rectangles share a cell."""
    return (
        a.start_row < b.end_row
        and b.start_row < a.end_row
        and a.start_col < b.end_col
        and b.start_col < a.end_col
    )


def rect_of(gr: dict[str, Any]) -> Rect:
    """A merge/GridRange dict as a Rect (indices must be present)."""
    return Rect(
        int(gr.get("startRowIndex", 0)),
        int(gr.get("endRowIndex", 0)),
        int(gr.get("startColumnIndex", 0)),
        int(gr.get("endColumnIndex", 0)),
    )


def merge(sheet: Sheet, rect: Rect, merge_type: str) -> None:
    """Merge cells: MERGE_ALL one block, MERGE_ROWS one per row, MERGE_COLUMNS one per column.

    Values other than each block's top-left are dropped, as the Sheets UI does.
    """
    if merge_type == "MERGE_ROWS":
        blocks = [
            Rect(r, r + 1, rect.start_col, rect.end_col)
            for r in range(rect.start_row, rect.end_row)
        ]
    elif merge_type == "MERGE_COLUMNS":
        blocks = [
            Rect(rect.start_row, rect.end_row, c, c + 1)
            for c in range(rect.start_col, rect.end_col)
        ]
    else:
        blocks = [rect]
    sheet.merges = [m for m in sheet.merges if not overlaps(rect_of(m), rect)]
    for block in blocks:
        if block.rows * block.cols <= 1:
            continue
        for r in range(block.start_row, block.end_row):
            for c in range(block.start_col, block.end_col):
                if (r, c) != (block.start_row, block.start_col):
                    cell = sheet.cell(r, c)
                    if cell is not None:
                        sheet.put(r, c, cell.without_value())
        sheet.merges.append(
            {
                "startRowIndex": block.start_row,
                "endRowIndex": block.end_row,
                "startColumnIndex": block.start_col,
                "endColumnIndex": block.end_col,
            }
        )


def unmerge(sheet: Sheet, rect: Rect) -> None:
    """Remove every merge that overlaps the rectangle."""
    sheet.merges = [m for m in sheet.merges if not overlaps(rect_of(m), rect)]
