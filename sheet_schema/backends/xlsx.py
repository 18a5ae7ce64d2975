"""The embedded default: a local .xlsx workbook, read with calamine and written with openpyxl.

:class:`XlsxBackend` reads every tab in one pass over the file (:mod:`xlsx_read`). Its writes
rewrite only the worksheets the resolved plan touches (:mod:`sheet_schema.backends.xlsx_patch`;
everything else in the file is kept as it is), or, for what that cannot write, load the workbook in
openpyxl (formulas, styles, validations and unknown columns kept; cells stored as
:mod:`xlsx_cells` says) and save it; either way to a temporary file in the same folder renamed
over the original (:mod:`xlsx_saving`), so a crash never leaves a half-written workbook.
``sheetcrm init`` on a file is :mod:`xlsx_init`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook

from sheet_schema.backends.base import ConfigurationError, init_command
from sheet_schema.backends.temp_copies import remove_stale_copies
from sheet_schema.backends.xlsx_cells import last_used_row, set_cell
from sheet_schema.backends.xlsx_layout import follow_lists, workbook_schema, write_header
from sheet_schema.backends.xlsx_patch import header_rows_only, patch_workbook
from sheet_schema.backends.xlsx_read import explained_errors, parsing_grids, read_sheet
from sheet_schema.backends.xlsx_saving import check_writable, replace_atomically, save_atomically
from sheet_schema.collector import collector_paused
from sheet_schema.headers import HeaderError, map_headers
from sheet_schema.lists import LISTS
from sheet_schema.model import ApplyReport, Plan, Snapshot
from sheet_schema.reading import RowFilter, build_snapshot, match_worksheets, wanted_tabs
from sheet_schema.renamed_tabs import missing_tabs, with_lookalikes
from sheet_schema.schema import Schema
from sheet_schema.side_tabs import PlacedMarks, form_tab_name, place_marks, with_side_tabs
from sheet_schema.tab_writer import TabState
from sheet_schema.writing import ResolvedPlan, resolve_plan

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class XlsxBackend:
    """A workbook in a local .xlsx file."""

    def __init__(self, path: Path, schema: Schema, clock: Clock = _utc_now) -> None:
        self.path = path
        self.schema = schema
        self.clock = clock

    def describe(self) -> str:
        """The workbook's path."""
        return str(self.path)

    def read(
        self, tabs: Collection[str] | None = None, only: Mapping[str, RowFilter] | None = None
    ) -> Snapshot:
        """Read every tab (or only ``tabs``, plus Settings) in one pass over the file; ``only``
        keeps some rows of a tab (see :func:`~sheet_schema.reading.build_snapshot`)."""
        read_at = self.clock()
        wanted = wanted_tabs(self.schema, tabs)

        def is_wanted(title: str) -> bool:
            tab = self.schema.find_tab(title)
            return tab is not None and (wanted is None or tab.name in wanted)

        with collector_paused(), parsing_grids(self.path, is_wanted, self._reading_order) as grids:
            snapshot = build_snapshot(
                self.schema,
                grids,
                read_at,
                source=str(self.path),
                tabs=tabs,
                init_command=init_command(self.path),
                only=only,
            )
        if missing_tabs(snapshot):
            snapshot = with_lookalikes(self.schema, snapshot, self._other_headers())
        if tabs is not None or not form_tab_name(snapshot.settings):
            return snapshot
        # The form answers tab Settings names: known only once Settings is read.
        with explained_errors(self.path):
            try:
                names = CalamineWorkbook.from_path(str(self.path)).sheet_names
                return with_side_tabs(
                    snapshot,
                    names,
                    lambda titles: {t: read_sheet(str(self.path), t) for t in titles},
                )
            except CalamineError as error:
                raise InvalidFileException(str(error)) from None

    def _other_headers(self) -> dict[str, Sequence[object]]:
        """Row 1 of each worksheet SheetCRM does not know (read only when a tab is missing: one
        of them may be that tab, renamed)."""
        with explained_errors(self.path):
            try:
                names = CalamineWorkbook.from_path(str(self.path)).sheet_names
                others = [n for n in names if self.schema.find_tab(n) is None]
                return {n: next(iter(read_sheet(str(self.path), n)), []) for n in others}
            except CalamineError as error:
                raise InvalidFileException(str(error)) from None

    def _reading_order(self, title: str) -> int:
        """Where build_snapshot uses a worksheet: Settings and Lists first, then the schema's
        tabs in order, so the first tab it types is the first one parsed."""
        tab = self.schema.find_tab(title)
        if tab is None:
            return len(self.schema.tabs) + 2
        if tab.name in ("Settings", LISTS):
            return 0
        return 1 + self.schema.tab_names.index(tab.name)

    def apply(self, plan: Plan) -> ApplyReport:
        """Resolve the plan against the file as it is now, write it, and save atomically.

        Temporary copies left beside the workbook by a process killed while saving are removed
        first (:func:`~sheet_schema.backends.temp_copies.remove_stale_copies`).
        """
        remove_stale_copies(self.path)
        if plan.is_empty():
            return ApplyReport()
        check_writable(self.path)
        with explained_errors(self.path):
            # One copy of the file for every reader, so they all see the same version of it.
            data = self.path.read_bytes()
            states = self._states(data)
            # A reference the bot resolves replaces a team cell, never a formula: openpyxl shows
            # which cells hold one (calamine gives their values), so such a plan is written the
            # full way.
            book = (
                load_workbook(BytesIO(data))
                if any(w.replaces is not None for w in plan.writes)
                else None
            )
        if book is not None:
            states = _with_formulas(book, states, plan)
        resolved = resolve_plan(self.schema, plan, states)
        marks = self._marks(plan, resolved, data)
        # Only the worksheets the plan touches are rewritten (seconds instead of a full openpyxl
        # load and save on a big workbook); what that cannot write goes through openpyxl, and so
        # does a save whose dropdowns must follow the Lists tab (they change with it).
        patched = None
        if book is None and not self._lists_to_follow(data):
            patched = patch_workbook(data, resolved, marks.cells)
        if patched is not None:
            replace_atomically(self.path, lambda temporary: Path(temporary).write_bytes(patched))
        else:
            if book is None:
                with explained_errors(self.path):
                    book = load_workbook(BytesIO(data))
            self._write(book, resolved)
            for (title, row, column), value in marks.cells.items():
                set_cell(book[title].cell(row=row, column=column + 1), value)
            follow_lists(book, workbook_schema(book, self.schema))
            save_atomically(book, self.path)
        return ApplyReport(
            cells_written=resolved.cells_written,
            rows_appended=resolved.rows_appended,
            appended=resolved.appended(),
            ids_assigned=resolved.ids_assigned,
            skipped=resolved.skipped + tuple(marks.skipped),
            api_calls={"file.read": 2, "file.write": 1},
            rows_marked=marks.marked,
        )

    def _lists_to_follow(self, data: bytes) -> bool:
        """True when SheetCRM's dropdowns offer other values than the team's Lists tab: the
        save must then change them too (:func:`follow_lists`, on the header rows and small tabs
        only, which is all it reads)."""
        with explained_errors(self.path):
            light = load_workbook(BytesIO(header_rows_only(data)))
        return follow_lists(light, workbook_schema(light, self.schema)) > 0

    def _marks(self, plan: Plan, resolved: ResolvedPlan, data: bytes) -> PlacedMarks:
        """Where the form answers read this cycle are marked, in the same save as the rows made
        of them."""
        if not plan.marks:
            return PlacedMarks()
        workbook = CalamineWorkbook.from_filelike(BytesIO(data))
        grids = {
            title: workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
            for title in {m.title for m in plan.marks}
            if title in workbook.sheet_names
        }
        return place_marks(plan.marks, resolved.skipped, grids)

    def _states(self, data: bytes) -> dict[str, TabState]:
        """The tabs as the bot read them: calamine's grids, like :meth:`read`.

        openpyxl would give a formula's text where :meth:`read` saw its saved value, so a row
        holding a formula would never match its fingerprint and never get its ID.
        """
        try:
            workbook = CalamineWorkbook.from_filelike(BytesIO(data))
            matched, _ = match_worksheets(self.schema, workbook.sheet_names)
            grids = {
                name: workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
                for name, title in matched.items()
            }
        except CalamineError as error:
            raise ConfigurationError(
                f"{self.path}: not a readable .xlsx workbook ({error})."
            ) from None
        states: dict[str, TabState] = {}
        for name, grid in grids.items():
            if not grid:
                continue
            try:
                headers = map_headers(self.schema.tab(name), grid[0])
            except HeaderError:
                continue  # reported when read; an unreadable header gets no writes
            states[name] = TabState(title=matched[name], headers=headers, grid=grid)
        return states

    def _write(self, book: Workbook, resolved: ResolvedPlan) -> None:
        for tab in resolved.new_tabs:
            ws = book.create_sheet(tab.name)
            write_header(ws, tab)
        for update in resolved.updates:
            set_cell(
                book[update.title].cell(row=update.row, column=update.column + 1), update.value
            )
        for title, rows in resolved.appends.items():
            ws = book[title]
            next_row = last_used_row(ws) + 1
            for offset, values in enumerate(rows):
                for index, value in enumerate(values):
                    if value is not None:
                        set_cell(ws.cell(row=next_row + offset, column=index + 1), value)


def _with_formulas(book: Workbook, states: dict[str, TabState], plan: Plan) -> dict[str, TabState]:
    """The states with the formula cells of each column a resolved reference may replace
    marked (calamine gave their values; openpyxl has the formulas): none is written over."""
    replaced = {(w.tab, w.column) for w in plan.writes if w.replaces is not None}
    for name, key in sorted(replaced):
        state = states.get(name)
        at = None if state is None else state.headers.positions.get(key)
        if state is None or at is None:
            continue
        sheet = book[state.title]
        found = {
            (cell.row, at)
            for (cell,) in sheet.iter_rows(min_row=2, min_col=at + 1, max_col=at + 1)
            if cell.data_type == "f"
        }
        states[name] = replace(state, formulas=state.formulas | found)
    return states
