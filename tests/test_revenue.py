"""All revenue, honest attribution and unknown values, on a workbook typed by hand.

The workbook (made by ``sheetcrm init``'s create_workbook, then filled cell by cell):

    Customers  C-1 Website 10 Jan   C-2 "Olark Chat" 5 Feb   C-3 (blank) 20 Feb   C-4 Website 1 Mar
    Deals      D-1 C-1 Won 3,500 own Source Event, closed 10 Mar
               D-2 C-2 Won, no Value, closed 20 Mar   (purchase I-2 of 700 names it)
               D-3 C-4 Won 1,000, created 15 Mar, closed 5 Apr   (purchase I-3 of 1,000 names it)
               D-4 C-4 Won, no Value, created 20 Mar, closed 10 Apr   (nothing names it)
               D-5 C-3 Lost
    Purchases  I-1 C-3 500, 25 Feb, no deal;  I-4 C-3 250, 20 Apr, names the lost D-5
    Costs      Event March 1,000;  Website April 200

Worked by hand, with the rule of the README ("How the numbers are counted"):
revenue 3,500 (D-1) + 700 (D-2 is its purchase) + 1,000 (D-3; I-3 adds nothing) + 500 (I-1)
+ 250 (I-4: the deal it names is lost) = 5,950, incomplete by one deal without a value (D-4).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main as sheetcrm
from automations.cycle import run_cycle
from dashboard import metrics
from dashboard.frames import Frames, build_frames
from dashboard.i18n import Translator
from dashboard.metrics import Period
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_dashboard import SCHEMA

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
ALL = Period()
MARCH = Period(date(2024, 3, 1), date(2024, 3, 31))
OLARK = "Olark Chat (not in the list)"


def write_typed(path: Path) -> Path:
    """The workbook of this module: init's, then the rows typed as a person would, in the
    sheet's own columns."""
    create_workbook(path, SCHEMA)
    book = load_workbook(path)

    def put(tab: str, rows: list[dict[str, object]]) -> None:
        sheet = book[tab]
        headers = [cell.value for cell in sheet[1]]
        for offset, row in enumerate(rows):
            for header, value in row.items():
                sheet.cell(row=2 + offset, column=headers.index(header) + 1, value=value)

    put(
        "Customers",
        [
            {"ID": "C-1", "Name": "Ana", "Source": "Website", "Created": date(2024, 1, 10)},
            {"ID": "C-2", "Name": "Bob", "Source": "Olark  Chat", "Created": date(2024, 2, 5)},
            {"ID": "C-3", "Name": "Cid", "Created": date(2024, 2, 20)},
            {"ID": "C-4", "Name": "Dee", "Source": "website", "Created": date(2024, 3, 1)},
        ],
    )
    deal = {"Stage": "Won"}
    put(
        "Deals",
        [
            {**deal, "ID": "D-1", "Customer ID": "C-1", "Value": 3500, "Source": "Event",
             "Created": date(2024, 1, 15), "Closed": date(2024, 3, 10)},
            {**deal, "ID": "D-2", "Customer ID": "C-2",
             "Created": date(2024, 2, 10), "Closed": date(2024, 3, 20)},
            {**deal, "ID": "D-3", "Customer ID": "C-4", "Value": 1000,
             "Created": date(2024, 3, 15), "Closed": date(2024, 4, 5)},
            {**deal, "ID": "D-4", "Customer ID": "C-4",
             "Created": date(2024, 3, 20), "Closed": date(2024, 4, 10)},
            {"ID": "D-5", "Customer ID": "C-3", "Stage": "Lost", "Value": 900,
             "Created": date(2024, 2, 22), "Closed": date(2024, 3, 1)},
        ],
    )  # fmt: skip
    buy = {"Kind": "Purchase"}
    put(
        "Interactions",
        [
            {**buy, "ID": "I-1", "Customer ID": "C-3", "Amount": 500, "Date": date(2024, 2, 25)},
            {**buy, "ID": "I-2", "Customer ID": "C-2", "Deal ID": "D-2", "Amount": 700,
             "Date": date(2024, 3, 21)},
            {**buy, "ID": "I-3", "Customer ID": "C-4", "Deal ID": "d-3 ", "Amount": 1000,
             "Date": date(2024, 4, 6)},
            {**buy, "ID": "I-4", "Customer ID": "C-3", "Deal ID": "D-5", "Amount": 250,
             "Date": date(2024, 4, 20)},
            {"ID": "I-5", "Customer ID": "C-1", "Kind": "Call", "Date": date(2024, 3, 2)},
        ],
    )  # fmt: skip
    put(
        "Sources",
        [
            {"Month": date(2024, 3, 1), "Source": "Event", "Cost": 1000},
            {"Month": date(2024, 4, 1), "Source": "Website", "Cost": 200},
        ],
    )
    book.save(path)
    return path


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_typed(tmp_path_factory.mktemp("revenue") / "crm.xlsx")


@pytest.fixture(scope="module")
def frames(typed: Path) -> Frames:
    return build_frames(XlsxBackend(typed, SCHEMA, clock=lambda: NOW).read())


