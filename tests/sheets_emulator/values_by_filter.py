"""values:batchGetByDataFilter and values:batchUpdateByDataFilter.

A DataFilter is an A1 range, a GridRange or a developer-metadata lookup; a lookup matches the
row or column its metadata is on *now*. A write whose filter matches several ranges is applied
to each; a filter that matches nothing writes nothing and gets no entry in ``responses``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import values
from .developer_metadata import filter_ranges
from .errors import bad_request
from .store import Store


def _filters(body: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    found = body.get(name) or []
    if not isinstance(found, list) or any(not isinstance(f, Mapping) for f in found):
        raise bad_request(f"Invalid JSON payload received. Invalid value at '{name}'")
    return found


def batch_get(store: Store, sid: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values:batchGetByDataFilter."""
    params = {
        name: [str(body[name])]
        for name in ("majorDimension", "valueRenderOption", "dateTimeRenderOption")
        if body.get(name)
    }
    major, vr, dr = values._read_options(params)
    out: list[dict[str, Any]] = []
    with store.read(sid) as spreadsheet:
        for data_filter in _filters(body, "dataFilters"):
            for text in filter_ranges(spreadsheet, data_filter):
                sheet, rect = spreadsheet.resolve(text)
                out.append(
                    {
                        "valueRange": values.value_range(sheet, rect, major, vr, dr),
                        "dataFilters": [dict(data_filter)],
                    }
                )
    result: dict[str, Any] = {"spreadsheetId": sid}
    if out:
        result["valueRanges"] = out
    return result


def batch_update(store: Store, sid: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v4/spreadsheets/{id}/values:batchUpdateByDataFilter (atomic, like batchUpdate)."""
    input_option = values._input_option(body.get("valueInputOption"))
    responses: list[dict[str, Any]] = []
    touched: dict[int, tuple[set[int], set[int]]] = {}
    total = 0
    with store.transaction(sid) as spreadsheet:
        for i, item in enumerate(_filters(body, "data")):
            data_filter = item.get("dataFilter")
            if not isinstance(data_filter, Mapping):
                raise bad_request(f"Invalid data[{i}]: a dataFilter is required")
            for text in filter_ranges(spreadsheet, data_filter):
                sheet, rect, cells, reply = values._update_one(
                    spreadsheet,
                    text,
                    item.get("values"),
                    item.get("majorDimension") or "ROWS",
                    input_option,
                    f"data[{i}].values",
                )
                reply.pop("spreadsheetId", None)
                reply["dataFilter"] = dict(data_filter)
                responses.append(reply)
                if rect is not None:
                    rows, cols = touched.setdefault(sheet.sheet_id, (set(), set()))
                    rows.update(range(rect.start_row, rect.end_row))
                    cols.update(range(rect.start_col, rect.end_col))
                    total += cells
    result: dict[str, Any] = {"spreadsheetId": sid}
    if touched:
        result["totalUpdatedRows"] = sum(len(r) for r, _ in touched.values())
        result["totalUpdatedColumns"] = sum(len(c) for _, c in touched.values())
        result["totalUpdatedCells"] = total
        result["totalUpdatedSheets"] = len(touched)
    if responses:
        result["responses"] = responses
    return result
