"""Bot columns addressed by developer metadata, so a write follows its column wherever it moved.

A person may insert, delete or move columns in the second between the bot's last read and its
write. A write addressed by A1 position would then land in whatever column now sits there (a
team column: their Notes replaced by Problems text). Instead, each bot column carries a tag:
developer metadata ``sheetcrm.column = <column key>`` on the column itself, which Google keeps
on that column as columns are inserted or deleted around it. Every cell write is sent through
``values:batchUpdateByDataFilter`` with a lookup of that tag: one whole-column range per bot
column, ``null`` for the rows it leaves alone. Team columns are never tagged, so no write can
reach them, whatever people do meanwhile.

A tag is created once per column (the first cycle that writes it), at the position the re-read
just found; the check after the write confirms the header under each tag, and a tag found on the
wrong column is removed (see :mod:`sheet_schema.backends.sheets_verify`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

TAG_KEY = "sheetcrm.column"
_RANGE_COLUMN = re.compile(r"!\$?([A-Za-z]+)\$?\d*(?::|$)")


def column_filter(sheet_id: int, key: str) -> dict[str, Any]:
    """The DataFilter matching the bot column ``key`` of one sheet, wherever it is now."""
    return {
        "developerMetadataLookup": {
            "metadataKey": TAG_KEY,
            "metadataValue": key,
            "locationType": "COLUMN",
            "metadataLocation": {"sheetId": sheet_id},
            "locationMatchingStrategy": "INTERSECTING_LOCATION",
        }
    }


def a1_filter(a1_range: str) -> dict[str, Any]:
    """A DataFilter for a plain A1 range."""
    return {"a1Range": a1_range}


def tagged_key(data_filter: Mapping[str, Any]) -> str | None:
    """The column key a filter made by :func:`column_filter` looks up (None for A1 filters)."""
    lookup = data_filter.get("developerMetadataLookup")
    if isinstance(lookup, Mapping) and lookup.get("metadataKey") == TAG_KEY:
        value = lookup.get("metadataValue")
        return str(value) if value is not None else None
    return None


def create_tag(sheet_id: int, column: int, key: str) -> dict[str, Any]:
    """The spreadsheets.batchUpdate request tagging 0-based ``column`` as bot column ``key``."""
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": TAG_KEY,
                "metadataValue": key,
                "location": {
                    "dimensionRange": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": column,
                        "endIndex": column + 1,
                    }
                },
                "visibility": "DOCUMENT",
            }
        }
    }


def delete_tag(sheet_id: int, key: str) -> dict[str, Any]:
    """The request removing every tag of bot column ``key`` on one sheet."""
    return {"deleteDeveloperMetadata": {"dataFilter": column_filter(sheet_id, key)}}


def column_of_range(a1_range: str) -> int | None:
    """The 0-based first column of an A1 range such as ``'Customers'!F1:F1000``."""
    match = _RANGE_COLUMN.search(a1_range)
    if match is None:
        return None
    index = 0
    for char in match.group(1).upper():
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


def column_write(sheet_id: int, key: str, cells: Mapping[int, object]) -> dict[str, Any]:
    """A DataFilterValueRange setting 1-based rows of one tagged column (others left alone)."""
    last = max(cells)
    column: list[object] = [None] * last
    for row, value in cells.items():
        column[row - 1] = value
    return {
        "dataFilter": column_filter(sheet_id, key),
        "majorDimension": "COLUMNS",
        "values": [column],
    }


def a1_write(a1_range: str, rows: Sequence[Sequence[object]]) -> dict[str, Any]:
    """A DataFilterValueRange for a positional block (appended log rows, a new tab's header)."""
    return {
        "dataFilter": a1_filter(a1_range),
        "majorDimension": "ROWS",
        "values": [list(r) for r in rows],
    }
