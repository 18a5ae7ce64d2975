"""The embedded default: a local .xlsx workbook, read and written with openpyxl.

Reads are one pass over the file with calamine. Writes rewrite only the worksheets the resolved
plan touches (:mod:`sheet_schema.backends.xlsx_patch`; everything else in the file is kept as it
is), or, for what that cannot write, load the workbook in openpyxl (formulas, styles, validations
and unknown columns kept) and save it; either way to a temporary file in the same folder renamed
over the original, so a crash never leaves a half-written workbook.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

from sheet_schema.backends.base import ConfigurationError, init_command
from sheet_schema.backends.temp_copies import remove_stale_copies, temporary_prefix
from sheet_schema.backends.xlsx_layout import (
    apply_layout,
    follow_lists,
    rename_old_dropdown_tab,
    sheet_infos,
    write_header,
)
from sheet_schema.backends.xlsx_patch import header_rows_only, patch_workbook
from sheet_schema.cells import cell_text
from sheet_schema.headers import HeaderError, map_headers
from sheet_schema.layout import XLSX_FEATURES, plan_layout
from sheet_schema.lists import LISTS
from sheet_schema.model import ApplyReport, Plan, Snapshot
from sheet_schema.reading import Grid, RowFilter, build_snapshot, match_worksheets, wanted_tabs
from sheet_schema.schema import Schema
from sheet_schema.side_tabs import PlacedMarks, form_tab_name, place_marks, with_side_tabs
from sheet_schema.writing import ResolvedPlan, TabState, resolve_plan

Clock = Callable[[], datetime]
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_READ_THREADS = 2


def _utc_now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _explained_errors(path: Path) -> Iterator[None]:
    """Turn low-level file errors into one clear ConfigurationError (a file the person must fix)."""
    try:
        yield
    except FileNotFoundError:
        raise ConfigurationError(
            f"{path}: no such workbook. Create one with `{init_command(path)}`."
        ) from None
    except IsADirectoryError:
        raise ConfigurationError(f"{path}: is a folder, not an .xlsx workbook.") from None
    except PermissionError:
        raise ConfigurationError(
            f"{path}: permission denied. Check the file's permissions, or close "
            "the program that has it open."
        ) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as error:
        raise ConfigurationError(
            f"{path}: not a readable .xlsx workbook ({error}). Save it from your "
            "spreadsheet program as Excel Workbook (.xlsx)."
        ) from None


def read_grids(path: Path, wanted: Callable[[str], bool] | None = None) -> dict[str, Grid]:
    """Every worksheet's cell values (cached values for formulas), row 1 first.

    Read with calamine, which parses a 50,000-customer workbook about ten times faster than
    openpyxl's read-only mode with the same typed values; openpyxl is kept for writing, where
    styles, validations and formulas must survive. ``wanted`` picks worksheets by title.

    Worksheets are parsed on two threads, each with its own handle on the file: calamine parses
    outside the GIL, so the big tabs overlap (1.6 s instead of 1.0 s for the three big tabs of a
    50,000-customer workbook, measured on this project's 2-core machine).
    """
    with _explained_errors(path):
        if not path.exists():
            raise FileNotFoundError(path)
        if path.is_dir():
            raise IsADirectoryError(path)
        try:
            names = [
                name
                for name in CalamineWorkbook.from_path(str(path)).sheet_names
                if wanted is None or wanted(name)
            ]
            with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
                grids = pool.map(partial(_read_sheet, str(path)), names)
                return dict(zip(names, grids, strict=True))
        except CalamineError as error:
            raise InvalidFileException(str(error)) from None


def _read_sheet(path: str, name: str) -> Grid:
    # skip_empty_area=False keeps leading empty rows, so list index + 1 is the sheet row.
    sheet = CalamineWorkbook.from_path(path).get_sheet_by_name(name)
    return sheet.to_python(skip_empty_area=False)


def _lock_files(path: Path) -> list[Path]:
    # Excel writes "~$name.xlsx" and LibreOffice ".~lock.name.xlsx#" beside a file it has open.
    candidates = [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]
    return [c for c in candidates if c.exists()]


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

        grids = read_grids(self.path, is_wanted)
        snapshot = build_snapshot(
            self.schema,
            grids,
            read_at,
            source=str(self.path),
            tabs=tabs,
            init_command=init_command(self.path),
            only=only,
        )
        if tabs is not None or not form_tab_name(snapshot.settings):
            return snapshot
        # The form answers tab Settings names: known only once Settings is read.
        with _explained_errors(self.path):
            try:
                names = CalamineWorkbook.from_path(str(self.path)).sheet_names
                return with_side_tabs(
                    snapshot,
                    names,
                    lambda titles: {t: _read_sheet(str(self.path), t) for t in titles},
                )
            except CalamineError as error:
                raise InvalidFileException(str(error)) from None

    def apply(self, plan: Plan) -> ApplyReport:
        """Resolve the plan against the file as it is now, write it, and save atomically.

        Temporary copies left beside the workbook by a process killed while saving are removed
        first (:func:`remove_stale_copies`).
        """
        remove_stale_copies(self.path)
        if plan.is_empty():
            return ApplyReport()
        self.check_writable()
        with _explained_errors(self.path):
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
                with _explained_errors(self.path):
                    book = load_workbook(BytesIO(data))
            self._write(book, resolved)
            for (title, row, column), value in marks.cells.items():
                set_cell(book[title].cell(row=row, column=column + 1), value)
            follow_lists(book, workbook_schema(book, self.schema))
            save_atomically(book, self.path)
        return ApplyReport(
            cells_written=resolved.cells_written,
            rows_appended=resolved.rows_appended,
            ids_assigned=resolved.ids_assigned,
            skipped=resolved.skipped + tuple(marks.skipped),
            api_calls={"file.read": 2, "file.write": 1},
            rows_marked=marks.marked,
        )

    def _lists_to_follow(self, data: bytes) -> bool:
        """True when SheetCRM's dropdowns offer other values than the team's Lists tab: the
        save must then change them too (:func:`follow_lists`, on the header rows and small tabs
        only, which is all it reads)."""
        with _explained_errors(self.path):
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

    def check_writable(self) -> None:
        """Refuse, with a clear message, a file that is open elsewhere or cannot be saved."""
        locks = _lock_files(self.path)
        if locks:
            raise ConfigurationError(
                f"{self.path}: the workbook is open in another program "
                f"({locks[0].name} exists). Close it and run again; nothing was "
                "written."
            )
        # The mode bits count too: root may write anything, but a file someone marked
        # read-only is a request not to change it.
        if self.path.exists() and (
            not os.access(self.path, os.W_OK) or not self.path.stat().st_mode & stat.S_IWUSR
        ):
            raise ConfigurationError(f"{self.path}: the file is read-only; nothing was written.")
        if not os.access(self.path.parent, os.W_OK):
            raise ConfigurationError(
                f"{self.path.parent}: the folder is read-only, so the workbook "
                "cannot be saved safely; nothing was written."
            )

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


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def set_cell(cell: Cell, value: object) -> None:
    """Store a value; text is always stored as text, so '=IMPORTXML(...)' never runs."""
    if isinstance(value, str):
        # XML 1.0 cannot hold control characters, U+FFFE/U+FFFF or lone surrogates; openpyxl
        # would save them anyway and then refuse to open its own file, so every later cycle
        # would fail. A pasted one becomes U+FFFD (the "unknown character" sign).
        value = _NOT_IN_XML.sub("\ufffd", value)
    cell.value = value
    if isinstance(value, str):
        # openpyxl turns any string starting with '=' into a formula; the bot writes RAW text.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = _DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = _DATE_FORMAT


def last_used_row(ws: Worksheet) -> int:
    """The last row with any value (formatting-only rows at the end do not count)."""
    for row in range(ws.max_row, 0, -1):
        if any(c.value not in (None, "") for c in ws[row]):
            return row
    return 0


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def save_atomically(book: Workbook, path: Path) -> None:
    """Save to a temporary file beside ``path`` and rename it over the original."""
    replace_atomically(path, book.save)


def replace_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Write a temporary file beside ``path`` with ``write`` and rename it over the original.

    The temporary file is hidden and named ``.<stem>.sheetcrm-<pid>-<random>.xlsx``, so that a
    copy left by a killed process can be recognised and removed (:func:`remove_stale_copies`).
    """
    handle, temporary = tempfile.mkstemp(
        prefix=temporary_prefix(path), suffix=".xlsx", dir=path.parent
    )
    os.close(handle)
    try:
        write(temporary)
        # mkstemp makes the file private (0600); keep the old file's mode, or give a new one the
        # mode any program would (0666 less the umask).
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else _new_file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def create_workbook(
    path: Path, schema: Schema, force: bool = False, settings: Sequence[tuple[str, str]] = ()
) -> None:
    """Create a new workbook with every tab, headers, dropdowns and shaded bot columns.

    ``settings`` overrides default Settings rows by key. Refuses to replace an existing file
    unless ``force``.
    """
    if path.exists() and not force:
        raise ConfigurationError(
            f"{path} already exists. Use --force to replace it, or pick another path."
        )
    if not path.parent.exists():
        raise ConfigurationError(f"{path.parent}: no such folder.")
    if path.exists():
        XlsxBackend(path, schema).check_writable()
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    # A new workbook is laid out by the same plan that repairs an existing one.
    apply_layout(book, plan_layout(schema, [], XLSX_FEATURES), dict(settings))
    save_atomically(book, path)


def repair_workbook(path: Path, schema: Schema) -> str:
    """Add what ``init`` lays out and an existing workbook lacks; a summary of what was added.

    Only adds: missing tabs, missing header cells after the team's last used column, a frozen
    bold header, dropdowns and date checks where the team has no validation of its own, and
    SheetCRM's dropdowns brought up to date with the team's Lists tab. Tabs are found by name or
    alias and columns by header or alias, in any order. When nothing is missing the file is not
    written at all.
    """
    backend = XlsxBackend(path, schema)
    with _explained_errors(path):
        if not path.exists():
            raise FileNotFoundError(path)
        backend.check_writable()
        book = load_workbook(path)
    renamed = rename_old_dropdown_tab(book)
    team_schema = workbook_schema(book, schema)
    plan = plan_layout(team_schema, sheet_infos(book), XLSX_FEATURES, init_command(path))
    if renamed or not plan.is_empty():
        apply_layout(book, plan)
        save_atomically(book, path)
    return plan.summary(f"workbook {str(path)!r}")


def workbook_schema(book: Workbook, schema: Schema) -> Schema:
    """The schema with the team's lists, as the workbook's Lists tab holds them."""
    titles, _ = match_worksheets(schema, book.sheetnames)
    grids: dict[str, Grid] = {}
    if LISTS in titles:
        grids[titles[LISTS]] = [list(r) for r in book[titles[LISTS]].iter_rows(values_only=True)]
    snapshot = build_snapshot(schema, grids, datetime.now(UTC), tabs=[LISTS])
    return snapshot.schema_or(schema)


def append_rows(path: Path, schema: Schema, rows: dict[str, list[dict[str, object]]]) -> None:
    """Add rows (column key -> value) to tabs of an existing workbook, in one save.

    For importing and demo data; the values are written as given, team columns included.
    """
    with _explained_errors(path):
        book = load_workbook(path)
    titles, _ = match_worksheets(schema, book.sheetnames)
    for name, records in rows.items():
        ws = book[titles[name]]
        header = [cell_text(c.value) for c in ws[1]]
        positions = map_headers(schema.tab(name), header).positions
        start = last_used_row(ws) + 1
        for offset, record in enumerate(records):
            for key, value in record.items():
                if value is not None:
                    set_cell(ws.cell(row=start + offset, column=positions[key] + 1), value)
    save_atomically(book, path)
