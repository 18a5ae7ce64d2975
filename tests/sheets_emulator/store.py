"""In-memory spreadsheets: the data model and a thread-safe store with copy-on-write commits.

Every change goes through :meth:`Store.transaction`, which hands out a copy of the spreadsheet
and swaps it in only when the whole operation succeeded; that is how batchUpdate stays atomic
(all requests or none) and how a faulted request is guaranteed to change nothing.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import random
import string
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import a1
from .cells import Cell, Scalar
from .errors import ApiError, not_found, unable_to_parse

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26

# Google's defaults for a new spreadsheet (en_US), so metadata has the same shape as Google's.
_DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME_COLORS: list[tuple[str, dict[str, float]]] = [
    ("TEXT", {}),
    ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]


def default_spreadsheet_properties(title: str) -> dict[str, Any]:
    """The SpreadsheetProperties Google gives a new spreadsheet."""
    return {
        "title": title,
        "locale": "en_US",
        "autoRecalc": "ON_CHANGE",
        "timeZone": "Etc/GMT",
        "defaultFormat": copy.deepcopy(_DEFAULT_FORMAT),
        "spreadsheetTheme": {
            "primaryFontFamily": "Arial",
            "themeColors": [
                {"colorType": kind, "color": {"rgbColor": dict(rgb)}} for kind, rgb in _THEME_COLORS
            ],
        },
    }


@dataclass
class Sheet:
    """One tab: its properties in Google's JSON shape, its cells and its sheet-level objects."""

    properties: dict[str, Any]
    rows: list[list[Cell | None]] = field(default_factory=list)
    merges: list[dict[str, int]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    row_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    col_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    row_groups: list[dict[str, Any]] = field(default_factory=list)
    column_groups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sheet_id(self) -> int:
        """The numeric sheetId."""
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        """The tab title."""
        return str(self.properties["title"])

    @property
    def row_count(self) -> int:
        """Rows in the grid."""
        return int(self.properties["gridProperties"]["rowCount"])

    @property
    def col_count(self) -> int:
        """Columns in the grid."""
        return int(self.properties["gridProperties"]["columnCount"])

    def set_size(self, rows: int | None = None, cols: int | None = None) -> None:
        """Resize the grid, dropping cells that fall outside it."""
        grid = self.properties["gridProperties"]
        if rows is not None:
            grid["rowCount"] = rows
            del self.rows[rows:]
        if cols is not None:
            grid["columnCount"] = cols
            for row in self.rows:
                del row[cols:]

    def cell(self, row: int, col: int) -> Cell | None:
        """The cell at (row, col), or None when it was never written."""
        if row < len(self.rows):
            line = self.rows[row]
            if col < len(line):
                return line[col]
        return None

    def put(self, row: int, col: int, cell: Cell | None) -> None:
        """Store a cell (None erases it), growing the sparse row lists as needed."""
        if cell is None and self.cell(row, col) is None:
            return
        while len(self.rows) <= row:
            self.rows.append([])
        line = self.rows[row]
        while len(line) <= col:
            line.append(None)
        line[col] = cell

    def clone(self) -> Sheet:
        """A copy that can be changed without touching this sheet (cells are immutable)."""
        return Sheet(
            properties=copy.deepcopy(self.properties),
            rows=[list(r) for r in self.rows],
            merges=copy.deepcopy(self.merges),
            protected_ranges=copy.deepcopy(self.protected_ranges),
            conditional_formats=copy.deepcopy(self.conditional_formats),
            basic_filter=copy.deepcopy(self.basic_filter),
            row_meta=copy.deepcopy(self.row_meta),
            col_meta=copy.deepcopy(self.col_meta),
            row_groups=copy.deepcopy(self.row_groups),
            column_groups=copy.deepcopy(self.column_groups),
        )


@dataclass
class Spreadsheet:
    """A spreadsheet: properties, ordered sheets and named ranges."""

    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet] = field(default_factory=list)
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    forbidden: bool = False
    # DeveloperMetadata JSON objects; row/column locations move with their row or column.
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)

    def clone(self) -> Spreadsheet:
        """A copy for a transaction."""
        return Spreadsheet(
            spreadsheet_id=self.spreadsheet_id,
            properties=copy.deepcopy(self.properties),
            sheets=[s.clone() for s in self.sheets],
            named_ranges=copy.deepcopy(self.named_ranges),
            forbidden=self.forbidden,
            developer_metadata=copy.deepcopy(self.developer_metadata),
        )

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        """The sheet with this sheetId, if any."""
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def sheet_by_title(self, title: str) -> Sheet | None:
        """The sheet with this title (Google compares titles case-insensitively)."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        lowered = title.lower()
        for sheet in self.sheets:
            if sheet.title.lower() == lowered:
                return sheet
        return None

    def reindex(self) -> None:
        """Renumber sheet indexes after sheets were added, moved or removed."""
        self.sheets.sort(key=lambda s: int(s.properties["index"]))
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def new_sheet_id(self) -> int:
        """A random unused sheetId, as Google hands out."""
        used = {s.sheet_id for s in self.sheets}
        while True:
            candidate = random.randint(1, 2**31 - 1)
            if candidate not in used:
                return candidate

    def resolve(self, text: str) -> tuple[Sheet, a1.Rect]:
        """Resolve a range string to a sheet and a rectangle clamped to its grid.

        Order as Google: an exact sheet title, then a named range, then A1 on the first sheet.
        Raises a 400 "Unable to parse range" when nothing matches.
        """
        try:
            title, cells = a1.split_sheet(text)
        except a1.RangeParseError:
            raise unable_to_parse(text) from None
        if title is None:
            sheet = self.sheet_by_title(text)
            if sheet is not None:
                return sheet, a1.Rect(0, sheet.row_count, 0, sheet.col_count)
            for named in self.named_ranges:
                if named["name"] == text:
                    return self.grid_range_rect(named["range"])
            if not self.sheets:
                raise unable_to_parse(text)
            sheet = self.sheets[0]
        else:
            found = self.sheet_by_title(title)
            if found is None:
                raise unable_to_parse(text)
            sheet = found
        try:
            bounds = a1.parse_cells(cells)
        except a1.RangeParseError:
            # Google also reads "'Sheet1'!MyNamedRange".
            for named in self.named_ranges:
                if named["name"] == cells and title is not None:
                    return self.grid_range_rect(named["range"])
            raise unable_to_parse(text) from None
        rect = a1.clamp(bounds, sheet.row_count, sheet.col_count)
        return sheet, rect

    def grid_range_rect(self, grid_range: Mapping[str, Any]) -> tuple[Sheet, a1.Rect]:
        """Resolve a GridRange (missing indices mean unbounded) to a sheet and rectangle."""
        sheet = self.sheet_by_id(int(grid_range.get("sheetId", 0) or 0))
        if sheet is None:
            raise ApiError(400, f"Invalid requests: No grid with id: {grid_range.get('sheetId')}")
        rect = a1.Rect(
            int(grid_range.get("startRowIndex") or 0),
            int(grid_range.get("endRowIndex", sheet.row_count) or 0),
            int(grid_range.get("startColumnIndex") or 0),
            int(grid_range.get("endColumnIndex", sheet.col_count) or 0),
        )
        return sheet, rect


def _random_id() -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "1" + "".join(random.choice(alphabet) for _ in range(43))


class Store:
    """All spreadsheets of one emulator; every public method is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._counter = itertools.count(1)

    # -- creation and access -------------------------------------------------------------
    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        sheets: Mapping[str, Sequence[Sequence[Scalar | None]]] | None = None,
        spreadsheet_id: str | None = None,
        rows: int = DEFAULT_ROWS,
        cols: int = DEFAULT_COLS,
    ) -> str:
        """Create a spreadsheet (one empty ``Sheet1`` unless ``sheets`` maps titles to rows).

        Values given in ``sheets`` are stored as typed (RAW); returns the spreadsheet id.
        """
        sid = spreadsheet_id or _random_id()
        spreadsheet = Spreadsheet(sid, default_spreadsheet_properties(title))
        contents = dict(sheets) if sheets else {"Sheet1": []}
        for index, (sheet_title, values) in enumerate(contents.items()):
            n_rows = max(rows, len(values))
            n_cols = max([cols] + [len(r) for r in values])
            sheet = Sheet(
                properties={
                    "sheetId": 0 if index == 0 else spreadsheet.new_sheet_id(),
                    "title": sheet_title,
                    "index": index,
                    "sheetType": "GRID",
                    "gridProperties": {"rowCount": n_rows, "columnCount": n_cols},
                }
            )
            for r, line in enumerate(values):
                for c, value in enumerate(line):
                    if value is not None and value != "":
                        sheet.put(r, c, Cell(value=value))
            spreadsheet.sheets.append(sheet)
        with self._lock:
            self._spreadsheets[sid] = spreadsheet
        return sid

    def delete_spreadsheet(self, spreadsheet_id: str) -> None:
        """Forget a spreadsheet."""
        with self._lock:
            self._spreadsheets.pop(spreadsheet_id, None)

    def spreadsheet_ids(self) -> list[str]:
        """Ids of all spreadsheets."""
        with self._lock:
            return list(self._spreadsheets)

    def set_forbidden(self, spreadsheet_id: str, forbidden: bool = True) -> None:
        """Mark a spreadsheet as not shared with the caller: every call answers 403."""
        with self._lock:
            self._get(spreadsheet_id).forbidden = forbidden

    def _get(self, spreadsheet_id: str) -> Spreadsheet:
        spreadsheet = self._spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            raise not_found()
        return spreadsheet

    def _check_access(self, spreadsheet: Spreadsheet) -> None:
        if spreadsheet.forbidden:
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")

    @contextmanager
    def read(self, spreadsheet_id: str) -> Iterator[Spreadsheet]:
        """Hold the lock and yield the spreadsheet for reading (do not modify it)."""
        with self._lock:
            spreadsheet = self._get(spreadsheet_id)
            self._check_access(spreadsheet)
            yield spreadsheet

    @contextmanager
    def transaction(self, spreadsheet_id: str) -> Iterator[Spreadsheet]:
        """Yield a working copy; it replaces the stored spreadsheet only if no exception escapes."""
        with self._lock:
            original = self._get(spreadsheet_id)
            self._check_access(original)
            working = original.clone()
            yield working
            self._spreadsheets[spreadsheet_id] = working

    # -- Drive-like operations (used to replay recordings) ----------------------------------
    def copy_spreadsheet(
        self, source_id: str, title: str | None = None, new_id: str | None = None
    ) -> str:
        """Copy a spreadsheet (as Drive's files.copy does); returns the new id."""
        with self._lock:
            source = self._get(source_id)
            copied = source.clone()
            copied.spreadsheet_id = new_id or _random_id()
            copied.forbidden = False
            copied.properties["title"] = title or f"Copy of {source.properties['title']}"
            self._spreadsheets[copied.spreadsheet_id] = copied
            return copied.spreadsheet_id

    def import_csv(self, spreadsheet_id: str, text: str) -> None:
        """Replace the content with one sheet holding the CSV, as Drive's CSV import does.

        The sheet is named after the spreadsheet and values are parsed as typed in the UI.
        """
        from .user_input import user_entered_cell

        rows = list(csv.reader(io.StringIO(text)))
        with self._lock:
            spreadsheet = self._get(spreadsheet_id)
            sheet = Sheet(
                properties={
                    "sheetId": 0,
                    "title": spreadsheet.properties["title"],
                    "index": 0,
                    "sheetType": "GRID",
                    "gridProperties": {
                        "rowCount": max(DEFAULT_ROWS, len(rows)),
                        "columnCount": max([DEFAULT_COLS] + [len(r) for r in rows]),
                    },
                }
            )
            for r, line in enumerate(rows):
                for c, value in enumerate(line):
                    if value != "":
                        sheet.put(r, c, user_entered_cell(value, None))
            spreadsheet.sheets = [sheet]
            spreadsheet.named_ranges = []
