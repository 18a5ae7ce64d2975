"""Whole cycles on real backends: xlsx files, and Google Sheets through the emulator."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from automations.cycle import run_cycle
from automations.rules.incremental import RowMemo
from automations.rules.row_checks import RowFacts
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.cells import datetime_to_serial
from sheet_schema.model import Snapshot
from tests.fixtures_google import (
    FakeTime,
    backend_for,
    fake_time,
    schema,
    service_account_file,
    sheets_emulator,
)
from tests.fixtures_rules import BASE_SETTINGS, NOW, SCHEMA, grids_for
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator"]

RECORDS: dict[str, list[dict[str, object]]] = {
    "Customers": [
        {
            "name": "Ana",
            "email": "ana@example.com",
            "phone": "+34 612 34 56 7",
            "birthday": date(1990, 11, 6),
        },
        {"name": "Bea", "email": "ANA@example.com", "birthday": "31/02/1990", "country": "Grecia"},
        {"name": "Cid", "phone": "691 234 5678", "country": "Ελλάδα", "created": date(2026, 1, 5)},
        {"email": "typing@example.com"},
    ],
    "Deals": [
        {
            "customer_id": "C-0001",
            "stage": "Proposal",
            "value": "1.234,50",
            "manager": "Bruno",
            "created": date(2026, 10, 1),
        },
        {"customer_id": "C-0003", "stage": "Won", "value": 900, "closed": date(2025, 11, 8)},
        {"customer_id": "C-0404", "stage": "Wonn"},
    ],
    "Interactions": [
        {
            "date": datetime(2026, 10, 20, 9, 30),
            "customer_id": "C-0001",
            "deal_id": "D-0001",
            "kind": "Call",
        },
        {"date": datetime(2026, 11, 2, 18, 0), "customer_id": "C-0003", "kind": "Complaint"},
    ],
    "Templates": [{"key": "hello", "language": "en", "subject": "Hi {{ name }", "body": "x"}],
}
SETTINGS = {"Time zone": "Europe/Madrid", "Default country": "ES", "Language": "en"}
# Rows with problems: Ana and Bea (same email; Ana's phone, Bea's date), the row typed without
# a Name (told so, not checked further), deal 3, the template.
EXPECTED_PROBLEM_ROWS = {"Customers": 3, "Deals": 1, "Templates": 1}


def xlsx_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS.items()))
    append_rows(path, SCHEMA, RECORDS)
    return path


def bot_values(snapshot: Snapshot) -> dict[tuple[str, str, str], object]:
    """Every bot-owned cell by (tab, row ID, column), as typed values."""
    found: dict[tuple[str, str, str], object] = {}
    for tab in SCHEMA.tabs:
        if tab.append_only:
            continue
        for row in snapshot.tab(tab.name):
            for column in tab.bot_columns:
                value = row.get(column.key)
                if value not in (None, ""):
                    found[(tab.name, row.row_id or "", column.key)] = value
    return found


def history(snapshot: Snapshot) -> list[tuple[object, ...]]:
    return [
        (r.get("time"), r.get("deal_id"), r.text("from"), r.get("to"), r.text("by"))
        for r in snapshot.tab("Stage history")
    ]


def test_a_cycle_on_an_xlsx_workbook_then_a_quiet_steady_state(tmp_path: Path) -> None:
    path = xlsx_workbook(tmp_path)
    backend = XlsxBackend(path, SCHEMA, clock=lambda: NOW)
    report, _ = run_cycle(backend, SCHEMA, NOW)
    assert report.problems_by_tab == EXPECTED_PROBLEM_ROWS
    assert report.problems_found == 5
    # The first sight of the two readable deals, and the seven rows of a new Bot status tab.
    assert report.rows_appended == 2 + 7
    after = backend.read()
    customers = after.by_id("Customers")
    assert customers["C-0001"].text("problems") == (
        "Email: ana@example.com is also the email of C-0002; is this the same customer?\n"
        "Phone: +34 612 34 56 7 has 8 digits after +34; expected 9."
    )
    # The overdue follow-up comes before the birthday on 6 November.
    assert customers["C-0001"].get("reminder") == (
        "Overdue follow-up: D-0001 in Proposal since 2026-10-01, follow-up due 2026-10-27 (+1 more)"
    )
    assert (
        customers["C-0003"].get("reminder") == "Unanswered complaint I-0002 of 2026-11-02 (+1 more)"
    )
    assert customers["C-0003"].get("lifecycle") == "Active"
    # Typed without a Name: told so, and not checked further (its lifecycle is left alone).
    assert customers["C-0004"].text("problems").startswith("Name is empty: ")
    assert customers["C-0004"].text("lifecycle") == ""
    assert history(after) == [
        # First sight: dated from the deals' own Created and Closed (inferred, says Note).
        (datetime(2026, 10, 1), "D-0001", "", "Proposal", "Bruno"),
        (datetime(2025, 11, 8), "D-0002", "", "Won", ""),
    ]
    steady, plan = run_cycle(backend, SCHEMA, NOW)
    assert plan.writes == () and plan.appends == ()
    assert steady.cells_written == 0 and steady.rows_appended == 0
    assert steady.problems_found == 5  # still there, not rewritten


def test_fixing_a_row_clears_its_problems_and_the_duplicate_partners(tmp_path: Path) -> None:
    path = xlsx_workbook(tmp_path)
    backend = XlsxBackend(path, SCHEMA, clock=lambda: NOW)
    memo: RowMemo[RowFacts] = RowMemo()
    run_cycle(backend, SCHEMA, NOW, memo=memo)
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["Customers"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("Email") + 1, value="bea@example.com")
    book.save(path)
    report, _ = run_cycle(backend, SCHEMA, NOW, memo=memo)
    assert memo.stats.checked == 1  # only Bea's row was checked again
    customers = backend.read().by_id("Customers")
    assert customers["C-0001"].text("problems") == (
        "Phone: +34 612 34 56 7 has 8 digits after +34; expected 9."
    )
    assert customers["C-0002"].text("problems") == (
        "Birthday: '31/02/1990' is not a real date: February 1990 has no day 31."
    )
    assert report.problems_found == 5


def test_dry_run_reports_problems_and_writes_nothing(tmp_path: Path) -> None:
    path = xlsx_workbook(tmp_path)
    before = path.read_bytes()
    report, plan = run_cycle(
        XlsxBackend(path, SCHEMA, clock=lambda: NOW), SCHEMA, NOW, dry_run=True
    )
    assert path.read_bytes() == before
    assert report.problems_found == 5
    assert report.planned["writes"] == len(plan.writes) > 0
    assert json.loads(report.to_json())["problems_by_tab"] == EXPECTED_PROBLEM_ROWS


def test_settings_problems_are_reported_by_the_cycle_not_written(tmp_path: Path) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=[("Time zone", "Mars/Olympus")])
    append_rows(path, SCHEMA, {"Customers": [{"name": "Ana"}]})
    backend = XlsxBackend(path, SCHEMA, clock=lambda: NOW)
    report, plan = run_cycle(backend, SCHEMA, NOW)
    assert any("Mars/Olympus" in issue for issue in report.tab_issues)
    assert not any("Mars" in str(w.value) for w in plan.writes)
    assert report.problems_found == 0


def _sheet_value(value: object) -> object:
    # The emulator stores what the API would hold: dates as serial numbers, amounts as numbers.
    if isinstance(value, (date, datetime)):
        return datetime_to_serial(value)
    return value


def test_the_same_cycle_on_xlsx_and_google_sheets_writes_the_same_cells(
    tmp_path: Path,
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: FakeTime,
) -> None:
    xlsx = XlsxBackend(xlsx_workbook(tmp_path), SCHEMA, clock=lambda: NOW)
    grids = grids_for(RECORDS, {**BASE_SETTINGS, **SETTINGS})
    sheet_grids = {
        title: [[_sheet_value(v) for v in row] for row in grid] for title, grid in grids.items()
    }
    spreadsheet = sheets_emulator.create_spreadsheet("CRM", sheet_grids)
    google = backend_for(sheets_emulator, spreadsheet, service_account_file, SCHEMA, fake_time)
    reports = [run_cycle(backend, SCHEMA, NOW)[0] for backend in (xlsx, google)]
    assert reports[0].problems_by_tab == reports[1].problems_by_tab == EXPECTED_PROBLEM_ROWS
    assert reports[0].cells_written == reports[1].cells_written
    assert reports[0].rows_appended == reports[1].rows_appended == 2 + 7
    on_xlsx, on_google = xlsx.read(), google.read()
    assert bot_values(on_xlsx) == bot_values(on_google)
    assert len(bot_values(on_xlsx)) > 20
    assert history(on_xlsx) == history(on_google)
    # And both are quiet on the next cycle.
    for backend in (xlsx, google):
        _, plan = run_cycle(backend, SCHEMA, NOW)
        assert plan.writes == () and plan.appends == ()
