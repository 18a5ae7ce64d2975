"""Write a resolved plan into an .xlsx file by rewriting only the worksheets it touches.

Loading a 50,000-customer workbook into openpyxl and saving it again costs about 19 s of CPU,
whatever the write: every cell of every tab becomes a Python object and back. Here the cells the
plan writes are spliced into the XML of their worksheets, and everything else in the file (the
other worksheets, the rest of the touched ones: formulas, validations, formatting, comments) is
copied as it is. Cells are written the way openpyxl 3.1 writes them (text as inline strings,
numbers with 16 significant digits, dates as serial numbers with a date format), so a file
written either way reads the same.

:func:`patch_workbook` answers None for what it does not handle (new tabs, a 1904 date system,
merged cells, array formulas, a formula in a cell to write, XML with namespace prefixes, rows or
cells without their address); the caller then writes with openpyxl as before.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from math import isfinite
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel

from sheet_schema.writing import ResolvedPlan

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
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


class _Unsupported(Exception):
    """Something in this file that only openpyxl writes correctly."""


def patch_workbook(
    data: bytes,
    resolved: ResolvedPlan,
    then: Mapping[tuple[str, int, int], object] | None = None,
) -> bytes | None:
    """The .xlsx file ``data`` with ``resolved`` written into it, then the cells ``then``
    ((title, 1-based row, 0-based column) -> value: the form answers' marks), or None (see the
    module)."""
    if resolved.new_tabs:
        return None
    try:
        return _Patch(data).run(resolved, then or {})
    except (_Unsupported, KeyError, ValueError, ElementTree.ParseError, zipfile.BadZipFile):
        return None


class _Patch:
    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(BytesIO(data))
        book = ElementTree.fromstring(self.zip.read("xl/workbook.xml"))
        properties = book.find(f"{_MAIN}workbookPr")
        if properties is not None and properties.get("date1904") in ("1", "true"):
            raise _Unsupported("1904 date system")
        rels = ElementTree.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        relationships = list(rels.iter(f"{_PACKAGE_REL}Relationship"))
        targets = {r.get("Id"): _part(r.get("Target", "")) for r in relationships}
        self.parts = {
            s.get("name", ""): targets[s.get(f"{_REL}id")] for s in book.iter(f"{_MAIN}sheet")
        }
        self.shared = next(
            (
                _part(r.get("Target", ""))
                for r in relationships
                if r.get("Type", "").endswith("/sharedStrings")
            ),
            None,
        )
        self.empty_strings: set[int] | None = None
        self.styles: _Styles | None = None

    def run(self, resolved: ResolvedPlan, then: Mapping[tuple[str, int, int], object]) -> bytes:
        # In the order openpyxl's writer sets them: updates, appended rows, then marks.
        writes: dict[str, dict[tuple[int, int], object]] = {}
        for update in resolved.updates:
            writes.setdefault(update.title, {})[(update.row, update.column)] = update.value
        marks: dict[str, dict[tuple[int, int], object]] = {}
        for (title, row, column), value in then.items():
            marks.setdefault(title, {})[(row, column)] = value
        changed: dict[str, bytes] = {}
        for title in dict.fromkeys([*writes, *resolved.appends, *marks]):
            sheet = _Sheet(self.zip.read(self.parts[title]).decode("utf-8"), self)
            sheet.write(writes.get(title, {}))
            rows = resolved.appends.get(title, ())
            if rows:
                start = sheet.last_used_row() + 1
                sheet.write(
                    {
                        (start + offset, index): value
                        for offset, values in enumerate(rows)
                        for index, value in enumerate(values)
                        if value is not None
                    }
                )
            sheet.write(marks.get(title, {}))
            changed[self.parts[title]] = sheet.text().encode("utf-8")
        if self.styles is not None and self.styles.changed:
            changed["xl/styles.xml"] = self.styles.text.encode("utf-8")
        out = BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in self.zip.infolist():
                content = changed.get(info.filename)
                if content is None:
                    content = self.zip.read(info.filename)
                target.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()

    def is_empty_string(self, index: int) -> bool:
        """True when shared string ``index`` is "" (its cell counts as empty)."""
        if self.empty_strings is None:
            if self.shared is None:
                raise _Unsupported("a shared string without a shared-strings part")
            text = self.zip.read(self.shared).decode("utf-8")
            items = re.findall(r"<si>(.*?)</si>|<si/>", text, re.DOTALL)
            self.empty_strings = {i for i, item in enumerate(items) if not _text_of(item)}
        return index in self.empty_strings

    def style_with_format(self, style: int, number_format: str) -> int:
        """The cell format ``style`` with its number format replaced (added when new)."""
        if self.styles is None:
            self.styles = _Styles(self.zip.read("xl/styles.xml").decode("utf-8"))
        return self.styles.with_format(style, number_format)


def _text_of(xml: str) -> str:
    """The text of a string item or inline string (runs joined, phonetic guides left out)."""
    return "".join(_TEXT.findall(_PHONETIC.sub("", xml)))


def _part(target: str) -> str:
    """A relationship target of the workbook as a name in the zip file."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join("xl", target))


