"""Developer metadata: key/value tags on a spreadsheet, a sheet, a row or a column.

As Google documents, metadata on a row or column stays with it when rows or columns are
inserted or deleted before it, and goes away when its row or column is deleted. A DataFilter
with a ``developerMetadataLookup`` matches the whole row or column the metadata is on now,
which is what lets a client address a column wherever people moved it.

Sorting moves cell contents, not rows, so row metadata stays where it is on a sort (Google
does not document either way; nothing in SheetCRM relies on row metadata).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping
from typing import Any

from . import a1
from .a1 import Rect
from .errors import ApiError, bad_request
from .store import Sheet, Spreadsheet

_LOCATION_TYPES = ("ROW", "COLUMN", "SHEET", "SPREADSHEET")


def _dimension(md: Mapping[str, Any]) -> dict[str, Any] | None:
    found = md.get("location", {}).get("dimensionRange")
    return found if isinstance(found, dict) else None


def shift(
    spreadsheet: Spreadsheet, sheet_id: int, rows: bool, start: int, count: int, inserting: bool
) -> None:
    """Move row/column metadata of one sheet after rows/columns were inserted or deleted."""
    dimension = "ROWS" if rows else "COLUMNS"
    kept = []
    for md in spreadsheet.developer_metadata:
        dr = _dimension(md)
        if dr is None or int(dr.get("sheetId", 0)) != sheet_id or dr["dimension"] != dimension:
            kept.append(md)
            continue
        index = int(dr["startIndex"])
        if inserting:
            if index >= start:
                index += count
        elif start <= index < start + count:
            continue  # its row or column was deleted
        elif index >= start + count:
            index -= count
        dr["startIndex"], dr["endIndex"] = index, index + 1
        kept.append(md)
    spreadsheet.developer_metadata = kept


def drop_sheet(spreadsheet: Spreadsheet, sheet_id: int) -> None:
    """Remove the metadata of a deleted sheet."""
    spreadsheet.developer_metadata = [
        md
        for md in spreadsheet.developer_metadata
        if int((_dimension(md) or md.get("location", {})).get("sheetId", -1)) != sheet_id
    ]


def _location(spreadsheet: Spreadsheet, raw: Mapping[str, Any]) -> dict[str, Any]:
    if raw.get("spreadsheet"):
        return {"locationType": "SPREADSHEET", "spreadsheet": True}
    if "sheetId" in raw:
        if spreadsheet.sheet_by_id(int(raw["sheetId"])) is None:
            raise bad_request(f"Invalid requests: No grid with id: {raw['sheetId']}")
        return {"locationType": "SHEET", "sheetId": int(raw["sheetId"])}
    dr = raw.get("dimensionRange")
    if not isinstance(dr, Mapping):
        raise bad_request("Invalid requests: developer metadata must have a location.")
    sheet = spreadsheet.sheet_by_id(int(dr.get("sheetId", 0) or 0))
    if sheet is None:
        raise bad_request(f"Invalid requests: No grid with id: {dr.get('sheetId')}")
    rows = dr.get("dimension") == "ROWS"
    start, end = int(dr.get("startIndex", 0) or 0), dr.get("endIndex")
    limit = sheet.row_count if rows else sheet.col_count
    if end is None or int(end) - start != 1 or not 0 <= start < limit:
        raise bad_request(
            "Invalid requests: Developer metadata may only be associated with a single row or "
            "column."
        )
    return {
        "locationType": "ROW" if rows else "COLUMN",
        "dimensionRange": {
            "sheetId": sheet.sheet_id,
            "dimension": "ROWS" if rows else "COLUMNS",
            "startIndex": start,
            "endIndex": start + 1,
        },
    }


def create(spreadsheet: Spreadsheet, req: Mapping[str, Any]) -> dict[str, Any]:
    """createDeveloperMetadata: the reply carries the stored metadata."""
    raw = req.get("developerMetadata") or {}
    if not raw.get("metadataKey"):
        raise bad_request("Invalid requests: developer metadata must have a key.")
    if raw.get("visibility") not in ("DOCUMENT", "PROJECT"):
        raise bad_request("Invalid requests: developer metadata must have a visibility.")
    used = {int(md["metadataId"]) for md in spreadsheet.developer_metadata}
    metadata_id = int(raw.get("metadataId") or 0)
    if metadata_id in used:
        raise bad_request(f"Invalid requests: Metadata with id {metadata_id} already exists.")
    while not metadata_id:
        candidate = random.randint(1, 2**31 - 1)
        metadata_id = 0 if candidate in used else candidate
    md: dict[str, Any] = {
        "metadataId": metadata_id,
        "metadataKey": str(raw["metadataKey"]),
        "location": _location(spreadsheet, raw.get("location") or {}),
        "visibility": raw["visibility"],
    }
    if raw.get("metadataValue") is not None:
        md["metadataValue"] = str(raw["metadataValue"])
    spreadsheet.developer_metadata.append(md)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(md)}}


def delete(spreadsheet: Spreadsheet, req: Mapping[str, Any]) -> dict[str, Any]:
    """deleteDeveloperMetadata: everything the data filter's lookup matches."""
    lookup = (req.get("dataFilter") or {}).get("developerMetadataLookup")
    if not isinstance(lookup, Mapping):
        raise bad_request("Invalid requests: deleteDeveloperMetadata needs a metadata lookup.")
    gone = [md for md in spreadsheet.developer_metadata if matches(lookup, md)]
    spreadsheet.developer_metadata = [
        md for md in spreadsheet.developer_metadata if not any(md is g for g in gone)
    ]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": copy.deepcopy(gone)}}


