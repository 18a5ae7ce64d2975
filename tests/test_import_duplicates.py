"""`sheetcrm import` and likely duplicates (issue 11, point 3): an exact duplicate (same email) is
merged as before; a customer who only looks like one already there (same phone, or a close name
in the same company) is added with Possible duplicate of naming the other row, and the dry run
says so. The next cycle proposes the same."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook

from automations.cycle import run_cycle
from automations.intake.command import run_import
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import NOW, SCHEMA

TYPED = [  # what the team typed before the import: Name, Company, Email, Phone
    ("maria lopez", "Acme", None, "+34 600 123 456"),
    ("Ana Ruiz", None, " ANA@example.com", None),
    ("Gil Soto", "Umbrella", "gil@umbrella.example", None),
]
FILE = [
    "Full name;Company;E-mail;Mobile;City",
    "María López;ACME;maria@home.example;600 12 34 56;Madrid",  # same phone, same name at Acme
    "Maria Lopes;Globex;mlopes@globex.example;;Porto",  # a close name elsewhere: just added
    "Ana R.;;ana@example.com;;Bilbao",  # same email: merged
    "Jon Smith;Initech;jon@initech.example;;",
    "John Smith;INITECH;john@initech.example;;",  # close to the line above
    "G. Soto;Umbrella;gsoto@umbrella.example;;",  # not close enough to Gil Soto
]


def workbook(tmp_path: Path) -> XlsxBackend:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=[("Default country", "ES")])
    book = load_workbook(path)
    sheet = book["Customers"]
    at = {c.value: c.column for c in sheet[1] if c.value}
    for number, (name, company, email, phone) in enumerate(TYPED, start=2):
        sheet.cell(number, at["ID"], f"C-{number - 1:04d}")
        for header, value in (("Name", name), ("Company", company), ("Email", email)):
            sheet.cell(number, at[header], value)
        sheet.cell(number, at["Phone"], phone)
    book.save(path)
    return XlsxBackend(path, SCHEMA)


def test_a_likely_duplicate_is_added_with_a_note_and_an_exact_one_merged(tmp_path: Path) -> None:
    backend = workbook(tmp_path)
    csv = tmp_path / "leads.csv"
    csv.write_text("\n".join(FILE) + "\n", encoding="utf-8")

    dry = run_import(backend, SCHEMA, csv, "Customers", dry_run=True)

    lines = [line.strip() for line in dry.lines if line.startswith("  line ")]
    assert lines == [
        "line 2: added: likely a duplicate of C-0001 (same phone, names 100% alike at ACME); "
        "added, with Possible duplicate of",
        "line 4: merged: same email as Customers C-0002; filled: City",
        "line 6: added: likely a duplicate of line 5 (names 95% alike at INITECH); "
        "added, with Possible duplicate of",
    ]
    assert "5 to add, 1 to merge into a duplicate" in "\n".join(dry.lines)

    run_import(backend, SCHEMA, csv, "Customers")

    rows = {r.text("name"): r for r in backend.read().tab("Customers")}
    noted = {name: r.text("possible_duplicate_of") for name, r in rows.items()}
    assert {k: v for k, v in noted.items() if v} == {
        "María López": "C-0001 (same phone, names 100% alike at ACME)",
        "John Smith": "C-0006 (names 95% alike at INITECH)",
    }
    assert rows["John Smith"].row_id == "C-0007" and rows["Jon Smith"].row_id == "C-0006"
    assert rows["Ana Ruiz"].text("city") == "Bilbao"  # the exact duplicate filled its empty cell

    # The bot's next cycle finds the same pairs, in the same words.
    run_cycle(backend, SCHEMA, NOW + timedelta(days=1))
    after = {
        r.text("name"): r.text("possible_duplicate_of") for r in backend.read().tab("Customers")
    }
    assert after == noted


def test_an_email_of_a_merged_row_fills_the_row_it_was_merged_into(tmp_path: Path) -> None:
    backend = workbook(tmp_path)
    book = load_workbook(backend.path)
    sheet = book["Customers"]
    at = {c.value: c.column for c in sheet[1] if c.value}
    sheet.cell(5, at["ID"], "C-0004")
    sheet.cell(5, at["Name"], "Gil S.")
    sheet.cell(5, at["Email"], "gil.soto@home.example")
    sheet.cell(5, at["Merged into"], "C-0003 (2026-11-01)")
    book.save(backend.path)
    csv = tmp_path / "leads.csv"
    csv.write_text("Name,Email,City\nGil,GIL.SOTO@home.example,Vigo\n", encoding="utf-8")

    done = run_import(backend, SCHEMA, csv, "Customers")

    assert "line 2: merged: same email as Customers C-0003; filled: City" in "\n".join(done.lines)
    rows = backend.read().by_id("Customers")
    assert rows["C-0003"].text("city") == "Vigo" and not rows["C-0004"].text("city")
