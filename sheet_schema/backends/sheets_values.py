"""A1 ranges and cell values as the Sheets values API wants them.

Small pure helpers shared by the backend and ``init``: quoting worksheet titles, naming cell
ranges, and turning typed values into what a ``valueInputOption=RAW`` write stores (dates become
serial numbers, because RAW would otherwise keep "2024-03-05" as text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sheet_schema.cells import datetime_to_serial
from sheet_schema.headers import column_letter


def quote_title(title: str) -> str:
    """A worksheet title as the first part of an A1 range: always quoted, ' doubled."""
    return "'" + title.replace("'", "''") + "'"


def whole_sheet(title: str) -> str:
    """The A1 range of a whole worksheet."""
    return quote_title(title)


def row_range(title: str, row: int) -> str:
    """The A1 range of one whole row (1-based)."""
    return f"{quote_title(title)}!{row}:{row}"


def column_range(title: str, column: int) -> str:
    """The A1 range of one whole column (0-based)."""
    letter = column_letter(column)
    return f"{quote_title(title)}!{letter}:{letter}"


def cells_range(title: str, row: int, first_column: int, last_column: int, rows: int = 1) -> str:
    """The A1 range of a block: 1-based ``row``, 0-based inclusive columns, ``rows`` tall."""
    start = f"{column_letter(first_column)}{row}"
    end = f"{column_letter(last_column)}{row + rows - 1}"
    return f"{quote_title(title)}!{start}:{end}"


def raw_value(value: object, zone: ZoneInfo) -> object:
    """A value for a RAW write: dates as serial numbers, Decimal as float, None as null.

    Aware datetimes are shown in the workbook's time zone (a sheet has no time zones).
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return datetime_to_serial(value)
    if isinstance(value, date):
        return datetime_to_serial(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def runs(cells: Iterable[tuple[int, object]]) -> list[tuple[int, list[object]]]:
    """Group (column, value) pairs of one row into runs of adjacent columns."""
    out: list[tuple[int, list[object]]] = []
    for column, value in sorted(cells, key=lambda pair: pair[0]):
        if out and out[-1][0] + len(out[-1][1]) == column:
            out[-1][1].append(value)
        else:
            out.append((column, [value]))
    return out


def pad(cells: Sequence[object], width: int) -> list[object]:
    """A row of cells padded with None to ``width``."""
    return list(cells) + [None] * (width - len(cells))
