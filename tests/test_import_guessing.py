"""`sheetcrm import` guesses a CRM export's columns as a CRM user reads them.

Odoo's ``name`` is a lead's title and ``contact_name`` the person; Pipedrive writes ``Person -
Name`` beside ``Organization - Name``. The person's column fills Name, the title stays where the
user finds it (an extra column), and the dry run says which column went where. The workbook is
made by `sheetcrm init` and read back with openpyxl, as a person would open it; expected values
come from the files themselves (csv module).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from automations.cli import main
from tests.fixtures_rules import shared_dataset

PREFERRED = "(taken over 'name', whose header says less; that one is kept as an extra column: "


def _odoo() -> Path:
    path = shared_dataset("odoo_crm_demo_leads", "crm_lead_demo.csv")
    if path is None:
        pytest.skip("../shared/datasets is absent: no odoo_crm_demo_leads/crm_lead_demo.csv")
    return path


def _init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    capsys.readouterr()
    return path


def _customers(path: Path) -> list[dict[str, str]]:
    """The Customers rows as a person sees them: header -> cell text, empty rows left out."""
    sheet = load_workbook(path)["Customers"]
    rows = sheet.iter_rows(values_only=True)
    header = [str(v) if v is not None else "" for v in next(rows)]
    return [
        {h: "" if v is None else str(v) for h, v in zip(header, row, strict=False) if h}
        for row in rows
        if any(v is not None and str(v).strip() for v in row)
    ]


def test_odoo_leads_fill_name_from_the_contact_and_keep_the_lead_title(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odoo_csv = _odoo()
    with odoo_csv.open(encoding="utf-8", newline="") as handle:
        leads = list(csv.DictReader(handle))
    path = _init(tmp_path, capsys)
    args = ["import", str(odoo_csv), "--tab", "Customers", "--workbook", str(path)]

    assert main([*args, "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"  'contact_name' -> Name {PREFERRED}--map 'name=Name' takes it instead)" in lines
    assert "  'name' -> Name" not in lines
    assert "  'country_id' -> Country" in lines
    assert "  'source_name' -> Source" in lines
    assert any(line.startswith("  'name' kept as 'name (imported)'") for line in lines)
    nameless = [n for n, lead in enumerate(leads, start=2) if not lead["contact_name"].strip()]
    assert len(nameless) == 8  # the dataset's SOURCE.md: "8 missing contact_name"
    shown = ", ".join(str(n) for n in nameless[:5])
    assert f"  rejected: required Name empty (8 rows: lines {shown}, ...)" in lines

    assert main(args) == 0
    capsys.readouterr()
    written = _customers(path)
    # Rows with a contact, less those whose email an earlier such row already brought.
    seen: set[str] = set()
    expected = []
    for lead in leads:
        email = lead["email_from"].strip().casefold()
        if lead["contact_name"].strip() and not (email and email in seen):
            expected.append(lead)
            seen.add(email)
    assert [r["Name"] for r in written] == [lead["contact_name"] for lead in expected]
    assert [r["Name"] for r in written[:3]] == ["Jacques Dunagan", "Marc Dufour", "John Miller"]
    assert [r["name (imported)"] for r in written] == [lead["name"] for lead in expected]
    assert written[0]["name (imported)"] == "Club Office Furnitures"
    assert [r["Country"] for r in written] == [lead["country_id"] for lead in expected]
    # The team's list spells a newsletter "Email"; other sources are kept as typed.
    sources = [{"Newsletter": "Email"}.get(s, s) for s in (x["source_name"] for x in expected)]
    assert [r["Source"] for r in written] == sources


def test_a_person_column_is_taken_over_a_plain_name_wherever_it_stands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A Pipedrive-like export typed in Excel: the deal's title under a plain "Name".
    export = tmp_path / "pipedrive.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Organization - Name", "Person - Name", "Email"])
    sheet.append(["Office chairs x12", "Deco Addict", "Ana López", "ana@deco.example"])
    sheet.append(["Standing desks", "Gemini Furniture", "Chen Wei ", "chen@gemini.example"])
    book.save(export)
    path = _init(tmp_path, capsys)
    args = ["import", str(export), "--tab", "Customers", "--workbook", str(path)]

    assert main([*args, "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  'Organization - Name' -> Company" in lines
    assert (
        "  'Person - Name' -> Name (taken over 'Name', whose header says less; that one is kept "
        "as an extra column: --map 'Name=Name' takes it instead)"
    ) in lines
    assert main(args) == 0
    capsys.readouterr()
    got = [(r["Name"], r["Company"], r["Name (imported)"]) for r in _customers(path)]
    assert got == [
        ("Ana López", "Deco Addict", "Office chairs x12"),
        ("Chen Wei", "Gemini Furniture", "Standing desks"),
    ]


def test_a_plain_name_alone_is_still_the_customers_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "contacts.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "E-mail", "Company Name"])
    sheet.append(["Marta Ruiz", "marta@ruiz.example", "Ruiz e Hijos"])
    book.save(export)
    path = _init(tmp_path, capsys)
    assert main(["import", str(export), "--tab", "Customers", "--workbook", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  'name' -> Name\n" in out and "taken over" not in out
    assert [(r["Name"], r["Company"]) for r in _customers(path)] == [("Marta Ruiz", "Ruiz e Hijos")]


def test_a_teams_own_country_code_column_stays_theirs_while_an_export_fills_country(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "Country code" is an export's Country (Odoo's country_id, "fr"), but in a team's own
    Customers tab it is theirs (a phone prefix beside Country): never read as a second Country,
    which would stop the bot reading the tab."""
    path = _init(tmp_path, capsys)
    book = load_workbook(path)
    sheet = book["Customers"]
    header = [cell.value for cell in sheet[1]]
    code_at = len(header) + 1
    sheet.cell(1, code_at).value = "Country code"
    sheet.cell(2, header.index("Name") + 1).value = "Ana López"
    sheet.cell(2, header.index("Country") + 1).value = "ES"
    sheet.cell(2, code_at).value = "+34"
    book.save(path)
    export = tmp_path / "odoo.csv"
    export.write_text("contact_name,email_from,country_id\nJean Dupont,jean@dupont.example,fr\n")

    assert main(["run", "--workbook", str(path)]) == 0
    out = capsys.readouterr().out
    assert "appears twice" not in out and "cannot be read" not in out
    assert main(["import", str(export), "--tab", "Customers", "--workbook", str(path)]) == 0
    assert "  'country_id' -> Country" in capsys.readouterr().out
    got = [(r["Name"], r["Country"], r["Country code"]) for r in _customers(path)]
    assert got == [("Ana López", "ES", "+34"), ("Jean Dupont", "fr", "")]
    rows = _customers(path)
    assert rows[0]["ID"] and rows[0]["Problems"] == ""  # the run read her row and gave it an ID


