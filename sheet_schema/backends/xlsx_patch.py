"""Write a resolved plan into an .xlsx file by rewriting only the worksheets it touches.

Loading a 50,000-customer workbook into openpyxl and saving it again costs about 19 s of CPU,
whatever the write: every cell of every tab becomes a Python object and back. Here the cells the
plan writes are spliced into the XML of their worksheets
(:class:`~sheet_schema.backends.xlsx_sheet_xml.SheetXml`, cells as openpyxl 3.1 writes them), and
everything else in the file (the other worksheets, the rest of the touched ones: formulas,
validations, formatting, comments) is copied as it is. This module handles the package around the
worksheets: the zip file, the workbook's list of sheets, its shared strings (read) and its styles
(a date format added when a date is written).

:func:`patch_workbook` answers None for what it does not handle (new tabs, a 1904 date system,
merged cells, array formulas, a formula in a cell to write, XML with namespace prefixes, rows or
cells without their address); the caller then writes with openpyxl as before.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Mapping
from io import BytesIO
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from sheet_schema.backends.xlsx_sheet_xml import SheetXml, Unsupported, text_of
from sheet_schema.writing import ResolvedPlan

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


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
    except (Unsupported, KeyError, ValueError, ElementTree.ParseError, zipfile.BadZipFile):
        return None


class _Patch:
    """The .xlsx package being patched: its worksheets by title, shared strings and styles
    (the :class:`~sheet_schema.backends.xlsx_sheet_xml.WorkbookParts` its worksheets use)."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(BytesIO(data))
        book = ElementTree.fromstring(self.zip.read("xl/workbook.xml"))
        properties = book.find(f"{_MAIN}workbookPr")
        if properties is not None and properties.get("date1904") in ("1", "true"):
            raise Unsupported("1904 date system")
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
            sheet = SheetXml(self.zip.read(self.parts[title]).decode("utf-8"), self)
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
                raise Unsupported("a shared string without a shared-strings part")
            text = self.zip.read(self.shared).decode("utf-8")
            items = re.findall(r"<si>(.*?)</si>|<si/>", text, re.DOTALL)
            self.empty_strings = {i for i, item in enumerate(items) if not text_of(item)}
        return index in self.empty_strings

    def style_with_format(self, style: int, number_format: str) -> int:
        """The cell format ``style`` with its number format replaced (added when new)."""
        if self.styles is None:
            self.styles = _Styles(self.zip.read("xl/styles.xml").decode("utf-8"))
        return self.styles.with_format(style, number_format)


def _part(target: str) -> str:
    """A relationship target of the workbook as a name in the zip file."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join("xl", target))


class _Styles:
    """styles.xml, enough to find or add a cell format with a given number format."""

    def __init__(self, text: str) -> None:
        if re.search(r"<\w+:styleSheet\b", text):
            raise Unsupported("prefixed styles")
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
                raise Unsupported("no styleSheet")
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
            raise Unsupported("no cellXfs")
        xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b.*?</xf>", block.group(1), re.DOTALL)
        if style >= len(xfs):
            raise Unsupported("a style the file does not define")
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
