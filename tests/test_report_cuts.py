"""``sheetcrm report KIND --by CUT --from --to --as-of --format``, on a workbook typed by hand
(with a column the team added, "Sector"), against figures computed here from the typed rows."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows

# name, source, manager, created, sector (typed in a column the team added)
CUSTOMERS = [
    ("Ana", "Google Ads", "Maria", date(2026, 1, 5), "Retail"),
    ("Bruno", "Referral", "João", date(2026, 2, 10), "Retail"),
    ("Carla", "Google Ads", "João", date(2026, 4, 1), "Health"),
    ("Dario", "Facebook", "Maria", date(2026, 5, 20), None),
    ("Eva", "Referral", "Maria", date(2026, 7, 3), "Health "),
]
# customer, stage, value, created, closed, the deal's own manager
DEALS = [
    ("C-0001", "Won", 1000, date(2026, 1, 10), date(2026, 2, 1), None),
    ("C-0001", "Lost", 500, date(2026, 2, 1), date(2026, 3, 1), None),
    ("C-0002", "Won", 2500, date(2026, 2, 15), date(2026, 4, 10), None),
    ("C-0003", "Proposal", 800, date(2026, 4, 5), None, None),
    ("C-0003", "Lost", 300, date(2026, 4, 10), date(2026, 5, 1), "Maria"),
    ("C-0004", "Won", 700, date(2026, 6, 1), date(2026, 6, 20), None),
    ("C-0005", "Won", 400, date(2026, 7, 5), date(2026, 8, 1), None),
]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cuts") / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Lisbon"),))
    book = load_workbook(path)
    sheet = book["Customers"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="Sector")
    book.save(path)
    type_rows(
        path,
        {
            "Customers": [
                {"Name": n, "Source": s, "Manager": m, "Created": c, "Sector": sector}
                for n, s, m, c, sector in CUSTOMERS
            ],
            "Deals": [
                {
                    "Customer ID": cid,
                    "Title": f"Deal {k}",
                    "Stage": stage,
                    "Value": value,
                    "Created": created,
                    "Closed": closed,
                    "Manager": manager,
                }
                for k, (cid, stage, value, created, closed, manager) in enumerate(DEALS, 1)
            ],
        },
    )
    assert main(["run", "--workbook", str(path)]) == 0  # IDs, as the team's bot would
    return path


def report(workbook: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["report", *args, "--workbook", str(workbook)]) == 0
    return capsys.readouterr().out


def sector_of(cid: str) -> str:
    typed = CUSTOMERS[int(cid[2:]) - 1][4]
    return typed.strip() if typed else "(not set)"


def expected_funnel(groups: dict[str, list[tuple[object, ...]]]) -> dict[str, dict[str, object]]:
    out = {}
    for group, deals in groups.items():
        won = [d for d in deals if d[1] == "Won"]
        lost = [d for d in deals if d[1] == "Lost"]
        out[group] = {
            "deals": len(deals),
            "won": len(won),
            "lost": len(lost),
            "win_rate": len(won) / (len(won) + len(lost)) if won or lost else None,
            "won_value": float(sum(int(str(d[2])) for d in won)),
        }
    return out


def rows_by_group(document: dict[str, object]) -> dict[str, dict[str, object]]:
    by = document["by"]
    assert isinstance(by, dict)
    return {str(r["group"]): r for r in by["rows"]}


def test_funnel_by_a_column_the_team_added(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    groups: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for deal in DEALS:
        groups[sector_of(deal[0])].append(deal)
    document = json.loads(report(workbook, capsys, "funnel", "--by", "Sector", "--format", "json"))
    found = rows_by_group(document)
    assert set(found) == {"Retail", "Health", "(not set)"}
    for group, figures in expected_funnel(groups).items():
        assert {k: found[group][k] for k in figures} == figures, group
    assert document["win_rate"] == 4 / 6
    assert "deal's Created date" in str(document["period_basis"])


def test_funnel_by_quarter_within_dates_and_by_the_deals_own_manager(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    quarters: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for deal in DEALS:
        created = deal[3]
        assert isinstance(created, date)
        if start <= created <= end:
            quarters[f"{created.year}-Q{(created.month - 1) // 3 + 1}"].append(deal)
    args = ("funnel", "--from", "2026-01-01", "--to", "2026-06-30", "--by", "quarter")
    document = json.loads(report(workbook, capsys, *args, "--json"))
    assert document["period"] == {"start": "2026-01-01", "end": "2026-06-30"}
    found = rows_by_group(document)
    assert list(found) == ["2026-Q1", "2026-Q2"]
    for group, figures in expected_funnel(quarters).items():
        assert {k: found[group][k] for k in figures} == figures, group

    managers: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for deal in DEALS:
        own = deal[5]
        managers[str(own or CUSTOMERS[int(str(deal[0])[2:]) - 1][2])].append(deal)
    found = rows_by_group(
        json.loads(report(workbook, capsys, "funnel", "--by", "manager", "--json"))
    )
    for group, figures in expected_funnel(managers).items():
        assert {k: found[group][k] for k in figures} == figures, group


def test_table_and_csv_show_shares_as_percent(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = report(workbook, capsys, "funnel", "--by", "Sector")
    assert "win rate 66.7 %" in text
    assert "Dates: the deals opened in the period" in text
    assert "Europe/Lisbon" in text
    rows = list(
        csv.DictReader(
            io.StringIO(report(workbook, capsys, "funnel", "--by", "sector", "--format", "csv"))
        )
    )
    retail = next(r for r in rows if r["group"] == "Retail")
    # Retail: Ana's won and lost deal, Bruno's won deal.
    assert retail["win_rate"] == "66.7 %"
    assert retail["won_value"] == "3500.0"


def test_sources_by_manager_count_each_managers_leads(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leads: dict[str, int] = defaultdict(int)
    for _, _, manager, _, _ in CUSTOMERS:
        leads[manager] += 1
    found = rows_by_group(
        json.loads(report(workbook, capsys, "sources", "--by", "manager", "--json"))
    )
    assert {g: r["leads"] for g, r in found.items()} == dict(leads)
    # Customers with a won deal: Ana, Dario, Eva (Maria); Bruno (João).
    assert found["Maria"]["customers_won"] == 3
    assert found["João"]["customers_won"] == 1


def test_customers_as_of_a_date_count_lifecycles_of_that_day(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # On 1 March 2026: Ana and Bruno existed; Ana had bought on 1 February (Active); Bruno's deal
    # was won only in April, so he was a Lead with an open deal.
    args = ("customers", "--as-of", "2026-03-01", "--to", "2026-03-01", "--json")
    document = json.loads(report(workbook, capsys, *args))
    assert document["as_of"] == "2026-03-01"
    assert {r["value"]: r["customers"] for r in document["lifecycle"]} == {"Active": 1, "Lead": 1}
    # On 1 September 2026 (Dormant after 90 days): Ana (last activity 1 Feb) and Bruno (won
    # 10 Apr) Dormant; Dario (won 20 Jun) and Eva (won 1 Aug) Active; Carla never bought: a Lead
    # with an open deal, not Dormant however long ago she started.
    later = json.loads(report(workbook, capsys, "customers", "--as-of", "2026-09-01", "--json"))
    counts = {r["value"]: r["customers"] for r in later["lifecycle"]}
    assert counts == {"Active": 2, "Dormant": 2, "Lead": 1}
    by_sector = rows_by_group(
        json.loads(
            report(
                workbook, capsys, "customers", "--as-of", "2026-09-01", "--by", "Sector", "--json"
            )
        )
    )
    # Health: Carla (Lead) and Eva (Active); Retail: Ana and Bruno (Dormant).
    assert (by_sector["Health"]["Lead"], by_sector["Health"]["Active"]) == (1, 1)
    assert by_sector["Retail"]["Dormant"] == 2


def test_old_spelling_and_mistakes(workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = json.loads(report(workbook, capsys, "funnel", "--json"))
    assert old["report"] == "funnel" and old["deals"] == len(DEALS)
    assert "kpis" in json.loads(report(workbook, capsys, "overview", "--json"))
    capsys.readouterr()
    assert main(["report", "funnel", "--by", "Shoe size", "--workbook", str(workbook)]) == 2
    error = capsys.readouterr().err
    assert "'Shoe size': not a column of Customers or Deals" in error and "Sector" in error
    args = ["report", "funnel", "--from", "2026-05-01", "--to", "2026-01-01"]
    assert main([*args, "--workbook", str(workbook)]) == 2
    assert "is after --to" in capsys.readouterr().err
