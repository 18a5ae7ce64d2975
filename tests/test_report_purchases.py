"""``sheetcrm report overview|sources`` reads only the Purchase rows of Interactions (its sales):
on a workbook typed by hand, with purchases spelled loosely, a misspelt kind and an amount typed on
a call, the revenue is the one counted here from the typed rows, and every figure is the one the
dashboard computes from the whole tab."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from automations.cli import main
from dashboard.report import ReportRequest, render_report
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows

# kind as typed, amount, deal: only the Purchase rows are sales, and a purchase naming a won deal
# is part of that deal's sale.
INTERACTIONS = [
    ("purchase", 50, None),
    (" PURCHASE ", 70, "D-0001"),
    ("Purchse", 999, None),  # misspelt: not a purchase, never money
    ("Call", 500, None),  # an amount typed on a call is not a sale either
    ("Meeting", None, "D-0001"),
]
WON_VALUE = 1000


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("purchases") / "crm.xlsx"
    create_workbook(path, SCHEMA)
    type_rows(
        path,
        {
            "Customers": [
                {"Name": "Ana", "Source": "Referral", "Created": date(2026, 1, 5)},
                {"Name": "Bruno", "Source": "Google Ads", "Created": date(2026, 2, 1)},
            ],
            "Deals": [
                {
                    "Customer ID": "C-0001",
                    "Title": "Kitchen",
                    "Stage": "Won",
                    "Value": WON_VALUE,
                    "Created": date(2026, 1, 10),
                    "Closed": date(2026, 2, 1),
                }
            ],
            "Interactions": [
                {
                    "Date": datetime(2026, 3, day, 10, 0),
                    "Customer ID": "C-0002",
                    "Deal ID": deal,
                    "Kind": kind,
                    "Amount": amount,
                }
                for day, (kind, amount, deal) in enumerate(INTERACTIONS, 1)
            ],
        },
    )
    assert main(["run", "--workbook", str(path)]) == 0  # IDs, as the team's bot would
    return path


@pytest.mark.parametrize("kind", ["overview", "sources"])
def test_the_report_counts_the_purchases_it_reads_and_matches_the_whole_tab(
    workbook: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    capsys.readouterr()
    assert main(["report", kind, "--json", "--workbook", str(workbook)]) == 0
    printed = json.loads(capsys.readouterr().out)
    # The dashboard's way: every row of every tab read, then the same functions.
    whole = json.loads(
        render_report(XlsxBackend(workbook, SCHEMA).read(), kind, request=ReportRequest(fmt="json"))
    )
    for document in (printed, whole):
        document.pop("read_at")
    assert printed == whole
    sales = [
        amount
        for kind_typed, amount, deal in INTERACTIONS
        if kind_typed.strip().lower() == "purchase" and deal is None
    ]
    expected = WON_VALUE + sum(sales)
    if kind == "overview":
        assert printed["won_revenue"] == expected == 1050
    else:
        assert sum(r["revenue"] for r in printed["totals"]) == expected
