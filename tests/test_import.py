"""`sheetcrm import` with files people really have: other delimiters, encodings and naming styles.

A workbook holds a customer the team typed (with a mistake: no phone). The file to import names
its columns in Spanish, camelCase or snake_case, repeats that customer (same email in capitals),
repeats one of its own rows, misses a name and holds a date that cannot exist. Both backends must
add the same rows, merge the duplicate without overwriting, keep the file's other column, reject
with a reason, and add nothing when the same file is imported again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from automations.cli import main
from automations.intake.command import run_import
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.cells import serial_to_datetime
from sheet_schema.schema import Schema, load_schema
from tests.fixtures_google import (
    FakeTime,
    backend_for,
    crm_workbook,
    fake_time,
    headers,
    schema,
    service_account_file,
    sheets_emulator,
    tab_values,
)
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator"]

# What the team typed before the import.
ANA: dict[str, object] = {
    "id": "C-0007",
    "name": "Ana Díaz",
    "email": "ana@example.es",
    "city": "Sevilla",
}
HEADER = ["Nombre", "Correo", "Teléfono", "Cumpleaños", "Origen", "Canal interno"]
ROWS = [
    ["Bea Núñez", "bea@example.es", "+34 600 111 222", "1990-03-14", "Web", "feria 2023"],
    ["Ana D.", "ANA@EXAMPLE.ES ", "+34 600 333 444", "", "", ""],  # same email: merged
    ["", "sin.nombre@example.es", "", "", "", ""],  # no name: rejected
    ["Carla", "carla@example.es", "", "31/02/1990", "Radio", ""],  # unreadable, still imported
    ["Bea Núñez", "bea@example.es", "+34 600 111 222", "1990-03-14", "Web", "feria 2023"],
]


def _write_csv(path: Path, rows: list[list[str]], delimiter: str, encoding: str) -> Path:
    text = "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def _outcome_lines(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.startswith("  line ")]


def _check_customers(rows: list[dict[str, Any]]) -> None:
    by_email = {str(r["Email"]).strip().casefold(): r for r in rows}
    assert sorted(by_email) == [
        "ana@example.es",
        "bea@example.es",
        "carla@example.es",
    ]
    ana = by_email["ana@example.es"]
    # Merged: the empty Phone filled, the team's name and city kept.
    assert (ana["Name"], ana["City"], ana["Phone"]) == ("Ana Díaz", "Sevilla", "+34 600 333 444")
    bea = by_email["bea@example.es"]
    assert bea["Source"] == "Website" and bea["Canal interno"] == "feria 2023"
    assert by_email["carla@example.es"]["Birthday"] == "31/02/1990"  # as typed, flagged later
    ids = sorted(str(r["ID"]) for r in rows)
    assert ids == ["C-0007", "C-0008", "C-0009"]


def _xlsx_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    sheet = load_workbook(path)["Customers"]
    grid = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = [str(h) if h is not None else "" for h in grid[0]]
    rows = [
        {h: ("" if v is None else v) for h, v in zip(header, r, strict=False)}
        for r in grid[1:]
        if any(v not in (None, "") for v in r)
    ]
    for row in rows:
        birthday = row.get("Birthday")
        if isinstance(birthday, datetime):
            row["Birthday"] = birthday.date().isoformat()
    return header, rows


@pytest.fixture
def workbook(tmp_path: Path, schema: Schema) -> Path:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, schema)
    append_rows(path, schema, {"Customers": [ANA]})
    return path


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "cp1252"), (",", "utf-8-sig"), ("\t", "utf-16"), ("|", "latin-1"), (",", "utf-8")],
)
def test_import_into_xlsx_adds_merges_rejects_and_is_idempotent(
    tmp_path: Path,
    workbook: Path,
    delimiter: str,
    encoding: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = _write_csv(tmp_path / "clientes.csv", [HEADER, *ROWS], delimiter, encoding)
    args = ["import", str(source), "--tab", "Clientes", "--workbook", str(workbook)]
    before = workbook.read_bytes()
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert workbook.read_bytes() == before
    assert "'Correo' -> Email" in out and "'Cumpleaños' -> Birthday" in out
    assert "kept as extra columns after the team's columns: 'Canal interno'" in out
    assert "2 to add, 1 to merge into a duplicate, 1 already there, 1 rejected." in out
    assert _outcome_lines(out) == [
        "line 3: merged: same email as Customers C-0007; filled: Phone",
        "line 4: rejected: required Name empty",
        "line 6: already there: same values as file line 2",
    ]
    assert "Birthday: '31/02/1990'" in out and "Source: 'Radio' is not one of " in out
    assert "cannot be read" not in out

    assert main(args) == 0
    assert "Wrote 2 new rows and filled 1 empty cell of duplicates" in capsys.readouterr().out
    header, rows = _xlsx_rows(workbook)
    assert header[-1] == "Canal interno"  # after the team's columns, under its own header
    _check_customers(rows)

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "0 to add, 0 to merge into a duplicate, 4 already there, 1 rejected." in out
    assert "Nothing to write." in out


def test_import_into_google_sheets_writes_once_and_matches_xlsx(
    tmp_path: Path,
    schema: Schema,
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: FakeTime,
) -> None:
    columns = headers(schema, "Customers")
    ana: list[object] = [""] * len(columns)
    for key, value in ANA.items():
        ana[[c.key for c in schema.tab("Customers").columns].index(key)] = value
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, [ana]))
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    source = _write_csv(tmp_path / "clientes.csv", [HEADER, *ROWS], ";", "cp1252")
    sheets_emulator.reset_stats()
    done = run_import(backend, schema, source, "Customers")
    assert (done.rows_appended, done.cells_filled) == (2, 1), done.lines
    writes = {k: n for k, n in sheets_emulator.stats()["requests"].items() if "pdate" in k}
    # One values write (appends and the merge together); the first write of a column may tag
    # it in one spreadsheets:batchUpdate.
    assert sum(n for k, n in writes.items() if k.startswith("values")) == 1, writes
    grid = tab_values(sheets_emulator, sid, "Customers")
    header = [str(h) for h in grid[0]]
    rows = [dict(zip(header, [*r, *[""] * len(header)], strict=False)) for r in grid[1:]]
    assert header[-1] == "Canal interno"
    for row in rows:  # the API answers serial numbers for dates
        if isinstance(row["Birthday"], int | float):
            row["Birthday"] = serial_to_datetime(float(row["Birthday"])).date().isoformat()
    _check_customers(rows)
    again = run_import(backend, schema, source, "Customers")
    assert (again.rows_appended, again.cells_filled) == (0, 0)
    assert "Nothing to write." in again.lines


def test_deals_name_their_customer_by_email_or_name_in_any_naming_style(
    tmp_path: Path, workbook: Path, schema: Schema
) -> None:
    append_rows(
        workbook,
        schema,
        {
            "Customers": [
                {"id": "C-0010", "name": "Dora", "company": "Acme"},
                {"id": "C-0011", "name": "Dora", "company": "Zeta"},
            ]
        },
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["customer", "dealStage", "closeValue", "engage_date", "opportunity_id"])
    sheet.append(["ana@example.es", "Closed won", 1200, "2024-02-01", "X1"])
    sheet.append(["Ana Díaz", "Prospecting", None, "2024-02-03", "X2"])
    sheet.append(["Dora", "Won", 10, None, "X3"])  # two customers are called Dora
    sheet.append(["Zeta", "Won", 10, None, "X4"])  # the company names one
    sheet.append(["Nobody", "Won", 10, None, "X5"])
    source = tmp_path / "pipeline.xlsx"
    book.save(source)
    done = run_import(XlsxBackend(workbook, schema), schema, source, "deals")
    assert done.planned is not None
    reasons = [o.reason for o in done.planned.outcomes if o.kind == "rejected"]
    assert reasons == [
        "'Dora' matches 2 Customers rows (C-0010, C-0011)",
        "no Customers row has the ID, email, phone or name 'Nobody'",
    ]
    deals = XlsxBackend(workbook, schema).read().tab("Deals")
    got = [
        (d.row_id, d.text("customer_id"), d.get("stage"), d.extra["opportunity_id"]) for d in deals
    ]
    assert got == [
        ("D-0001", "C-0007", "Won", "X1"),
        ("D-0002", "C-0007", "Lead", "X2"),
        ("D-0003", "C-0011", "Won", "X4"),
    ]


def test_a_cell_typed_between_plan_and_write_is_kept_not_overwritten(
    tmp_path: Path, workbook: Path, schema: Schema
) -> None:
    from automations.intake.files import read_table
    from automations.intake.importing import plan_import
    from automations.intake.mapping import guess_mapping

    source = _write_csv(tmp_path / "clientes.csv", [HEADER, *ROWS], ",", "utf-8")
    table = read_table(source)
    backend = XlsxBackend(workbook, schema)
    mapping = guess_mapping(schema.tab("Customers"), table.header, {}, [True] * len(HEADER))
    planned = plan_import(backend.read(), table, mapping)
    # Meanwhile someone types Ana's phone into the sheet.
    book = load_workbook(workbook)
    sheet = book["Customers"]
    phone_at = [c.value for c in sheet[1]].index("Phone") + 1
    sheet.cell(row=2, column=phone_at, value="+34 955 000 000")
    book.save(workbook)
    report = backend.apply(planned.plan)
    assert report.rows_appended == 2 and report.cells_written == 0
    assert [s.reason for s in report.skipped] == [
        "Customers: 'Phone' of row C-0007 was filled meanwhile; kept what is there"
    ]
    ana = XlsxBackend(workbook, schema).read().by_id("Customers")["C-0007"]
    assert ana.text("phone") == "+34 955 000 000"


def test_import_says_of_a_value_not_in_the_list_what_the_bot_writes_in_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `sheetcrm init`, then a file whose Source is no value of the team's list and whose
    # birthday cannot exist: both are imported as typed, and the import must say of them the
    # very sentences the bot's next cycle writes in the row's Problems cell.
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    rows = [["Name", "Source", "Birthday"], ["Dora Reis", "Search engine", "31/02/1990"]]
    source = _write_csv(tmp_path / "leads.csv", rows, ",", "utf-8")
    capsys.readouterr()
    assert main(["import", str(source), "--tab", "Customers", "--workbook", str(path)]) == 0
    said = capsys.readouterr().out
    assert "cannot be read" not in said
    assert main(["run", "--workbook", str(path)]) == 0
    dora = next(r for r in XlsxBackend(path, load_schema()).read().tab("Customers"))
    assert (dora.text("source"), dora.text("birthday")) == ("Search engine", "31/02/1990")
    written = dora.text("problems").splitlines()
    assert len(written) == 2 and written[0].startswith("Birthday: '31/02/1990'")
    assert written[1].startswith("Source: 'Search engine' is not one of Website, ")
    flagged = [line.strip() for line in said.splitlines() if line.endswith("(1 row: line 2)")]
    assert sorted(flagged) == [f"{sentence} (1 row: line 2)" for sentence in written]
