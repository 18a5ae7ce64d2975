"""Worksheets the schema does not know, read because Settings names them: a form's answers tab.

Google Forms writes each answer as a row of a tab it names itself ("Form responses 1",
"Respuestas de formulario 1"), under headers that are the form's questions. The bot finds that tab
by the name in Settings (*Form tab*), reads it as plain cells with the rest of the workbook
(:func:`with_side_tabs`, called by both backends), and writes only one column there: its own,
headed :data:`MARK_HEADER`, added after the last column, where it marks each row it has read
(:class:`~sheet_schema.model.RowMark`, resolved by :func:`resolve_marks`).

Rows are found again at write time by their number and a fingerprint of their other cells taken
by header (:func:`row_print`), so a column Google Forms adds for a new question, or a row a person
sorts elsewhere, does not send a mark to another answer; an answer the form adds after the read
has no mark planned and is read next cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sheet_schema.cells import cell_text
from sheet_schema.model import RowMark, SkippedWrite, Snapshot, TabIssue, fingerprint
from sheet_schema.schema import fold
from sheet_schema.settings import Settings

Grid = Sequence[Sequence[object]]
FORM_TAB = "Form tab"
FORM_LEAD_SOURCE = "Form lead source"
MARK_HEADER = "SheetCRM"


def form_tab_name(settings: Settings) -> str:
    """The form answers tab Settings names ("" when form intake is off)."""
    return settings.get(FORM_TAB).strip()


def find_title(name: str, titles: Collection[str]) -> str | None:
    """The worksheet a name means: the same title, else one differing only in letter case,
    accents or spacing (one only)."""
    if name in titles:
        return name
    wanted = " ".join(fold(name).split())
    found = [t for t in titles if " ".join(fold(t).split()) == wanted]
    return found[0] if len(found) == 1 else None


def side_titles(settings: Settings, titles: Collection[str]) -> dict[str, str]:
    """Setting value -> worksheet title, for the tabs Settings names that exist."""
    name = form_tab_name(settings)
    title = find_title(name, titles) if name else None
    return {name: title} if title is not None else {}


def with_side_tabs(
    snapshot: Snapshot,
    titles: Collection[str],
    fetch: Callable[[list[str]], Mapping[str, Grid]],
    fetched: Mapping[str, Grid] | None = None,
) -> Snapshot:
    """The snapshot with the tabs its Settings name, read by ``fetch`` (titles -> grids) unless
    already in ``fetched``; a named tab the workbook lacks becomes a tab issue."""
    name = form_tab_name(snapshot.settings)
    if not name:
        return snapshot
    title = find_title(name, titles)
    if title is None:
        issue = TabIssue(
            name,
            "form.missing",
            f"Settings, {FORM_TAB}: the workbook has no tab named {name!r}, so no form answers "
            "were read. Type the tab's name as it is (Google Forms calls it 'Form responses 1'), "
            "or empty the setting.",
        )
        return replace(snapshot, tab_issues=(*snapshot.tab_issues, issue))
    have = dict(fetched or {})
    if title not in have:
        have.update(fetch([title]))
    grid = [list(row) for row in have.get(title, [])]
    return replace(snapshot, side_tabs={**snapshot.side_tabs, title: grid})


def header_texts(grid: Grid) -> list[str]:
    """Row 1 of a grid as text."""
    return [cell_text(value).strip() for value in grid[0]] if grid else []


def mark_column(header: Sequence[str]) -> int | None:
    """Where the bot's column is in a header row (by its header, any letter case)."""
    wanted = fold(MARK_HEADER)
    return next((i for i, text in enumerate(header) if fold(text) == wanted), None)


def row_print(header: Sequence[str], cells: Sequence[object], skip: int | None) -> str:
    """A row's fingerprint: its non-empty cells by header (not by position), the bot's column
    left out; a column inserted or moved does not change it."""
    raw: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, value in enumerate(cells):
        if index == skip:
            continue
        name = fold(header[index]) if index < len(header) else ""
        seen[name] = seen.get(name, 0) + 1
        text = cell_text(value).strip()
        if text:
            raw[f"{name}\x1e{seen[name]}"] = text
    return fingerprint(raw, sorted(raw))


