"""A Deals tab without its Source (or Manager) column: each deal is counted under its customer's
Source (Manager), and the report and the dashboard say so, naming the tab, the column and what
was used instead, wherever a figure is cut by it (the sources report, `--by source|manager`,
the Sources page, a page's "Group by").

Found by trying SheetCRM as a new user: the team renamed Deals "Source" to "Origin", and a won
3,500 deal from an Event moved to its customer's Website in revenue by source, with nothing
saying that the deals' own sources were not read. The figures stay numbers: a Deals tab may
never have had the column (an older layout), and its customer's Source is then the answer.
"""

from __future__ import annotations

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
from tests.test_dashboard_app import demo_app, open_page, served_on  # noqa: F401  (a fixture)

# name, Source as typed, the source it is, Manager
CUSTOMERS = [
    ("Ana Costa", "Website", "Website", "Lucía"),
    ("Bruno Lima", "referral ", "Referral", "Marco"),
    ("Carla Dias", "Website", "Website", "Lucía"),
]
# customer, stage as typed, value, the deal's own Source and Manager (None: left empty), closed
DEALS: list[tuple[str, str, float, str | None, str | None, date]] = [
    ("Ana Costa", "won", 3500.0, "Event", "Marco", date(2026, 2, 1)),
    ("Bruno Lima", "Won", 900.0, None, None, date(2026, 2, 15)),
    ("Carla Dias", "lost", 400.0, "Google Ads", "Marco", date(2026, 3, 1)),
]
SOURCE_GONE = "Deals: no Source column (a column 'Origin' is not known)"
SOURCE_USED = "each deal is counted under its customer's Source"
MANAGER_USED = "each deal is counted under its customer's Manager"


def revenue_by_source(own_sources: bool) -> dict[str, float]:
    """Won revenue per source: the deal's own Source (when read and typed), else its
    customer's."""
    customer_source = {name: source for name, _, source, _ in CUSTOMERS}
    revenue: dict[str, float] = defaultdict(float)
    for customer, stage, value, source, _, _ in DEALS:
        if stage.lower() == "won":
            revenue[(source if own_sources else None) or customer_source[customer]] += value
    return dict(revenue)


def deals_by_manager(own_managers: bool) -> dict[str, int]:
    """Deals per manager: the deal's own (when read and typed), else its customer's."""
    customer_manager = {name: manager for name, _, _, manager in CUSTOMERS}
    counts: dict[str, int] = defaultdict(int)
    for customer, _, _, _, manager, _ in DEALS:
        counts[(manager if own_managers else None) or customer_manager[customer]] += 1
    return dict(counts)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [
                {"Name": n, "Source": s, "Manager": m, "Created": date(2026, 1, 10)}
                for n, s, _, m in CUSTOMERS
            ],
            "Deals": [
                {"Customer ID": c, "Title": f"Order {k}", "Stage": st, "Value": v}
                | {"Source": s, "Manager": m, "Created": date(2026, 1, 12), "Closed": closed}
                for k, (c, st, v, s, m, closed) in enumerate(DEALS, 1)
            ],
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    return path


def rename(path: Path, header: str, to: str) -> None:
    book = load_workbook(path)
    for cell in book["Deals"][1]:
        if cell.value == header:
            cell.value = to
    book.save(path)


def delete_column(path: Path, header: str) -> None:
    book = load_workbook(path)
    sheet = book["Deals"]
    at = [cell.value for cell in sheet[1]].index(header) + 1
    sheet.delete_cols(at)
    book.save(path)


def report(
    path: Path, capsys: pytest.CaptureFixture[str], kind: str, *args: str
) -> tuple[str, str]:
    capsys.readouterr()
    assert main(["report", kind, *args, "--workbook", str(path)]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def revenue_of(data: dict[str, object]) -> dict[str, float]:
    totals = data["totals"]
    assert isinstance(totals, list)
    return {r["source"]: r["revenue"] for r in totals if r["revenue"]}


def test_a_renamed_deals_source_is_said_where_revenue_is_cut_by_source(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Read as typed: the Event deal is Event's revenue, and nothing is said.
    data = json.loads(report(shop, capsys, "sources", "--json")[0])
    assert revenue_of(data) == revenue_by_source(own_sources=True)
    assert data["unreadable"] == []

    rename(shop, "Source", "Origin")
    out, err = report(shop, capsys, "sources", "--json")
    data = json.loads(out)
    # Each deal under its customer's Source: a number, and the report says which was used.
    assert revenue_of(data) == revenue_by_source(own_sources=False)
    assert data["unreadable"] == [f"{SOURCE_GONE}; {SOURCE_USED}"]
    assert data["unknown"] == []
    assert f"{SOURCE_GONE}; {SOURCE_USED}" in err
    text, _ = report(shop, capsys, "sources")
    assert f"{SOURCE_GONE}; {SOURCE_USED}" in text

    # --by source says it on any report; a report that does not cut by it does not.
    by, err = report(shop, capsys, "overview", "--by", "source", "--json")
    rows = {r["group"]: r["won_revenue"] for r in json.loads(by)["by"]["rows"]}
    assert {g: v for g, v in rows.items() if v} == revenue_by_source(own_sources=False)
    assert SOURCE_USED in err
    overview = json.loads(report(shop, capsys, "overview", "--json")[0])
    assert overview["unreadable"] == []


def test_a_renamed_deals_manager_is_said_by_manager(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rename(shop, "Manager", "Sales rep")
    out, err = report(shop, capsys, "funnel", "--by", "manager", "--json")
    data = json.loads(out)
    assert {r["group"]: r["deals"] for r in data["by"]["rows"]} == deals_by_manager(False)
    gone = "Deals: no Manager column (a column 'Sales rep' is not known)"
    assert data["unreadable"] == [f"{gone}; {MANAGER_USED}"]
    assert MANAGER_USED in err
    # Cut by something else, the deals' managers are not used: nothing to say.
    by_stage = json.loads(report(shop, capsys, "funnel", "--by", "stage", "--json")[0])
    assert by_stage["unreadable"] == []


def test_a_deals_tab_without_the_column_keeps_its_figures(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An older layout with no Source column at all: known figures, and the same sentence.
    delete_column(shop, "Source")
    data = json.loads(report(shop, capsys, "sources", "--json")[0])
    assert revenue_of(data) == revenue_by_source(own_sources=False)
    assert data["unreadable"] == [f"Deals: no Source column; {SOURCE_USED}"]
    assert all(r["revenue"] is not None for r in data["totals"])


@pytest.mark.usefixtures("served_on")
def test_the_pages_say_which_values_the_deals_took(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rename(shop, "Source", "Origin")
    rename(shop, "Manager", "Sales rep")
    at = demo_app(shop, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    open_page(at, "sources")
    said = [w.value for w in at.warning]
    # Both renamed: the reason names both headers it does not know.
    gone = "Deals: no Source column (columns 'Origin', 'Sales rep' are not known)"
    assert any(gone in w and "its customer's Source" in w for w in said), said
    assert not any("Manager" in w for w in said), said
    open_page(at, "funnel")
    assert not any("its customer's" in w.value for w in at.warning)
    at.selectbox(key="group_by_funnel").set_value("manager").run()
    said = [w.value for w in at.warning]
    assert any("no Manager column" in w and "its customer's Manager" in w for w in said), said
