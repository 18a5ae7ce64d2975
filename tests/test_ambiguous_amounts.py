"""Amounts typed as text that read two ways ("1.500": 1500 or 1.5) never become revenue silently.

The workbook is made by ``sheetcrm init``'s create_workbook and typed cell by cell with openpyxl:
one customer, six won deals closed in March 2024 whose Value is typed ``"1.500"``, ``"1,500"``,
``"1.5"``, ``1500`` (a number cell), ``"€ 2.000"`` and ``"1.500,00"``, and two purchases of
Amount ``"2,500"`` and ``300``. Without Settings *Decimal separator* the three deals and the
purchase typed with one separator before three digits are unknown (Problems says both readings);
the others are what they say. With *Decimal separator* ``,`` every one is read the team's way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main as sheetcrm
from automations.cycle import run_cycle
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_dashboard import SCHEMA
from tests.test_dashboard_app import demo_app, served_on  # noqa: F401  (the fixture)
from tests.test_team_lists import problems

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Typed:
    """A Value or Amount as typed, and what it is worth to the team by each decimal sign
    (None: a reading the bot must not guess)."""

    cell: object
    if_point: Decimal | None  # Settings Decimal separator "." (or read unambiguously)
    if_comma: Decimal | None  # Settings Decimal separator ","
    unset: Decimal | None  # no Decimal separator: only what reads one way


DEALS = {
    "D-1": Typed("1.500", Decimal("1.5"), Decimal("1500"), None),
    "D-2": Typed("1,500", Decimal("1500"), Decimal("1.5"), None),
    "D-3": Typed("1.5", Decimal("1.5"), Decimal("1.5"), Decimal("1.5")),
    "D-4": Typed(1500, Decimal("1500"), Decimal("1500"), Decimal("1500")),
    "D-5": Typed("€ 2.000", Decimal("2"), Decimal("2000"), None),
    "D-6": Typed("1.500,00", Decimal("1500"), Decimal("1500"), Decimal("1500")),
}
PURCHASES = {
    "I-1": Typed("2,500", Decimal("2500"), Decimal("2.5"), None),
    "I-2": Typed(300, Decimal("300"), Decimal("300"), Decimal("300")),
}


def type_rows(path: Path, tab: str, rows: list[dict[str, object]]) -> None:
    """Type rows under the headers init wrote."""
    book = load_workbook(path)
    sheet = book[tab]
    headers = [cell.value for cell in sheet[1]]
    start = sheet.max_row + 1 if tab == "Settings" else 2
    for offset, row in enumerate(rows):
        for header, value in row.items():
            sheet.cell(row=start + offset, column=headers.index(header) + 1, value=value)
    book.save(path)


def set_setting(path: Path, key: str, value: str) -> None:
    """Fill the Value of the Settings row init wrote for ``key``."""
    book = load_workbook(path)
    sheet = book["Settings"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == key)
    row[1].value = value
    book.save(path)


def write_workbook(path: Path) -> Path:
    create_workbook(path, SCHEMA)
    type_rows(path, "Customers", [{"ID": "C-1", "Name": "Ana", "Created": date(2024, 1, 10)}])
    type_rows(
        path,
        "Deals",
        [
            {"ID": deal, "Customer ID": "C-1", "Stage": "Won", "Value": typed.cell,
             "Created": date(2024, 2, 1), "Closed": date(2024, 3, 10)}
            for deal, typed in DEALS.items()
        ],
    )  # fmt: skip
    type_rows(
        path,
        "Interactions",
        [
            {"ID": ref, "Customer ID": "C-1", "Kind": "Purchase", "Amount": typed.cell,
             "Date": date(2024, 3, 12)}
            for ref, typed in PURCHASES.items()
        ],
    )  # fmt: skip
    return path


def cycle(path: Path) -> None:
    run_cycle(XlsxBackend(path, SCHEMA, clock=lambda: NOW), SCHEMA, NOW)


def overview(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert sheetcrm(["report", "overview", "--json", "--workbook", str(path)]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_an_amount_that_reads_two_ways_is_a_problem_and_unknown_revenue_not_a_guess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_workbook(tmp_path / "crm.xlsx")
    cycle(path)
    deals, purchases = problems(path, "Deals"), problems(path, "Interactions")
    assert deals == {
        "D-1": "Value: '1.500' could be 1,500 or 1.5; it counts as unknown until you type 1500 "
        "or 1.5, or set Decimal separator in Settings.",
        "D-2": "Value: '1,500' could be 1,500 or 1.5; it counts as unknown until you type 1500 "
        "or 1.5, or set Decimal separator in Settings.",
        "D-3": "",
        "D-4": "",
        "D-5": "Value: '€ 2.000' could be 2,000 or 2; it counts as unknown until you type 2000 "
        "or 2, or set Decimal separator in Settings.",
        "D-6": "",
    }
    assert purchases["I-1"] == (
        "Amount: '2,500' could be 2,500 or 2.5; it counts as unknown until you type 2500 or "
        "2.5, or set Decimal separator in Settings."
    )
    assert purchases["I-2"] == ""
    data = overview(path, capsys)
    known = [t.unset for t in DEALS.values()] + [t.unset for t in PURCHASES.values()]
    assert Decimal(str(data["won_revenue"])) == sum(v for v in known if v is not None)
    unknown_deals = sum(t.unset is None for t in DEALS.values())
    unknown_purchases = sum(t.unset is None for t in PURCHASES.values())
    assert (data["deals_without_value"], data["purchases_without_amount"]) == (3, 1)
    assert (unknown_deals, unknown_purchases) == (3, 1)
    assert "3 deals without a value" in str(data["incomplete"])
    assert "1 purchase without an amount" in str(data["incomplete"])


@pytest.mark.parametrize(
    ("sign", "worth"),
    [(",", "if_comma"), (".", "if_point"), ("1.234,56", "if_comma"), ("comma", "if_comma")],
)
def test_a_team_that_chose_its_decimal_separator_gets_its_reading_and_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sign: str, worth: str
) -> None:
    path = write_workbook(tmp_path / "crm.xlsx")
    set_setting(path, "Decimal separator", sign)
    cycle(path)
    assert set(problems(path, "Deals").values()) == {""}
    assert set(problems(path, "Interactions").values()) == {""}
    data = overview(path, capsys)
    every = [*DEALS.values(), *PURCHASES.values()]
    assert Decimal(str(data["won_revenue"])) == sum(getattr(t, worth) for t in every)
    assert data["incomplete"] == ""


def test_the_problem_is_said_in_the_workbooks_language_and_signs(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "crm.xlsx")
    set_setting(path, "Language", "es")
    cycle(path)
    assert problems(path, "Deals")["D-1"] == (
        "Value: '1.500' puede ser 1.500 o 1,5; cuenta como desconocido hasta que escriba 1500 "
        "o 1,5, o indique Decimal separator en Settings."
    )


@pytest.mark.usefixtures("served_on")
def test_the_dashboard_says_the_revenue_is_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_workbook(tmp_path / "crm.xlsx")
    at = demo_app(path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    won = next(m for m in at.metric if m.label == "Won revenue")
    assert won.value == "€3,301.50"  # 1.5 + 1,500 + 1,500 (D-3, D-4, D-6) + 300 (I-2)
    assert won.delta is not None and won.delta.startswith("incomplete: 3 deals without a value")
    assert "1 purchase without an amount" in won.delta


def test_import_says_how_many_amounts_read_two_ways_and_writes_them_as_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_workbook(tmp_path / "crm.xlsx")
    source = tmp_path / "deals.csv"
    source.write_text(
        "Customer ID,Stage,Value,Created,Closed\n"
        "C-1,Won,1.500,2024-02-01,2024-03-20\n"
        'C-1,Won,"1,500",2024-02-02,2024-03-21\n'
        "C-1,Won,1.500,2024-02-03,2024-03-22\n"
        'C-1,Won,"1.234,50",2024-02-04,2024-03-23\n'
        "C-1,Won,700,2024-02-05,2024-03-24\n",
        encoding="utf-8",
    )
    args = ["import", str(source), "--tab", "Deals", "--workbook", str(path)]
    before = overview(path, capsys)
    assert sheetcrm([*args, "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert "3 amounts read two ways" in said
    assert "  Value: '1.500' could be 1500 or 1.5 (2 rows: lines 2, 4)" in said
    assert "  Value: '1,500' could be 1500 or 1.5 (1 row: line 3)" in said
    assert sheetcrm(args) == 0
    capsys.readouterr()
    sheet = load_workbook(path)["Deals"]
    at = [cell.value for cell in sheet[1]].index("Value")
    values = [row[at] for row in sheet.iter_rows(min_row=2 + len(DEALS), values_only=True)]
    assert values == ["1.500", "1,500", "1.500", 1234.5, 700]  # as typed: never a guess
    cycle(path)
    found = problems(path, "Deals")
    assert sum("'1.500' could be 1,500 or 1.5" in p for p in found.values()) == 3  # D-1 too
    after = overview(path, capsys)
    assert (before["deals_without_value"], after["deals_without_value"]) == (3, 6)
    added = Decimal("1234.50") + 700  # the two imported amounts that read one way
    assert Decimal(str(after["won_revenue"])) == Decimal(str(before["won_revenue"])) + added
