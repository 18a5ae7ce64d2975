"""A1 ranges and cell values as the Sheets values API wants them.

Small pure helpers shared by the backend and ``init``: quoting worksheet titles, naming cell
ranges, and turning typed values into what a ``valueInputOption=RAW`` write stores (dates become
serial numbers, because RAW would otherwise keep "2024-03-05" as text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Block:
    """A rectangle of values to write: 1-based top row, 0-based left column, rows of values.

    ``None`` inside means "leave this cell alone" (the API skips JSON nulls), so a block may
    cover cells it does not change.
    """

    top: int
    left: int
    rows: list[list[object]]

    @property
    def right(self) -> int:
        """The 0-based last column."""
        return self.left + max(len(r) for r in self.rows) - 1


def _spans(sorted_numbers: Sequence[int], bridge: int) -> list[tuple[int, int]]:
    """Runs of numbers, joining runs separated by at most ``bridge`` missing numbers."""
    spans: list[tuple[int, int]] = []
    for number in sorted_numbers:
        if spans and number - spans[-1][1] <= bridge + 1:
            spans[-1] = (spans[-1][0], number)
        else:
            spans.append((number, number))
    return spans


def pack(cells: Mapping[tuple[int, int], object], bridge: int = 3) -> list[Block]:
    """Few rectangles covering every (row, column) -> value; values must not be None.

    Consecutive rows form a block; within it, columns closer than ``bridge`` empty columns
    share a rectangle. A first cycle that fills the same bot columns on every row of a tab
    becomes a couple of rectangles instead of one range per row, which keeps the request small.
    """
    blocks: list[Block] = []
    by_row: dict[int, dict[int, object]] = {}
    for (row, column), value in cells.items():
        by_row.setdefault(row, {})[column] = value
    for first, last in _spans(sorted(by_row), 0):
        block_rows = range(first, last + 1)
        columns = sorted({c for r in block_rows for c in by_row[r]})
        for left, right in _spans(columns, bridge):
            rows = [[by_row[r].get(c) for c in range(left, right + 1)] for r in block_rows]
            blocks.append(Block(first, left, rows))
    return blocks


def pad(cells: Sequence[object], width: int) -> list[object]:
    """A row of cells padded with None to ``width``."""
    return list(cells) + [None] * (width - len(cells))
