"""An import's extra columns go after every column the team uses, not over cells without a header.

Found by trying SheetCRM as a new user: a row pasted from another sheet ran two cells past the
header row ('VIP', 'pasted 2026'); `sheetcrm import` then wrote its own headers ('xml_id', 'type')
above those cells, so the pasted row silently read as xml_id = VIP.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA


def shop(tmp_path: Path) -> Path:
    """`sheetcrm init`, one customer typed, and one pasted with two cells past the headers."""
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA)
    book = load_workbook(path)
    customers = book["Customers"]
    width = customers.max_column
    customers.append([None, "Ana Costa", None, "ana@example.com"])
    pasted = [None, "Sofia Reis", "Reis Lda", "sofia@reis.pt", None, "PT", "Porto"]
    customers.append([*pasted, *[None] * (width - len(pasted)), "VIP", "pasted 2026"])
    book.save(path)
    return path


def test_imported_extra_columns_start_after_the_pasted_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shop(tmp_path)
    width = load_workbook(path)["Customers"].max_column  # the pasted row's last cell
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "Name;E-mail;Sector;Size\nBruno Lima;bruno@lima.pt;Retail;12\n", encoding="utf-8"
    )

    assert main(["import", str(leads), "--tab", "Customers", "--workbook", str(path)]) == 0

    sheet = load_workbook(path)["Customers"]
    header = [c.value for c in sheet[1]]
    # The two cells pasted past the headers keep no header, and still hold what was pasted.
    assert header[width - 2 : width] == [None, None]
    assert [sheet.cell(3, width - 1).value, sheet.cell(3, width).value] == ["VIP", "pasted 2026"]
    # The file's own columns come after them, with Bruno's values under them.
    assert header[width : width + 2] == ["Sector", "Size"]
    bruno = [c.value for c in sheet[4]]
    assert bruno[1] == "Bruno Lima"
    assert bruno[width : width + 2] == ["Retail", "12"]
    assert bruno[width - 2 : width] == [None, None]
