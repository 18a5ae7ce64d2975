"""spreadsheets.batchUpdate: each request kind applied to a working copy of a spreadsheet.

:func:`apply_requests` runs the requests in order on a copy handed out by
``Store.transaction``; any :class:`ApiError` aborts the transaction, so either every request
is applied or none is.  Replies are one per request, ``{}`` when Google has nothing to return.
"""

from __future__ import annotations

import copy
import random
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from . import developer_metadata, grid
from .a1 import Rect
from .cells import Cell
from .errors import ApiError, bad_request
from .fieldmask import Mask, parse_mask
from .metadata import grid_range_json
from .store import DEFAULT_COLS, DEFAULT_ROWS, Sheet, Spreadsheet
from .user_input import user_entered_cell

Handler = Callable[["Context", Mapping[str, Any]], dict[str, Any]]


class Context:
    """What a request handler needs: the working spreadsheet, its position and the caller."""

    def __init__(self, spreadsheet: Spreadsheet, index: int, kind: str, caller: str) -> None:
        self.spreadsheet = spreadsheet
        self.index = index
        self.kind = kind
        self.caller = caller

    def error(self, message: str) -> ApiError:
        """A 400 worded as Google words errors in a batchUpdate request."""
        return bad_request(f"Invalid requests[{self.index}].{self.kind}: {message}")

    def sheet(self, sheet_id: Any) -> Sheet:
        """The sheet with this id, or Google's error."""
        sheet = self.spreadsheet.sheet_by_id(int(sheet_id or 0))
        if sheet is None:
            raise self.error(f"No grid with id: {int(sheet_id or 0)}")
        return sheet

    def rect(self, gr: Mapping[str, Any] | None) -> tuple[Sheet, Rect]:
        """Resolve a GridRange, checking it lies inside the grid."""
        gr = gr or {}
        sheet = self.sheet(gr.get("sheetId"))
        rect = Rect(
            int(gr.get("startRowIndex") or 0),
            int(gr["endRowIndex"]) if gr.get("endRowIndex") is not None else sheet.row_count,
            int(gr.get("startColumnIndex") or 0),
            int(gr["endColumnIndex"]) if gr.get("endColumnIndex") is not None else sheet.col_count,
        )
        if rect.end_row > sheet.row_count or rect.end_col > sheet.col_count:
            raise self.error(
                f"Range ({sheet.title}) exceeds grid limits. Max rows: "
                f"{sheet.row_count}, max columns: {sheet.col_count}"
            )
        if rect.start_row > rect.end_row or rect.start_col > rect.end_col:
            raise self.error("Invalid range: start index must be less than end index.")
        return sheet, rect


def _float32(value: float) -> float | int:
    # Google stores colours as float32 and prints the shortest float32 repr (0.49803922).
    f32 = struct.unpack("f", struct.pack("f", value))[0]
    out = float(f"{f32:.8g}")
    return int(out) if out.is_integer() else out


