"""What cannot be, typed by hand into a fresh workbook: the bot says so, once, where people look.

The workbook starts as `sheetcrm init` makes it; rows are typed with openpyxl the way a person
types them (dates as text, an impossible date, a Won deal with no Closed date...). The expected
sentences are the ones a person reads in the Problems cells and on the Data quality page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from automations.cycle import run_cycle
from dashboard import metrics
from dashboard.frames import build_frames
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import SCHEMA

NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)  # 4 November 2026 in the workbook's time zone


def type_rows(path: Path, tab: str, rows: list[dict[str, object]]) -> None:
    """Type rows under the headers `init` wrote, by header text, as a person would."""
    book = openpyxl.load_workbook(path)
    sheet = book[tab]
    letters = {cell.value: cell.column for cell in sheet[1] if cell.value}
    for offset, values in enumerate(rows):
        for header, value in values.items():
            sheet.cell(row=2 + offset, column=letters[header], value=value)
    book.save(path)


def problems_cells(path: Path, tab: str) -> dict[str, str]:
    """Problems cell text by the row's ID, as the workbook shows it."""
    sheet = openpyxl.load_workbook(path)[tab]
    letters = {cell.value: cell.column for cell in sheet[1] if cell.value}
    found: dict[str, str] = {}
    for row in range(2, sheet.max_row + 1):
        row_id = sheet.cell(row=row, column=letters["ID"]).value
        text = sheet.cell(row=row, column=letters["Problems"]).value
        if row_id:
            found[str(row_id)] = str(text or "")
    return found


@pytest.fixture
def typed(tmp_path: Path) -> Path:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA)
    type_rows(
        path,
        "Customers",
        [
            {"Name": "Ana Ruiz", "Email": "ana@example.com", "Created": "2026-03-02"},
            # 2062 for 2026: a customer cannot have been created in the future.
            {"Name": "Bruno Dias", "Email": "bruno@example.com", "Created": "2062-03-02"},
            {"Name": "Carla Mendes", "Email": "carla@example.com", "Birthday": "31/02/1990"},
        ],
    )
    type_rows(
        path,
        "Deals",
        [
            {"Customer ID": "C-0001", "Title": "Sofa", "Stage": "Won", "Created": "2026-05-01"},
            {"Customer ID": "C-0001", "Title": "Desk", "Stage": "Lost", "Created": "2026-05-01"},
            {
                "Customer ID": "C-0001",
                "Title": "Lamp",
                "Stage": "Won",
                "Created": "2026-05-01",
                "Closed": "2026-12-24",
            },
            {"Customer ID": "C-0001", "Title": "Rug", "Stage": "Lead", "Created": "2027-01-15"},
            {
                "Customer ID": "C-0001",
                "Title": "Chair",
                "Stage": "Lost",
                "Created": "2026-05-01",
                "Closed": "2026-06-01",
                "Lost reason": "Price",
            },
        ],
    )
    type_rows(
        path,
        "Interactions",
        [{"Customer ID": "C-0001", "Date": "2026-12-01", "Kind": "Call", "Summary": "Called"}],
    )
    return path


def test_what_cannot_be_gets_a_problems_sentence_in_its_row(typed: Path) -> None:
    run_cycle(XlsxBackend(typed, SCHEMA), SCHEMA, NOW)

    deals = problems_cells(typed, "Deals")
    assert deals["D-0001"] == "Closed is empty: type the day this Won deal was won."
    assert deals["D-0002"] == "Lost reason is empty: say why this deal was lost."
    assert deals["D-0003"] == "Closed: 2026-12-24 is in the future."
    assert deals["D-0004"] == "Created: 2027-01-15 is in the future."
    assert deals["D-0005"] == ""  # lost, with its date and reason: nothing to say
    customers = problems_cells(typed, "Customers")
    assert customers["C-0001"] == ""
    assert customers["C-0002"] == "Created: 2062-03-02 is in the future."
    assert problems_cells(typed, "Interactions")["I-0001"] == "Date: 2026-12-01 is in the future."


