"""Where a plan's writes land in one worksheet as it is just before writing.

A backend re-reads the header rows and ID columns (:class:`TabState`); :class:`TabWriter` then
finds the row that holds an ID *now* (or says why there is none), the column a key is in (adding
its header in the first free column when it is missing), and the one row a new ID was meant for,
by the fingerprint of its team cells. It collects the concrete cells for
:func:`sheet_schema.writing.resolve_plan`, which decides what may be written at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sheet_schema.cells import cell_text
from sheet_schema.headers import HeaderMap
from sheet_schema.model import fingerprint
from sheet_schema.reading import Grid, team_keys
from sheet_schema.schema import Tab, fold


@dataclass(frozen=True)
class TabState:
    """What a backend knows of a worksheet right before writing.

    ``grid`` holds the current rows, header first. It must contain at least the ID column; the
    team columns are needed too when the plan assigns IDs in this tab (to check fingerprints).
    """

    title: str
    headers: HeaderMap
    grid: Grid
    # Cells holding a formula, as (1-based row, 0-based column), among those the plan may
    # replace (a resolved reference): the bot never writes over a formula.
    formulas: frozenset[tuple[int, int]] = frozenset()


def id_key(value: str) -> str:
    """An ID as the rules compare it: no surrounding spaces, upper case."""
    return value.strip().upper()


def _ids_by_row(tab: Tab, state: TabState) -> dict[str, list[int]]:
    id_at = state.headers.positions.get("id")
    found: dict[str, list[int]] = defaultdict(list)
    if id_at is None:
        return found
    for number, cells in enumerate(state.grid[1:], start=2):
        text = cell_text(cells[id_at]).strip() if id_at < len(cells) else ""
        if text:
            found[text].append(number)
    return found


def row_fingerprint(tab: Tab, headers: HeaderMap, cells: Sequence[object]) -> str:
    """The fingerprint of a row's team cells, as an :class:`IdAssignment` records it."""
    raw = {
        key: cell_text(cells[i]) if i < len(cells) else "" for key, i in headers.positions.items()
    }
    return fingerprint(raw, team_keys(tab))


def used_width(grid: Grid) -> int:
    """How many columns the rows of a grid use: one past the rightmost non-empty cell."""
    width = 0
    for cells in grid:
        for index in range(len(cells) - 1, width - 1, -1):
            if cell_text(cells[index]).strip():
                width = index + 1
                break
    return width


class TabWriter:
    """Collects the concrete updates for one tab: ``cells`` by (1-based row, 0-based column),
    and ``header_cells`` for the columns it added."""

    def __init__(self, tab: Tab, state: TabState) -> None:
        self.tab = tab
        self.state = state
        self.positions = dict(state.headers.positions)
        # Where the next added header goes: found when one is added (rare: imports, repairs).
        self._next_free: int | None = None
        self.ids = _ids_by_row(tab, state)
        self.cells: dict[tuple[int, int], object] = {}
        self.header_cells: dict[int, str] = {}
        self._by_print: dict[str, list[int]] | None = None
        self.extra_positions = {fold(name): at for at, name in state.headers.unknown.items()}

    def extra_position(self, header: str) -> int:
        """Where a column the schema does not know is, adding its header if it is missing."""
        folded = fold(header)
        if folded not in self.extra_positions:
            at = self._take_free_column()
            self.extra_positions[folded] = at
            self.header_cells[at] = header
        return self.extra_positions[folded]

    def _take_free_column(self) -> int:
        """A column no header and no row uses yet, for a header the write adds.

        After the last column any row uses, not only the last header: cells pasted past the
        header row (a row copied from another sheet) must not end up under an added header.
        """
        if self._next_free is None:
            self._next_free = max(self.state.headers.width, used_width(self.state.grid))
        at = self._next_free
        self._next_free += 1
        return at

    def is_empty(self, row: int, column: int) -> bool:
        """True when the cell holds nothing now (and nothing is planned for it)."""
        if (row, column) in self.cells:
            return False
        cells = self.state.grid[row - 1] if row - 1 < len(self.state.grid) else []
        return column >= len(cells) or not cell_text(cells[column]).strip()

    def position(self, key: str) -> int:
        """Where a column is, adding its header at the end of the header row if it is missing."""
        if key not in self.positions:
            at = self._take_free_column()
            self.positions[key] = at
            self.header_cells[at] = self.tab.column(key).header
        return self.positions[key]

    def row_of(self, row_id: str) -> int | str:
        """The sheet row holding an ID now, or why there is none."""
        rows = self.ids.get(row_id, [])
        if len(rows) == 1:
            return rows[0]
        if not rows:
            return (
                f"{self.tab.name}: row {row_id} is no longer in the sheet (deleted, or its ID "
                "was changed); nothing written"
            )
        listed = ", ".join(str(r) for r in rows)
        return (
            f"{self.tab.name}: ID {row_id} appears on rows {listed}; fix the duplicate ID, "
            "nothing written"
        )

    def _rows_by_fingerprint(self) -> dict[str, list[int]]:
        """Row numbers by team fingerprint, built once: rows moved between the read and the
        re-read are found again in one pass, not one scan of the tab per new ID."""
        if self._by_print is None:
            self._by_print = defaultdict(list)
            for number in range(2, len(self.state.grid) + 1):
                cells = self.state.grid[number - 1]
                self._by_print[row_fingerprint(self.tab, self.state.headers, cells)].append(number)
        return self._by_print

    def assign_id(self, row_number: int, expected: str, new_id: str) -> str | None:
        """Write a new ID into the row with this fingerprint; the reason if it cannot be found."""
        grid = self.state.grid
        id_at = self.position("id")

        def free(number: int) -> bool:
            cells = grid[number - 1]
            return not (id_at < len(cells) and cell_text(cells[id_at]).strip())

        def matches(number: int) -> bool:
            return (
                free(number)
                and row_fingerprint(self.tab, self.state.headers, grid[number - 1]) == expected
            )

        if new_id in self.ids:
            return f"{self.tab.name}: ID {new_id} is already used; a new one is tried next cycle"
        target: int | None = None
        if 2 <= row_number <= len(grid) and matches(row_number):
            target = row_number
        else:
            candidates = [n for n in self._rows_by_fingerprint().get(expected, []) if free(n)]
            if len(candidates) == 1:
                target = candidates[0]
        if target is None:
            return (
                f"{self.tab.name}: the row that was row {row_number} changed or moved before "
                f"its ID {new_id} could be written; it gets an ID next cycle"
            )
        self.cells[(target, id_at)] = new_id
        self.ids[new_id] = [target]
        return None
