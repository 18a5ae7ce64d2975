"""`sheetcrm init --workbook EXISTING.xlsx` repairs a workbook people have changed.

It adds missing tabs, missing header cells (after the team's last used column), dropdowns, date
checks and a frozen bold header, exactly what `init` lays out in a new workbook; it never
deletes, renames, moves or reorders the team's data, keeps the team's own validation, and a
second run changes nothing. Built the way a person gets there: `sheetcrm init`, then edits in a
spreadsheet program (openpyxl here).
"""

from __future__ import annotations

import shlex
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from automations.cli import main
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.schema import load_schema

SCHEMA = load_schema()
Cells = dict[tuple[str, str], object]


def _headers(tab: str) -> list[str]:
    return [c.header for c in SCHEMA.tab(tab).columns]


def _letter(ws: Worksheet, header: str) -> str:
    return next(c.column_letter for c in ws[1] if c.value == header)


def _values(path: Path) -> Cells:
    """Every non-empty cell of every worksheet, by (title, coordinate)."""
    book = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def _validations(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    book = openpyxl.load_workbook(path)
    return {
        ws.title: sorted(
            (str(v.sqref), str(v.type), str(v.formula1)) for v in ws.data_validations.dataValidation
        )
        for ws in book.worksheets
    }


def _validation_at(ws: Worksheet, coordinate: str) -> list[DataValidation]:
    return [v for v in ws.data_validations.dataValidation if coordinate in v.sqref]


@pytest.fixture
def edited(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """`sheetcrm init`, then a team's months of edits: rows typed, the Deals tab deleted by
    accident, the Email header renamed, the Birthday header deleted, columns swapped, an own
    column and an own dropdown added, the header unfrozen and no longer bold."""
    path = tmp_path / "shop crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(path)
    del book["Deals"]
    ws = book["Customers"]
    header = _headers("Customers")
    rows = [
        {"Name": "Ana Pérez", "Email": "ana@example.es", "Birthday": date(1990, 2, 28)},
        {"Name": '=PROPER("bo li")', "Email": "bo@example.com", "Language": "en"},
        {"Name": "Chen", "Email": "not an email", "Source": "Friend of Ana"},
    ]
    for row, values in enumerate(rows, start=2):
        for name, value in values.items():
            ws.cell(row=row, column=header.index(name) + 1, value=value)
    ws.cell(row=1, column=header.index("Email") + 1, value="Mail of the client")
    ws.cell(row=1, column=header.index("Birthday") + 1).value = None
    # Name and Company swapped, as a person drags one column before the other.
    name_at, company_at = header.index("Name") + 1, header.index("Company") + 1
    for row in range(1, len(rows) + 2):
        a, b = ws.cell(row=row, column=name_at), ws.cell(row=row, column=company_at)
        a.value, b.value = b.value, a.value
    own = len(header) + 1
    ws.cell(row=1, column=own, value="Favourite colour")
    ws.cell(row=2, column=own, value="teal")
    # The team's own dropdown on Source, in place of init's.
    source = _letter(ws, "Source")
    ws.data_validations.dataValidation = [
        v for v in ws.data_validations.dataValidation if f"{source}2" not in v.sqref
    ]
    own_rule = DataValidation(type="list", formula1='"Friend of Ana,Walk-in"')
    own_rule.add(f"{source}2:{source}500")
    ws.add_data_validation(own_rule)
    ws.freeze_panes = None
    ws.cell(row=1, column=header.index("Phone") + 1).font = openpyxl.styles.Font(bold=False)
    book.save(path)
    return path


def test_init_adds_what_people_deleted_and_keeps_every_team_cell(
    edited: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _values(edited)
    titles_before = openpyxl.load_workbook(edited).sheetnames

    assert main(["init", "--workbook", str(edited)]) == 0

    out = capsys.readouterr().out
    assert "added tabs: Deals" in out
    assert "Customers: added columns Email, Birthday" in out
    after = _values(edited)
    # Every cell the team had is where it was, with the same value (the formula too).
    assert {k: after.get(k) for k in before} == before
    book = openpyxl.load_workbook(edited)
    # Existing tabs keep their order; Deals comes back after them, the hidden dropdown values last.
    kept = [t for t in book.sheetnames if t in titles_before]
    assert kept == titles_before
    assert book.sheetnames[-2:] == ["Deals", "SheetCRM_lists"]

    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    width = len(_headers("Customers")) + 1  # the schema's columns and the team's own
    assert header[width:] == ["Email", "Birthday"]  # after the team's last used column
    assert customers.freeze_panes == "A2"
    assert all(c.font.b for c in customers[1] if c.value in _headers("Customers"))
    language = _letter(customers, "Language")
    assert [v.formula1 for v in _validation_at(customers, f"{language}2")] == [
        "choices_Customers_language"
    ]
    source = _letter(customers, "Source")
    assert [v.formula1 for v in _validation_at(customers, f"{source}2")] == [
        '"Friend of Ana,Walk-in"'
    ]
    birthday = _letter(customers, "Birthday")
    assert [v.type for v in _validation_at(customers, f"{birthday}2")] == ["date"]

    deals = book["Deals"]
    assert [c.value for c in deals[1]] == _headers("Deals")
    assert deals.freeze_panes == "A2"
    stage = _letter(deals, "Stage")
    assert [v.formula1 for v in _validation_at(deals, f"{stage}2")] == ["choices_Deals_stage"]
    problems = deals[f"{_letter(deals, 'Problems')}1"]
    assert problems.fill.fill_type == "solid" and problems.comment is not None

    # The bot reads the repaired workbook: no tab is missing, the team's rows are all there.
    snapshot = XlsxBackend(edited, SCHEMA).read()
    assert not [i for i in snapshot.tab_issues if i.code == "tab.missing"]
    assert len(snapshot.tab("Customers")) == 3


def test_a_second_init_changes_nothing(edited: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--workbook", str(edited)]) == 0
    capsys.readouterr()
    values, validations, data = _values(edited), _validations(edited), edited.read_bytes()

    assert main(["init", "--workbook", str(edited)]) == 0

    assert "nothing to add" in capsys.readouterr().out
    assert edited.read_bytes() == data
    assert _values(edited) == values and _validations(edited) == validations


def test_a_new_workbook_needs_nothing_from_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    data = path.read_bytes()

    assert main(["init", "--workbook", str(path)]) == 0

    assert "already set up for SheetCRM: nothing to add" in capsys.readouterr().out
    assert path.read_bytes() == data


def test_the_missing_tab_note_names_a_command_that_repairs_the_workbook(
    edited: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--workbook", str(edited), "--dry-run"]) == 0
    note = next(line for line in capsys.readouterr().out.splitlines() if "no Deals tab" in line)
    command = note.split("`")[1]
    argv = shlex.split(command)
    assert argv[:2] == ["sheetcrm", "init"] and "--workbook" in argv

    assert main(argv[1:]) == 0

    assert "added tabs: Deals" in capsys.readouterr().out
    assert "Deals" in openpyxl.load_workbook(edited).sheetnames


def test_init_leaves_a_workbook_open_in_excel_alone(
    edited: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = edited.with_name("~$" + edited.name)
    lock.write_text("someone")
    data = edited.read_bytes()

    assert main(["init", "--workbook", str(edited)]) == 2

    assert "open in another program" in capsys.readouterr().err
    assert edited.read_bytes() == data


def test_a_doubled_header_is_reported_with_the_command_and_the_rest_is_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Clients"
    ws.append(["Name", "Email", "E-mail"])
    ws.append(["Ana", "a@example.com", "b@example.com"])
    book.save(path)

    assert main(["init", "--workbook", str(path)]) == 0

    out = capsys.readouterr().out
    assert "Not changed: Customers: column 'Email' appears twice" in out
    assert f"run `sheetcrm init --workbook {path}` again" in out
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book["Clients"][1]] == ["Name", "Email", "E-mail"]
    assert [c.value for c in book["Deals"][1]] == _headers("Deals")