def _spanish_names(count: int) -> tuple[list[str], list[str]]:
    """The first ``count`` es_ES first names and last names of the shared name lists."""
    path = shared_dataset("multilingual_names_faker", "names_by_locale.csv")
    if path is None:
        pytest.skip("../shared/datasets is absent: no multilingual_names_faker")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["locale"] == "es_ES"]
    firsts = [r["value"] for r in rows if r["name_part"] == "first_names"][:count]
    lasts = [r["value"] for r in rows if r["name_part"] == "last_names"][:count]
    return firsts, lasts


def test_first_and_last_name_columns_are_joined_into_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    firsts, lasts = _spanish_names(5)
    lasts[3] = ""  # one contact typed with a first name only
    # A HubSpot contacts export as a person opens and saves it in Excel.
    export = tmp_path / "hubspot.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["First Name", "Last Name", "Email", "Company Name"])
    for n, (first, last) in enumerate(zip(firsts, lasts, strict=True)):
        sheet.append([f" {first}", last or None, f"c{n}@example.com", "Muebles Sol"])
    book.save(export)
    path = _init(tmp_path, capsys)
    args = ["import", str(export), "--tab", "Customers", "--workbook", str(path)]

    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "  'First Name' + 'Last Name' -> Name (joined with a space)\n" in out
    assert "5 to add, 0 to merge into a duplicate, 0 already there, 0 rejected." in out
    assert "kept as extra columns" not in out  # the parts are in Name, not kept twice
    assert main(args) == 0
    capsys.readouterr()
    expected = [f"{f} {ln}".strip() for f, ln in zip(firsts, lasts, strict=True)]
    assert [r["Name"] for r in _customers(path)] == expected
    assert "First Name" not in _customers(path)[0]  # joined, not kept twice
    # Imported again: already there, nothing added.
    assert main(args) == 0
    assert "0 to add, 0 to merge into a duplicate, 5 already there" in capsys.readouterr().out


def test_first_and_last_name_are_taken_over_a_plain_name_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    firsts, lasts = _spanish_names(2)
    # A Salesforce-like leads report: "Name" is the opportunity, the person is in two columns.
    export = tmp_path / "leads.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "First Name", "Last Name", "Email"])
    sheet.append(["Renewal 2027", firsts[0], lasts[0], "a@example.com"])
    sheet.append(["Office move", firsts[1], lasts[1], "b@example.com"])
    book.save(export)
    path = _init(tmp_path, capsys)
    args = ["import", str(export), "--tab", "Customers", "--workbook", str(path)]

    assert main(args) == 0
    out = capsys.readouterr().out
    assert (
        "  'First Name' + 'Last Name' -> Name (joined with a space) (taken over 'Name', whose "
        "header says less; that one is kept as an extra column: --map 'Name=Name' takes it "
        "instead)\n"
    ) in out
    got = [(r["Name"], r["Name (imported)"]) for r in _customers(path)]
    assert got == [
        (f"{firsts[0]} {lasts[0]}", "Renewal 2027"),
        (f"{firsts[1]} {lasts[1]}", "Office move"),
    ]