class _Styles:
    """styles.xml, enough to find or add a cell format with a given number format."""

    def __init__(self, text: str) -> None:
        if re.search(r"<\w+:styleSheet\b", text):
            raise _Unsupported("prefixed styles")
        self.text = text
        self.changed = False

    def _format_id(self, code: str) -> int:
        pattern = rf"""<numFmt\b[^>]*\bformatCode=["']{re.escape(escape(code))}["']"""
        found = re.search(pattern, self.text)
        if found:
            number = re.search(r"""\bnumFmtId=["'](\d+)["']""", found.group(0))
            if number:
                return int(number.group(1))
        ids = [int(i) for i in re.findall(r"""<numFmt\b[^>]*\bnumFmtId=["'](\d+)["']""", self.text)]
        new_id = max([163, *ids]) + 1
        entry = f'<numFmt numFmtId="{new_id}" formatCode="{escape(code)}"/>'
        block = re.search(r"<numFmts\b[^>]*?(/?)>", self.text)
        if block is None:
            opening = re.search(r"<styleSheet\b[^>]*>", self.text)
            if opening is None:
                raise _Unsupported("no styleSheet")
            at = opening.end()
            self.text = self.text[:at] + f'<numFmts count="1">{entry}</numFmts>' + self.text[at:]
        elif block.group(1):
            self.text = (
                self.text[: block.start()]
                + f'<numFmts count="1">{entry}</numFmts>'
                + self.text[block.end() :]
            )
        else:
            close = self.text.index("</numFmts>", block.end())
            self.text = self.text[:close] + entry + self.text[close:]
            self._set_count("numFmts", len(ids) + 1)
        self.changed = True
        return new_id

    def _set_count(self, element: str, count: int) -> None:
        opening = re.search(rf"<{element}\b[^>]*>", self.text)
        assert opening is not None
        tag = re.sub(r"""\bcount=["']\d+["']""", f'count="{count}"', opening.group(0))
        self.text = self.text[: opening.start()] + tag + self.text[opening.end() :]

    def with_format(self, style: int, code: str) -> int:
        format_id = self._format_id(code)
        block = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", self.text, re.DOTALL)
        if block is None:
            raise _Unsupported("no cellXfs")
        xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b.*?</xf>", block.group(1), re.DOTALL)
        if style >= len(xfs):
            raise _Unsupported("a style the file does not define")
        base = xfs[style]
        if re.search(r"""\bnumFmtId=["']\d+["']""", base):
            wanted = re.sub(r"""\bnumFmtId=["']\d+["']""", f'numFmtId="{format_id}"', base, count=1)
        else:
            wanted = base.replace("<xf", f'<xf numFmtId="{format_id}"', 1)
        if wanted in xfs:
            return xfs.index(wanted)
        at = block.end(1)
        self.text = self.text[:at] + wanted + self.text[at:]
        self._set_count("cellXfs", len(xfs) + 1)
        self.changed = True
        return len(xfs)


