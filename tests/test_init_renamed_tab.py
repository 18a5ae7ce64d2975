"""`sheetcrm init` does not add an empty tab beside the same tab renamed.

Found by trying SheetCRM as a new user: the Customers tab renamed "Customer list"; the run said
"The workbook has no Customers tab. Run `sheetcrm init` to add it.", init added an empty
Customers tab, and the next cycle said every deal and interaction named no customer.
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
    """Two customers and a deal typed by hand, and one cycle run (the IDs are in place)."""
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA)
    type_rows(
        path,
        {
            "Customers": [
                {"Name": "Ana Costa", "Email": "ana@example.com ", "Created": "12/03/2026"},
                {"Name": "Bruno Lima", "Created": date(2026, 2, 3)},
            ],
            "Deals": [{"Customer ID": "ana@example.com", "Stage": "proposal", "Value": "€1,200"}],
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    return path


def test_init_names_the_renamed_tab_and_adds_no_empty_one(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = load_workbook(shop)
    book["Customers"].title = "Customer list"
    book.save(shop)
    tabs = load_workbook(shop).sheetnames
    capsys.readouterr()

    assert main(["init", "--workbook", str(shop)]) == 0

    said = capsys.readouterr().out
    # What the run, the Bot status tab and the dashboard say too (tests/test_renamed_tab.py).
    assert (
        "No Customers tab, but 'Customer list' has its columns (Name, Company, Email, ...): if "
        "it was renamed, rename it back to Customers. No empty Customers tab was added."
    ) in said
    assert load_workbook(shop).sheetnames == tabs
    # Given back its name, the workbook needs nothing, and the deal still finds Ana.
    book = load_workbook(shop)
    book["Customer list"].title = "Customers"
    book.save(shop)
    assert main(["init", "--workbook", str(shop)]) == 0
    assert "Not changed" not in capsys.readouterr().out
    assert main(["run", "--workbook", str(shop), "--no-send"]) == 0
    assert "names no row" not in capsys.readouterr().out


def test_a_tab_of_the_teams_own_with_a_name_column_does_not_stop_init(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The team deleted Customers and keeps its suppliers in a tab of its own, typed by hand.
    book = load_workbook(shop)
    del book["Customers"]
    suppliers = book.create_sheet("Suppliers")
    suppliers.append(["ID", "Name", "Email"])
    suppliers.append(["7", "Tintas Lda", "orders@tintas.pt"])
    book.save(shop)
    capsys.readouterr()

    assert main(["init", "--workbook", str(shop)]) == 0

    assert "added tabs: Customers" in capsys.readouterr().out
    assert "Customers" in load_workbook(shop).sheetnames
