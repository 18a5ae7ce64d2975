"""A Deals Stage column the report cannot read makes the funnel's table one row per stage of the
team's list with every figure "unknown" (table and CSV), as the customers report lists each
lifecycle stage as unknown; never an empty table, which reads as "no funnel" (JSON: null).

Found by trying SheetCRM as a new user: the team renamed Deals "Stage" to "Phase", and
`sheetcrm report funnel --format csv` wrote a file with no header and no row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows

RENAMED = "Deals: no Stage column (a column 'Phase' is not known)"


def funnel_stages(path: Path) -> list[str]:
    """The team's stages in the Lists tab's order, but those that mean lost: the funnel's."""
    sheet = load_workbook(path)["Lists"]
    rows = [row[:3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    return [str(value) for name, value, meaning in rows if name == "Stage" and meaning != "lost"]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    book = load_workbook(path)
    lists = book["Lists"]
    # The team's own stage, typed at the end of the Lists tab.
    row = lists.max_row + 1
    for column, text in enumerate(("Stage", "Demo booked", "open"), start=1):
        lists.cell(row=row, column=column, value=text)
    book.save(path)
    type_rows(
        path,
        {
            "Customers": [
                {"Name": "Ana Costa", "Created": date(2026, 1, 5)},
                {"Name": "Bruno Lima", "Created": date(2026, 2, 10)},
            ],
            "Deals": [
                {"Customer ID": "Ana Costa", "Title": "Shelves", "Stage": "won", "Value": 1200}
                | {"Created": date(2026, 1, 6), "Closed": date(2026, 1, 20)},
                {"Customer ID": "Bruno Lima", "Title": "Desk", "Stage": "Demo booked"}
                | {"Value": 300, "Created": date(2026, 2, 11)},
            ],
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    return path


def funnel(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    capsys.readouterr()
    assert main(["report", "funnel", *args, "--workbook", str(path)]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_an_unreadable_stage_column_lists_each_stage_as_unknown(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stages = funnel_stages(shop)
    assert "Demo booked" in stages
    readable = list(csv.reader(io.StringIO(funnel(shop, capsys, "--format", "csv")[0])))
    header = readable[0]
    assert [row[0] for row in readable[1:]] == stages

    book = load_workbook(shop)
    for cell in book["Deals"][1]:
        if cell.value == "Stage":
            cell.value = "Phase"
    book.save(shop)

    out, err = funnel(shop, capsys, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    # The same table as when the stages were read: every stage, every figure unknown.
    assert rows[0] == header
    assert [row[0] for row in rows[1:]] == stages
    assert {cell for row in rows[1:] for cell in row[1:]} == {"unknown"}
    assert RENAMED in err

    text, _ = funnel(shop, capsys)
    assert RENAMED in text
    lines = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]
    for stage in stages:
        shown = [line for line in lines if line[0] == stage]
        assert len(shown) == 1 and set(shown[0][1:]) == {"unknown"}, (stage, shown)

    # JSON keeps the table null, as the customers report's lifecycle.
    assert json.loads(funnel(shop, capsys, "--json")[0])["stages"] is None
