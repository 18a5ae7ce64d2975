"""``sheetcrm init`` on a local .xlsx file: create a new workbook, or add what an existing one
lacks.

What to add is planned by :func:`sheet_schema.layout.plan_layout` (the planner the Google
Sheets backend uses too) and laid out with openpyxl by :mod:`sheet_schema.backends.xlsx_layout`;
this module opens, checks and saves the file (atomically, :mod:`xlsx_saving`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook

from sheet_schema.backends.base import ConfigurationError, init_command
from sheet_schema.backends.xlsx_layout import (
    apply_layout,
    rename_old_dropdown_tab,
    sheet_infos,
)
from sheet_schema.backends.xlsx_read import explained_errors
from sheet_schema.backends.xlsx_saving import check_writable, save_atomically
from sheet_schema.layout import plan_layout
from sheet_schema.layout_plan import XLSX_FEATURES
from sheet_schema.schema import Schema


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
        check_writable(path)
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    # A new workbook is laid out by the same plan that repairs an existing one.
    apply_layout(book, plan_layout(schema, [], XLSX_FEATURES), dict(settings))
    save_atomically(book, path)


def repair_workbook(path: Path, schema: Schema) -> str:
    """Add what ``init`` lays out and an existing workbook lacks; a summary of what was added.

    Only adds: missing tabs, missing header cells after the team's last used column, the
    Settings and Lists rows of later versions after the team's rows
    (:mod:`sheet_schema.init_rows`), a frozen bold header, dropdowns and date checks where the
    team has no validation of its own, and SheetCRM's dropdowns brought up to date with the
    team's Lists tab. Tabs are found by name or
    alias and columns by header or alias, in any order. When nothing is missing the file is not
    written at all.
    """
    with explained_errors(path):
        if not path.exists():
            raise FileNotFoundError(path)
        check_writable(path)
        book = load_workbook(path)
    renamed = rename_old_dropdown_tab(book)
    # The planner reads the team's lists from the Lists tab itself (and adds what it lacks).
    plan = plan_layout(schema, sheet_infos(book, schema), XLSX_FEATURES, init_command(path))
    if renamed or not plan.is_empty():
        apply_layout(book, plan)
        save_atomically(book, path)
    return plan.summary(f"workbook {str(path)!r}")
