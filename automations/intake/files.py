"""Read the file a person wants to import: CSV in any delimiter and common encoding, or xlsx.

Encodings are detected by charset-normalizer (UTF-8 with or without BOM, UTF-16, cp1252 and
latin-1 exports of older tools); delimiters by :class:`csv.Sniffer`. The first non-blank row is
the header.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes
from openpyxl import load_workbook

from sheet_schema.cells import cell_text

_DELIMITERS = ",;\t|"


class ImportFileError(ValueError):
    """The file cannot be read as a table; the message says why."""


@dataclass(frozen=True)
class SourceTable:
    """A file's header and data rows; ``numbers`` are the rows' line numbers in the file."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    numbers: tuple[int, ...]
    description: str


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(name), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise ImportFileError(f"{path}: cannot tell the file's text encoding; save it as UTF-8.")
    # Short Western text reads equally well as several code pages (cp1250, cp1252, cp1257 tie);
    # on a tie, cp1252 (what Excel on Windows writes, a superset of latin-1's letters) wins.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    best = next((m for m in tied if m.encoding == "cp1252"), best)
    return str(best), best.encoding


def _sniff(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        # One column, or a sample the sniffer cannot decide on: the delimiter most used in the
        # header line wins (a comma when none appears).
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _table(path: Path, grid: list[list[object]], numbers: list[int], what: str) -> SourceTable:
    start = next((i for i, r in enumerate(grid) if any(cell_text(v).strip() for v in r)), None)
    if start is None:
        raise ImportFileError(f"{path}: the file holds no rows.")
    header = tuple(cell_text(v).strip() for v in grid[start])
    rows, kept = [], []
    for cells, number in zip(grid[start + 1 :], numbers[start + 1 :], strict=True):
        if any(cell_text(v).strip() for v in cells):
            rows.append(tuple(cells))
            kept.append(number)
    return SourceTable(path, header, tuple(rows), tuple(kept), what)


def read_csv(path: Path) -> SourceTable:
    """A CSV file as a table, whatever its delimiter and encoding."""
    text, encoding = _decode(path.read_bytes(), path)
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid: list[list[object]] = []
    numbers: list[int] = []
    for cells in reader:
        numbers.append(reader.line_num)
        grid.append(list(cells))
    shown = {"\t": "tab"}.get(delimiter, repr(delimiter))
    return _table(path, grid, numbers, f"CSV, {encoding}, delimiter {shown}")


def read_xlsx(path: Path) -> SourceTable:
    """The first sheet of an xlsx file as a table (cell values keep their type)."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        grid = [list(r) for r in sheet.iter_rows(values_only=True)]
        title = sheet.title
    finally:
        book.close()
    return _table(path, grid, list(range(1, len(grid) + 1)), f"xlsx, sheet {title!r}")


def read_table(path: Path) -> SourceTable:
    """The file as a table: xlsx by its extension, anything else as CSV."""
    if not path.exists():
        raise ImportFileError(f"{path}: no such file.")
    if path.suffix.casefold() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    return read_csv(path)
