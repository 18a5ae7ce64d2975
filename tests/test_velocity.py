"""Velocity without history (issue 10, point 5): an imported pipeline has no Stage history of
its own, so cycle times come from the deals' own dates and say so, and a deal first seen as
Lost is lost at the stage recorded for it ("Lost at stage"), else at an unknown stage, never
at Lead."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from automations.cycle import run_cycle
from sheet_schema.backends.xlsx import XlsxBackend, create_workbook
from tests.fixtures_rules import NOW, SCHEMA
from tests.fixtures_typed import type_rows

# Title, stage, created, closed, lost at stage (typed as people do: any case)
IMPORTED = [
    ("Shop", "Won", date(2026, 1, 10), date(2026, 2, 3), None),
    ("Site", "Won", date(2026, 3, 1), date(2026, 3, 31), None),
    ("Logo", "Lost", date(2026, 3, 1), date(2026, 3, 20), None),
    ("Ads", "Lost", date(2026, 4, 1), date(2026, 4, 15), "proposal"),
    ("App", "Proposal", date(2026, 10, 1), None, None),
]


def funnel(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["report", "funnel", "--json", "--workbook", str(path)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert isinstance(document, dict)
    return document


def test_an_imported_pipeline_gets_cycle_times_from_its_dates_and_honest_lost_stages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [{"ID": "C-0001", "Name": "Ana"}],
            "Deals": [
                {
                    "ID": f"D-000{n}",
                    "Customer ID": "C-0001",
                    "Title": title,
                    "Stage": stage,
                    "Created": created,
                    "Closed": closed,
                    "Lost at stage": lost_at,
                }
                for n, (title, stage, created, closed, lost_at) in enumerate(IMPORTED, 1)
            ],
        },
    )
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)  # the bot's first look: no moves seen

    first = funnel(path, capsys)
    stages = {s["stage"]: s for s in first["stages"]}  # type: ignore[union-attr]
    assert stages["Lead"]["lost_here"] == 0  # "Logo" has no recorded stage: not a Lead loss
    assert stages["Proposal"]["lost_here"] == 1  # "Ads": Lost at stage = proposal
    assert first["lost_at_unknown"] == 1
    won_days = [(c - o).days for _, s, o, c, _ in IMPORTED if s == "Won" and c]
    cycle = first["cycle_time"]
    assert isinstance(cycle, dict)
    assert cycle["won_mean_days"] == sum(won_days) / len(won_days)
    assert cycle["sources"] == {"deal dates": 4}

    # The team moves "App" to Won three days later; the bot sees the move and logs it.
    book = load_workbook(path)
    deals = book["Deals"]
    stage_column = [c.value for c in deals[1]].index("Stage") + 1
    deals.cell(row=6, column=stage_column, value="Won")
    book.save(path)
    later = NOW + timedelta(days=3)
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, later)
    second = funnel(path, capsys)
    cycle = second["cycle_time"]
    assert isinstance(cycle, dict)
    assert cycle["sources"] == {"deal dates": 4, "Stage history": 1}
    capsys.readouterr()
    assert main(["report", "funnel", "--workbook", str(path)]) == 0
    text = capsys.readouterr().out
    assert "4 from deal dates" in text and "1 from Stage history" in text
    assert "lost at an unknown stage: 1" in text
