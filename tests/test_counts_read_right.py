"""Counts read right: "1 row", "2 rows", "1,200 rows", never "1 rows", in what people see.

Every command's output (`sheetcrm run`, `run --dry-run`, `schedule`, `import`, `export`, `init`,
`report`), a Google Sheets error, and the bot's Form intake line in the Bot status tab, in English
and in Spanish. The workbooks
are made by `sheetcrm init` and typed with openpyxl one row at a time, so most counts are 1.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.base import WorkbookError
from sheet_schema.model import CellWrite, Plan
from sheet_schema.schema import Schema
from tests.fixtures_google import (
    FakeTime,
    backend_for,
    crm_workbook,
    customer_rows,
    fake_time,
    schema,
    service_account_file,
    sheets_emulator,
)
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator"]

FORM = "Form responses 1"
# A count of one followed by a plural noun (what this file is about).
ONE_PLURAL = re.compile(
    r"(?<![\d,.])1 (rows|cells|IDs|answers|form answers|customers|new customers|emails|keys|"
    r"days|minutes|changes|new rows|empty cells|dropdowns|settings|default settings|tabs|"
    r"attempts|seconds|won deals|stays)\b"
)


def set_setting(book: Any, key: str, value: str) -> None:
    """Type a value into the Settings row `init` wrote for ``key``."""
    sheet = book["Settings"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == key)
    sheet.cell(row, 2).value = value


def typed_workbook(tmp_path: Path, language: str = "en") -> Path:
    """`sheetcrm init`; Ana typed in Customers (no ID yet); one answer in the form's tab."""
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    for key, value in {"Form tab": FORM, "Language": language, "Time zone": "UTC"}.items():
        set_setting(book, key, value)
    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    typed = {"Name": "Ana Pérez", "Email": "ana@example.com", "Source": "Instagram"}
    customers.append([typed.get(h) for h in header])
    form = book.create_sheet(FORM)
    form.append(["Timestamp", "Email address", "Your name", "How did you hear about us?"])
    form.append([datetime(2026, 11, 20, 9, 0), "bo@example.com", "Bo", "Website"])
    book.save(path)
    return path


def status_item(path: Path, item: str) -> str:
    """The Value of a row of the Bot status tab."""
    sheet = load_workbook(path)["Bot status"]
    return str(next(r[1] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == item))


def test_a_run_says_one_row_one_id_one_form_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = typed_workbook(tmp_path)
    capsys.readouterr()

    assert main(["run", "--workbook", str(path)]) == 0

    out = capsys.readouterr().out
    assert "Customers (1 row)" in out
    assert ", assigned 1 ID in " in out  # Ana's; Bo's row came with its own
    assert "Marked 1 form answer as read." in out
    assert ONE_PLURAL.search(out) is None, out
    # The Bot status tab and the run's note say it the same way.
    expected = (
        f"{FORM}: 1 new customer, 0 answers from known customers, 0 already imported, "
        "0 not imported, 0 waiting for a customer's ID"
    )
    assert status_item(path, "Form intake") == expected
    assert f"Note: {expected}" in out


def test_the_form_intake_line_in_spanish_has_its_singulars(tmp_path: Path) -> None:
    path = typed_workbook(tmp_path, language="es")
    book = load_workbook(path)
    # A second answer, from Ana (a known customer), and one with nothing to contact.
    book[FORM].append([datetime(2026, 11, 21, 9, 0), "ana@example.com", "Ana", None])
    book[FORM].append([datetime(2026, 11, 21, 10, 0), None, None, None, "?"])
    book.save(path)

    assert main(["run", "--workbook", str(path)]) == 0

    assert status_item(path, "Form intake") == (
        f"{FORM}: 1 cliente nuevo, 0 respuestas de clientes conocidos, 0 ya importadas, "
        "1 no importada, 1 esperando el ID de un cliente"
    )


