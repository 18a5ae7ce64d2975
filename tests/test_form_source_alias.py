"""A form answer's source is read with the team's Lists tab as it is now: a spelling taken out of
a value's aliases is no longer read as that value, and an unknown source is kept as typed and
said to be not in the list, never mapped to the closest value by guess.

Reported: a form answer typed "Google" was still read as "Google Ads" after the alias "Google"
was removed from the Lists tab. The workbook is made by `sheetcrm init`, the alias typed into
the Lists tab and later removed by hand, the answers typed into a Google Form's tab; the cycles
share one backend and one row memo, as `sheetcrm schedule` does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from automations.cli import main
from automations.cycle import run_cycle
from automations.rules.incremental import RowMemo
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.schema import load_schema

SCHEMA = load_schema()
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
FORM = "Form responses 1"
ALIASES = "Adwords, Paid search, SEM"  # what `init` writes for Google Ads


def set_cell(book: Any, tab: str, find: tuple[int, str], column: int, value: object) -> None:
    """Type ``value`` in ``column`` of the row whose column ``find[0]`` reads ``find[1]``."""
    sheet = book[tab]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, find[0]).value == find[1])
    sheet.cell(row, column).value = value


def customers(path: Path) -> dict[str, tuple[object, str]]:
    """Name -> (Source, Problems) as the Customers tab shows them."""
    sheet = load_workbook(path)["Customers"]
    header = [c.value for c in sheet[1]]
    found = {}
    for line in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, line, strict=False))
        if row.get("Name"):
            found[str(row["Name"])] = (row.get("Source"), str(row.get("Problems") or ""))
    return found


def test_a_source_typed_google_is_kept_as_typed_once_the_alias_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    set_cell(book, "Settings", (1, "Form tab"), 2, FORM)
    set_cell(book, "Settings", (1, "Time zone"), 2, "Europe/Madrid")
    # The team first reads "Google" as Google Ads (column D: "Also written as").
    set_cell(book, "Lists", (2, "Google Ads"), 4, ALIASES + ", Google")
    form = book.create_sheet(FORM)
    form.append(["Timestamp", "Email address", "Your name", "How did you hear about us?"])
    form.append([datetime(2026, 11, 20, 9, 0), "ann@example.com", "Ann", "Google"])
    book.save(path)
    backend, memo = XlsxBackend(path, SCHEMA), RowMemo[Any]()

    run_cycle(backend, SCHEMA, NOW, memo=memo)
    assert customers(path)["Ann"][0] == "Google Ads"  # the alias, while it is one

    # Then takes the alias out again; two more answers come in, one in lower case.
    book = load_workbook(path)
    set_cell(book, "Lists", (2, "Google Ads"), 4, ALIASES)
    book[FORM].append([datetime(2026, 11, 24, 9, 0), "bob@example.com", "Bob", "Google"])
    book[FORM].append([datetime(2026, 11, 24, 9, 5), "cy@example.com", "Cy", "google"])
    book.save(path)
    for minutes in (10, 20):  # the answers' customers are added, then checked
        run_cycle(backend, SCHEMA, NOW + timedelta(minutes=minutes), memo=memo)

    found = customers(path)
    assert found["Bob"][0] == "Google" and found["Cy"][0] == "google"
    for name in ("Bob", "Cy"):
        problems = found[name][1]
        assert problems.startswith("Source: '") and "is not one of Website" in problems
    # Ann was imported while "Google" meant Google Ads: her row holds the value written then.
    assert found["Ann"] == ("Google Ads", "")
