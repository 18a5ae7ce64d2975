"""`sheetcrm export`: what is in a tab comes out as CSV or xlsx, and no cell runs as a formula.

The workbook is filled the way people type, including cells that a spreadsheet program would run
(`=HYPERLINK(...)`, `+34...`, `-2+3`, `@SUM(...)`, a leading tab or carriage return); the exported
file is opened with the csv module and openpyxl, as another program would.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.headers import column_letter
from sheet_schema.schema import Schema
from tests.fixtures_google import (
    FakeTime,
    crm_workbook,
    fake_time,
    headers,
    schema,
    service_account_file,
    sheets_emulator,
)
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import make_workbook
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator"]

TYPED = [
    # name, email, phone, notes, their own column
    ("Ana Díaz", "ana@example.es", "+34 600 111 222", '=HYPERLINK("http://x.example","hi")', "A"),
    ("Bea", "bea@example.com", "", "-2+3", "@SUM(A1:A9)"),
    ("Tab", "", "", "\tstarts with a tab", "+plus"),
    ("Plain", "plain@example.com", "600 333 444", "just a note", ""),
]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _expected_cell(text: str, file_format: str = "csv") -> str:
    """CSV cells that would run get a leading quote; an xlsx text cell cannot run, so it keeps
    exactly what was typed."""
    if file_format == "xlsx":
        return text
    return "'" + text if text.startswith(DANGEROUS) else text


def _xlsx_workbook(path: Path, schema: Schema) -> Path:
    create_workbook(path, schema)
    book = load_workbook(path)
    sheet = book["Customers"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=1, column=len(header) + 1, value="Their column")
    for number, (name, email, phone, notes, theirs) in enumerate(TYPED, start=2):
        for key, text in (("Name", name), ("Email", email), ("Phone", phone), ("Notes", notes)):
            if text:
                cell = sheet.cell(row=number, column=header.index(key) + 1, value=text)
                cell.data_type = "s"  # what a person typing "=..." into a text cell stores
        if theirs:
            cell = sheet.cell(row=number, column=len(header) + 1, value=theirs)
            cell.data_type = "s"
    book.save(path)
    return path


# An .xlsx file cannot keep a carriage return (XML turns it into a line feed), a Google sheet can.
ON_GOOGLE = [*TYPED, ("Return", "", "", "\rcarriage return", "")]


def _check_table(
    rows: list[list[str]], typed: list[tuple[str, str, str, str, str]], file_format: str = "csv"
) -> None:
    header = rows[0]
    assert header[:2] == ["ID", "Name"]
    assert header[-1] == "Their column"
    got = {r[header.index("Name")]: r for r in rows[1:]}
    assert len(got) == len(typed)
    for name, email, phone, notes, theirs in typed:
        row = got[name]
        assert row[header.index("Email")] == email
        assert row[header.index("Notes")] == _expected_cell(notes, file_format)
        assert row[header.index("Their column")] == _expected_cell(theirs, file_format)
        assert row[header.index("Phone")] == _expected_cell(phone, file_format)
    if file_format == "csv":
        for row in rows:
            for text in row:
                assert not text.startswith(DANGEROUS), text


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(r) for r in csv.reader(handle)]


def _read_xlsx(path: Path) -> list[list[str]]:
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
    return [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_from_xlsx_escapes_cells_that_would_run(
    tmp_path: Path, schema: Schema, file_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    workbook = _xlsx_workbook(tmp_path / "crm.xlsx", schema)
    out = tmp_path / f"customers.{file_format}"
    args = ["export", "--workbook", str(workbook), "--tab", "clientes", "--format", file_format]
    assert main([*args, "--out", str(out)]) == 0
    assert "Exported 4 rows of Customers" in capsys.readouterr().out
    _check_table(_read_csv(out) if file_format == "csv" else _read_xlsx(out), TYPED, file_format)


def test_export_from_google_sheets_escapes_cells_that_would_run(
    tmp_path: Path,
    schema: Schema,
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    columns = [*headers(schema, "Customers"), "Their column"]
    rows = []
    for name, email, phone, notes, theirs in ON_GOOGLE:
        row = [""] * len(columns)
        row[columns.index("Name")], row[columns.index("Email")] = name, email
        row[columns.index("Phone")], row[columns.index("Notes")] = phone, notes
        row[-1] = theirs
        rows.append(row)
    sheets = crm_workbook(schema, [])
    sheets["Customers"] = [columns, *rows]
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", sheets_emulator.base_url)
    out = tmp_path / "customers.csv"
    google = ["--spreadsheet", sid, "--credentials", str(service_account_file)]
    assert main(["export", *google, "--tab", "Customers", "--out", str(out)]) == 0
    _check_table(_read_csv(out), ON_GOOGLE)


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_export_to_a_place_that_cannot_hold_the_file_is_one_line_and_writes_nothing(
    tmp_path: Path, schema: Schema, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    workbook = _xlsx_workbook(tmp_path / "crm.xlsx", schema)
    target = tmp_path / "out"
    target.mkdir()
    out = str(target / "nonexistent" / "dir" / "x.csv")
    if where == "a folder":
        out = f"{target}/"
    args = ["export", "--workbook", str(workbook), "--tab", "Customers", "--out", out]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.endswith("\n"), captured.err
    assert "Traceback" not in captured.err and out in captured.err
    assert list(target.rglob("*")) == []


def test_export_of_an_unknown_tab_says_which_tabs_exist(
    tmp_path: Path, schema: Schema, capsys: pytest.CaptureFixture[str]
) -> None:
    workbook = tmp_path / "crm.xlsx"
    create_workbook(workbook, schema)
    assert main(["export", "--workbook", str(workbook), "--tab", "Pipeline"]) == 2
    err = capsys.readouterr().err
    assert "No tab 'Pipeline'" in err and "Customers" in err


@pytest.mark.parametrize("backend", ["xlsx", "google"])
def test_export_says_which_cells_without_a_header_it_leaves_out(
    backend: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: FakeTime,
) -> None:
    # A row pasted into Customers runs two cells past the last header (no header above them).
    workbook = make_workbook(backend, tmp_path, sheets_emulator, service_account_file, fake_time)
    last = len(headers(SCHEMA, "Customers"))
    past = [column_letter(last), column_letter(last + 1)]  # Z and AA
    if workbook.google is None:
        book = load_workbook(workbook.path)
        book["Customers"][f"{past[0]}3"] = "VIP"
        book["Customers"][f"{past[1]}3"] = "pasted 2026"
        book.save(workbook.path)
        where = ["--workbook", str(workbook.path)]
    else:
        emulator, spreadsheet, _ = workbook.google
        emulator.edits.insert_columns(spreadsheet, "Customers", last, 2)  # Sheets grows on paste
        cells = f"'Customers'!{past[0]}3:{past[1]}3"
        emulator.edits.set_values(spreadsheet, cells, [["VIP", "pasted 2026"]])
        monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", emulator.base_url)
        where = ["--spreadsheet", spreadsheet, "--credentials", str(service_account_file)]
    out = tmp_path / "customers.csv"
    assert main(["export", *where, "--tab", "Customers", "--out", str(out)]) == 0
    said = capsys.readouterr()
    assert "Exported 3 rows of Customers" in said.out
    assert said.err.splitlines() == [
        f"sheetcrm export: Customers column {letter} holds data but has no header: not "
        "exported. Give it a header to export it."
        for letter in past
    ]
    rows = _read_csv(out)
    assert len(rows[0]) == last
    assert not any("VIP" in text or "pasted" in text for row in rows for text in row)
