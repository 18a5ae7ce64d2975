"""``sheetcrm report`` on a workbook typed by hand, the way a new user finds mistakes: groups
that must add up to the headline, IDs typed in another case, counts and shares as people read
them. Every expected figure is computed here from the typed rows."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from automations.cli import main
from dashboard import metrics
from dashboard.frames import build_frames
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows
from tests.test_dashboard_app import demo_app, served_on  # noqa: F401  (a fixture)

# name, source, created (Dario's Created was never typed)
CUSTOMERS = [
    ("Ana", "Website", date(2026, 1, 5)),
    ("Bruno", "Referral", date(2026, 2, 10)),
    ("Carla", "Website", date(2026, 3, 1)),
    ("Dario", "Website", None),
    ("Eva", "Referral", date(2026, 3, 20)),
    ("Filipa", None, date(2026, 2, 2)),
]
# customer as typed, stage, value, created, closed. Sales close after the last customer's
# Created (20 March); one deal names its customer in lower case; one deal has no dates.
DEALS = [
    ("C-0001", "Won", 1200, date(2026, 1, 10), date(2026, 2, 1)),
    ("C-0002", "Won", 1500.50, date(2026, 2, 15), date(2026, 4, 10)),
    ("c-0004", "Won", 2500, date(2026, 3, 5), date(2026, 5, 2)),
    ("C-0003", "Lost", 300, date(2026, 3, 2), date(2026, 3, 20)),
    ("C-0005", "Proposal", 800, None, None),
]
TOTAL = 1200 + 1500.50 + 2500


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("totals") / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Lisbon"),))
    type_rows(
        path,
        {
            "Customers": [{"Name": n, "Source": s, "Created": c} for n, s, c in CUSTOMERS],
            "Deals": [
                {
                    "Customer ID": cid,
                    "Title": f"Deal {k}",
                    "Stage": stage,
                    "Value": value,
                    "Created": created,
                    "Closed": closed,
                }
                for k, (cid, stage, value, created, closed) in enumerate(DEALS, 1)
            ],
        },
    )
    assert main(["run", "--workbook", str(path)]) == 0
    return path


def report(workbook: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["report", *args, "--workbook", str(workbook)]) == 0
    return capsys.readouterr().out


def document(workbook: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    found = json.loads(report(workbook, capsys, *args, "--format", "json"))
    assert isinstance(found, dict)
    return found


def by_rows(data: dict[str, object]) -> dict[str, dict[str, object]]:
    by = data["by"]
    assert isinstance(by, dict)
    return {str(r["group"]): r for r in by["rows"]}


def customer_of(typed: str) -> tuple[str, str | None, date | None]:
    """The customer a deal names, matched as IDs are (any case)."""
    return CUSTOMERS[int(typed.upper().removeprefix("C-")) - 1]


def month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def test_sources_by_month_keep_every_sale_and_add_up_to_the_total(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    revenue: dict[str, float] = defaultdict(float)
    for _, stage, value, _, closed in DEALS:
        if stage == "Won" and closed:
            revenue[month(closed)] += value
    data = document(workbook, capsys, "sources", "--by", "month")
    rows = by_rows(data)
    assert {g: r["revenue"] for g, r in rows.items() if r["revenue"]} == pytest.approx(revenue)
    assert rows["2026-04"]["revenue"] == pytest.approx(1500.50)
    assert rows["2026-05"]["revenue"] == 2500
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert summary["revenue"] == pytest.approx(TOTAL)
    for figure in ("leads", "customers_won", "revenue"):
        assert sum(float(str(r[figure])) for r in rows.values()) == pytest.approx(
            float(str(summary[figure]))
        ), figure
    # Dario has no Created date: his lead is in "(no date)", not left out.
    assert rows["(no date)"]["leads"] == 1
    # A month with nothing still has its row between the others.
    april = document(workbook, capsys, "sources", "--from", "2026-04-01", "--to", "2026-04-30")
    april_summary = april["summary"]
    assert isinstance(april_summary, dict)
    assert april_summary["revenue"] == pytest.approx(1500.50)


@pytest.mark.parametrize("kind", ["overview", "funnel", "sources", "customers"])
@pytest.mark.parametrize("unit", ["month", "quarter"])
def test_every_reports_periods_add_up_to_its_headline(
    workbook: Path, capsys: pytest.CaptureFixture[str], kind: str, unit: str
) -> None:
    data = document(workbook, capsys, kind, "--by", unit)
    summary = data["summary"]
    assert isinstance(summary, dict)
    rows = by_rows(data)
    additive = {
        "overview": ["new_leads", "new_deals", "deals_won", "customers_won", "won_revenue"],
        "funnel": ["deals", "won", "lost", "open", "won_value"],
        "sources": ["leads", "customers_won", "revenue"],
        "customers": ["customers"],
    }[kind]
    for figure in additive:
        assert sum(float(str(r[figure])) for r in rows.values()) == pytest.approx(
            float(str(summary[figure]))
        ), figure
    headline = {
        "overview": ("new_leads", len(CUSTOMERS)),
        "funnel": ("deals", len(DEALS)),
        "sources": ("leads", len(CUSTOMERS)),
        "customers": ("customers", len(CUSTOMERS)),
    }[kind]
    assert summary[headline[0]] == headline[1]
    assert "(no date)" in rows  # Dario, and the deal typed without dates


def test_a_customer_id_typed_in_lower_case_is_the_same_customer_in_every_cut(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    revenue: dict[str, float] = defaultdict(float)
    for cid, stage, value, _, _ in DEALS:
        if stage == "Won":
            revenue[customer_of(cid)[1] or "(not set)"] += value
    overview = by_rows(document(workbook, capsys, "overview", "--by", "source"))
    assert {g: r["won_revenue"] for g, r in overview.items() if r["won_revenue"]} == revenue
    sources = document(workbook, capsys, "sources")
    totals = sources["totals"]
    assert isinstance(totals, list)
    assert {r["source"]: r["revenue"] for r in totals if r["revenue"]} == revenue
    # Dario's deal makes him a customer won of Website in the overview cut too.
    assert overview["Website"]["customers_won"] == 2
    # And the dashboard's customer page shows it among his deals, with what he paid.
    history = metrics.customer_history(build_frames(XlsxBackend(workbook, SCHEMA).read()), "C-0004")
    assert history is not None
    assert list(history.deals["title"]) == ["Deal 3"]
    assert history.revenue.amount == 2500


def test_days_to_won_count_the_won_deals_they_are_about(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    won_days = [(closed - created).days for _, s, _, created, closed in DEALS if s == "Won"]
    text = report(workbook, capsys, "funnel")
    mean = sum(won_days) / len(won_days)
    assert f"mean {mean:,.2f}" in text
    assert f"({len(won_days)} won deals: {len(won_days)} from deal dates)" in text
    data = document(workbook, capsys, "funnel")
    cycle = data["cycle_time"]
    assert isinstance(cycle, dict)
    assert cycle["won_deals"] == len(won_days)
    assert cycle["won_sources"] == {"deal dates": len(won_days)}


def test_counts_are_whole_numbers_and_shares_percent_in_table_and_csv(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = report(workbook, capsys, "overview")
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    assert lines["new_leads"] == [str(len(CUSTOMERS))]
    won = sum(1 for d in DEALS if d[1] == "Won")
    lost = sum(1 for d in DEALS if d[1] == "Lost")
    assert lines["deals_won"] == [str(won)]
    assert lines["win_rate"] == [f"{100 * won / (won + lost):.1f}", "%"]
    rows = {
        r["kpi"]: r["current"]
        for r in csv.DictReader(
            io.StringIO(report(workbook, capsys, "overview", "--format", "csv"))
        )
    }
    assert rows["new_leads"] == str(len(CUSTOMERS))
    assert rows["win_rate"] == f"{100 * won / (won + lost):.1f} %"
    assert rows["won_revenue"] == str(TOTAL)
    data = document(workbook, capsys, "overview")
    kpis = data["kpis"]
    assert isinstance(kpis, dict)
    assert kpis["win_rate"] == pytest.approx(won / (won + lost))  # JSON keeps the fraction
    table = report(workbook, capsys, "overview", "--by", "month").split("By month:")[1]
    header, *groups = (re.split(r"\s{2,}", line.strip()) for line in table.strip().splitlines())
    leads = {g[0]: g[header.index("new_leads")] for g in groups}
    expected: dict[str, int] = defaultdict(int)
    for _, _, created in CUSTOMERS:
        expected[month(created) if created else "(no date)"] += 1
    assert leads == {g: str(expected[g]) for g in leads}


@pytest.mark.usefixtures("served_on")
def test_the_dashboard_shows_the_cents_of_won_revenue(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(workbook, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Won revenue"] == f"€{TOTAL:,.2f}"  # €5,200.50, not rounded to €5,200
    assert shown["New leads"] == str(len(CUSTOMERS))
