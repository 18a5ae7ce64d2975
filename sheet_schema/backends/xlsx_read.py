"""Reading a local .xlsx file: every worksheet's cell values with calamine, and the file errors
a person must fix turned into one clear :class:`~sheet_schema.backends.base.ConfigurationError`.

calamine parses a 50,000-customer workbook about ten times faster than openpyxl's read-only mode
with the same typed values; openpyxl is kept for writing, where styles, validations and formulas
must survive (:mod:`sheet_schema.backends.xlsx`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook

from sheet_schema.backends.base import ConfigurationError, init_command
from sheet_schema.reading import Grid

_READ_THREADS = 2


@contextmanager
def explained_errors(path: Path) -> Iterator[None]:
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
    """Every worksheet's cell values (cached values for formulas), row 1 first; ``wanted``
    picks worksheets by title."""
    with parsing_grids(path, wanted) as grids:
        return dict(grids.items())


class ParsingGrids(Mapping[str, Grid]):
    """Worksheets being parsed on other threads, by title: a grid is waited for when it is first
    looked up, so typing the rows of one tab (which holds the GIL) overlaps parsing the next
    (which does not)."""

    def __init__(self, path: Path, futures: Mapping[str, Future[Grid]]) -> None:
        self._path = path
        self._futures = futures

    def __getitem__(self, title: str) -> Grid:
        future = self._futures[title]  # a KeyError here is Mapping's "no such worksheet"
        with explained_errors(self._path):
            try:
                return future.result()
            except CalamineError as error:
                raise InvalidFileException(str(error)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._futures)

    def __len__(self) -> int:
        return len(self._futures)


@contextmanager
def parsing_grids(
    path: Path,
    wanted: Callable[[str], bool] | None = None,
    first: Callable[[str], int] | None = None,
) -> Iterator[ParsingGrids]:
    """The worksheets ``wanted`` picks (every one without it), parsed on two threads while the
    caller goes on; ``first`` orders them (lowest first: the order the caller uses them in).

    Each thread has its own handle on the file. The parsing threads overlap the caller's typing
    of the tabs already parsed only where calamine lets the GIL go, which is not much of its work
    (python-calamine 0.9.1): on a 50,000-customer workbook the same read took about as long with
    one, two or three parsing threads (docs/PERFORMANCE.md).
    """
    with explained_errors(path):
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
        except CalamineError as error:
            raise InvalidFileException(str(error)) from None
    ordered = sorted(names, key=first) if first is not None else names
    with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
        futures = {name: pool.submit(read_sheet, str(path), name) for name in ordered}
        try:
            yield ParsingGrids(path, {name: futures[name] for name in names})
        finally:
            # A reader that stopped early (an error) does not wait for tabs it will not use.
            for future in futures.values():
                future.cancel()


def read_sheet(path: str, name: str) -> Grid:
    """One worksheet's cell values, row 1 first (leading empty rows kept)."""
    # skip_empty_area=False keeps leading empty rows, so list index + 1 is the sheet row.
    sheet = CalamineWorkbook.from_path(path).get_sheet_by_name(name)
    return sheet.to_python(skip_empty_area=False)
