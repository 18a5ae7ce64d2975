"""Likely duplicates proposed in Customers (issue 11, point 3): same email, same phone, close
names in one company; checked on a workbook typed like a person and on real exports."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from automations.cycle import run_cycle
from automations.rules.duplicates import Candidate, find_duplicates
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.model import Snapshot
from tests.fixtures_rules import NOW, SCHEMA, shared_dataset

SETTINGS = [("Time zone", "Europe/Madrid"), ("Default country", "ES")]


def type_customers(path: Path, people: list[dict[str, object]]) -> None:
    """Type customers into the Customers tab under its headers, as a person would."""
    book = load_workbook(path)
    sheet = book["Customers"]
    at = {cell.value: cell.column for cell in sheet[1] if cell.value}
    start = sheet.max_row + 1
    for number, person in enumerate(people, start=start):
        for header, value in person.items():
            sheet.cell(number, at[header], value)
    book.save(path)


def new_workbook(tmp_path: Path, people: list[dict[str, object]]) -> XlsxBackend:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=SETTINGS)
    type_customers(path, people)
    return XlsxBackend(path, SCHEMA)


def proposals_in(snapshot: Snapshot) -> dict[str, str]:
    """Customer ID -> what its Possible duplicate of cell says (rows that say something)."""
    return {
        str(row.row_id): row.text("possible_duplicate_of")
        for row in snapshot.tab("Customers")
        if row.text("possible_duplicate_of").strip()
    }


TYPED: list[dict[str, object]] = [
    {"Name": "maria lopez", "Company": "Acme", "Phone": "+34 600 123 456", "Country": "Spain"},
    # The same person typed again: accents, a trailing space, the company in capitals, the phone
    # without its country code (read with Country Spain).
    {"Name": "María López ", "Company": "ACME", "Phone": "600123456", "Country": "España"},
    # A different person with a close name at another company: not proposed.
    {"Name": "Maria Lopes", "Company": "Globex", "Email": "mlopes@globex.example"},
    {"Name": "Ana Ruiz", "Email": "ana@example.com"},
    {"Name": "A. Ruiz", "Email": " ANA@Example.com", "Company": "Initech"},
    {"Name": "Jon Smith", "Company": "Acme, Inc.", "Email": "jon@acme.example"},
    {"Name": "John Smith", "Company": "ACME Inc", "Email": "john.smith@acme.example"},
    # Same name, no company, nothing else in common: two people, not proposed.
    {"Name": "Pedro Gil", "Email": "pedro@one.example"},
    {"Name": "Pedro Gil", "Email": "pedro@two.example"},
]


def test_likely_duplicates_are_proposed_on_the_newer_row_with_the_reason(
    tmp_path: Path,
) -> None:
    backend = new_workbook(tmp_path, TYPED)

    report, _ = run_cycle(backend, SCHEMA, NOW)

    assert report.held_back == []
    assert proposals_in(backend.read()) == {
        "C-0002": "C-0001 (same phone, names 100% alike at ACME)",
        "C-0005": "C-0004 (same email)",
        "C-0007": "C-0006 (names 95% alike at ACME Inc)",
    }
    # A second cycle finds the same and writes nothing more.
    again, _ = run_cycle(backend, SCHEMA, NOW)
    assert again.cells_written == 0


def test_a_fixed_row_loses_its_proposal(tmp_path: Path) -> None:
    backend = new_workbook(tmp_path, TYPED[3:5])
    run_cycle(backend, SCHEMA, NOW)
    assert proposals_in(backend.read()) == {"C-0002": "C-0001 (same email)"}

    book = load_workbook(backend.path)
    sheet = book["Customers"]
    email = next(c.column for c in sheet[1] if c.value == "Email")
    sheet.cell(3, email, "a.ruiz@initech.example")  # the team says: another person
    book.save(backend.path)
    run_cycle(backend, SCHEMA, NOW)

    assert proposals_in(backend.read()) == {}


def test_names_are_compared_within_a_company_only() -> None:
    # 2,000 customers in 400 companies of five people each, then a typo of one of them.
    first = ("ana", "bruno", "carla", "diego", "elena")
    found = [
        Candidate(
            f"C-{5 * company + n + 1:05d}", None, None, f"{name} fam{company}", f"co{company}", ""
        )
        for company in range(400)
        for n, name in enumerate(first)
    ]
    found.append(Candidate("C-09999", None, None, "ana fam0x", "co0", "Co 0"))
    # The same name at another company is never compared.
    found.append(Candidate("C-10000", None, None, "ana fam0", "elsewhere", "E"))

    pairs = find_duplicates(found)

    assert [(p.duplicate, p.original, p.reason) for p in pairs] == [("C-09999", "C-00001", "name")]


def _dataset(*parts: str) -> Path:
    path = shared_dataset(*parts)
    if path is None:
        pytest.skip(f"../shared/datasets is absent: no {'/'.join(parts)}")
    return path


def test_odoo_leads_pasted_into_customers_get_exactly_their_duplicate_groups(
    tmp_path: Path,
) -> None:
    leads = pd.read_csv(
        _dataset("odoo_crm_demo_leads", "crm_lead_demo.csv"), dtype=str, keep_default_na=False
    )
    leads = leads[leads["contact_name"].str.strip() != ""]
    people = [
        {
            "Name": row.contact_name,
            "Company": row.partner_name or None,
            "Email": row.email_from or None,
            "Phone": row.phone or None,
            "Country": row.country_id.upper() or None,
        }
        for row in leads.itertuples()
    ]
    backend = new_workbook(tmp_path, people)

    run_cycle(backend, SCHEMA, NOW)

    # Independently: customers in sheet order get C-0001...; a group of rows with one email
    # (lower case, no spaces) is one proposal per row after its first, naming the first.
    ids = [f"C-{n:04d}" for n in range(1, len(leads) + 1)]
    frame = pd.DataFrame(
        {
            "id": ids,
            "email": leads["email_from"].str.strip().str.lower().to_numpy(),
            "phone": leads["phone"].map(lambda p: re.sub(r"\D", "", p)).to_numpy(),
        }
    )
    got = proposals_in(backend.read())
    said: dict[str, set[tuple[str, str]]] = {"same email": set(), "same phone": set()}
    for row_id, text in got.items():
        for entry in text.split("; "):
            match = re.fullmatch(r"(\S+) \((.*)\)", entry)
            assert match is not None, text
            for reason in said:
                if reason in match.group(2):
                    said[reason].add((row_id, match.group(1)))
    for column, reason in (("email", "same email"), ("phone", "same phone")):
        typed = frame[frame[column] != ""]
        groups = [g for g in typed.groupby(column)["id"].apply(list) if len(g) > 1]
        assert {(later, g[0]) for g in groups for later in g[1:]} == said[reason]
        # One original per group: as many groups as distinct originals proposed.
        assert len(groups) == len({original for _, original in said[reason]})
    assert said["same email"] and said["same phone"]
