"""One worksheet's XML with cells spliced in, as openpyxl 3.1 would write them.

:class:`SheetXml` parses only the rows a write touches and keeps the rest of the worksheet as
text: a cell is put in its row by column, a new row before the first row after it, and the
sheet's dimension grows to what was written. Cells are written the way openpyxl writes them (text
as inline strings, numbers with 16 significant digits, dates as serial numbers with a date
format), so a file written either way reads the same. What only openpyxl writes correctly
(merged cells, array formulas, a formula in a cell to write, XML with namespace prefixes, rows or
cells without their address) raises :class:`Unsupported`. The workbook's other parts (shared
strings, styles) are :mod:`sheet_schema.backends.xlsx_patch`'s, reached through
:class:`WorkbookParts`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from math import isfinite
from typing import Protocol
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel

_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ROW = re.compile(r"<row\b([^>]*?)(/?)>")
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ADDRESS = re.compile(r"""\br=["']([A-Z]+)(\d+)["']""")
_ROW_NUMBER = re.compile(r"""\br=["'](\d+)["']""")
_STYLE = re.compile(r"""\bs=["'](\d+)["']""")
_TYPE = re.compile(r"""\bt=["'](\w+)["']""")
_VALUE = re.compile(r"<v>([^<]*)</v>")
_TEXT = re.compile(r"<t\b[^>]*>([^<]*)</t>")
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.DOTALL)


class Unsupported(Exception):
    """Something in this file that only openpyxl writes correctly."""


class WorkbookParts(Protocol):
    """What a worksheet's cells need of the rest of the workbook."""

    def is_empty_string(self, index: int) -> bool:
        """True when shared string ``index`` is "" (its cell counts as empty)."""
        ...

    def style_with_format(self, style: int, number_format: str) -> int:
        """The cell format ``style`` with its number format replaced (added when new)."""
        ...


def text_of(xml: str) -> str:
    """The text of a string item or inline string (runs joined, phonetic guides left out)."""
    return "".join(_TEXT.findall(_PHONETIC.sub("", xml)))


class SheetXml:
    """One worksheet's XML: the rows the plan touches are parsed, the rest kept as text."""

    def __init__(self, xml: str, parts: WorkbookParts) -> None:
        if re.search(r"<\w+:(?:worksheet|sheetData)\b", xml):
            raise Unsupported("prefixed worksheet")
        if "<mergeCell " in xml or re.search(r"""\bt=["'](?:array|dataTable)["']""", xml):
            raise Unsupported("merged cells or array formulas")
        self.xml = xml
        self.parts = parts
        empty = re.search(r"<sheetData\s*/>", xml)
        if empty:
            self.xml = xml[: empty.start()] + "<sheetData></sheetData>" + xml[empty.end() :]
        opening = re.search(r"<sheetData\b[^>]*>", self.xml)
        if opening is None:
            raise Unsupported("no sheetData")
        self.data_start = opening.end()
        self.data_end = self.xml.index("</sheetData>", self.data_start)
        # Row number -> (start, end) of its element in the XML, in order.
        self.spans: dict[int, tuple[int, int]] = {}
        self.rows: dict[int, _Row] = {}
        self._index_rows()

    def _index_rows(self) -> None:
        position, last = self.data_start, 0
        while True:
            match = _ROW.search(self.xml, position, self.data_end)
            if match is None:
                break
            number = _ROW_NUMBER.search(match.group(1))
            if number is None or int(number.group(1)) <= last:
                raise Unsupported("a row without its number, or out of order")
            last = int(number.group(1))
            end = match.end() if match.group(2) else self.xml.index("</row>", match.end()) + 6
            self.spans[last] = (match.start(), end)
            position = end

    def row(self, number: int) -> _Row:
        if number not in self.rows:
            span = self.spans.get(number)
            chunk = self.xml[span[0] : span[1]] if span else f'<row r="{number}"/>'
            self.rows[number] = _Row(chunk, number)
        return self.rows[number]

    def write(self, cells: Mapping[tuple[int, int], object]) -> None:
        for (number, column), value in cells.items():
            row = self.row(number)
            style = row.style(column)
            if isinstance(value, (date, datetime)):
                code = _DATETIME_FORMAT if isinstance(value, datetime) else _DATE_FORMAT
                style = self.parts.style_with_format(style, code)
            row.set(column, _cell_xml(f"{get_column_letter(column + 1)}{number}", style, value))

    def last_used_row(self) -> int:
        """The last row with any value, as :func:`~sheet_schema.backends.xlsx_cells.last_used_row`
        finds it in openpyxl (formatting-only rows do not count)."""
        numbers = sorted(set(self.spans) | set(self.rows), reverse=True)
        for number in numbers:
            cells: Iterable[str]
            if number in self.rows:
                cells = self.rows[number].cells.values()
            else:
                start, end = self.spans[number]
                cells = (m.group(0) for m in _CELL.finditer(self.xml, start, end))
            if any(self._has_value(cell) for cell in cells):
                return number
        return 0

    def _has_value(self, cell: str) -> bool:
        if "<f" in cell:
            return True
        kind = _TYPE.search(cell.split(">", 1)[0])
        if kind and kind.group(1) == "inlineStr":
            return bool(text_of(cell))
        value = _VALUE.search(cell)
        if value is None or not value.group(1):
            return False
        if kind and kind.group(1) == "s":
            return not self.parts.is_empty_string(int(value.group(1)))
        return True

    def text(self) -> str:
        pieces: list[str] = []
        position = self.data_start
        numbers = list(self.spans)  # ascending
        for number in sorted(self.rows):
            span = self.spans.get(number)
            if span is None:
                # A new row goes before the first row after it.
                after = bisect_right(numbers, number)
                at = self.spans[numbers[after]][0] if after < len(numbers) else self.data_end
                pieces += [self.xml[position:at], self.rows[number].text()]
                position = at
            else:
                pieces += [self.xml[position : span[0]], self.rows[number].text()]
                position = span[1]
        body = "".join(pieces) + self.xml[position : self.data_end]
        head = _with_dimension(self.xml[: self.data_start], self.rows)
        return head + body + self.xml[self.data_end :]


