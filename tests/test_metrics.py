"""Dashboard metrics against figures worked out by hand from tests/fixtures_dashboard.SMALL.

The small workbook (see ``small_records``) has six customers and seven deals:

    D-0001 C-0001 Won          1000  history Lead>Qualified>Proposal>Negotiation>Won
    D-0002 C-0002 Proposal      500  ("Quote"), no history
    D-0003 C-0003 Won          2000  history lead>qualified, Qualified>Won
    D-0004 C-0004 Lost          800  history Lead>Qualified>Proposal>Lost; Price, Acme
    D-0005 C-0005 Lost          300  ("perdido"), no history; Competitor, "acme "
    D-0006 C-0006 Qualified     400  no history
    D-0007 C-0003 Negotiation   700  no history

Every expected number below was computed by hand from that table, not by running the code.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from automations.cli import main as sheetcrm
from automations.mail.journal import log_entries, sends_in_last_day
from dashboard import metrics
from dashboard.frames import Frames, build_frames
from dashboard.metrics import Period
from dashboard.report import funnel_report, render_report, sources_report
from sheet_schema.backends.xlsx import XlsxBackend
from tests.fixtures_dashboard import NOW, SCHEMA, TODAY, write_empty, write_small

ALL = Period()
APRIL = Period(date(2024, 4, 1), date(2024, 4, 30))
MAY = Period(date(2024, 5, 1), date(2024, 5, 31))


@pytest.fixture(scope="module")
def small_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_small(tmp_path_factory.mktemp("small") / "small.xlsx")


@pytest.fixture(scope="module")
def small(small_path: Path) -> Frames:
    return build_frames(XlsxBackend(small_path, SCHEMA, clock=lambda: NOW).read())


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Frames:
    path = write_empty(tmp_path_factory.mktemp("empty") / "empty.xlsx")
    return build_frames(XlsxBackend(path, SCHEMA, clock=lambda: NOW).read())


def by(table: pd.DataFrame, key: str) -> dict[object, dict[str, object]]:
    return {row[key]: row for row in table.to_dict(orient="records")}


def test_funnel_counts_every_stage_a_deal_reached(small: Frames) -> None:
    table = metrics.funnel(small.deals, small.stage_history, small.stages, ALL, TODAY)
    assert table["stage"].tolist() == ["Lead", "Qualified", "Proposal", "Negotiation", "Won"]
    # D5 (lost, no history, no "Lost at stage") reached Lead and was lost at an unknown stage,
    # not at Lead; D4 was lost at Proposal; D2 ("Quote") sits at Proposal.
    assert table["reached"].tolist() == [7, 6, 5, 3, 2]
    assert table["lost_here"].tolist() == [0, 0, 1, 0, 0]
    assert math.isnan(table["conversion"][0])
    assert table["conversion"][1:].tolist() == pytest.approx([6 / 7, 5 / 6, 3 / 5, 2 / 3])
    assert table["overall"].tolist() == pytest.approx([1, 6 / 7, 5 / 7, 3 / 7, 2 / 7])


def test_median_days_per_stage_come_from_stage_history(small: Frames) -> None:
    medians = by(
        metrics.funnel(small.deals, small.stage_history, small.stages, ALL, TODAY), "stage"
    )
    # Lead: D1 6 Mar 00:00 -> 8 Mar 10:00 = 2.4167, D3 2.0, D4 2.0 -> 2.0
    assert medians["Lead"]["median_days"] == pytest.approx(2.0)
    # Qualified: D1 7, D3 10, D4 7 -> 7; Proposal: D1 10, D4 11 -> 10.5; Negotiation: D1 7.
    assert medians["Qualified"]["median_days"] == pytest.approx(7.0)
    assert medians["Proposal"]["median_days"] == pytest.approx(10.5)
    assert medians["Negotiation"]["median_days"] == pytest.approx(7.0)
    assert math.isnan(float(str(medians["Won"]["median_days"])))  # nobody left Won


def test_funnel_for_a_period_follows_deals_created_in_it(small: Frames) -> None:
    table = metrics.funnel(small.deals, small.stage_history, small.stages, APRIL, TODAY)
    # April cohort: D3 (Won), D4 (lost at Proposal), D5 (lost at an unknown stage).
    assert table["reached"].tolist() == [3, 2, 2, 1, 1]
    assert by(table, "stage")["Qualified"]["median_days"] == pytest.approx(8.5)  # D3 10, D4 7


def test_deal_totals_lost_reasons_and_competitors(small: Frames) -> None:
    totals = metrics.deal_totals(small.deals, ALL)
    assert (totals.deals, totals.won, totals.lost, totals.open) == (7, 2, 2, 3)
    assert totals.won_value == 3000 and totals.won_without_value == 0
    assert totals.open_value == 500 + 400 + 700
    reasons = metrics.lost_reasons(small.deals, ALL)
    assert reasons.to_dict(orient="records") == [
        {"reason": "Competitor", "deals": 1, "value": 300.0},
        {"reason": "Price", "deals": 1, "value": 800.0},
    ]
    rivals = metrics.competitors(small.deals, ALL)
    # "Acme" and "acme " are one competitor.
    assert rivals.to_dict(orient="records") == [{"competitor": "Acme", "deals": 2, "value": 1100.0}]


def sales(frames: Frames) -> pd.DataFrame:
    return metrics.sales_frame(frames.customers, frames.deals, frames.interactions)


def test_sources_by_month_with_cost_per_lead_customer_and_roi(small: Frames) -> None:
    months = metrics.source_months(small.customers, sales(small), small.sources, ALL)
    rows = {(r["source"], r["month"].strftime("%Y-%m")): r for r in months.to_dict("records")}
    # Leads count in the month the customer was created, revenue in the month the deal closed.
    google = rows[("Google Ads", "2024-03")]  # C1 and C2 ("adwords") created; cost 300
    assert (google["leads"], google["customers_won"], google["revenue"]) == (2, 0, 0)
    assert google["cost"] == 300
    assert google["cost_per_lead"] == 150
    assert math.isnan(float(str(google["cost_per_customer"])))
    assert google["roi"] == pytest.approx(-1.0)
    won = rows[("Google Ads", "2024-04")]  # D1 (1000) closed 1 April; no cost row in April
    assert (won["leads"], won["customers_won"], won["revenue"]) == (0, 1, 1000)
    assert math.isnan(float(str(won["roi"])))
    facebook = rows[("Facebook", "2024-04")]  # "facebook ads" 100 + "FACEBOOK" on the 15th, 50
    assert (facebook["leads"], facebook["cost"], facebook["revenue"]) == (1, 150, 0)
    may = rows[("Facebook", "2024-05")]
    assert may["revenue"] == 2000  # D3 closed 10 May; D7 is still open


def test_sources_without_cost_rows_have_no_cost_data_not_zero(small: Frames) -> None:
    totals = by(metrics.source_totals(small.customers, sales(small), small.sources, ALL), "source")
    referral = totals["Referral"]
    assert not referral["has_cost"]
    assert math.isnan(float(str(referral["cost"])))
    assert math.isnan(float(str(referral["roi"])))
    website = totals["Website"]  # a cost row of 0 is cost data
    assert bool(website["has_cost"]) and website["cost"] == 0
    assert website["cost_per_lead"] == 0
    assert math.isnan(float(str(website["roi"])))  # ROI over zero cost is undefined
    assert totals[metrics.NO_SOURCE]["leads"] == 1  # Eve has no source
    assert sum(int(str(r["leads"])) for r in totals.values()) == 6


def test_reminders_overdue_and_upcoming_by_manager(small: Frames) -> None:
    rows = metrics.reminders(small.customers, small.deals, TODAY, window_days=7)
    # Today 15 June: D2 due 12 June and C5 due 10 June are overdue; C6 (18 June) and D6
    # (20 June) are upcoming; D7 (30 July) is beyond the window and D1 is won.
    assert rows[["status", "id", "days"]].values.tolist() == [
        ["overdue", "C-0005", 5],  # days late: no day count is negative
        ["overdue", "D-0002", 3],
        ["upcoming", "C-0006", 3],
        ["upcoming", "D-0006", 5],
    ]
    # D2 has no manager of its own: it takes its customer's (Maria).
    assert metrics.reminders_by_manager(rows).values.tolist() == [
        ["Maria", 2, 0],
        ["João", 0, 2],
    ]


def test_remaining_quota_counts_sent_emails_of_the_last_24_hours(small: Frames) -> None:
    now = datetime(2024, 6, 15, 12, 0)
    # k1 (09:00 today), k2 (13:00 yesterday) and k5 (planned: it may be on its way) count;
    # k3 is 25 h old and k4 was refused before it was handed over.
    assert metrics.sent_in_last_day(small.mail_log, now) == 3
    assert small.settings.daily_send_cap == 10
    assert metrics.remaining_quota(small.mail_log, 10, now) == 7
    assert metrics.remaining_quota(small.mail_log, 1, now) == 0
    counts = metrics.mail_status_counts(small.mail_log, ["Planned", "Sent", "Failed"])
    assert counts.values.tolist() == [["Planned", 1], ["Sent", 3], ["Failed", 1]]


def test_the_quota_shown_is_the_one_the_bot_sends_by(small_path: Path) -> None:
    snapshot = XlsxBackend(small_path, SCHEMA, clock=lambda: NOW).read()
    frames = build_frames(snapshot)
    for now in (datetime(2024, 6, 15, 12, 0), datetime(2024, 6, 14, 14, 0)):
        bot = sends_in_last_day(log_entries(snapshot).values(), now)
        assert metrics.sent_in_last_day(frames.mail_log, now) == bot


def test_kpis_compare_with_the_previous_period(small: Frames) -> None:
    table = by(metrics.kpis(small, MAY), "kpi")
    # May: C6 created; D6, D7 created; D3 won (closed 10 May), D4 lost (1 May); Website cost 0.
    # Before (31 Mar - 30 Apr): C3, C4, C5; D3, D4, D5; D1 won (1 Apr), D5 lost (no Closed:
    # its Created date, 29 Apr); March and April costs 300 + 150.
    expected = {
        "new_leads": (1, 3),
        "new_deals": (2, 3),
        "deals_won": (1, 1),
        "customers_won": (1, 1),
        "won_revenue": (2000, 1000),
        "win_rate": (0.5, 0.5),
        "marketing_cost": (0, 450),
        "emails_sent": (0, 0),
    }
    for kpi, (current, previous) in expected.items():
        assert (table[kpi]["current"], table[kpi]["previous"]) == (current, previous), kpi
    assert table["new_leads"]["change"] == pytest.approx(-2 / 3)
    assert table["won_revenue"]["change"] == pytest.approx(1.0)
    assert math.isnan(float(str(table["emails_sent"]["change"])))


def test_lifecycle_segments_search_and_history(small: Frames) -> None:
    lifecycle = metrics.lifecycle_counts(small.customers, ["Lead", "Active", "Dormant", "Lost"])
    assert lifecycle.values.tolist() == [["Lead", 2], ["Active", 2], ["Dormant", 1], ["Lost", 1]]
    segments = metrics.segment_counts(small.customers)
    assert segments.values.tolist()[-1] == [metrics.NOT_SET, 4]
    assert metrics.search_customers(small.customers, "CARLA")["id"].tolist() == ["C-0003"]
    assert metrics.search_customers(small.customers, "perez")["id"].tolist() == ["C-0001"]
    history = metrics.customer_history(small, "C-0003")
    assert history is not None
    assert history.deals["id"].tolist() == ["D-0007", "D-0003"]  # newest first
    assert metrics.customer_history(small, "C-9999") is None


def test_filters_keep_a_managers_rows_and_their_history(small: Frames) -> None:
    joao = metrics.filter_frames(small, managers=["João"])
    assert sorted(joao.customers["id"]) == ["C-0003", "C-0004", "C-0006"]
    # D7 belongs to C3 (João) but its own manager is Maria.
    assert sorted(joao.deals["id"]) == ["D-0003", "D-0004", "D-0006"]
    assert set(joao.stage_history["deal_id"]) == {"D-0003", "D-0004"}
    facebook = metrics.filter_frames(small, sources=["Facebook"])
    assert sorted(facebook.deals["id"]) == ["D-0003", "D-0007"]
    assert facebook.sources["cost"].sum() == 150


def test_problems_list_the_problems_column_and_unreadable_cells(small: Frames) -> None:
    problems = small.problems
    assert problems[["tab", "row", "kind", "code"]].values.tolist() == [
        ["Customers", 3, "problems", ""],
        ["Customers", 3, "cell", "choice.unknown"],
        ["Interactions", 3, "cell", "date.invalid"],
    ]
    assert metrics.problems_by_tab(problems).values.tolist() == [
        ["Customers", 2, 1],
        ["Interactions", 1, 1],
    ]


def test_every_metric_works_on_an_empty_workbook(empty: Frames) -> None:
    table = metrics.funnel(empty.deals, empty.stage_history, empty.stages, ALL, TODAY)
    assert table["reached"].tolist() == [0, 0, 0, 0, 0]
    assert metrics.source_months(empty.customers, sales(empty), empty.sources, ALL).empty
    assert metrics.source_totals(empty.customers, sales(empty), empty.sources, ALL).empty
    assert metrics.lost_reasons(empty.deals, ALL).empty
    assert metrics.competitors(empty.deals, ALL).empty
    assert metrics.reminders(empty.customers, empty.deals, TODAY, 7).empty
    assert metrics.remaining_quota(empty.mail_log, 450, NOW.replace(tzinfo=None)) == 450
    kpis = by(metrics.kpis(empty, MAY), "kpi")
    assert kpis["new_leads"]["current"] == 0
    assert math.isnan(float(str(kpis["marketing_cost"]["current"])))  # no cost data at all
    assert metrics.revenue_by_month(sales(empty), ALL).empty
    assert metrics.problems_by_tab(empty.problems).empty


def test_cli_json_equals_the_metric_functions(
    small_path: Path, small: Frames, capsys: pytest.CaptureFixture[str]
) -> None:
    # Open deals' days in stage count to a day: the one asked, so both sides agree on it.
    as_of = ["--as-of", TODAY.isoformat()]
    assert sheetcrm(["report", "funnel", "--json", *as_of, "--workbook", str(small_path)]) == 0
    funnel = json.loads(capsys.readouterr().out)
    table = metrics.funnel(small.deals, small.stage_history, small.stages, ALL, TODAY)
    assert [s["reached"] for s in funnel["stages"]] == table["reached"].tolist()
    assert [s["stage"] for s in funnel["stages"]] == table["stage"].tolist()
    assert funnel["won_value"] == metrics.deal_totals(small.deals, ALL).won_value == 3000
    assert funnel["stages"][0]["conversion"] is None  # NaN is null in JSON

    assert sheetcrm(["report", "sources", "--json", "--workbook", str(small_path)]) == 0
    sources = json.loads(capsys.readouterr().out)
    totals = metrics.source_totals(small.customers, sales(small), small.sources, ALL)
    assert [r["source"] for r in sources["totals"]] == totals["source"].tolist()
    assert [r["revenue"] for r in sources["totals"]] == totals["revenue"].tolist()
    referral = next(r for r in sources["totals"] if r["source"] == "Referral")
    assert referral["cost"] is None and referral["has_cost"] is False
    # Apart from when it was read, the CLI prints exactly what the report functions compute.
    for data, expected, asked in (
        (funnel, funnel_report(small, ALL, TODAY), TODAY.isoformat()),
        (sources, sources_report(small, ALL), None),
    ):
        expected = json.loads(json.dumps(expected))
        for document in (data, expected):
            document.pop("read_at")
            document.pop("source")
        # The command adds the day lifecycles are as of (if asked), the headline row and what
        # it could not read (nothing here).
        assert data.pop("as_of") == asked
        headline = data.pop("summary")
        assert (data.pop("unreadable"), data.pop("unknown")) == ([], [])
        assert data == expected
    assert headline["revenue"] == 3000 and headline["leads"] == 6


def test_text_report_says_no_cost_data(small_path: Path) -> None:
    snapshot = XlsxBackend(small_path, SCHEMA, clock=lambda: NOW).read()
    text = render_report(snapshot, "sources", as_json=False, now=NOW)
    referral = next(line for line in text.splitlines() if line.strip().startswith("Referral"))
    assert "no cost data" in referral
    funnel = render_report(snapshot, "funnel", as_json=False, now=NOW)
    assert "won value of the deals opened 3,000.00 EUR" in funnel