def normalize_colors(value: Any) -> Any:
    """Round colour channels to float32 and drop zero channels, as Google echoes colours."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            if key in ("red", "green", "blue", "alpha") and isinstance(sub, (int, float)):
                if sub:
                    out[key] = _float32(float(sub))
            elif sub is not None:
                out[key] = normalize_colors(sub)
        return out
    if isinstance(value, list):
        return [normalize_colors(v) for v in value]
    return value


_COLOR_KEYS = ("backgroundColor", "foregroundColor", "tabColor", "color")


def with_color_styles(value: Any) -> Any:
    """Add the ``...Style`` twin Google reports for every plain colour (backgroundColor ->
    backgroundColorStyle.rgbColor) after normalising the channels."""
    value = normalize_colors(value)
    if isinstance(value, dict):
        out = {k: with_color_styles(v) for k, v in value.items()}
        for key in _COLOR_KEYS:
            if key in out and isinstance(out[key], dict) and f"{key}Style" not in out:
                out[f"{key}Style"] = {"rgbColor": copy.deepcopy(out[key])}
        return out
    if isinstance(value, list):
        return [with_color_styles(v) for v in value]
    return value


def _field_paths(fields: str | None) -> list[list[str]]:
    """Field mask to a list of paths; ``*`` is returned as ``[["*"]]``."""
    if not fields:
        return []
    paths: list[list[str]] = []

    def walk(mask: Mask, prefix: list[str]) -> None:
        for key, sub in mask.items():
            if sub:
                walk(sub, [*prefix, key])
            else:
                paths.append([*prefix, key])

    walk(parse_mask(fields), [])
    return paths


def _apply_paths(
    target: dict[str, Any], source: Mapping[str, Any], fields: str | None, skip: Sequence[str] = ()
) -> list[list[str]]:
    """Copy masked fields from source into target (missing in source: deleted)."""
    paths = _field_paths(fields)
    if paths == [["*"]]:
        for key in list(target):
            if key not in skip and key not in source:
                del target[key]
        for key, value in source.items():
            if key not in skip and value is not None:
                target[key] = copy.deepcopy(value)
        return [[k] for k in source]
    for path in paths:
        src: Any = source
        for part in path:
            src = src.get(part) if isinstance(src, Mapping) else None
        node = target
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if src is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = copy.deepcopy(src)
    return paths


# -- sheets -------------------------------------------------------------------------------
def _unique_title(ctx: Context, title: str, exclude: Sheet | None = None) -> None:
    for sheet in ctx.spreadsheet.sheets:
        if sheet is not exclude and sheet.title.lower() == title.lower():
            raise ctx.error(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )


def add_sheet(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """addSheet: new tab; the reply carries its full properties."""
    ss = ctx.spreadsheet
    given = normalize_colors(dict(req.get("properties") or {}))
    title = given.get("title")
    if not title:
        n = len(ss.sheets) + 1
        while ss.sheet_by_title(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    _unique_title(ctx, title)
    sheet_id = given.get("sheetId")
    if sheet_id is not None and ss.sheet_by_id(int(sheet_id)) is not None:
        raise ctx.error(f"A sheet with id {sheet_id} already exists.")
    grid_props = {"rowCount": DEFAULT_ROWS, "columnCount": DEFAULT_COLS}
    grid_props.update(
        {k: v for k, v in (given.get("gridProperties") or {}).items() if v is not None}
    )
    index = given.get("index")
    index = len(ss.sheets) if index is None else min(int(index), len(ss.sheets))
    props: dict[str, Any] = {
        "sheetId": int(sheet_id) if sheet_id is not None else ss.new_sheet_id(),
        "title": title,
        "index": index,
        "sheetType": given.get("sheetType") or "GRID",
        "gridProperties": grid_props,
    }
    for key in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
        if given.get(key):
            props[key] = given[key]
    for sheet in ss.sheets:
        if int(sheet.properties["index"]) >= index:
            sheet.properties["index"] = int(sheet.properties["index"]) + 1
    ss.sheets.append(Sheet(properties=props))
    ss.reindex()
    return {"addSheet": {"properties": copy.deepcopy(props)}}


def delete_sheet(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """deleteSheet: a spreadsheet keeps at least one sheet."""
    sheet = ctx.sheet(req.get("sheetId"))
    ss = ctx.spreadsheet
    if len(ss.sheets) == 1:
        raise ctx.error("You can't remove all the sheets in a document.")
    ss.sheets.remove(sheet)
    developer_metadata.drop_sheet(ss, sheet.sheet_id)
    ss.named_ranges = [
        n for n in ss.named_ranges if int(n["range"].get("sheetId", 0) or 0) != sheet.sheet_id
    ]
    ss.reindex()
    return {}


def duplicate_sheet(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """duplicateSheet: copy a tab's cells and properties under a new id and title."""
    source = ctx.sheet(req.get("sourceSheetId"))
    ss = ctx.spreadsheet
    title = req.get("newSheetName") or f"Copy of {source.title}"
    _unique_title(ctx, title)
    new = source.clone()
    index = req.get("insertSheetIndex")
    index = len(ss.sheets) if index is None else int(index)
    for sheet in ss.sheets:
        if int(sheet.properties["index"]) >= index:
            sheet.properties["index"] = int(sheet.properties["index"]) + 1
    new.properties.update(
        {"sheetId": int(req.get("newSheetId") or ss.new_sheet_id()), "title": title, "index": index}
    )
    ss.sheets.append(new)
    ss.reindex()
    return {"duplicateSheet": {"properties": copy.deepcopy(new.properties)}}


