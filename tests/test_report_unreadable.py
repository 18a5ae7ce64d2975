"""A tab or column the report cannot read makes the figures that depend on it unknown, with the
reason in one line naming the tab and column, never 0: on the command line (table, JSON, CSV)
and on the dashboard. Each workbook is typed by hand, then broken the way people break them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows
from tests.test_dashboard_app import demo_app, open_page, served_on  # noqa: F401  (a fixture)

CUSTOMERS = [
    ("Ana", "Website", date(2026, 1, 5)),
    ("Bruno", "Referral", date(2026, 2, 10)),
    ("Carla", "Website", date(2026, 3, 1)),
]
DEALS = [
    ("C-0001", "Won", 1200, date(2026, 1, 10), date(2026, 2, 1)),
    ("C-0002", "Won", 1500.50, date(2026, 2, 15), date(2026, 4, 10)),
    ("C-0003", "Lost", 300, date(2026, 3, 2), date(2026, 3, 20)),
    ("C-0003", "Won", 700, date(2026, 3, 5), date(2026, 3, 25)),
]


def typed(path: Path) -> Path:
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Lisbon"),))
    type_rows(
        path,
        {
            "Customers": [{"Name": n, "Source": s, "Created": c} for n, s, c in CUSTOMERS],
            "Deals": [
                {"Customer ID": cid, "Title": f"Deal {k}", "Stage": stage, "Value": value}
                | {"Created": created, "Closed": closed}
                for k, (cid, stage, value, created, closed) in enumerate(DEALS, 1)
            ],
        },
    )
    assert main(["run", "--workbook", str(path)]) == 0
    return path


def duplicate_name(book: Workbook) -> None:
    sheet = book["Customers"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="name")


def delete_deals(book: Workbook) -> None:
    del book["Deals"]


def rename_stage(book: Workbook) -> None:
    for cell in book["Deals"][1]:
        if cell.value == "Stage":
            cell.value = "Phase"


def broken(tmp_path: Path, damage: Callable[[Workbook], None]) -> Path:
    path = typed(tmp_path / "crm.xlsx")
    book = load_workbook(path)
    damage(book)
    book.save(path)
    return path


def report(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    capsys.readouterr()
    assert main(["report", *args, "--workbook", str(path)]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_a_customers_header_that_cannot_be_read_makes_leads_unknown_not_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = broken(tmp_path, duplicate_name)
    out, err = report(path, capsys, "overview", "--json")
    data = json.loads(out)
    kpis = data["kpis"]
    assert kpis["new_leads"] is None
    # What does not depend on Customers is still known: the deals' won revenue.
    won = [d for d in DEALS if d[1] == "Won"]
    assert kpis["deals_won"] == len(won)
    assert data["won_revenue"] == pytest.approx(sum(d[2] for d in won))
    assert any(
        "'Name' appears twice" in line and "new_leads" in line for line in data["unreadable"]
    )
    assert "Customers" in err and "new_leads" in err

    out, _ = report(path, capsys, "sources", "--json")
    totals = json.loads(out)["totals"]
    # Revenue by source needs each customer's Source: unknown, not all under "(no source)".
    assert all(r["revenue"] is None and r["leads"] is None for r in totals)
    text, _ = report(path, capsys, "sources")
    assert "Customers: column 'Name' appears twice" in text
    assert "unknown" in text


def test_a_deleted_deals_tab_makes_won_revenue_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = broken(tmp_path, delete_deals)
    text, err = report(path, capsys, "overview")
    assert "Won revenue unknown" in text
    assert "Won revenue 0" not in text
    assert "no Deals tab" in text and "no Deals tab" in err
    rows = {
        r["kpi"]: r["current"]
        for r in csv.DictReader(io.StringIO(report(path, capsys, "overview", "--format", "csv")[0]))
    }
    assert rows["won_revenue"] == "unknown" and rows["deals_won"] == "unknown"
    assert rows["new_leads"] == str(len(CUSTOMERS))  # Customers was read


def test_a_renamed_stage_column_makes_the_funnel_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = broken(tmp_path, rename_stage)
    text, err = report(path, capsys, "funnel")
    line = "Deals: no Stage column (a column 'Phase' is not known)"
    assert line in text and line in err
    assert "won unknown, lost unknown, open unknown" in text
    assert "Won reached" not in text
    data = json.loads(report(path, capsys, "funnel", "--json")[0])
    assert (data["won"], data["lost"], data["open"], data["win_rate"]) == (None,) * 4
    assert data["stages"] is None
    by = json.loads(report(path, capsys, "funnel", "--by", "month", "--json")[0])["by"]["rows"]
    assert all(r["won"] is None for r in by)
    assert sum(r["deals"] for r in by) == len(DEALS)  # Created was read: the counts hold


@pytest.mark.usefixtures("served_on")
@pytest.mark.parametrize(
    ("damage", "page", "says", "unknown"),
    [
        (duplicate_name, "overview", "Customers: column 'Name' appears twice", "New leads"),
        (delete_deals, "overview", "no Deals tab", "Won revenue"),
        (rename_stage, "funnel", "Deals: no Stage column (a column 'Phase' is not known)", "Won"),
    ],
)
def test_the_dashboard_says_which_figures_it_cannot_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[Workbook], None],
    page: str,
    says: str,
    unknown: str,
) -> None:
    at = demo_app(broken(tmp_path, damage), monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    open_page(at, page)
    assert any(says in w.value for w in at.warning)
    shown = {m.label: m.value for m in at.metric}
    assert shown[unknown] == "unknown"  # never 0