class _Sheet:
    """One worksheet's XML: the rows the plan touches are parsed, the rest kept as text."""

    def __init__(self, xml: str, patch: _Patch) -> None:
        if re.search(r"<\w+:(?:worksheet|sheetData)\b", xml):
            raise _Unsupported("prefixed worksheet")
        if "<mergeCell " in xml or re.search(r"""\bt=["'](?:array|dataTable)["']""", xml):
            raise _Unsupported("merged cells or array formulas")
        self.xml = xml
        self.patch = patch
        empty = re.search(r"<sheetData\s*/>", xml)
        if empty:
            self.xml = xml[: empty.start()] + "<sheetData></sheetData>" + xml[empty.end() :]
        opening = re.search(r"<sheetData\b[^>]*>", self.xml)
        if opening is None:
            raise _Unsupported("no sheetData")
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
                raise _Unsupported("a row without its number, or out of order")
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
                style = self.patch.style_with_format(style, code)
            row.set(column, _cell_xml(f"{get_column_letter(column + 1)}{number}", style, value))

    def last_used_row(self) -> int:
        """The last row with any value, as :func:`~sheet_schema.backends.xlsx.last_used_row`
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
            return bool(_text_of(cell))
        value = _VALUE.search(cell)
        if value is None or not value.group(1):
            return False
        if kind and kind.group(1) == "s":
            return not self.patch.is_empty_string(int(value.group(1)))
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
                raise _Unsupported("something else than cells in a row")
            address = _ADDRESS.search(match.group(1))
            if address is None or int(address.group(2)) != number:
                raise _Unsupported("a cell without its address")
            self.cells[column_index_from_string(address.group(1)) - 1] = match.group(0)
            position = match.end()
        if body[position:].strip():
            raise _Unsupported("something else than cells in a row")

    def style(self, column: int) -> int:
        cell = self.cells.get(column)
        found = _STYLE.search(cell.split(">", 1)[0]) if cell else None
        return int(found.group(1)) if found else 0

    def set(self, column: int, xml: str | None) -> None:
        """Put a cell's XML in place (None: no cell at all)."""
        existing = self.cells.get(column)
        if existing is not None and "<f" in existing:
            raise _Unsupported("writing over a formula")
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
            raise _Unsupported("a time zone in a datetime")
        value = to_excel(value)
    if isinstance(value, (int, float, Decimal)):
        if not isfinite(value):
            raise _Unsupported("not a finite number")
        # openpyxl's "%.16g" (which turns a Decimal or an int into a float first, too).
        number = format(float(value), ".16g")
        return f'<c r="{address}"{styled} t="n"><v>{number}</v></c>'
    raise _Unsupported(f"a value of type {type(value).__name__}")


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


def header_rows_only(data: bytes, keep_below: int = 256 * 1024) -> bytes:
    """The .xlsx file ``data`` with the rows below the header taken out of every worksheet
    bigger than ``keep_below`` bytes of XML: what openpyxl needs to look at a workbook's layout
    (headers, dropdowns, defined names, the small tabs) in a fraction of a full load."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/") and info.file_size > keep_below:
                content = _first_row_only(content)
            # Stored, not compressed: this copy is read once, in memory.
            target.writestr(info, content, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


_ROW_BYTES = re.compile(rb"<row\b([^>]*?)(/?)>")


def _first_row_only(xml: bytes) -> bytes:
    opening = re.search(rb"<sheetData\b[^>]*>", xml)
    if opening is None:
        return xml
    end = xml.find(b"</sheetData>", opening.end())
    first = _ROW_BYTES.search(xml, opening.end(), end)
    if end < 0 or first is None:
        return xml
    row_end = first.end() if first.group(2) else xml.index(b"</row>", first.end()) + 6
    number = re.search(rb"""\br=["'](\d+)["']""", first.group(1))
    kept = xml[first.start() : row_end] if number and number.group(1) == b"1" else b""
    return xml[: opening.end()] + kept + xml[end:]
