"""Every dashboard page shows a figure it cannot know as "unknown", with a warning naming the tab
and column, as ``sheetcrm report`` does; never 0 or a blank. Each workbook is typed by hand after
``sheetcrm init``, then broken the way people break them (a tab deleted, a header renamed, a
Name column typed twice). Expected figures are worked out here from the typed rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl.workbook.workbook import Workbook
from streamlit.testing.v1 import AppTest

from automations.cli import main
from tests.fixtures_typed import type_rows
from tests.test_dashboard_app import demo_app, open_page, served_on  # noqa: F401  (a fixture)
from tests.test_report_unreadable import (
    CUSTOMERS,
    DEALS,
    broken,
    delete_deals,
    duplicate_name,
    rename_stage,
    typed,
)

UNKNOWN = "unknown"
NAME_TWICE = "Customers: column 'Name' appears twice"
NO_DEALS = "Deals: The workbook has no Deals tab"
NO_STAGE = "Deals: no Stage column (a column 'Phase' is not known)"
NO_VALUE = "Deals: no Value column (a column 'Deal size' is not known)"


def rename_value(book: Workbook) -> None:
    for cell in book["Deals"][1]:
        if cell.value == "Value":
            cell.value = "Deal size"


def all_time(path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = demo_app(path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    return at


def broken_page(
    folder: Path, monkeypatch: pytest.MonkeyPatch, damage: Callable[[Workbook], None], page: str
) -> AppTest:
    """The page, over all time, of the typed workbook broken by ``damage``."""
    at = all_time(broken(folder, damage), monkeypatch)
    return open_page(at, page)


def warnings_of(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def amount(text: str) -> float:
    return float(text.replace("€", "").replace(",", ""))


def leads_by_source() -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, source, _ in CUSTOMERS:
        counts[source] = counts.get(source, 0) + 1
    return counts


@pytest.mark.usefixtures("served_on")
@pytest.mark.parametrize(
    ("damage", "says", "unknown", "known"),
    [
        (duplicate_name, NAME_TWICE, ["Leads", "Customers won", "Revenue", "ROI"], []),
        (
            delete_deals,
            NO_DEALS,
            ["Customers won", "Revenue", "Sales without an amount"],
            ["Leads"],
        ),
        (rename_value, NO_VALUE, ["Customers won", "Revenue", "ROI"], ["Leads"]),
    ],
)
def test_sources_page_says_unknown_where_a_tab_or_column_cannot_be_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[Workbook], None],
    says: str,
    unknown: list[str],
    known: list[str],
) -> None:
    at = broken_page(tmp_path, monkeypatch, damage, "sources")
    warning = next(w for w in warnings_of(at) if says in w)
    assert all(column in warning for column in unknown)
    totals, months = at.dataframe[0].value, at.dataframe[1].value
    for shown in (totals, months):
        for column in unknown:
            assert set(shown[column]) == {UNKNOWN}, column  # not "–", not 0
    if "Leads" in known:  # Customers was read: its leads still count
        by_source = totals.set_index("Source")["Leads"].to_dict()
        assert by_source == {s: str(n) for s, n in leads_by_source().items()}
        assert sum(int(n) for n in months["Leads"]) == len(CUSTOMERS)


@pytest.mark.usefixtures("served_on")
def test_sources_by_month_has_the_reports_no_date_rows_so_months_add_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = typed(tmp_path / "crm.xlsx")
    # Typed after the bot's run: a customer without a Created date, a purchase without a date.
    type_rows(
        path,
        {
            "Customers": [{"Name": "Dario", "Source": "Website"}],
            "Interactions": [{"Customer ID": "C-0002", "Kind": "Purchase", "Amount": 250}],
        },
    )
    won = sum(value for _, stage, value, _, _ in DEALS if stage == "Won")
    at = all_time(path, monkeypatch)
    open_page(at, "sources")
    totals, months = at.dataframe[0].value, at.dataframe[1].value
    undated = months[months["Month"] == "(no date)"].set_index("Source")
    assert undated.loc["Website", "Leads"] == "1"  # Dario
    assert amount(undated.loc["Referral", "Revenue"]) == 250  # Bruno's undated purchase
    for column, parse in (("Leads", int), ("Customers won", int), ("Revenue", amount)):
        assert sum(map(parse, months[column])) == pytest.approx(sum(map(parse, totals[column])))
    assert sum(map(amount, months["Revenue"])) == pytest.approx(won + 250)
    assert sum(map(int, months["Leads"])) == len(CUSTOMERS) + 1
    # The same rows as the report's "(no date)" group.
    capsys.readouterr()
    args = ["report", "sources", "--by", "month", "--json", "--workbook", str(path)]
    assert main(args) == 0
    rows = {r["group"]: r for r in json.loads(capsys.readouterr().out)["by"]["rows"]}
    assert rows["(no date)"]["leads"] == sum(map(int, undated["Leads"]))
    assert rows["(no date)"]["revenue"] == pytest.approx(sum(map(amount, undated["Revenue"])))


@pytest.mark.usefixtures("served_on")
def test_customers_page_warns_when_the_customers_tab_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = broken_page(tmp_path, monkeypatch, duplicate_name, "customers")
    warning = next(w for w in warnings_of(at) if NAME_TWICE in w)
    assert "Unknown here: Customers, Lifecycle, Segment" in warning
    # Not "no customers" nor "the bot has not filled this column": those would be wrong.
    assert not at.info
    assert not at.dataframe


@pytest.mark.usefixtures("served_on")
def test_customers_page_history_is_unknown_without_the_deals_tab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = broken_page(tmp_path, monkeypatch, delete_deals, "customers")
    assert any(NO_DEALS in w and "Revenue, Deals" in w for w in warnings_of(at))
    assert len(at.dataframe[0].value) == len(CUSTOMERS)  # the list itself was read
    at.selectbox(key="customer_pick").set_value("C-0001").run()
    revenue = next(m for m in at.metric if m.label == "Revenue")
    assert revenue.value == UNKNOWN  # never €0
    assert UNKNOWN in [c.value for c in at.caption]
    assert "Nothing recorded." not in [c.value for c in at.caption][:1]


@pytest.mark.usefixtures("served_on")
def test_customers_page_history_shows_a_renamed_column_as_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = broken_page(tmp_path, monkeypatch, rename_stage, "customers")
    assert any(NO_STAGE in w for w in warnings_of(at))
    at.selectbox(key="customer_pick").set_value("C-0003").run()
    deals = at.dataframe[1].value  # the list, then the deals (no interactions, no emails)
    assert len(deals) == sum(1 for d in DEALS if d[0] == "C-0003")
    assert set(deals["Stage"]) == {UNKNOWN}  # not blank
    assert set(deals["Value"]) == {"€300", "€700"}


@pytest.mark.usefixtures("served_on")
def test_overview_pipeline_and_by_month_are_unknown_not_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = all_time(broken(tmp_path, rename_value), monkeypatch)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Open pipeline"] == UNKNOWN  # was €0
    assert shown["Deals won"] == str(sum(1 for d in DEALS if d[1] == "Won"))  # Stage was read
    assert any(NO_VALUE in w and "Open pipeline" in w for w in warnings_of(at))

    deleted = tmp_path / "deleted"
    deleted.mkdir()
    at = all_time(broken(deleted, delete_deals), monkeypatch)
    at.selectbox(key="group_by_overview").set_value("month").run()
    by_month = at.dataframe[-1].value
    for column in ("New deals", "Deals won", "Won revenue", "Win rate", "Customers won"):
        assert set(by_month[column]) == {UNKNOWN}, column
    assert sum(int(n) for n in by_month["New leads"]) == len(CUSTOMERS)


@pytest.mark.usefixtures("served_on")
def test_funnel_lost_reasons_value_is_unknown_without_the_value_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = broken_page(tmp_path, monkeypatch, rename_value, "funnel")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Won value of the deals opened"] == UNKNOWN
    assert shown["Lost"] == str(sum(1 for d in DEALS if d[1] == "Lost"))
    reasons = at.dataframe[1].value
    assert list(reasons["Deals"]) == ["1"]
    assert list(reasons["Value"]) == [UNKNOWN]  # not "–"
    assert any(NO_VALUE in w and "Value" in w for w in warnings_of(at))


@pytest.mark.usefixtures("served_on")
def test_data_quality_lists_a_renamed_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = broken_page(tmp_path, monkeypatch, rename_stage, "quality")
    problems = at.dataframe[1].value
    whole = problems[problems["Row"] == "whole tab"]
    assert whole[["Tab", "Column"]].values.tolist() == [["Deals", "Stage"]]
    assert "'Phase' is not known" in whole["Problem"].iloc[0]


def rename_follow_up(book: Workbook) -> None:
    for cell in book["Deals"][1]:
        if cell.value == "Follow-up due":
            cell.value = "Next call"


def delete_campaigns(book: Workbook) -> None:
    del book["Campaigns"]


def duplicate_mail_status(book: Workbook) -> None:
    sheet = book["Mail log"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="status")


@pytest.mark.usefixtures("served_on")
def test_reminders_are_unknown_without_the_follow_up_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = broken_page(tmp_path, monkeypatch, rename_follow_up, "reminders")
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"Overdue": UNKNOWN, "Upcoming": UNKNOWN}  # not 0
    says = "Deals: no Follow-up due column (a column 'Next call' is not known)"
    assert any(says in w for w in warnings_of(at))
    assert "Nothing here." not in [i.value for i in at.info]


@pytest.mark.usefixtures("served_on")
def test_mailings_page_says_unknown_for_a_tab_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = broken_page(tmp_path, monkeypatch, delete_campaigns, "mailings")
    assert any("no Campaigns tab" in w and "Campaigns" in w for w in warnings_of(at))
    captions = [c.value for c in at.caption]
    assert UNKNOWN in captions and "No campaigns yet." not in captions

    other = tmp_path / "mail"
    other.mkdir()
    at = broken_page(other, monkeypatch, duplicate_mail_status, "mailings")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Emails left today"] == UNKNOWN  # not the whole cap
    assert any("Mail log: column 'Status' appears twice" in w for w in warnings_of(at))
