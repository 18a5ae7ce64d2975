"""A revenue figure that misses amounts is never shown as a plain number: ``sheetcrm report
--by`` on a workbook typed by hand, where a won deal has no Value, another a formula Excel never
calculated, and a purchase no Amount. Each group's count of sales without an amount is computed
here from the typed rows; a figure that cannot be read at all reads "unknown", with no currency."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows
from tests.test_report_totals import report

# manager, stage, value as typed (None: empty; a formula Excel never calculated), closed
DEALS = [
    ("Ana", "Won", 1200, date(2026, 3, 10)),
    ("Ana", "Won", None, date(2026, 5, 4)),
    ("Luis", "Won", "=B2*2", date(2026, 6, 8)),
    ("Luis", "Lost", 300, date(2026, 6, 20)),
    ("Luis", "Proposal", 800, None),
]
# Purchases of the first customer, not part of a deal: amount, date
PURCHASES = [(95.5, date(2026, 3, 12)), (None, date(2026, 7, 1))]


def month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def known(value: object) -> bool:
    return isinstance(value, (int, float))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("incomplete") / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [
                {"Name": "Marta Ruiz", "Source": "Website", "Created": date(2026, 1, 5)},
                {"Name": "Jon Sanz", "Source": "Referral", "Created": date(2026, 2, 9)},
            ],
            "Deals": [
                {
                    "Customer ID": "C-0001" if k % 2 else "C-0002",
                    "Title": f"Order {k}",
                    "Manager": manager,
                    "Stage": stage,
                    "Value": value,
                    "Created": date(2026, 1, 20),
                    "Closed": closed,
                }
                for k, (manager, stage, value, closed) in enumerate(DEALS, 1)
            ],
            "Interactions": [
                {
                    "Customer ID": "C-0001",
                    "Date": when,
                    "Kind": "Purchase",
                    "Summary": "shop",
                    "Amount": amount,
                }
                for amount, when in PURCHASES
            ],
        },
    )
    assert main(["run", "--workbook", str(path)]) == 0
    return path


def by_rows(text: str) -> dict[str, dict[str, object]]:
    data = json.loads(text)
    return {str(r["group"]): r for r in data["by"]["rows"]}


def test_a_month_whose_sales_have_no_amount_says_so_beside_its_revenue(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    revenue: dict[str, float] = defaultdict(float)
    missing: Counter[str] = Counter()
    for _, stage, value, closed in DEALS:
        if stage == "Won" and closed:
            if known(value):
                revenue[month(closed)] += float(str(value))
            else:
                missing[month(closed)] += 1
    for amount, when in PURCHASES:
        if amount is None:
            missing[month(when)] += 1
        else:
            revenue[month(when)] += amount
    rows = by_rows(report(workbook, capsys, "overview", "--by", "month", "--json"))
    assert {g: r["missing"] for g, r in rows.items() if r["missing"]} == dict(missing)
    assert {g: r["won_revenue"] for g, r in rows.items() if r["won_revenue"]} == pytest.approx(
        dict(revenue)
    )
    # May's only sale has no Value: 0.00 revenue, and the table says it is incomplete.
    assert rows["2026-05"]["won_revenue"] == 0
    text = report(workbook, capsys, "overview", "--by", "month")
    header = next(line for line in text.splitlines() if line.startswith("group"))
    assert header.split().index("missing") == header.split().index("won_revenue") + 1
    incomplete = sorted(missing)
    assert f"Incomplete won_revenue in {', '.join(incomplete)}:" in text
    table = csv.DictReader(
        io.StringIO(report(workbook, capsys, "overview", "--by", "month", "--format", "csv"))
    )
    assert {r["group"]: int(r["missing"]) for r in table if int(r["missing"])} == dict(missing)


def test_the_funnel_by_manager_names_the_managers_with_won_deals_without_a_value(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    without = Counter(m for m, stage, value, _ in DEALS if stage == "Won" and not known(value))
    rows = by_rows(report(workbook, capsys, "funnel", "--by", "manager", "--json"))
    managers = {d[0] for d in DEALS}
    assert {g: rows[g]["won_without_value"] for g in managers} == {
        m: without.get(m, 0) for m in managers
    }
    text = report(workbook, capsys, "funnel", "--by", "manager")
    note = next(line for line in text.splitlines() if line.startswith("Incomplete won_value in"))
    named = note.removeprefix("Incomplete won_value in ").split(":")[0]
    assert sorted(named.split(", ")) == sorted(without)  # in the table's order


def test_a_complete_table_has_no_incomplete_note(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # March: the 1,200 deal and the 95.50 purchase, both with their amount.
    text = report(
        workbook, capsys, "overview", "--by", "month", "--from", "2026-03-01", "--to", "2026-03-31"
    )
    assert "Incomplete" not in text
    assert "1,295.50" in text


def test_an_unreadable_revenue_is_unknown_without_a_currency(
    workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = tmp_path / "renamed.xlsx"
    book = load_workbook(workbook)
    sheet = book["Deals"]
    for cell in sheet[1]:
        if cell.value == "Value":
            cell.value = "Amount (EUR)"
    book.save(renamed)
    text = report(renamed, capsys, "overview")
    assert "Won revenue unknown." in text
    assert "unknown EUR" not in text
    funnel = report(renamed, capsys, "funnel")
    assert "won value of the deals opened unknown." in funnel


def test_the_funnel_as_of_says_what_the_day_is_for(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = report(workbook, capsys, "funnel", "--as-of", "2026-06-30")
    assert "days in stage of the open deals counted to 2026-06-30" in text
    assert "lifecycle" not in text.splitlines()[0]
    customers = report(workbook, capsys, "customers", "--as-of", "2026-06-30")
    assert "lifecycle and segments as of 2026-06-30" in customers


def test_a_sale_to_no_known_customer_is_not_counted_as_no_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two "María López" rows: a deal naming her by name matches two people and stays as typed.
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [
                {"Name": "María López", "Email": "maria@example.com", "Source": "Event"},
                {"Name": "María López", "Email": "maria.l@example.com", "Source": "Website"},
                {"Name": "Pablo Gil", "Source": None},
            ],
            "Deals": [
                {"Customer ID": "María López", "Title": "Sofa", "Stage": "Won", "Value": 900},
                {"Customer ID": "Pablo Gil", "Title": "Chair", "Stage": "Won", "Value": 120},
            ],
        },
    )
    assert main(["run", "--workbook", str(path)]) == 0
    data = json.loads(report(path, capsys, "sources", "--json"))
    totals = {r["source"]: r for r in data["totals"]}
    # Pablo's Source cell is blank: his 120 is "(no source)"; María's is unknown.
    assert totals["(no source)"]["revenue"] == 120
    assert totals["(customer not found)"]["revenue"] == 900


def test_a_won_deal_paid_by_a_purchase_of_unknown_amount_is_not_a_complete_sum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The deal has no Value: its amount is what its purchases add up to, and one has no Amount.
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    paid = [(400, date(2026, 4, 2)), (None, date(2026, 4, 9))]
    type_rows(
        path,
        {
            "Customers": [{"Name": "Inés Mora", "Created": date(2026, 3, 1)}],
            "Deals": [
                {
                    "Customer ID": "C-0001",
                    "Title": "Kitchen",
                    "Stage": "Won",
                    "Created": date(2026, 3, 2),
                    "Closed": date(2026, 4, 10),
                }
            ],
            "Interactions": [
                {
                    "Customer ID": "C-0001",
                    "Deal ID": "D-0001",
                    "Date": when,
                    "Kind": "Purchase",
                    "Summary": "instalment",
                    "Amount": amount,
                }
                for amount, when in paid
            ],
        },
    )
    assert main(["run", "--workbook", str(path)]) == 0
    data = json.loads(report(path, capsys, "overview", "--json"))
    # Not 400 presented as the whole: the deal's amount is unknown and the figure says so.
    assert data["deals_without_value"] == 1
    assert "incomplete: 1 deal without a value" in str(data["incomplete"])


def test_deals_and_purchases_without_an_amount_are_one_incomplete_note(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deals = sum(1 for _, stage, value, _ in DEALS if stage == "Won" and not known(value))
    purchases = sum(1 for amount, _ in PURCHASES if amount is None)
    data = json.loads(report(workbook, capsys, "overview", "--json"))
    assert data["incomplete"] == (
        f"incomplete: {deals} deals without a value, {purchases} purchase without an amount"
    )
