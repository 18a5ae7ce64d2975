"""`sheetcrm report overview --json`: its "months" add up to its won revenue. Sales without a
date are the month "(no date)" (over all time, only when there are such sales), as in `--by
month`; the Overview page says them under its chart by month.

Found by trying SheetCRM as a new user: "months" left undated sales out, so a script summing
the months found less revenue than `won_revenue`, with nothing saying why.
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
CUSTOMERS = [
    ("Ana Costa", date(2026, 1, 5)),
    ("Bruno Lima", date(2026, 2, 10)),
    ("Carla Dias", date(2026, 2, 20)),
]
# Won deals typed by the customer's name, the stage in lower case: (customer, value, closed).
DEALS: list[tuple[str, float | None, date]] = [
    ("Ana Costa", 1200.0, date(2026, 1, 20)),
    ("Carla Dias", None, date(2026, 3, 15)),  # won, the Value forgotten
]
# Purchases: (customer as typed, amount, date). Typed later: two without a Date (one also
# without an Amount).
PURCHASES: list[tuple[str, float | None, date | None]] = [("C-0002", 300.5, date(2026, 3, 2))]
LATER_PURCHASES: list[tuple[str, float | None, date | None]] = [
    ("c-0001", 80.0, None),
    ("C-0003", None, None),
]


def expected(
    purchases: list[tuple[str, float | None, date | None]],
) -> dict[str, dict[str, float]]:
    """Per month of the sale's date ("(no date)" without one): revenue (known amounts), sales,
    and sales without an amount."""
    table: dict[str, dict[str, float]] = defaultdict(
        lambda: {"revenue": 0.0, "sales": 0, "missing": 0}
    )
    sold = [(value, closed) for _, value, closed in DEALS]
    sold += [(amount, day) for _, amount, day in purchases]
    for amount, day in sold:
        row = table[NO_DATE if day is None else f"{day:%Y-%m}"]
        row["revenue"] += amount or 0
        row["sales"] += 1
        row["missing"] += amount is None
    return dict(table)


def purchases(rows: list[tuple[str, float | None, date | None]]) -> list[dict[str, object]]:
    return [{"Customer ID": c, "Kind": "purchase", "Amount": a, "Date": d} for c, a, d in rows]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [{"Name": n, "Created": c} for n, c in CUSTOMERS],
            "Deals": [
                {"Customer ID": c, "Title": f"Order {k}", "Stage": "won", "Value": v}
                | {"Created": date(2026, 1, 2), "Closed": closed}
                for k, (c, v, closed) in enumerate(DEALS, 1)
            ],
            "Interactions": purchases(PURCHASES),
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    return path


def overview(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["report", "overview", *args, "--workbook", str(path)]) == 0
    return capsys.readouterr().out


def months_of(data: dict[str, object]) -> dict[str, dict[str, float]]:
    months = data["months"]
    assert isinstance(months, list)
    return {r["month"]: {f: r[f] for f in ("revenue", "sales", "missing")} for r in months}


@pytest.mark.usefixtures("served_on")
def test_months_carry_the_undated_sales_and_add_up_to_the_revenue(
    shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every sale dated: no "(no date)" month.
    dated = json.loads(overview(shop, capsys, "--json"))
    assert months_of(dated) == expected(PURCHASES)
    assert NO_DATE not in months_of(dated)

    type_rows(shop, {"Interactions": purchases(LATER_PURCHASES)})
    assert main(["run", "--workbook", str(shop), "--no-send"]) == 0
    data = json.loads(overview(shop, capsys, "--json"))
    want = expected(PURCHASES + LATER_PURCHASES)
    assert want[NO_DATE] == {"revenue": 80.0, "sales": 2, "missing": 1}
    assert months_of(data) == want  # amounts with exact binary sums
    # The months add up to the report's revenue and to what it could not count.
    assert sum(r["revenue"] for r in data["months"]) == pytest.approx(data["won_revenue"])
    missing = data["deals_without_value"] + data["purchases_without_amount"]
    assert sum(r["missing"] for r in data["months"]) == missing == 2

    # `--by month` has the same "(no date)" group, in JSON and CSV.
    by = {
        r["group"]: r
        for r in json.loads(overview(shop, capsys, "--by", "month", "--json"))["by"]["rows"]
    }
    assert by[NO_DATE]["won_revenue"] == pytest.approx(want[NO_DATE]["revenue"])
    assert by[NO_DATE]["missing"] == want[NO_DATE]["missing"]
    rows = {
        r["group"]: r
        for r in csv.DictReader(
            io.StringIO(overview(shop, capsys, "--by", "month", "--format", "csv"))
        )
    }
    assert float(rows[NO_DATE]["won_revenue"]) == pytest.approx(want[NO_DATE]["revenue"])

    # A bounded period holds no undated sale: no "(no date)" month.
    march = json.loads(
        overview(shop, capsys, "--from", "2026-03-01", "--to", "2026-03-31", "--json")
    )
    assert months_of(march) == {"2026-03": want["2026-03"]}

    # The Overview page, over all time, says the undated sales under its chart.
    at = demo_app(shop, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    open_page(at, "overview")
    said = [c.value for c in at.caption if NO_DATE in c.value]
    assert len(said) == 1
    assert "80" in said[0] and "from 2 sales without a date" in said[0]
    assert "1 purchase without an amount" in said[0]
