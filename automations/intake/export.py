"""``sheetcrm export``: one tab of the workbook as a CSV or xlsx file, safe to open anywhere.

A cell a person typed may start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return;
a spreadsheet program opening an exported CSV would run it as a formula (CSV injection). In a CSV
every such cell is written with a leading single quote, as OWASP's CSV injection guidance says, so
the program shows it as text. An xlsx cell says its own type: every cell is written as a text
cell, which no program runs, so it keeps exactly what was typed (no visible quote).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from sheet_schema.formatting import counted
from sheet_schema.model import Snapshot
from sheet_schema.schema import Schema

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(text: str) -> str:
    """The text with a leading single quote when a spreadsheet program would run it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def tab_table(snapshot: Snapshot, schema: Schema, tab_name: str) -> list[list[str]]:
    """The tab as rows of text, header first: its known columns in schema order, then the
    columns the schema does not know, by their own header."""
    tab = schema.tab(tab_name)
    present = snapshot.columns.get(tab_name, frozenset())
    columns = [c for c in tab.columns if c.key in present]
    extras: list[str] = []
    for row in snapshot.tab(tab_name):
        extras.extend(name for name in row.extra if name not in extras)
    table = [[c.header for c in columns] + extras]
    for row in snapshot.tab(tab_name):
        table.append(
            [row.text(c.key) for c in columns] + [row.extra.get(name, "") for name in extras]
        )
    return table


def left_out(snapshot: Snapshot, tab_name: str) -> list[str]:
    """One sentence per column of the tab that holds data but has no header: the export has no
    name to give it, so its cells are not in the file (the reader found them, see
    :mod:`sheet_schema.reading`)."""
    return [
        f"{tab_name} column {issue.column} holds data but has no header: not exported. "
        "Give it a header to export it."
        for issue in snapshot.tab_issues
        if issue.tab == tab_name and issue.code == "header.blank"
    ]


def check_destination(typed: str) -> Path:
    """The file ``--out`` names; ValueError (one sentence) when it cannot take a new file: it
    is (or ends like) a folder, or its folder does not exist. Checked before anything is read."""
    path = Path(typed)
    if typed.endswith(("/", os.sep)) or path.is_dir():
        raise ValueError(f"--out {typed!r} is a folder; give a file name inside it.")
    if not path.parent.is_dir():
        raise ValueError(
            f"--out {typed!r}: the folder {str(path.parent)!r} does not exist; "
            "create it or choose another place."
        )
    return path


def write_export(table: Sequence[Sequence[str]], path: Path, file_format: str) -> None:
    """Write the table as ``csv`` (UTF-8 with BOM, so Excel reads accents) or ``xlsx``."""
    if file_format == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([escape_cell(text) for text in row] for row in table)
        return
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row_number, row in enumerate(table, start=1):
        for column_number, text in enumerate(row, start=1):
            if text:
                cell = sheet.cell(row=row_number, column=column_number, value=text)
                cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    book.save(path)


def export_tab(
    snapshot: Snapshot, schema: Schema, tab_title: str, path: Path, file_format: str
) -> str:
    """Export one tab (found by name or alias); a sentence saying what was written."""
    tab = schema.find_tab(tab_title)
    if tab is None:
        known = ", ".join(schema.tab_names)
        raise ValueError(f"No tab {tab_title!r} in the workbook's contract; known tabs: {known}.")
    if not snapshot.readable(tab.name):
        raise ValueError(f"{tab.name}: the tab is missing or its header cannot be read.")
    table = tab_table(snapshot, schema, tab.name)
    try:
        write_export(table, path, file_format)
    except OSError as error:  # e.g. no permission: one line, not a traceback
        raise ValueError(f"--out {str(path)!r} cannot be written: {error.strerror}.") from error
    escaped = sum(1 for row in table[1:] for text in row if escape_cell(text) != text)
    how = "prefixed with a single quote" if file_format == "csv" else "written as text cells"
    formulas = counted(
        escaped, "cell that would run as a formula was", "cells that would run as formulas were"
    )
    return (
        f"Exported {counted(len(table) - 1, 'row')} of {tab.name} to {path} ({file_format}); "
        f"{formulas} {how}."
    )
