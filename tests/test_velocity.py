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
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
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
    # The mean and median are of the won deals: the count says so (Shop and Site by their
    # dates, App by the move the bot saw).
    assert cycle["won_sources"] == {"deal dates": 2, "Stage history": 1}
    assert "(3 won deals: 1 from Stage history, 2 from deal dates)" in text
    assert "Lost at an unknown stage: 1." in text
    # Neither lost deal has a Value: their reasons' value is unknown, not 0.
    reasons = second["lost_reasons"]
    assert reasons == [{"reason": "(not set)", "deals": 2, "value": None}]
    assert "(not set)      2      -" in text


# Open deals of an imported pipeline: title, stage, created, Stage since as typed (or None).
OPEN = [
    ("Roof", "Proposal", date(2026, 9, 1), date(2026, 10, 15)),
    ("Door", "Proposal", date(2026, 10, 1), None),
    ("Tile", "Qualified", date(2026, 8, 1), None),
    ("Pump", "Qualified", date(2026, 10, 20), date(2026, 10, 25)),
]
AS_OF = date(2026, 11, 30)


def _median(values: list[int]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def test_open_deals_days_in_stage_come_from_their_own_dates_and_say_which(
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
                    "Stage since": since,
                }
                for n, (title, stage, created, since) in enumerate(OPEN, 1)
            ],
        },
    )
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    def report() -> dict[str, object]:
        capsys.readouterr()
        arguments = ["report", "funnel", "--json", "--as-of", AS_OF.isoformat()]
        assert main([*arguments, "--workbook", str(path)]) == 0
        document = json.loads(capsys.readouterr().out)
        assert isinstance(document, dict)
        return document

    # Expected from the typed dates alone: Stage since where typed, else Created.
    expected: dict[str, list[int]] = {}
    for _, stage, created, since in OPEN:
        start = since or created
        if start <= AS_OF:
            expected.setdefault(stage, []).append((AS_OF - start).days)
    first = report()
    stages = {s["stage"]: s for s in first["stages"]}  # type: ignore[union-attr]
    for stage, days in expected.items():
        assert stages[stage]["open_median_days"] == _median(days), stage
    assert stages["Lead"]["open_now"] == 0
    assert stages["Lead"]["open_median_days"] is None  # no stay to measure: not zero
    assert stages["Won"]["open_now"] is None  # a won deal is not open anywhere
    cycle = first["cycle_time"]
    assert isinstance(cycle, dict)
    assert cycle["open_stays"] == {"Stage since": 2, "Created": 2}
    assert cycle["open_stays_as_of"] == AS_OF.isoformat()

    # The team moves "Door" to Negotiation; two days later the bot sees it and logs the move.
    book = load_workbook(path)
    deals = book["Deals"]
    stage_column = [c.value for c in deals[1]].index("Stage") + 1
    deals.cell(row=3, column=stage_column, value="negotiation")
    book.save(path)
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW + timedelta(days=2))
    second = report()
    stages = {s["stage"]: s for s in second["stages"]}  # type: ignore[union-attr]
    moved = (AS_OF - (NOW + timedelta(days=2)).date()).days
    assert stages["Negotiation"]["open_median_days"] == moved
    assert stages["Proposal"]["open_median_days"] == (AS_OF - date(2026, 10, 15)).days
    cycle = second["cycle_time"]
    assert isinstance(cycle, dict)
    assert cycle["open_stays"] == {"Stage history": 1, "Stage since": 2, "Created": 1}
    capsys.readouterr()
    assert main(["report", "funnel", "--as-of", AS_OF.isoformat(), "--workbook", str(path)]) == 0
    text = capsys.readouterr().out
    assert f"current stays to {AS_OF.isoformat()}" in text
    assert "1 from Stage history" in text and "2 from Stage since" in text