def update_sheet_properties(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """updateSheetProperties with a ``fields`` mask (title, index, gridProperties, hidden...)."""
    given = normalize_colors(dict(req.get("properties") or {}))
    sheet = ctx.sheet(given.get("sheetId"))
    ss = ctx.spreadsheet
    if not req.get("fields"):
        raise ctx.error("At least one field must be updated, but none was specified.")
    before = copy.deepcopy(sheet.properties)
    _apply_paths(sheet.properties, given, req.get("fields"), skip=("sheetId",))
    props = sheet.properties
    props["sheetId"] = before["sheetId"]
    props.setdefault("sheetType", "GRID")
    props.setdefault("gridProperties", {})
    grid_props = props["gridProperties"]
    grid_props.setdefault("rowCount", before["gridProperties"]["rowCount"])
    grid_props.setdefault("columnCount", before["gridProperties"]["columnCount"])
    for key in (
        "frozenRowCount",
        "frozenColumnCount",
        "hideGridlines",
        "rowGroupControlAfter",
        "columnGroupControlAfter",
    ):
        if not grid_props.get(key) and key in grid_props:
            del grid_props[key]
    if props.get("title") != before["title"]:
        if not props.get("title"):
            raise ctx.error("The sheet name cannot be empty.")
        _unique_title(ctx, props["title"], exclude=sheet)
    for key in ("tabColor", "tabColorStyle"):
        # Clearing a colour ({"rgbColor": null}) removes it.
        if key in props and not any(props[key].values()):
            del props[key]
    if "hidden" in props and not props["hidden"]:
        del props["hidden"]
    if props.get("hidden") and all(s.properties.get("hidden") for s in ss.sheets):
        raise ctx.error("You can't hide all the sheets in a document.")
    if (
        grid_props["rowCount"] != before["gridProperties"]["rowCount"]
        or grid_props["columnCount"] != before["gridProperties"]["columnCount"]
    ):
        sheet.set_size(int(grid_props["rowCount"]), int(grid_props["columnCount"]))
    if props.get("index") is None:
        props["index"] = before["index"]
    if props["index"] != before["index"]:
        target = max(0, min(int(props["index"]), len(ss.sheets)))
        # Google's index is the position before the move, so moving right lands one earlier.
        others = [s for s in ss.sheets if s is not sheet]
        if target > int(before["index"]):
            target -= 1
        others.insert(min(target, len(others)), sheet)
        for i, s in enumerate(others):
            s.properties["index"] = i
        ss.sheets[:] = others
    return {}


def update_spreadsheet_properties(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """updateSpreadsheetProperties (title, locale, timeZone...) with a fields mask."""
    if not req.get("fields"):
        raise ctx.error("At least one field must be updated, but none was specified.")
    _apply_paths(ctx.spreadsheet.properties, dict(req.get("properties") or {}), req.get("fields"))
    return {}


# -- cells ----------------------------------------------------------------------------------
# ExtendedValue kinds that hold a plain value, and how each is stored.
_LITERAL_VALUES: dict[str, Any] = {
    "numberValue": lambda v: v,
    "boolValue": bool,
    "stringValue": str,
}


def _cell_from_data(base: Cell | None, data: Mapping[str, Any], paths: list[list[str]]) -> Cell:
    """Apply masked CellData fields to a cell."""
    cell = base or Cell()
    everything = paths == [["*"]]
    tops = {p[0] for p in paths}
    if everything or "userEnteredValue" in tops:
        value = data.get("userEnteredValue") or {}
        if "formulaValue" in value:
            cell = replace(user_entered_cell(value["formulaValue"], cell))
        else:
            # An ExtendedValue holds one kind; a literal sets the value, none clears the cell.
            kind = next((k for k in _LITERAL_VALUES if k in value), None)
            typed = _LITERAL_VALUES[kind](value[kind]) if kind else None
            cell = replace(
                cell, value=typed, formula=None, display=None, is_date=False, is_error=False
            )
    if everything or "note" in tops:
        cell = replace(cell, note=data.get("note") or None)
    if everything or "dataValidation" in tops:
        cell = replace(cell, validation=copy.deepcopy(data.get("dataValidation")))
    if everything or "userEnteredFormat" in tops:
        fmt_paths = [p[1:] for p in paths if p[0] == "userEnteredFormat"]
        given = with_color_styles(data.get("userEnteredFormat") or {})
        if everything or [] in fmt_paths:
            fmt = copy.deepcopy(given) or None
        else:
            fmt = copy.deepcopy(cell.fmt) or {}
            for path in fmt_paths:
                src: Any = given
                for part in path:
                    src = src.get(part) if isinstance(src, Mapping) else None
                node = fmt
                for part in path[:-1]:
                    node = node.setdefault(part, {})
                if src is None:
                    node.pop(path[-1], None)
                else:
                    node[path[-1]] = copy.deepcopy(src)
            fmt = with_color_styles(fmt) or None
        cell = replace(cell, fmt=fmt)
    return cell


def _store(sheet: Sheet, row: int, col: int, cell: Cell) -> None:
    empty = (
        not cell.has_value and cell.note is None and cell.fmt is None and cell.validation is None
    )
    sheet.put(row, col, None if empty else cell)


def repeat_cell(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """repeatCell: the same CellData (masked by ``fields``) on every cell of a range."""
    sheet, rect = ctx.rect(req.get("range"))
    paths = _field_paths(req.get("fields"))
    if not paths:
        raise ctx.error("At least one field must be updated, but none was specified.")
    data = req.get("cell") or {}
    for r in range(rect.start_row, rect.end_row):
        for c in range(rect.start_col, rect.end_col):
            _store(sheet, r, c, _cell_from_data(sheet.cell(r, c), data, paths))
    return {}


def update_cells(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """updateCells: rows of CellData from ``start`` or over ``range``."""
    paths = _field_paths(req.get("fields"))
    if not paths:
        raise ctx.error("At least one field must be updated, but none was specified.")
    if req.get("start") is not None:
        start = req["start"]
        sheet = ctx.sheet(start.get("sheetId"))
        top, left = int(start.get("rowIndex") or 0), int(start.get("columnIndex") or 0)
        bound: Rect | None = None
    else:
        sheet, bound = ctx.rect(req.get("range"))
        top, left = bound.start_row, bound.start_col
    rows = req.get("rows") or []
    for dr, row in enumerate(rows):
        for dc, data in enumerate(row.get("values") or []):
            r, c = top + dr, left + dc
            if (
                r >= sheet.row_count
                or c >= sheet.col_count
                or (bound is not None and (r >= bound.end_row or c >= bound.end_col))
            ):
                raise ctx.error("Attempting to write row/column outside the grid.")
            _store(sheet, r, c, _cell_from_data(sheet.cell(r, c), data, paths))
    if bound is not None:
        # Cells of the range that the rows did not cover are cleared for the masked fields.
        for r in range(bound.start_row, bound.end_row):
            for c in range(bound.start_col, bound.end_col):
                dr, dc = r - top, c - left
                covered = dr < len(rows) and dc < len(rows[dr].get("values") or [])
                if not covered:
                    _store(sheet, r, c, _cell_from_data(sheet.cell(r, c), {}, paths))
    return {}


def set_data_validation(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """setDataValidation: a rule (or none, to clear) on every cell of a range."""
    sheet, rect = ctx.rect(req.get("range"))
    rule = copy.deepcopy(req.get("rule"))
    if rule is not None:
        rule = {k: v for k, v in rule.items() if v is not None and v is not False}
        if not (rule.get("condition") or {}).get("type"):
            raise ctx.error("Invalid data validation rule: a condition type is required.")
    for r in range(rect.start_row, rect.end_row):
        for c in range(rect.start_col, rect.end_col):
            _store(sheet, r, c, replace(sheet.cell(r, c) or Cell(), validation=rule))
    return {}


# -- dimensions -----------------------------------------------------------------------------
def _dimension_range(ctx: Context, dr: Mapping[str, Any] | None) -> tuple[Sheet, bool, int, int]:
    dr = dr or {}
    sheet = ctx.sheet(dr.get("sheetId"))
    dimension = dr.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise ctx.error("dimension must be ROWS or COLUMNS.")
    rows = dimension == "ROWS"
    limit = sheet.row_count if rows else sheet.col_count
    start = int(dr.get("startIndex") or 0)
    end = int(dr["endIndex"]) if dr.get("endIndex") is not None else limit
    if start < 0 or end < start:
        raise ctx.error("Invalid dimension range: startIndex must be less than endIndex.")
    return sheet, rows, start, end


def insert_dimension(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """insertDimension: empty rows/columns at an index."""
    sheet, rows, start, end = _dimension_range(ctx, req.get("range"))
    limit = sheet.row_count if rows else sheet.col_count
    if start > limit:
        raise ctx.error(f"Invalid insertion index {start}, the sheet has only {limit}.")
    grid.insert_dimension(ctx.spreadsheet, sheet, rows, start, end)
    return {}


def delete_dimension(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """deleteDimension: remove rows/columns; a sheet keeps at least one unfrozen row/column."""
    sheet, rows, start, end = _dimension_range(ctx, req.get("range"))
    limit = sheet.row_count if rows else sheet.col_count
    if end > limit:
        raise ctx.error(f"Range exceeds grid limits. Max {'rows' if rows else 'columns'}: {limit}")
    if end - start >= limit:
        raise ctx.error(
            "You can't delete all the rows on the sheet."
            if rows
            else "You can't delete all the columns on the sheet."
        )
    grid.delete_dimension(ctx.spreadsheet, sheet, rows, start, end)
    return {}


def append_dimension(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """appendDimension: grow the grid at the end."""
    sheet = ctx.sheet(req.get("sheetId"))
    length = int(req.get("length") or 0)
    if length <= 0:
        raise ctx.error("length must be greater than 0.")
    if req.get("dimension") == "ROWS":
        sheet.set_size(rows=sheet.row_count + length)
    elif req.get("dimension") == "COLUMNS":
        sheet.set_size(cols=sheet.col_count + length)
    else:
        raise ctx.error("dimension must be ROWS or COLUMNS.")
    return {}


def update_dimension_properties(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """updateDimensionProperties: pixelSize / hiddenByUser per row or column."""
    sheet, rows, start, end = _dimension_range(ctx, req.get("range"))
    meta = sheet.row_meta if rows else sheet.col_meta
    given = req.get("properties") or {}
    for index in range(start, end):
        entry = meta.setdefault(index, {})
        _apply_paths(entry, given, req.get("fields"))
        if not entry.get("hiddenByUser"):
            entry.pop("hiddenByUser", None)
        if not entry:
            del meta[index]
    return {}


def auto_resize_dimensions(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """autoResizeDimensions: accepted and ignored (there is no rendering to measure)."""
    dims = req.get("dimensions") or {}
    if dims:
        _dimension_range(ctx, dims)
    return {}


def _groups(sheet: Sheet, rows: bool) -> list[dict[str, Any]]:
    return sheet.row_groups if rows else sheet.column_groups


def _regroup_depths(groups: list[dict[str, Any]]) -> None:
    for g in groups:
        rg = g["range"]
        g["depth"] = 1 + sum(
            1
            for o in groups
            if o is not g
            and o["range"]["startIndex"] <= rg["startIndex"]
            and o["range"]["endIndex"] >= rg["endIndex"]
            and o["depth"] < 99
        )
    groups.sort(key=lambda g: (g["depth"], g["range"]["startIndex"]))


def add_dimension_group(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """addDimensionGroup: the reply lists all groups of that dimension."""
    sheet, rows, start, end = _dimension_range(ctx, req.get("range"))
    groups = _groups(sheet, rows)
    dimension = "ROWS" if rows else "COLUMNS"
    groups.append(
        {"range": {"dimension": dimension, "startIndex": start, "endIndex": end}, "depth": 1}
    )
    _regroup_depths(groups)
    key = "rowGroupControlAfter" if rows else "columnGroupControlAfter"
    sheet.properties["gridProperties"][key] = True
    return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}


def delete_dimension_group(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """deleteDimensionGroup: remove the group with exactly this range."""
    sheet, rows, start, end = _dimension_range(ctx, req.get("range"))
    groups = _groups(sheet, rows)
    match = [
        g for g in groups if g["range"]["startIndex"] == start and g["range"]["endIndex"] == end
    ]
    if not match:
        raise ctx.error("No dimension group found for the given range.")
    groups.remove(match[-1])
    _regroup_depths(groups)
    reply: dict[str, Any] = {}
    if groups:
        reply["dimensionGroups"] = copy.deepcopy(groups)
    return {"deleteDimensionGroup": reply}


# -- ranges ---------------------------------------------------------------------------------
def sort_range(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """sortRange by one or more columns; empty cells go last."""
    sheet, rect = ctx.rect(req.get("range"))
    specs = []
    for spec in req.get("sortSpecs") or []:
        col = int(spec.get("dimensionIndex") or 0)
        if not rect.start_col <= col < rect.end_col:
            raise ctx.error(f"Sort column {col} is outside the range.")
        specs.append((col, (spec.get("sortOrder") or "ASCENDING") != "DESCENDING"))
    grid.sort_rect(sheet, rect, specs)
    return {}


def merge_cells(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """mergeCells: MERGE_ALL / MERGE_ROWS / MERGE_COLUMNS."""
    sheet, rect = ctx.rect(req.get("range"))
    merge_type = req.get("mergeType") or "MERGE_ALL"
    if merge_type not in ("MERGE_ALL", "MERGE_ROWS", "MERGE_COLUMNS"):
        raise ctx.error(f"Invalid merge type: {merge_type}")
    for m in sheet.merges:
        other = grid.rect_of(m)
        inside = (
            rect.start_row <= other.start_row
            and other.end_row <= rect.end_row
            and rect.start_col <= other.start_col
            and other.end_col <= rect.end_col
        )
        if grid.overlaps(other, rect) and not inside:
            raise ctx.error("You can't merge cells that partially overlap existing merges.")
    grid.merge(sheet, rect, merge_type)
    return {}


def unmerge_cells(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """unmergeCells: remove merges overlapping the range."""
    sheet, rect = ctx.rect(req.get("range"))
    grid.unmerge(sheet, rect)
    return {}


def _paste_cell(src: Cell | None, dst: Cell | None, paste_type: str) -> Cell | None:
    if paste_type == "PASTE_VALUES":
        base = dst or Cell()
        if src is None:
            return base.without_value()
        return replace(
            base,
            value=src.value,
            formula=None,
            display=src.display,
            is_date=src.is_date,
            is_error=src.is_error,
        )
    if paste_type == "PASTE_FORMAT":
        base = dst or Cell()
        return replace(base, fmt=src.fmt if src else None)
    if paste_type == "PASTE_NO_BORDERS" or paste_type == "PASTE_NORMAL":
        return src
    if paste_type == "PASTE_DATA_VALIDATION":
        return replace(dst or Cell(), validation=src.validation if src else None)
    return src


def copy_paste(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """copyPaste: the source tiled over the destination (at least one copy)."""
    src_sheet, src = ctx.rect(req.get("source"))
    dst_sheet, dst = ctx.rect(req.get("destination"))
    paste_type = req.get("pasteType") or "PASTE_NORMAL"
    block = grid.read_rect(src_sheet, src)
    rows = max(src.rows, dst.rows - dst.rows % src.rows if src.rows else 0)
    cols = max(src.cols, dst.cols - dst.cols % src.cols if src.cols else 0)
    if req.get("pasteOrientation") == "TRANSPOSE":
        block = [list(c) for c in zip(*block, strict=True)]
        rows, cols = len(block), len(block[0]) if block else 0
    for r in range(rows):
        for c in range(cols):
            if not block or not block[0]:
                continue
            source_cell = block[r % len(block)][c % len(block[0])]
            target = (dst.start_row + r, dst.start_col + c)
            if target[0] >= dst_sheet.row_count or target[1] >= dst_sheet.col_count:
                continue
            dst_sheet.put(*target, _paste_cell(source_cell, dst_sheet.cell(*target), paste_type))
    return {}


def cut_paste(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """cutPaste: move a block to a destination cell."""
    src_sheet, src = ctx.rect(req.get("source"))
    dest = req.get("destination") or {}
    dst_sheet = ctx.sheet(dest.get("sheetId"))
    top, left = int(dest.get("rowIndex") or 0), int(dest.get("columnIndex") or 0)
    if top + src.rows > dst_sheet.row_count or left + src.cols > dst_sheet.col_count:
        raise ctx.error("The destination is outside the grid.")
    block = grid.read_rect(src_sheet, src)
    for r in range(src.start_row, src.end_row):
        for c in range(src.start_col, src.end_col):
            src_sheet.put(r, c, None)
    paste_type = req.get("pasteType") or "PASTE_NORMAL"
    for dr, line in enumerate(block):
        for dc, cell in enumerate(line):
            dst_sheet.put(
                top + dr,
                left + dc,
                _paste_cell(cell, dst_sheet.cell(top + dr, left + dc), paste_type),
            )
    return {}


# -- sheet objects --------------------------------------------------------------------------
def _stored_range(ctx: Context, gr: Mapping[str, Any] | None) -> dict[str, Any]:
    sheet, rect = ctx.rect(gr)
    return {
        "sheetId": sheet.sheet_id,
        "startRowIndex": rect.start_row,
        "endRowIndex": rect.end_row,
        "startColumnIndex": rect.start_col,
        "endColumnIndex": rect.end_col,
    }


def _partial_range(ctx: Context, gr: Mapping[str, Any] | None) -> dict[str, Any]:
    """A GridRange as given (unbounded sides stay unbounded), with a checked sheetId."""
    ctx.rect(gr)
    out = {k: int(v) for k, v in (gr or {}).items() if v is not None}
    out["sheetId"] = int((gr or {}).get("sheetId") or 0)
    return out


def add_conditional_format_rule(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """addConditionalFormatRule at an index (default 0)."""
    rule = normalize_colors(copy.deepcopy(dict(req.get("rule") or {})))
    ranges = rule.get("ranges") or []
    if not ranges:
        raise ctx.error("A conditional format rule needs at least one range.")
    if not rule.get("booleanRule") and not rule.get("gradientRule"):
        raise ctx.error("A conditional format rule needs a booleanRule or a gradientRule.")
    sheets = {ctx.sheet(gr.get("sheetId")).sheet_id for gr in ranges}
    if len(sheets) != 1:
        raise ctx.error("All ranges of a conditional format rule must be on one sheet.")
    sheet = ctx.sheet(sheets.pop())
    rule["ranges"] = [_partial_range(ctx, gr) for gr in ranges]
    index = int(req.get("index") or 0)
    if index > len(sheet.conditional_formats):
        raise ctx.error(f"Invalid index {index}.")
    sheet.conditional_formats.insert(index, rule)
    return {}


def update_conditional_format_rule(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """updateConditionalFormatRule: replace (``rule``) or move (``newIndex``) a rule."""
    sheet = ctx.sheet(
        req.get("sheetId")
        if req.get("sheetId") is not None
        else ((req.get("rule") or {}).get("ranges") or [{}])[0].get("sheetId")
    )
    index = int(req.get("index") or 0)
    if index >= len(sheet.conditional_formats):
        raise ctx.error(f"No conditional format on sheet {sheet.sheet_id} at index {index}")
    old = sheet.conditional_formats[index]
    if req.get("rule") is not None:
        new = normalize_colors(copy.deepcopy(dict(req["rule"])))
        new["ranges"] = [_partial_range(ctx, gr) for gr in new.get("ranges") or []]
        sheet.conditional_formats[index] = new
        return {
            "updateConditionalFormatRule": {
                "oldRule": old,
                "newRule": new,
                "newIndex": index,
                "oldIndex": index,
            }
        }
    new_index = int(req.get("newIndex") or 0)
    sheet.conditional_formats.insert(new_index, sheet.conditional_formats.pop(index))
    return {
        "updateConditionalFormatRule": {"newRule": old, "newIndex": new_index, "oldIndex": index}
    }


def delete_conditional_format_rule(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """deleteConditionalFormatRule: the reply carries the removed rule."""
    sheet = ctx.sheet(req.get("sheetId"))
    index = int(req.get("index") or 0)
    if index >= len(sheet.conditional_formats):
        raise ctx.error(f"No conditional format on sheet {sheet.sheet_id} at index {index}")
    rule = sheet.conditional_formats.pop(index)
    rule = {**rule, "ranges": [grid_range_json(sheet.sheet_id, g) for g in rule["ranges"]]}
    return {"deleteConditionalFormatRule": {"rule": rule}}


def _all_protected(ctx: Context) -> list[dict[str, Any]]:
    return [p for s in ctx.spreadsheet.sheets for p in s.protected_ranges]


def add_protected_range(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """addProtectedRange: gets an id; the caller becomes an editor unless warning-only."""
    given = dict(req.get("protectedRange") or {})
    gr = given.get("range")
    if gr is None:
        raise ctx.error("A protected range needs a range or a namedRangeId.")
    sheet = ctx.sheet(gr.get("sheetId"))
    used = {p["protectedRangeId"] for p in _all_protected(ctx)}
    pid = given.get("protectedRangeId")
    if pid is None or pid in used:
        pid = random.randint(1, 2**31 - 1)
    stored: dict[str, Any] = {"protectedRangeId": int(pid), "range": _partial_range(ctx, gr)}
    if given.get("description"):
        stored["description"] = given["description"]
    if given.get("warningOnly"):
        stored["warningOnly"] = True
    if given.get("unprotectedRanges"):
        stored["unprotectedRanges"] = [_partial_range(ctx, u) for u in given["unprotectedRanges"]]
    stored["requestingUserCanEdit"] = True
    editors = given.get("editors") or {}
    reply_editors = {k: list(v) for k, v in editors.items() if v}
    users = list(reply_editors.get("users", []))
    # Google lists the requester among the stored editors (the reply shows only those given).
    if ctx.caller and ctx.caller not in users:
        users.append(ctx.caller)
    stored_editors = dict(reply_editors)
    if users:
        stored_editors["users"] = users
    sheet.protected_ranges.append({**stored, "editors": stored_editors})
    reply = {**copy.deepcopy(stored), "editors": reply_editors}
    reply["range"] = grid_range_json(sheet.sheet_id, stored["range"])
    return {"addProtectedRange": {"protectedRange": reply}}


def _find_protected(ctx: Context, pid: Any) -> tuple[Sheet, dict[str, Any]]:
    for sheet in ctx.spreadsheet.sheets:
        for p in sheet.protected_ranges:
            if p["protectedRangeId"] == int(pid or 0):
                return sheet, p
    raise ctx.error(f"No protected range with id: {pid}")


def update_protected_range(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """updateProtectedRange with a fields mask."""
    given = dict(req.get("protectedRange") or {})
    _, stored = _find_protected(ctx, given.get("protectedRangeId"))
    _apply_paths(stored, given, req.get("fields"), skip=("protectedRangeId",))
    if "range" in stored:
        stored["range"] = _partial_range(ctx, stored["range"])
    return {}


def delete_protected_range(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """deleteProtectedRange by id."""
    sheet, stored = _find_protected(ctx, req.get("protectedRangeId"))
    sheet.protected_ranges.remove(stored)
    return {}


def add_named_range(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """addNamedRange: the reply carries the new id (a string of digits)."""
    given = dict(req.get("namedRange") or {})
    name = given.get("name") or ""
    if not name or any(n["name"].lower() == name.lower() for n in ctx.spreadsheet.named_ranges):
        raise ctx.error(f"Named range name {name!r} is invalid or already exists.")
    grid_range = _stored_range(ctx, given.get("range"))
    stored: dict[str, Any] = {
        "namedRangeId": str(given.get("namedRangeId") or random.randint(1, 2**31 - 1)),
        "name": name,
        "range": grid_range,
    }
    ctx.spreadsheet.named_ranges.append(stored)
    return {
        "addNamedRange": {
            "namedRange": {
                **stored,
                "range": grid_range_json(int(grid_range["sheetId"]), grid_range),
            }
        }
    }


def _find_named(ctx: Context, nid: Any) -> dict[str, Any]:
    for n in ctx.spreadsheet.named_ranges:
        if n["namedRangeId"] == str(nid):
            return n
    raise ctx.error(f"No named range with id {nid}")


def update_named_range(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """updateNamedRange with a fields mask."""
    given = dict(req.get("namedRange") or {})
    stored = _find_named(ctx, given.get("namedRangeId"))
    if not req.get("fields"):
        raise ctx.error("At least one field must be updated, but none was specified.")
    _apply_paths(stored, given, req.get("fields"), skip=("namedRangeId",))
    stored["range"] = _stored_range(ctx, stored.get("range"))
    return {}


def delete_named_range(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """deleteNamedRange by id."""
    stored = _find_named(ctx, req.get("namedRangeId"))
    ctx.spreadsheet.named_ranges.remove(stored)
    return {}


def set_basic_filter(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """setBasicFilter: the stored range is made explicit, as Google reports it."""
    given = normalize_colors(dict(req.get("filter") or {}))
    stored = _stored_range(ctx, given.get("range"))
    sheet = ctx.sheet(stored["sheetId"])
    sheet.basic_filter = {**{k: v for k, v in given.items() if v is not None}, "range": stored}
    return {}


def clear_basic_filter(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """clearBasicFilter."""
    ctx.sheet(req.get("sheetId")).basic_filter = None
    return {}


def update_borders(ctx: Context, req: Mapping[str, Any]) -> dict[str, Any]:
    """updateBorders: validated and ignored (borders are not rendered anywhere)."""
    ctx.rect(req.get("range"))
    return {}


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "duplicateSheet": duplicate_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "repeatCell": repeat_cell,
    "updateCells": update_cells,
    "setDataValidation": set_data_validation,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "appendDimension": append_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize_dimensions,
    "addDimensionGroup": add_dimension_group,
    "deleteDimensionGroup": delete_dimension_group,
    "sortRange": sort_range,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "copyPaste": copy_paste,
    "cutPaste": cut_paste,
    "addConditionalFormatRule": add_conditional_format_rule,
    "updateConditionalFormatRule": update_conditional_format_rule,
    "deleteConditionalFormatRule": delete_conditional_format_rule,
    "addProtectedRange": add_protected_range,
    "updateProtectedRange": update_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "addNamedRange": add_named_range,
    "updateNamedRange": update_named_range,
    "deleteNamedRange": delete_named_range,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "updateBorders": update_borders,
    "createDeveloperMetadata": lambda ctx, req: developer_metadata.create(ctx.spreadsheet, req),
    "deleteDeveloperMetadata": lambda ctx, req: developer_metadata.delete(ctx.spreadsheet, req),
}

# Real request kinds the emulator does not implement: Google knows them, so they are not
# "Unknown name" errors, but a test relying on them should fail loudly.
_KNOWN_UNSUPPORTED = {
    "addChart",
    "updateChartSpec",
    "deleteEmbeddedObject",
    "findReplace",
    "addBanding",
    "updateBanding",
    "deleteBanding",
    "addFilterView",
    "deleteFilterView",
    "addSlicer",
    "insertRange",
    "deleteRange",
    "moveDimension",
    "pasteData",
    "textToColumns",
    "trimWhitespace",
    "deleteDuplicates",
    "randomizeRange",
    "autoFill",
    "updateDeveloperMetadata",
    "updateEmbeddedObjectPosition",
    "updateFilterView",
    "duplicateFilterView",
    "updateDimensionGroup",
    "addDataSource",
    "updateDataSource",
    "deleteDataSource",
    "refreshDataSource",
    "cancelDataSourceRefresh",
    "addTable",
    "updateTable",
    "deleteTable",
    "updateEmbeddedObjectBorder",
}


def apply_requests(
    spreadsheet: Spreadsheet, requests: Any, caller: str = ""
) -> list[dict[str, Any]]:
    """Apply requests in order to a working copy; raises ApiError at the first bad one."""
    if not isinstance(requests, list) or not requests:
        raise bad_request("Invalid requests: Must specify at least one request.")
    replies = []
    for index, request in enumerate(requests):
        if not isinstance(request, dict):
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at 'requests[{index}]'"
            )
        kinds = [k for k, v in request.items() if v is not None]
        for kind in kinds:
            if kind not in HANDLERS and kind not in _KNOWN_UNSUPPORTED:
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{kind}" at '
                    f"'requests[{index}]': Cannot find field."
                )
        if len(kinds) != 1:
            raise bad_request(f"Invalid requests[{index}]: request must have exactly one kind set")
        kind = kinds[0]
        if kind in _KNOWN_UNSUPPORTED:
            raise ApiError(501, f"The sheets emulator does not implement {kind}", "UNIMPLEMENTED")
        ctx = Context(spreadsheet, index, kind, caller)
        replies.append(HANDLERS[kind](ctx, request[kind]))
    return replies
