"""Cells written into an openpyxl workbook the way the bot stores them.

Text always stays text (a typed '=IMPORTXML(...)' never becomes a formula), characters XML
cannot hold are replaced, and dates get a date format. :func:`append_rows` adds rows to an
existing workbook for importing and demo data.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from sheet_schema.backends.xlsx_read import explained_errors
from sheet_schema.backends.xlsx_saving import save_atomically
from sheet_schema.cells import cell_text
from sheet_schema.headers import map_headers
from sheet_schema.reading import match_worksheets
from sheet_schema.schema import Schema

_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def set_cell(cell: Cell, value: object) -> None:
    """Store a value; text is always stored as text, so '=IMPORTXML(...)' never runs."""
    if isinstance(value, str):
        # XML 1.0 cannot hold control characters, U+FFFE/U+FFFF or lone surrogates; openpyxl
        # would save them anyway and then refuse to open its own file, so every later cycle
        # would fail. A pasted one becomes U+FFFD (the "unknown character" sign).
        value = _NOT_IN_XML.sub("\ufffd", value)
    cell.value = value
    if isinstance(value, str):
        # openpyxl turns any string starting with '=' into a formula; the bot writes RAW text.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = _DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = _DATE_FORMAT


def last_used_row(ws: Worksheet) -> int:
    """The last row with any value (formatting-only rows at the end do not count)."""
    for row in range(ws.max_row, 0, -1):
        if any(c.value not in (None, "") for c in ws[row]):
            return row
    return 0


def append_rows(path: Path, schema: Schema, rows: dict[str, list[dict[str, object]]]) -> None:
    """Add rows (column key -> value) to tabs of an existing workbook, in one save.

    For importing and demo data; the values are written as given, team columns included.
    """
    with explained_errors(path):
        book = load_workbook(path)
    titles, _ = match_worksheets(schema, book.sheetnames)
    for name, records in rows.items():
        ws = book[titles[name]]
        header = [cell_text(c.value) for c in ws[1]]
        positions = map_headers(schema.tab(name), header).positions
        start = last_used_row(ws) + 1
        for offset, record in enumerate(records):
            for key, value in record.items():
                if value is not None:
                    set_cell(ws.cell(row=start + offset, column=positions[key] + 1), value)
    save_atomically(book, path)
