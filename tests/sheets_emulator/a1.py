"""A1 notation: parsing ranges the way the Sheets API reads them and formatting them back.

Google accepts ``Sheet1``, ``'My sheet'!A1:B2``, ``A1:B2`` (first visible sheet), open ranges
such as ``A:A``, ``2:3``, ``A2:2`` and ``B1:B``, and named ranges.  Echoed ranges are clamped to
the grid and written with the title quoted only when Google quotes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL_RE = re.compile(r"^(?P<col>[A-Za-z]{0,3})(?P<row>[0-9]{0,7})$")
# Titles Google writes without quotes: identifier-like and not readable as a cell reference.
_PLAIN_TITLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELLISH_RE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


class RangeParseError(ValueError):
    """Raised when a string is not a range Google would accept."""


def col_to_letters(index: int) -> str:
    """Return the column letters for a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def letters_to_col(letters: str) -> int:
    """Return the 0-based column index for column letters (A -> 0)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - ord("A") + 1)
    return n - 1


@dataclass(frozen=True)
class Bounds:
    """A rectangle with 0-based, end-exclusive indices; ``None`` means open (to the grid edge)."""

    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None


@dataclass(frozen=True)
class ParsedRange:
    """A range string split into its sheet title (``None``: not given) and its bounds."""

    sheet_title: str | None
    bounds: Bounds
    whole_sheet: bool


@dataclass(frozen=True)
class Rect:
    """A closed rectangle on a grid: 0-based, end-exclusive."""

    start_row: int
    end_row: int
    start_col: int
    end_col: int

    @property
    def rows(self) -> int:
        """Number of rows covered."""
        return self.end_row - self.start_row

    @property
    def cols(self) -> int:
        """Number of columns covered."""
        return self.end_col - self.start_col


def split_sheet(text: str) -> tuple[str | None, str]:
    """Split ``'Title'!A1:B2`` into (title, cell part); no ``!`` means no title given."""
    if text.startswith("'"):
        i = 1
        title_chars: list[str] = []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title_chars.append("'")
                    i += 2
                    continue
                break
            title_chars.append(ch)
            i += 1
        else:
            raise RangeParseError(text)
        rest = text[i + 1 :]
        if rest == "":
            return "".join(title_chars), ""
        if not rest.startswith("!"):
            raise RangeParseError(text)
        return "".join(title_chars), rest[1:]
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, text


def _parse_ref(ref: str) -> tuple[int | None, int | None]:
    """Parse one side of ``A1:B2`` into (row, col), each optional (0-based)."""
    m = _CELL_RE.match(ref)
    if not m or (not m.group("col") and not m.group("row")):
        raise RangeParseError(ref)
    col = letters_to_col(m.group("col")) if m.group("col") else None
    row = int(m.group("row")) - 1 if m.group("row") else None
    if row is not None and row < 0:
        raise RangeParseError(ref)
    return row, col


def parse_cells(cells: str) -> Bounds:
    """Parse the part after ``!`` into bounds; raises RangeParseError when not A1 notation."""
    if cells == "":
        return Bounds()
    first, sep, second = cells.partition(":")
    r1, c1 = _parse_ref(first)
    if not sep:
        if r1 is None or c1 is None:
            raise RangeParseError(cells)
        return Bounds(r1, r1 + 1, c1, c1 + 1)
    r2, c2 = _parse_ref(second)
    # Google normalises reversed ranges such as B2:A1, and leaves one side open in
    # "A:B", "1:2", "A1:B" (to the last row) and "A2:2" (to the last column).
    if r1 is None and r2 is None and c1 is not None and c2 is not None:
        return Bounds(None, None, min(c1, c2), max(c1, c2) + 1)
    if c1 is None and c2 is None and r1 is not None and r2 is not None:
        return Bounds(min(r1, r2), max(r1, r2) + 1, None, None)
    if r1 is not None and r2 is not None and c1 is not None and c2 is not None:
        return Bounds(min(r1, r2), max(r1, r2) + 1, min(c1, c2), max(c1, c2) + 1)
    if r1 is not None and r2 is None and c1 is not None and c2 is not None:
        return Bounds(r1, None, min(c1, c2), max(c1, c2) + 1)
    if c1 is not None and c2 is None and r1 is not None and r2 is not None:
        return Bounds(min(r1, r2), max(r1, r2) + 1, c1, None)
    raise RangeParseError(cells)


def parse_range(text: str) -> ParsedRange:
    """Parse a range string; the title, if any, is returned unquoted."""
    title, cells = split_sheet(text)
    if title is not None and cells == "":
        return ParsedRange(title, Bounds(), True)
    return ParsedRange(title, parse_cells(cells), False)


def clamp(bounds: Bounds, row_count: int, col_count: int) -> Rect:
    """Resolve open bounds against a grid of the given size."""
    sr = bounds.start_row or 0
    sc = bounds.start_col or 0
    er = row_count if bounds.end_row is None else bounds.end_row
    ec = col_count if bounds.end_col is None else bounds.end_col
    return Rect(sr, er, sc, ec)


def quote_title(title: str) -> str:
    """Quote a sheet title the way Google does in echoed ranges."""
    if _PLAIN_TITLE_RE.match(title) and not _CELLISH_RE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_rect(title: str, rect: Rect) -> str:
    """Format ``Title!A1:B2`` (a single cell as ``Title!A1``)."""
    start = f"{col_to_letters(rect.start_col)}{rect.start_row + 1}"
    end = f"{col_to_letters(rect.end_col - 1)}{rect.end_row}"
    cells = start if start == end else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"
