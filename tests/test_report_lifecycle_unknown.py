"""A Lifecycle column the report cannot read makes the counts by lifecycle unknown, never every
customer under "(not set)": in `sheetcrm report customers` (table, JSON, CSV, --by) and on the
dashboard's Customers page. With --as-of the lifecycles are computed by the bot's rule, not
read, so they stay known.

Found by trying SheetCRM as a new user: the team renamed Customers "Lifecycle" to "Stage of
life", and the report said "(not set) 4", as if the bot had never filled the column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows
from tests.test_dashboard_app import demo_app, open_page, served_on  # noqa: F401  (a fixture)

RENAMED = "Customers: no Lifecycle column (a column 'Stage of life' is not known)"
STAGES = ["Lead", "Active", "Dormant", "Lost", "Churned", "(not set)"]
# name, Created as typed (Dario's was forgotten), the month it is
CUSTOMERS = [
    ("Ana Costa", date(2026, 1, 5), "2026-01"),
    ("Bruno Lima", "2026-02-10", "2026-02"),
    ("Carla Dias", date(2026, 2, 20), "2026-02"),
    ("Dario Reis", None, "(no date)"),
]
AS_OF = date(2026, 3, 31)
# On AS_OF, by the README's rule (Dormant after 90 days): Ana bought on 20 January (70 days
# before: Active), Carla's only deal is Lost and she never bought (Lost), Bruno and Dario never
# bought (Lead).
AS_OF_LIFECYCLES = {"Active": 1, "Lost": 1, "Lead": 2}


def rename(path: Path, header: str, to: str) -> None:
    book = load_workbook(path)
    for cell in book["Customers"][1]:
        if cell.value == header:
            cell.value = to
    book.save(path)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [
                {"Name": name, "Created": created, "Source": source}
                for (name, created, _), source in zip(
                    CUSTOMERS, ["Website", "referral ", "Website", None], strict=True
                )
            ],
            # Deals typed by the customer's name, a stage in lower case.
            "Deals": [
                {"Customer ID": "Ana Costa", "Title": "Shelves", "Stage": "won"}
                | {"Value": 1200, "Created": date(2026, 1, 6), "Closed": date(2026, 1, 20)},
                {"Customer ID": "Carla Dias", "Title": "Desk", "Stage": "Lost"}
                | {"Value": 300, "Created": date(2026, 2, 21), "Closed": date(2026, 3, 1)},
            ],
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    # The bot filled Lifecycle; then the team renamed the column.
    rename(path, "Lifecycle", "Stage of life")
    return path


def report(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    capsys.readouterr()
    assert main(["report", "customers", *args, "--workbook", str(path)]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_a_renamed_lifecycle_column_makes_the_lifecycle_counts_unknown(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(report(shop, capsys, "--json")[0])
    assert data["customers"] == len(CUSTOMERS)  # Created was read: the count holds
    assert data["lifecycle"] is None
    assert [data["summary"][stage] for stage in STAGES] == [None] * len(STAGES)
    assert data["unreadable"] == [f"{RENAMED}: lifecycle unknown"]
    # The Segment column was read: its counts stay known and add up.
    assert sum(row["customers"] for row in data["segments"]) == len(CUSTOMERS)

    text, err = report(shop, capsys)
    assert RENAMED in text and RENAMED in err
    rows = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]
    assert ["(not set)", "unknown"] in rows and ["Lead", "unknown"] in rows
    assert ["(not set)", str(len(CUSTOMERS))] not in rows

    plain = list(csv.DictReader(io.StringIO(report(shop, capsys, "--format", "csv")[0])))
    assert {row["value"]: row["customers"] for row in plain} == dict.fromkeys(STAGES, "unknown")


def test_by_lifecycle_and_by_month_say_unknown(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = report(shop, capsys, "--by", "lifecycle", "--format", "csv")
    # Every customer has a lifecycle no one can read: one group, "unknown", not "(not set)".
    assert list(csv.DictReader(io.StringIO(out))) == [
        {"group": "unknown", "customers": str(len(CUSTOMERS)), **dict.fromkeys(STAGES, "unknown")}
    ]
    out, _ = report(shop, capsys, "--by", "month", "--json")
    rows = json.loads(out)["by"]["rows"]
    assert {r["group"]: r["customers"] for r in rows} == Counter(m for _, _, m in CUSTOMERS)
    assert all(r[stage] is None for r in rows for stage in STAGES)


def test_as_of_computes_the_lifecycles_so_they_stay_known(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, err = report(shop, capsys, "--as-of", AS_OF.isoformat(), "--json")
    data = json.loads(out)
    assert {r["value"]: r["customers"] for r in data["lifecycle"]} == AS_OF_LIFECYCLES
    assert data["unreadable"] == [] and data["unknown"] == [] and RENAMED not in err
    by = json.loads(
        report(shop, capsys, "--as-of", AS_OF.isoformat(), "--by", "lifecycle", "--json")[0]
    )
    groups = {r["group"]: r["customers"] for r in by["by"]["rows"]}
    assert groups == AS_OF_LIFECYCLES
    assert all(r[r["group"]] == r["customers"] for r in by["by"]["rows"])


def test_a_renamed_segment_column_makes_the_segment_counts_unknown(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rename(shop, "Segment", "RFM")
    data = json.loads(report(shop, capsys, "--json")[0])
    assert data["segments"] is None
    assert any("no Segment column" in line and "segments" in line for line in data["unreadable"])


@pytest.mark.usefixtures("served_on")
def test_the_customers_page_groups_an_unreadable_lifecycle_as_unknown(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(shop, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    open_page(at, "customers")
    assert any(RENAMED in w.value and "Lifecycle" in w.value for w in at.warning)
    at.selectbox(key="group_by_customers").set_value("lifecycle").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.iloc[:, 0].tolist() == ["unknown"]
    assert table.iloc[0, 1] == str(len(CUSTOMERS))
    assert set(table.iloc[0, 2:]) == {"unknown"}
    at.selectbox(key="group_by_customers").set_value("month").run()
    by_month = at.dataframe[0].value
    assert sum(int(n) for n in by_month.iloc[:, 1]) == len(CUSTOMERS)
    assert set(by_month.iloc[:, 2:].to_numpy().ravel()) == {"unknown"}
