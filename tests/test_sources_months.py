"""A Sources Month typed as a month ("2026-03", "04/2026") is that month's cost.

Found by trying SheetCRM as a new user: such rows got "Month: '2026-03' is not a date" and were
left out of the marketing cost, so `sheetcrm report overview` said 120.00 where 470.00 was spent,
without a word about the rows it dropped.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows

# Month as typed, source, cost as typed, the month it is, the cost it is.
SPEND = [
    ("2026-03", "Google Ads", 300, "2026-03", 300.0),
    (date(2026, 4, 1), "Facebook", "€120", "2026-04", 120.0),
    ("04/2026", "Website", 50, "2026-04", 50.0),
    ("2026/5", "Google Ads", "80,50", "2026-05", 80.5),
    ("March 2026", "Facebook", 10, "2026-03", 10.0),
]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    rows = [{"Month": m, "Source": s, "Cost": c} for m, s, c, _, _ in SPEND]
    # One month no one can mean: it stays a Problem, and is not a cost of any month.
    rows.append({"Month": "13/2026", "Source": "Website", "Cost": 999})
    type_rows(path, {"Sources": rows})
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    return path


def test_months_typed_as_text_are_read_and_only_an_impossible_one_is_a_problem(
    workbook: Path,
) -> None:
    sheet = load_workbook(workbook)["Sources"]
    problems = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert problems[: len(SPEND)] == [None] * len(SPEND)
    assert problems[len(SPEND)] == "Month: '13/2026' is not a date; type it like 2024-12-31."
    # What the person typed stays as typed.
    assert [sheet["B2"].value, sheet["B4"].value, sheet["B5"].value] == [
        "2026-03",
        "04/2026",
        "2026/5",
    ]


def test_the_report_counts_their_cost_in_their_month(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_month: dict[str, float] = {}
    for _, _, _, month, cost in SPEND:
        by_month[month] = by_month.get(month, 0.0) + cost
    capsys.readouterr()
    arguments = ["report", "overview", "--by", "month", "--format", "json"]
    assert main([*arguments, "--workbook", str(workbook)]) == 0
    data = json.loads(capsys.readouterr().out)

    assert data["kpis"]["marketing_cost"] == pytest.approx(sum(by_month.values()))
    rows = {row["group"]: row["marketing_cost"] for row in data["by"]["rows"]}
    assert {g: c for g, c in rows.items() if c} == pytest.approx(by_month)
