"""Find a tab's columns in its header row, by name or alias, in any order and letter case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from sheet_schema.cells import cell_text
from sheet_schema.schema import Column, Tab, fold


class HeaderError(ValueError):
    """A header row that cannot be read safely; the message names the tab and column."""

    def __init__(self, tab: str, column: str, message: str) -> None:
        super().__init__(message)
        self.tab = tab
        self.column = column


@dataclass(frozen=True)
class HeaderMap:
    """Where each known column of a tab sits (0-based), and what else the header row holds."""

    tab: Tab
    positions: Mapping[str, int]
    unknown: Mapping[int, str]
    blank: tuple[int, ...]
    width: int

    def missing(self) -> tuple[str, ...]:
        """Keys of schema columns that the header row lacks."""
        return tuple(c.key for c in self.tab.columns if c.key not in self.positions)


def column_letter(index: int) -> str:
    """The sheet letter of a 0-based column index (0 -> A)."""
    return str(get_column_letter(index + 1))


def map_headers(tab: Tab, header_row: Sequence[object]) -> HeaderMap:
    """Match a header row against the tab's columns.

    Raises HeaderError when two header cells name the same schema column (which one holds the
    data would be a guess). Unknown and blank headers are kept aside; their cells are never
    written.
    """
    lookup: dict[str, str] = {}
    for column in tab.columns:
        for name in column.header_names():
            lookup[fold(name)] = column.key
    positions: dict[str, int] = {}
    unknown: dict[int, str] = {}
    blank: list[int] = []
    # Trailing blank header cells are just the end of the row, not blank headers.
    texts = [cell_text(v).strip() for v in header_row]
    while texts and not texts[-1]:
        texts.pop()
    for index, text in enumerate(texts):
        if not text:
            blank.append(index)
            continue
        key = lookup.get(fold(text))
        if key is None:
            unknown[index] = text
            continue
        if key in positions:
            first = positions[key]
            header = tab.column(key).header
            raise HeaderError(
                tab.name,
                header,
                f"{tab.name}: column {header!r} appears twice in the header row "
                f"(column {column_letter(first)} {texts[first]!r} and column "
                f"{column_letter(index)} {text!r}). Rename or delete one of them.",
            )
        positions[key] = index
    return HeaderMap(
        tab=tab, positions=positions, unknown=unknown, blank=tuple(blank), width=len(texts)
    )


@dataclass(frozen=True)
class Placement:
    """Where a tab's columns are, or go once ``init`` adds the missing header cells:
    ``positions`` of every column (0-based), the keys the header has (``found``), the header
    cells to add and the width."""

    found: frozenset[str]
    positions: Mapping[str, int]
    new_headers: tuple[tuple[int, Column], ...]
    width: int


def place_columns(tab: Tab, header_row: Sequence[object], used_columns: int = 0) -> Placement:
    """The team's columns where they are; missing ones after the last used column (raises
    HeaderError like :func:`map_headers`)."""
    headers = map_headers(tab, header_row)
    positions = dict(headers.positions)
    start = max(headers.width, used_columns)
    missing = [tab.column(key) for key in headers.missing()]
    for offset, column in enumerate(missing):
        positions[column.key] = start + offset
    width = max([start + len(missing), *(p + 1 for p in positions.values())])
    new_headers = tuple((positions[c.key], c) for c in missing)
    return Placement(frozenset(headers.positions), positions, new_headers, width)


def refuse_renamed_keys(headers: HeaderMap, title: str) -> None:
    """Raise HeaderError when a key column (a deal's Stage, a customer's Name) is missing from a
    tab whose header row has names SheetCRM does not know: most likely it was renamed, and an
    empty one added after the others (what ``init`` adds for a missing column) would make the bot
    read every row as unfilled (no stage: no sale, every customer a Lead) instead of holding
    back the rules that need it. ``title`` is the worksheet's name as the team sees it."""
    tab = headers.tab
    keys = [tab.column(key).header for key in headers.missing() if key in tab.key_columns]
    if not keys or not headers.unknown:
        return
    names = " and ".join(keys)
    shown = sorted(headers.unknown.items())[:3]
    theirs = ", ".join(f"'{text}' ({column_letter(at)})" for at, text in shown)
    more = f" and {len(headers.unknown) - 3} more" if len(headers.unknown) > 3 else ""
    raise HeaderError(
        tab.name,
        keys[0],
        f"{title}: no {names} column, and the tab has columns SheetCRM does not know: "
        f"{theirs}{more}. If one of them is {names} renamed, give it back its name; if it was "
        f"deleted, type {names} into an empty header cell. (An empty {names} column added at "
        "the end would make the bot read every row as unfilled, so none was added.)",
    )
