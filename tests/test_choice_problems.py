"""A value typed outside a list is explained with every value of the list, none cut mid-word.

Found by trying SheetCRM as a new user: a customer's Source typed "Google" got "Source: 'Google'
is not one of Website, Referral, Google Ads, Facebook, Instagram, Email, Event, Cold call, Pa….",
so Partner, Walk-in and Other were never shown.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows


def test_the_problem_lists_every_source_of_the_lists_tab(tmp_path: Path) -> None:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA)
    book = load_workbook(path)
    book["Lists"].append(["Source", "TikTok"])  # the team adds one of its own
    book.save(path)
    type_rows(path, {"Customers": [{"Name": "Pedro Gil", "Source": "Google"}]})
    sources = [
        row[1]
        for row in load_workbook(path)["Lists"].iter_rows(values_only=True)
        if row[0] == "Source"
    ]

    assert main(["run", "--workbook", str(path), "--no-send"]) == 0

    sheet = load_workbook(path)["Customers"]
    problems = sheet.cell(2, [c.value for c in sheet[1]].index("Problems") + 1).value
    listed = ", ".join(sources[:-1]) + f" or {sources[-1]}"
    assert problems == f"Source: 'Google' is not one of {listed}. Did you mean Google Ads?"
    assert "…" not in problems