def test_a_dry_run_plans_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = typed_workbook(tmp_path)
    capsys.readouterr()

    assert main(["run", "--dry-run", "--workbook", str(path)]) == 0

    out = capsys.readouterr().out
    planned = next(line for line in out.splitlines() if line.startswith("Dry run:"))
    assert "1 ID to assign" in planned and "1 form answer to mark" in planned
    assert "0 emails to send" in planned
    assert ONE_PLURAL.search(out) is None, out


def test_import_and_export_say_one_row_and_thousands_with_separators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    one, many = tmp_path / "one.csv", tmp_path / "many.csv"
    with one.open("w", newline="") as handle:
        csv.writer(handle).writerows([["Name", "Email"], ["Ana Pérez", "ana@example.com"]])
    with many.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Email"])
        writer.writerows([f"Lead {n}", f"lead{n}@example.com"] for n in range(1, 1201))
    capsys.readouterr()

    assert main(["import", str(one), "--tab", "Customers", "--workbook", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{one}: 1 row (" in out
    assert "Wrote 1 new row and filled 0 empty cells of duplicates" in out

    assert main(["export", "--tab", "Customers", "--out", str(tmp_path / "c.csv"),
                 "--workbook", str(path)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "Exported 1 row of Customers" in out
    assert "; 0 cells that would run as formulas were prefixed" in out

    argv = ["import", str(many), "--tab", "Customers", "--dry-run", "--workbook", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"{many}: 1,200 rows (" in out
    assert "1,200 to add" in out


def test_init_repairing_one_unfrozen_tab_says_one_tab(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    book["Deals"].freeze_panes = None  # someone unfroze the header row of Deals
    book.save(path)
    capsys.readouterr()

    assert main(["init", "--workbook", str(path)]) == 0

    out = capsys.readouterr().out
    assert "- 1 tab given a frozen header row" in out
    assert ONE_PLURAL.search(out) is None, out


def test_schedule_every_minute_says_minute_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = typed_workbook(tmp_path)
    book = load_workbook(path)
    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    customers.cell(2, header.index("Email") + 1).value = "ana@@example.com"  # one mistake
    book.save(path)
    capsys.readouterr()

    assert main(["schedule", "--every", "1", "--cycles", "1", "--workbook", str(path)]) == 0

    out = capsys.readouterr().out
    assert "Running a cycle every 1 minute on " in out
    assert ": 1 row with problems; wrote " in out
    assert ONE_PLURAL.search(out) is None, out


def test_a_report_with_one_won_deal_says_one_won_deal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = typed_workbook(tmp_path)
    book = load_workbook(path)
    deals = book["Deals"]
    header = [c.value for c in deals[1]]
    typed = {
        "Customer ID": "ana@example.com",
        "Title": "Shelves",
        "Stage": "Won",
        "Value": 1200,
        "Created": datetime(2026, 10, 1),
        "Closed": datetime(2026, 10, 15),
    }
    deals.append([typed.get(h) for h in header])
    book.save(path)
    assert main(["run", "--workbook", str(path)]) == 0
    capsys.readouterr()

    assert main(["report", "funnel", "--workbook", str(path)]) == 0

    out = capsys.readouterr().out
    assert "(1 won deal: " in out
    assert ONE_PLURAL.search(out) is None, out


def test_google_with_no_retries_gives_up_after_one_attempt(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    # The team typed 0 into Sheets retry attempts; then Google is unavailable for a moment.
    settings = {"Settings": [["Key", "Value"], ["Sheets retry attempts", "0"]]}
    sheets = crm_workbook(schema, customer_rows(schema, 1), settings)
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    sheets_emulator.faults.unavailable(count=3, endpoint="values.batchGetByDataFilter")

    with pytest.raises(WorkbookError) as failure:
        backend.apply(Plan(writes=(CellWrite("Customers", "C-0001", "reminder", "call back"),)))

    assert "gave up after 1 attempt" in str(failure.value)
    assert ONE_PLURAL.search(str(failure.value)) is None
