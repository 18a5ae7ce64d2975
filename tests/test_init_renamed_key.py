"""`sheetcrm init` on a tab whose key column was renamed says so instead of adding an empty one.

Found by trying SheetCRM as a new user: Deals "Stage" renamed "Phase" and the Interactions tab
deleted; the run said to run `sheetcrm init` for the tab, init also added an empty Stage column,
and the next cycle read every deal as unfilled: every customer's Lifecycle rewritten to Lead,
Segments cleared, and the report's won revenue 0.00 instead of unknown.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """Two customers and their deals typed by hand, one cycle run, then Stage renamed Phase and
    the Interactions tab deleted."""
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [
                {"Name": "Ana Costa", "Created": date(2026, 1, 10)},
                {"Name": "Bruno Lima", "Created": date(2026, 2, 3)},
            ],
            "Deals": [
                {"Customer ID": "Ana Costa", "Stage": "won", "Value": 900, "Closed": "12/10/2026"},
                {"Customer ID": "Bruno Lima", "Stage": "Proposal", "Value": "€1,200"},
            ],
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    book = load_workbook(path)
    headers = [c.value for c in book["Deals"][1]]
    book["Deals"].cell(1, headers.index("Stage") + 1, "Phase")
    del book["Interactions"]
    book.save(path)
    return path


def cells(path: Path, tab: str, header: str) -> list[object]:
    sheet = load_workbook(path)[tab]
    at = [c.value for c in sheet[1]].index(header)
    return [row[at] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_init_adds_the_deleted_tab_but_no_empty_stage_and_says_what_to_do(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lifecycles = cells(shop, "Customers", "Lifecycle")
    assert lifecycles == ["Active", "Lead"]
    problems = cells(shop, "Deals", "Problems")
    assert "can be read two ways" in str(problems[0])
    capsys.readouterr()

    assert main(["init", "--workbook", str(shop)]) == 0

    said = capsys.readouterr().out
    assert "added tabs: Interactions" in said
    assert "Deals: no Stage column" in said
    assert "'Phase' (D)" in said
    deals = [c.value for c in load_workbook(shop)["Deals"][1]]
    assert "Stage" not in deals
    assert deals.count("Phase") == 1
    # The next cycle holds back what needs Stage: the customers keep what the bot wrote.
    assert main(["run", "--workbook", str(shop), "--no-send"]) == 0
    assert cells(shop, "Customers", "Lifecycle") == lifecycles
    assert cells(shop, "Deals", "Problems") == problems  # no "Stage is empty" on every deal


def test_once_the_name_is_given_back_init_has_nothing_to_add_there(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = load_workbook(shop)
    book["Deals"]["D1"] = "stage"  # given back, in another letter case
    book.save(shop)
    capsys.readouterr()

    assert main(["init", "--workbook", str(shop)]) == 0

    said = capsys.readouterr().out
    assert "Not changed" not in said
    assert "Deals: added columns" not in said
    assert main(["run", "--workbook", str(shop), "--no-send"]) == 0
    assert cells(shop, "Customers", "Lifecycle") == ["Active", "Lead"]
