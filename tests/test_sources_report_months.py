"""`sheetcrm report sources --json`: its "months" add up to its "totals". Leads whose customer
has no Created date and sales without a date are the month "(no date)" (only when there are
such rows), as in `--by month` and on the dashboard's Sources page.

Found by trying SheetCRM as a new user: "months" left those rows out, so a script summing the
months found fewer leads and less revenue than the totals, with nothing saying why.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows
from tests.test_dashboard_app import demo_app, open_page, served_on  # noqa: F401  (a fixture)

NO_DATE = "(no date)"
FIGURES = ("leads", "customers_won", "revenue", "missing")
# name, Source as typed, the source it is, Created as typed
Customer = tuple[str, str, str, date | str | None]
CUSTOMERS: list[Customer] = [
    ("Ana Costa", "Website", "Website", date(2026, 1, 5)),
    ("Bruno Lima", "referral ", "Referral", "2026-02-10"),
    ("Carla Dias", "Website", "Website", date(2026, 2, 20)),
]
# Typed later, with what people forget: Dario's Created; the date of Ana's second purchase and
# the amount of Carla's.
LATER_CUSTOMERS: list[Customer] = [("Dario Reis", "Referral", "Referral", None)]
# customer as typed, amount, date
PURCHASES: list[tuple[str, float | None, date | None]] = [
    ("C-0001", 1200.0, date(2026, 1, 20)),
    ("C-0002", 300.5, date(2026, 3, 2)),
    ("c-0001", 80.0, None),
    ("C-0003", None, None),
]


def month_of(day: date | str | None) -> str:
    if day is None:
        return NO_DATE
    when = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{when:%Y-%m}"


def expected(
    customers: list[Customer],
    purchases: list[tuple[str, float | None, date | None]],
) -> dict[tuple[str, str], dict[str, float]]:
    """Per (source, month): leads by Created, revenue and sales without an amount by the sale's
    date, customers won by the date of the customer's first sale (dated sales first)."""
    table: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    source_of = {f"C-{k:04d}": c[2] for k, c in enumerate(customers, 1)}
    for _, _, source, created in customers:
        table[(source, month_of(created))]["leads"] += 1
    first: dict[str, date | None] = {}
    for customer, amount, day in purchases:
        key = customer.upper()
        cell = table[(source_of[key], month_of(day))]
        cell["revenue"] += amount or 0
        cell["missing"] += amount is None
        if key not in first or (day is not None and (first[key] is None or day < first[key])):
            first[key] = day
    for key, day in first.items():
        table[(source_of[key], month_of(day))]["customers_won"] += 1
    return dict(table)


def typed(path: Path) -> Path:
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [{"Name": n, "Source": s, "Created": c} for n, s, _, c in CUSTOMERS],
            "Interactions": [
                {"Customer ID": c, "Kind": "purchase", "Amount": a, "Date": d}
                for c, a, d in PURCHASES[:2]
            ],
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    return path


def sources(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["report", "sources", *args, "--workbook", str(path)]) == 0
    return capsys.readouterr().out


def months_of(data: dict[str, object]) -> dict[tuple[str, str], dict[str, float]]:
    months = data["months"]
    assert isinstance(months, list)
    return {(r["source"], r["month"]): {f: r[f] for f in FIGURES} for r in months}


@pytest.mark.usefixtures("served_on")
def test_months_carry_the_undated_rows_and_add_up_to_the_totals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = typed(tmp_path / "shop.xlsx")
    dated = json.loads(sources(path, capsys, "--json"))
    # Every row dated: no "(no date)" month.
    assert months_of(dated) == expected(CUSTOMERS, PURCHASES[:2])

    type_rows(
        path,
        {
            "Customers": [{"Name": n, "Source": s, "Created": c} for n, s, _, c in LATER_CUSTOMERS],
            "Interactions": [
                {"Customer ID": c, "Kind": "Purchase", "Amount": a, "Date": d}
                for c, a, d in PURCHASES[2:]
            ],
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    data = json.loads(sources(path, capsys, "--json"))
    want = expected(CUSTOMERS + LATER_CUSTOMERS, PURCHASES)
    assert months_of(data) == want  # amounts with exact binary sums
    # The months add up to the totals, figure by figure.
    for figure in FIGURES:
        in_months = sum(r[figure] for r in data["months"])
        assert in_months == pytest.approx(sum(r[figure] for r in data["totals"])), figure

    # `--by month` has the same "(no date)" group, in JSON and CSV.
    undated = [r for r in data["months"] if r["month"] == NO_DATE]
    by = {
        r["group"]: r
        for r in json.loads(sources(path, capsys, "--by", "month", "--json"))["by"]["rows"]
    }
    for figure in FIGURES:
        assert by[NO_DATE][figure] == pytest.approx(sum(r[figure] for r in undated)), figure
    rows = {
        r["group"]: r
        for r in csv.DictReader(
            io.StringIO(sources(path, capsys, "--by", "month", "--format", "csv"))
        )
    }
    assert int(rows[NO_DATE]["leads"]) == sum(r["leads"] for r in undated)

    # A bounded period holds no undated row: no "(no date)" month.
    march = json.loads(
        sources(path, capsys, "--from", "2026-03-01", "--to", "2026-03-31", "--json")
    )
    assert months_of(march) == {
        ("Referral", "2026-03"): pytest.approx(want[("Referral", "2026-03")])
    }

    # The Sources page's table by month shows the same "(no date)" rows.
    at = demo_app(path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    open_page(at, "sources")
    page = at.dataframe[1].value
    shown = page[page["Month"] == NO_DATE].set_index("Source")
    assert sorted(shown.index) == sorted(r["source"] for r in undated)
    for row in undated:
        assert shown.loc[row["source"], "Leads"] == str(row["leads"])
        assert shown.loc[row["source"], "Customers won"] == str(row["customers_won"])