@dataclass
class ResolvedMarks:
    """Marks in sheet coordinates: (1-based row, 0-based column) -> text, header included."""

    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    skipped: list[SkippedWrite] = field(default_factory=list)
    marked: int = 0


def resolve_marks(title: str, marks: Sequence[RowMark], grid: Grid) -> ResolvedMarks:
    """Where each mark goes in the tab as it is now (``grid``, header first)."""
    out = ResolvedMarks()
    header = header_texts(grid)
    at = mark_column(header)
    if at is None:
        used = [i for i, text in enumerate(header) if text]
        at = max(used, default=-1) + 1
        out.cells[(1, at)] = marks[0].header if marks else MARK_HEADER
    prints: dict[str, list[int]] = {}

    def free(number: int) -> bool:
        cells = grid[number - 1]
        return not (at < len(cells) and cell_text(cells[at]).strip())

    for number in range(2, len(grid) + 1):
        prints.setdefault(row_print(header, grid[number - 1], at), []).append(number)
    for mark in marks:
        target = None
        if mark.row_number in prints.get(mark.fingerprint, []) and free(mark.row_number):
            target = mark.row_number
        else:
            others = [n for n in prints.get(mark.fingerprint, []) if free(n)]
            target = others[0] if len(others) == 1 else None
        if target is None or (target, at) in out.cells:
            out.skipped.append(
                SkippedWrite(
                    title,
                    None,
                    MARK_HEADER,
                    f"{title}: the answer that was row {mark.row_number} changed, moved or was "
                    "marked meanwhile; it is read again next cycle",
                )
            )
            continue
        out.cells[(target, at)] = mark.value
        out.marked += 1
    return out


def marks_to_write(
    marks: Sequence[RowMark], skipped: Sequence[SkippedWrite]
) -> tuple[list[RowMark], list[SkippedWrite]]:
    """The marks whose rows were all written, and why the others wait (a mark never says an
    answer was imported when its customer or interaction did not make it into the sheet)."""
    missed = {(s.tab, s.row_id.strip().upper()) for s in skipped if s.row_id}
    whole = {s.tab for s in skipped if not s.row_id}
    kept: list[RowMark] = []
    waiting: list[SkippedWrite] = []
    for mark in marks:
        blocked = [
            (tab, row_id)
            for tab, row_id in mark.needs
            if tab in whole or (tab, row_id.strip().upper()) in missed
        ]
        if blocked:
            tab, row_id = blocked[0]
            waiting.append(
                SkippedWrite(
                    mark.title,
                    None,
                    MARK_HEADER,
                    f"{mark.title}: row {mark.row_number} not marked, because {tab} {row_id} "
                    "was not written this cycle; it is read again next cycle",
                )
            )
        else:
            kept.append(mark)
    return kept, waiting


def by_title(marks: Sequence[RowMark]) -> dict[str, list[RowMark]]:
    """Marks grouped by worksheet title, in plan order."""
    grouped: dict[str, list[RowMark]] = {}
    for mark in marks:
        grouped.setdefault(mark.title, []).append(mark)
    return grouped


@dataclass
class PlacedMarks:
    """Marks in sheet coordinates, (title, 1-based row, 0-based column) -> text, and why the
    others wait."""

    cells: dict[tuple[str, int, int], str] = field(default_factory=dict)
    skipped: list[SkippedWrite] = field(default_factory=list)
    marked: int = 0


def place_marks(
    marks: Sequence[RowMark], skipped: Sequence[SkippedWrite], grids: Mapping[str, Grid]
) -> PlacedMarks:
    """Where a plan's marks go in the answers tabs as they are now (``grids`` by title, read
    just before writing), leaving out those whose rows were not written (``skipped``)."""
    placed = PlacedMarks()
    if not marks:
        return placed
    kept, waiting = marks_to_write(marks, skipped)
    placed.skipped.extend(waiting)
    for title, group in by_title(kept).items():
        grid = grids.get(title) or []
        if not grid:
            reason = f"{title}: the tab is missing or empty now; its answers are read again"
            placed.skipped.append(SkippedWrite(title, None, None, reason))
            continue
        found = resolve_marks(title, group, grid)
        placed.cells.update({(title, r, c): v for (r, c), v in found.cells.items()})
        placed.skipped.extend(found.skipped)
        placed.marked += found.marked
    return placed
