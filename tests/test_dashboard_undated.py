"""A period's counts say how many rows no period can count: customers and deals whose Created
date cannot be read are in "all time" only, and a bounded period's "New leads 2" of 3 customers
must not read as complete. The workbook is made by `sheetcrm init` and typed with openpyxl, one
Created date typed the US way in a day-first workbook; expected counts are worked out here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from automations.cli import main
from tests.fixtures_typed import type_rows
from tests.test_dashboard_app import demo_app, metric_values, open_page, served_on  # noqa: F401

# Day-first (the default Date order): 11/13/2026 has no 13th month, so it is no date.
CUSTOMERS = [
    {"Name": "Ana Ruiz", "Email": "ana@example.com", "Created": "02/03/2026"},
    {"Name": "Bo Lind", "Email": "bo@example.com", "Created": date(2026, 3, 20)},
    {"Name": "Cy Park", "Email": "cy@example.com", "Created": "11/13/2026"},
]
DEALS = [
    {"Customer ID": "Ana Ruiz", "Stage": "Lead", "Value": 100, "Created": "05/03/2026"},
    {"Customer ID": "Bo Lind", "Stage": "Lead", "Value": 200, "Created": "tomorrow-ish"},
]


@pytest.fixture
def typed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    type_rows(path, {"Customers": CUSTOMERS, "Deals": DEALS})
    capsys.readouterr()
    return path


def march(at: AppTest) -> AppTest:
    """The sidebar's period set to March 2026 (a custom period, not today's)."""
    at.sidebar.selectbox(key="period_preset").set_value("custom").run()
    at.sidebar.date_input(key="period_dates").set_value((date(2026, 3, 1), date(2026, 3, 31)))
    return at.run()


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


@pytest.mark.usefixtures("served_on")
def test_a_bounded_period_says_which_rows_it_cannot_count(
    typed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dated = [c for c in CUSTOMERS if c["Created"] != "11/13/2026"]
    at = march(demo_app(typed, monkeypatch).run())
    assert metric_values(at)["New leads"] == str(len(dated))  # Ana and Bo
    assert metric_values(at)["New deals"] == "1"  # Ana's; Bo's deal has no date
    said = captions(at)
    assert (
        "1 customer has no Created date that can be read, so no period counts it (all time "
        "does; Data quality says why)."
    ) in said
    assert any(text.startswith("1 deal has no Created date") for text in said)
    open_page(at, "sources")
    assert any(text.startswith("1 customer has no Created date") for text in captions(at))
    open_page(at, "funnel")
    assert any(text.startswith("1 deal has no Created date") for text in captions(at))


@pytest.mark.usefixtures("served_on")
def test_all_time_counts_them_and_says_nothing(
    typed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(typed, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    assert metric_values(at)["New leads"] == str(len(CUSTOMERS))
    assert not any("no Created date" in text for text in captions(at))
