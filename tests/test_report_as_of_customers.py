"""`sheetcrm report customers --as-of DAY` counts the customers there were on that day.

Found by trying SheetCRM as a new user: on a hand-typed workbook, `--as-of 2026-06-30` said
"Customers 7" with two "(not set)" lifecycles: the two customers created in November, who were
no customers yet on 30 June (the README: "customers created later are not counted").
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows

AS_OF = date(2026, 6, 30)
# name, Created as typed, the day it is
CUSTOMERS = [
    ("Ana Costa", "12/03/2026", date(2026, 3, 12)),
    ("Bruno Lima", date(2026, 1, 15), date(2026, 1, 15)),
    ("Chen Wei", date(2024, 2, 10), date(2024, 2, 10)),
    ("Dora Paz", "2026-11-26", date(2026, 11, 26)),
    ("Eva Ruiz", date(2026, 6, 30), date(2026, 6, 30)),  # created on the day itself: counted
    ("Filipa Sá", date(2026, 11, 27), date(2026, 11, 27)),
]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=(("Time zone", "Europe/Madrid"),))
    type_rows(
        path,
        {
            "Customers": [{"Name": n, "Created": c} for n, c, _ in CUSTOMERS],
            # Bruno bought in March; Dora's deal was won before she was typed in as a customer.
            "Deals": [
                {"Customer ID": "Bruno Lima", "Stage": "Won", "Value": 900, "Closed": "2026-03-15"},
                {"Customer ID": "Dora Paz", "Stage": "won", "Value": 300, "Closed": "2026-05-20"},
            ],
        },
    )
    assert main(["run", "--workbook", str(path), "--no-send"]) == 0
    return path


def test_customers_created_after_the_day_are_not_counted(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    there = [name for name, _, created in CUSTOMERS if created <= AS_OF]
    capsys.readouterr()

    arguments = ["report", "customers", "--as-of", AS_OF.isoformat(), "--format", "json"]
    assert main([*arguments, "--workbook", str(shop)]) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["customers"] == len(there) == 4
    lifecycles = {row["value"]: row["customers"] for row in data["lifecycle"]}
    # Bruno's last purchase (15 March) is 107 days before the day, over Dormant after days (90).
    assert lifecycles == {"Lead": 3, "Dormant": 1}
    assert sum(lifecycles.values()) == len(there)