def test_the_data_quality_page_lists_each_problem_once_with_its_column(typed: Path) -> None:
    run_cycle(XlsxBackend(typed, SCHEMA), SCHEMA, NOW)

    problems = build_frames(XlsxBackend(typed, SCHEMA).read()).problems

    carla = problems[problems["id"] == "C-0003"]
    # The impossible birthday is both an unreadable cell and the bot's sentence about it: one
    # line, the bot's, under its column.
    assert len(carla) == 1
    assert carla["column"].tolist() == ["Birthday"]
    assert "31/02/1990" in carla["message"].iloc[0]
    deals = problems[problems["tab"] == "Deals"].sort_values("id")
    assert deals[["id", "column"]].values.tolist() == [
        ["D-0001", "Closed"],
        ["D-0002", "Lost reason"],
        ["D-0003", "Closed"],
        ["D-0004", "Created"],
    ]
    by_tab = metrics.problems_by_tab(problems).set_index("tab")
    assert by_tab.loc["Deals", "problems"] == 4 and by_tab.loc["Deals", "rows"] == 4


def test_an_unreadable_cell_the_bot_has_not_seen_yet_is_shown_without_internal_codes(
    typed: Path,
) -> None:
    from dashboard.i18n import Translator

    # Before any cycle: no Problems cell yet, so the page shows the cell reading itself.
    problems = build_frames(XlsxBackend(typed, SCHEMA).read()).problems
    carla = problems[problems["column"] == "Birthday"]
    assert len(carla) == 1
    row = carla.iloc[0]
    for language in ("en", "es", "pt", "el"):
        text = Translator(language).issue(row["code"], row["raw"], str(row["message"]))
        assert "31/02/1990" in text
        assert "(" not in text and "date." not in text


def test_the_reminders_page_lists_an_overdue_deal_once_with_its_note(tmp_path: Path) -> None:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA)
    type_rows(path, "Customers", [{"Name": "Ana Ruiz", "Email": "ana@example.com"}])
    # A proposal typed a month ago and never followed up: overdue (SLA Proposal: 7 days).
    type_rows(
        path,
        "Deals",
        [{"Customer ID": "C-0001", "Title": "Sofa", "Stage": "Proposal", "Created": "2026-10-01"}],
    )
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)
    frames = build_frames(XlsxBackend(path, SCHEMA).read())
    customer = frames.customers.set_index("id").loc["C-0001"]
    assert "D-0001" in str(customer["reminder"])  # the customer's reminder is this deal

    rows = metrics.reminders(frames.customers, frames.deals, NOW.date(), window_days=7)

    assert rows[["kind", "id", "status"]].values.tolist() == [["deal", "D-0001", "overdue"]]
    assert rows["note"].iloc[0] == customer["reminder"]
    assert int(rows["days"].iloc[0]) == 27  # days late (due 8 October): never negative


def test_a_bare_number_in_a_date_column_is_a_problem_unless_it_can_be_a_date(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA)
    type_rows(
        path,
        "Customers",
        [
            # A year typed alone, as a number and as text: once read as 13 March 1905.
            {"Name": "Ana", "Email": "ana@example.com", "Birthday": 1899},
            {"Name": "Bea", "Email": "bea@example.com", "Birthday": "1987"},
            # A serial far before any plausible date.
            {"Name": "Cris", "Email": "cris@example.com", "Created": 12},
            # A date whose format was lost: 45474 is 1 July 2024, and stays a date.
            {"Name": "Dora", "Email": "dora@example.com", "Created": 45474},
        ],
    )

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    problems = problems_cells(path, "Customers")
    assert problems["C-0001"] == (
        "Birthday: '1899' looks like a year alone, not a date; type the whole date, like "
        "2024-12-31."
    )
    assert problems["C-0002"].startswith("Birthday: '1987' looks like a year alone")
    assert problems["C-0003"] == (
        "Created: '12' is a number; read as a date it would be 1900-01-11, which cannot be "
        "meant here. Type the date like 2024-12-31."
    )
    assert problems["C-0004"] == ""
    customers = {r.row_id: r for r in XlsxBackend(path, SCHEMA).read().tab("Customers")}
    assert customers["C-0001"].get("birthday") is None  # unknown, not a date in 1905
    assert str(customers["C-0004"].get("created")) == "2024-07-01"