def matches(lookup: Mapping[str, Any], md: Mapping[str, Any]) -> bool:
    """Whether one metadata fits a DeveloperMetadataLookup (every field given must agree)."""
    location = md.get("location", {})
    checks = (
        ("metadataId", md.get("metadataId")),
        ("metadataKey", md.get("metadataKey")),
        ("metadataValue", md.get("metadataValue")),
        ("visibility", md.get("visibility")),
        ("locationType", location.get("locationType")),
    )
    for name, value in checks:
        wanted = lookup.get(name)
        if wanted is not None and str(wanted) != str(value):
            return False
    where = lookup.get("metadataLocation")
    if isinstance(where, Mapping) and "sheetId" in where:
        on = _dimension(md) or location
        if int(on.get("sheetId", -1)) != int(where["sheetId"]):
            return False
    return True


def _metadata_rect(spreadsheet: Spreadsheet, md: Mapping[str, Any]) -> tuple[Sheet, Rect] | None:
    dr = _dimension(md)
    if dr is None:
        location = md.get("location", {})
        sheet = spreadsheet.sheet_by_id(int(location.get("sheetId", -1)))
        return None if sheet is None else (sheet, Rect(0, sheet.row_count, 0, sheet.col_count))
    sheet = spreadsheet.sheet_by_id(int(dr.get("sheetId", 0)))
    if sheet is None:
        return None
    index = int(dr["startIndex"])
    if dr["dimension"] == "ROWS":
        return sheet, Rect(index, index + 1, 0, sheet.col_count)
    return sheet, Rect(0, sheet.row_count, index, index + 1)


def filter_ranges(spreadsheet: Spreadsheet, data_filter: Mapping[str, Any]) -> list[str]:
    """The A1 ranges a DataFilter matches now (none when nothing matches)."""
    if "a1Range" in data_filter:
        sheet, rect = spreadsheet.resolve(str(data_filter["a1Range"]))
        return [a1.format_rect(sheet.title, rect)]
    if "gridRange" in data_filter:
        sheet, rect = spreadsheet.grid_range_rect(data_filter["gridRange"])
        return [a1.format_rect(sheet.title, rect)]
    lookup = data_filter.get("developerMetadataLookup")
    if not isinstance(lookup, Mapping):
        raise ApiError(400, "Invalid dataFilter: set a1Range, gridRange or developerMetadataLookup")
    if lookup.get("locationType") not in (None, *_LOCATION_TYPES):
        raise bad_request(f"Invalid value at 'locationType': {lookup.get('locationType')}")
    found = []
    for md in spreadsheet.developer_metadata:
        if matches(lookup, md):
            place = _metadata_rect(spreadsheet, md)
            if place is not None:
                found.append(a1.format_rect(place[0].title, place[1]))
    return found