class _Row:
    """One row element: its opening tag and its cells by 0-based column."""

    def __init__(self, chunk: str, number: int) -> None:
        opening = _ROW.match(chunk)
        assert opening is not None
        # "spans" is a hint of the row's first and last column that new cells could contradict.
        self.tag = re.sub(r"""\s+spans=["'][^"']*["']""", "", opening.group(1))
        body = chunk[opening.end() : -len("</row>")] if not opening.group(2) else ""
        self.cells: dict[int, str] = {}
        position = 0
        for match in _CELL.finditer(body):
            if body[position : match.start()].strip():
                raise Unsupported("something else than cells in a row")
            address = _ADDRESS.search(match.group(1))
            if address is None or int(address.group(2)) != number:
                raise Unsupported("a cell without its address")
            self.cells[column_index_from_string(address.group(1)) - 1] = match.group(0)
            position = match.end()
        if body[position:].strip():
            raise Unsupported("something else than cells in a row")

    def style(self, column: int) -> int:
        cell = self.cells.get(column)
        found = _STYLE.search(cell.split(">", 1)[0]) if cell else None
        return int(found.group(1)) if found else 0

    def set(self, column: int, xml: str | None) -> None:
        """Put a cell's XML in place (None: no cell at all)."""
        existing = self.cells.get(column)
        if existing is not None and "<f" in existing:
            raise Unsupported("writing over a formula")
        if xml is None:
            self.cells.pop(column, None)
        else:
            self.cells[column] = xml

    def text(self) -> str:
        cells = "".join(self.cells[c] for c in sorted(self.cells))
        return f"<row{self.tag}>{cells}</row>"


def _cell_xml(address: str, style: int, value: object) -> str | None:
    """One cell as openpyxl 3.1 writes it (see openpyxl.cell._writer); None for an empty cell
    without a style, which needs no element."""
    styled = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{address}"{styled}/>' if style else None
    if isinstance(value, str):
        text = _NOT_IN_XML.sub("\ufffd", value)
        space = ' xml:space="preserve"' if text.strip() != text else ""
        return f'<c r="{address}"{styled} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{address}"{styled} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (date, datetime)):
        if isinstance(value, datetime) and value.tzinfo is not None:
            raise Unsupported("a time zone in a datetime")
        value = to_excel(value)
    if isinstance(value, (int, float, Decimal)):
        if not isfinite(value):
            raise Unsupported("not a finite number")
        # openpyxl's "%.16g" (which turns a Decimal or an int into a float first, too).
        number = format(float(value), ".16g")
        return f'<c r="{address}"{styled} t="n"><v>{number}</v></c>'
    raise Unsupported(f"a value of type {type(value).__name__}")


def _with_dimension(head: str, rows: Mapping[int, _Row]) -> str:
    """The sheet's dimension (its used range) grown to the rows and columns written."""
    found = re.search(r"""<dimension\b[^>]*\bref=["']([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?["']""", head)
    if found is None or not rows:
        return head
    last_column = max((max(r.cells, default=0) for r in rows.values()), default=0) + 1
    end_column = column_index_from_string(found.group(3) or found.group(1))
    end_row = int(found.group(4) or found.group(2))
    ref = (
        f"{found.group(1)}{found.group(2)}:"
        f"{get_column_letter(max(end_column, last_column))}{max(end_row, max(rows))}"
    )
    tag = found.group(0).replace(found.group(0)[found.group(0).index("ref=") :], f'ref="{ref}"')
    return head[: found.start()] + tag + head[found.end() :]