def test_purchases_are_revenue_and_a_purchase_naming_a_won_deal_counts_once(
    frames: Frames,
) -> None:
    sales = metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    total = metrics.revenue(sales)
    assert total.amount == 5950
    assert (total.deals_without_value, total.purchases_without_amount) == (1, 0)
    per_customer = metrics.revenue_by_customer(sales).set_index("customer_id")
    assert per_customer["revenue"].to_dict() == {"C-1": 3500, "C-4": 1000, "C-3": 750, "C-2": 700}
    assert per_customer.loc["C-4", "missing"] == 1  # D-4 has no value
    history = metrics.customer_history(frames, "C-3")
    assert history is not None and history.revenue.amount == 750


def test_a_deals_own_source_wins_and_each_figure_counts_on_its_own_date(frames: Frames) -> None:
    sales = metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    totals = metrics.source_totals(frames.customers, sales, frames.sources, ALL)
    rows = {r["source"]: r for r in totals.to_dict("records")}
    event = rows["Event"]  # D-1's own Source; its customer came from the Website
    assert (event["leads"], event["customers_won"], event["revenue"]) == (0, 1, 3500)
    assert event["roi"] == pytest.approx((3500 - 1000) / 1000)
    website = rows["Website"]  # leads C-1 and C-4; revenue D-3, and D-4 whose value is unknown
    assert (website["leads"], website["revenue"], website["missing"]) == (2, 1000, 1)
    assert math.isnan(website["roi"])  # unknown, not -100 %, not (1000 - 200) / 200
    blank = rows[metrics.NO_SOURCE]
    assert (blank["leads"], blank["customers_won"], blank["revenue"]) == (1, 1, 750)
    assert sum(r["revenue"] for r in rows.values()) == 5950
    months = metrics.source_months(frames.customers, sales, frames.sources, ALL)
    by_month = {(r["source"], r["month"].strftime("%Y-%m")): r for r in months.to_dict("records")}
    assert by_month[("Event", "2024-03")]["revenue"] == 3500  # closed in March
    assert by_month[("Website", "2024-01")]["leads"] == 1  # C-1 created in January
    assert by_month[(OLARK, "2024-03")]["revenue"] == 700  # D-2's purchase, at D-2's close


def test_a_value_not_in_the_list_keeps_its_spelling_and_blank_stays_no_source(
    frames: Frames,
) -> None:
    sales = metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    totals = metrics.source_totals(frames.customers, sales, frames.sources, ALL)
    assert set(totals["source"]) == {"Event", "Website", OLARK, metrics.NO_SOURCE}
    assert totals.set_index("source").loc[OLARK, "leads"] == 1
    assert Translator("es").value(OLARK) == "Olark Chat (no está en la lista)"
    assert Translator("es").value(metrics.NO_SOURCE) == "(sin origen)"


def test_won_revenue_is_one_number_by_close_date_and_the_funnel_says_deals_opened(
    frames: Frames,
) -> None:
    kpis = metrics.kpis(frames, MARCH).set_index("kpi")
    # Closed in March: D-1 (3,500) and D-2 (its purchase, 700).
    assert kpis.loc["won_revenue", "current"] == 4200
    assert kpis.loc["deals_won", "current"] == 2
    assert kpis.loc["customers_won", "current"] == 2  # C-3 first bought in February
    sales = metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    months = metrics.source_months(frames.customers, sales, frames.sources, MARCH)
    assert months["revenue"].sum() == 4200  # the Sources page agrees
    assert metrics.revenue_by_month(sales, MARCH)["revenue"].tolist() == [4200]
    opened = metrics.deal_totals(frames.deals, MARCH)  # D-3 and D-4 were opened in March
    assert (opened.deals, opened.won_value, opened.won_without_value) == (2, 1000, 1)
    april = metrics.kpis(frames, Period(date(2024, 4, 1), date(2024, 4, 30))).set_index("kpi")
    assert april.loc["won_revenue", "current"] == 1250  # D-3 and I-4; D-4 unknown
    assert april.loc["won_revenue", "missing"] == 1


def test_report_says_which_date_it_filters_on_and_that_revenue_is_incomplete(
    typed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sheetcrm(["report", "overview", "--json", "--workbook", str(typed)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["won_revenue"] == 5950
    assert data["incomplete"] == "incomplete: 1 deal without a value"
    assert "closed" in data["period_basis"]
    assert sheetcrm(["report", "overview", "--workbook", str(typed)]) == 0
    text = capsys.readouterr().out
    assert "Won revenue 5,950.00 EUR (incomplete: 1 deal without a value)." in text
    assert sheetcrm(["report", "sources", "--workbook", str(typed)]) == 0
    text = capsys.readouterr().out
    assert "Dates: leads by the month the customer was created" in text
    assert "Olark Chat (not in the list)" in text


def test_the_bot_counts_the_same_customers_as_having_bought(typed: Path, tmp_path: Path) -> None:
    path = tmp_path / "crm.xlsx"
    path.write_bytes(typed.read_bytes())
    backend = XlsxBackend(path, SCHEMA, clock=lambda: NOW)
    run_cycle(backend, SCHEMA, NOW)
    frames = build_frames(XlsxBackend(path, SCHEMA, clock=lambda: NOW).read())
    segmented = set(frames.customers.dropna(subset=["segment"])["id"])
    sales = metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    assert segmented == set(sales["customer_id"]) == {"C-1", "C-2", "C-3", "C-4"}
    assert set(frames.customers.set_index("id")["lifecycle"]) == {"Active"}
