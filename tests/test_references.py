"""Deals and interactions name their customer by what people know (issue 11, point 2).

A workbook made by ``sheetcrm init`` (Settings: Default country ES), customers typed without
IDs, then deals typed naming them by email in capitals, by a phone in the Spanish local format,
by exact name, by "Name (Company)", by a name two customers share, by a typo, by the email of a
customer typed in the same cycle, and by a formula; an interaction names a company. One cycle
later, on both backends, the resolvable cells hold the IDs, the typed text is kept in the row's
Typed references column, the rest say why in Problems, and the formula is still a formula.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from automations.cycle import run_cycle
from automations.cycle_plan import plan_cycle
from automations.intake.command import run_import
from automations.mail.sending import send_and_apply
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.model import Row, Snapshot
from tests.fixtures_google import (
    FakeTime,
    fake_time,
    schema,
    service_account_file,
    sheets_emulator,
)
from tests.fixtures_rules import NOW, SCHEMA, shared_dataset
from tests.fixtures_typed import Workbook, make_workbook
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator"]

TODAY = date(2026, 11, 4)  # NOW in Madrid
SETTINGS = (("Time zone", "Europe/Madrid"), ("Default country", "ES"))
CUSTOMERS = [
    {"Name": "Maria Lopez", "Company": "Acme", "Email": "maria@example.com"},
    {"Name": "María López", "Company": "Zeta", "Email": "mlopez@zeta.example"},
    {"Name": "Pedro Gil", "Email": "pedro@example.com", "Phone": "+34 600 123 456"},
    {"Name": "Lucía Sanz", "Company": "Sol SL", "Email": "lucia@example.com"},
]
# Customer ID as typed in Deals, row by row (D-0001...), and the ID each must end up with
# (None: left as typed).
DEALS = [
    ("MARIA@Example.COM", "C-0001"),  # email, any case
    ("600 12 34 56", "C-0003"),  # Pedro's phone, typed the Spanish way
    ("pedro gil", "C-0003"),  # exact name, any case
    ("Maria Lopez (Zeta)", "C-0002"),  # name and company
    ("Maria Lopez", None),  # two customers are called that
    ("Pedro Gill", None),  # a typo
    ("nuno@example.com", "C-0005"),  # typed in the same cycle as Nuno himself
]
FORMULA = "=600123456+0"  # a formula whose value is Pedro's number: never written over


def _cached(path: Path, sheet: str, ref: str, value: int) -> None:
    """Store a formula's value beside it, as Excel does (openpyxl saves none)."""
    index = load_workbook(path, read_only=True).sheetnames.index(sheet)
    member = f"xl/worksheets/sheet{index + 1}.xml"
    with zipfile.ZipFile(path) as source:
        contents = {name: source.read(name) for name in source.namelist()}
    xml, found = re.subn(
        rf'(<c r="{ref}"[^>]*>)<f>(.*?)</f><v\s*/>',
        rf"\g<1><f>\g<2></f><v>{value}</v>",
        contents[member].decode("utf-8"),
    )
    assert found == 1
    contents[member] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in contents.items():
            target.writestr(name, data)


def _deal(customer: str) -> dict[str, object]:
    return {"Customer ID": customer, "Title": "Sofa", "Stage": "Won", "Closed": TODAY}


def _type_formula(book: Workbook, row: int) -> None:
    """Type the formula into Deals' Customer ID of a row (with Stage), as in the app."""
    if book.google:
        emulator, spreadsheet, _ = book.google
        emulator.edits.set_values(spreadsheet, f"Deals!B{row}:D{row}", [[FORMULA, "Sofa", "Lead"]])
        return
    workbook = load_workbook(book.path)
    sheet = workbook["Deals"]
    sheet[f"B{row}"], sheet[f"C{row}"], sheet[f"D{row}"] = FORMULA, "Sofa", "Lead"
    workbook.save(book.path)
    _cached(book.path, "Deals", f"B{row}", 600123456)


def _by_id(snapshot: Snapshot, tab: str) -> dict[str, Row]:
    return {row.row_id or "": row for row in snapshot.tab(tab)}


@pytest.fixture(params=["xlsx", "google"])
def book(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: FakeTime,
) -> Workbook:
    return make_workbook(
        str(request.param),
        tmp_path,
        sheets_emulator,
        service_account_file,
        fake_time,
        settings=SETTINGS,
        rows={"Customers": CUSTOMERS},
    )


def test_deals_and_interactions_typed_by_email_phone_name_and_company_get_the_id(
    book: Workbook,
) -> None:
    first = book.run()
    assert first.ids_assigned == 4
    book.type(
        {
            "Customers": [{"Name": "Nuno Reis", "Email": "nuno@example.com"}],
            "Deals": [_deal(typed) for typed, _ in DEALS],
            "Interactions": [
                {"Date": datetime(2026, 11, 3, 10, 0), "Customer ID": "sol sl", "Kind": "Call"}
            ],
        }
    )
    _type_formula(book, row=len(DEALS) + 2)

    report = book.run()

    deals = _by_id(book.read(), "Deals")
    got = {row_id: row.text("customer_id") for row_id, row in deals.items()}
    expected = {f"D-{n:04d}": want or typed for n, (typed, want) in enumerate(DEALS, start=1)}
    assert {k: got[k] for k in expected} == expected
    # What the person typed stays readable in the row.
    assert deals["D-0001"].text("typed_references") == (
        "Customer ID: 'MARIA@Example.COM' was replaced by C-0001, matched by Email."
    )
    assert "matched by Phone" in deals["D-0002"].text("typed_references")
    assert "matched by Name and Company" in deals["D-0004"].text("typed_references")
    assert deals["D-0005"].text("typed_references") == ""
    # What cannot be resolved says why, with the candidates; the cell is left as typed.
    assert deals["D-0005"].text("problems") == (
        "Customer ID: 'Maria Lopez' matches 2 rows in Customers (C-0001 and C-0002); type the "
        "ID of the one you mean."
    )
    assert (
        deals["D-0006"]
        .text("problems")
        .startswith(
            "Customer ID: 'Pedro Gill' is not the ID, Email, Phone, Name or Company of any row in "
            "Customers"
        )
    )
    assert "D-0007" in deals and deals["D-0007"].text("problems") == ""
    # The formula is still there, its value untouched, and the report says why.
    assert any("holds a formula" in reason for reason in report.skipped)
    if book.google:
        assert got["D-0008"] == "600123456"
        emulator, spreadsheet, _ = book.google
        formulas = emulator.edits.grid_values(spreadsheet, "Deals", render="FORMULA")
        assert formulas[len(DEALS) + 1][1] == FORMULA
    else:
        # openpyxl saves a formula without its value (Excel computes it again on opening).
        assert load_workbook(book.path)["Deals"][f"B{len(DEALS) + 2}"].value == FORMULA
    # The interaction named the company; the customer's Last contact counts it this cycle.
    snapshot = book.read()
    (interaction,) = snapshot.tab("Interactions")
    assert interaction.text("customer_id") == "C-0004"
    customers = _by_id(snapshot, "Customers")
    assert customers["C-0004"].get("last_contact") == date(2026, 11, 3)
    # Maria's won deal, typed by email, makes her a customer who bought, in this same cycle.
    assert customers["C-0001"].text("lifecycle") == "Active"
    assert customers["C-0005"].text("name") == "Nuno Reis"
    assert (report.references_resolved, report.references_unresolved) == (6, 2)
    assert report.references_ambiguous == 1
    assert any("Deals row 6 (D-0005), Customer ID: 'Maria Lopez'" in n for n in report.notes)

    again = book.run(NOW + timedelta(hours=1))
    assert (again.references_resolved, again.references_unresolved) == (0, 2)
    after = _by_id(book.read(), "Deals")
    assert {k: after[k].text("customer_id") for k in expected} == expected
    assert after["D-0001"].text("typed_references") == deals["D-0001"].text("typed_references")


def test_a_reference_retyped_while_the_cycle_runs_is_kept(book: Workbook) -> None:
    # Two deals typed without their Stage yet: they get IDs, their customer is left alone.
    book.type({"Deals": [{"Customer ID": "pedro@example.com"}, {"Customer ID": "Lucía Sanz"}]})
    book.run()
    for row_id in ("D-0001", "D-0002"):
        book.set_cell("Deals", row_id, "Stage", "Lead")
    snapshot = book.backend.read()
    plan, _ = plan_cycle(SCHEMA, snapshot, NOW)
    # Meanwhile someone retypes the first deal's customer.
    if book.google:
        emulator, spreadsheet, _ = book.google
        emulator.edits.set_values(spreadsheet, "Deals!B2", [["Maria Lopez (Acme)"]], "RAW")
    else:
        workbook = load_workbook(book.path)
        workbook["Deals"]["B2"] = "Maria Lopez (Acme)"
        workbook.save(book.path)

    _, applied, _ = send_and_apply(book.backend, plan, snapshot, None, NOW)

    assert any("was changed meanwhile" in s.reason for s in applied.skipped)
    deals = [row.text("customer_id") for row in book.read().tab("Deals")]
    assert deals == ["Maria Lopez (Acme)", "C-0004"]
    book.run(NOW + timedelta(hours=2))
    deals = [row.text("customer_id") for row in book.read().tab("Deals")]
    assert deals == ["C-0001", "C-0004"]


def test_an_import_names_customers_without_an_id_yet_and_they_get_it_in_the_same_write(
    book: Workbook, tmp_path: Path
) -> None:
    # The customers were typed by hand and no cycle ran yet: none has an ID.
    pipeline = tmp_path / "pipeline.csv"
    pipeline.write_text(
        "account,deal_stage,close_value\n"
        "MARIA@example.com,Won,100\n"
        "+34 600-123-456,Engaging,50\n"
        "Maria Lopez,Won,10\n"
        "Nobody,Won,10\n",
        encoding="utf-8",
    )

    done = run_import(book.backend, SCHEMA, pipeline, "Deals")

    assert done.planned is not None
    assert dict(done.planned.counts) == {
        "added": 2,
        "merged": 0,
        "already there": 0,
        "rejected": 2,
    }
    assert "Gave 2 Customers rows the file names, which had none yet, their ID." in done.lines
    snapshot = book.read()
    ids = {row.text("email"): row.row_id for row in snapshot.tab("Customers")}
    assert ids == {
        "maria@example.com": "C-0001",
        "mlopez@zeta.example": None,
        "pedro@example.com": "C-0003",
        "lucia@example.com": None,
    }
    deals = [(row.row_id, row.text("customer_id")) for row in snapshot.tab("Deals")]
    assert deals == [("D-0001", "C-0001"), ("D-0002", "C-0003")]
    # The next cycle gives the others the next free IDs; nothing is renumbered.
    book.run()
    ids = {row.text("email"): row.row_id for row in book.read().tab("Customers")}
    assert ids["mlopez@zeta.example"] == "C-0004" and ids["pedro@example.com"] == "C-0003"


def test_the_maven_pipeline_naming_its_accounts_by_name_gets_their_ids(tmp_path: Path) -> None:
    """Real data: 8,800 opportunities name their account by name (../shared/datasets)."""
    accounts_csv = shared_dataset("maven_crm_sales_opportunities", "accounts.csv")
    pipeline_csv = shared_dataset("maven_crm_sales_opportunities", "sales_pipeline.csv")
    if accounts_csv is None or pipeline_csv is None:
        pytest.skip("../shared/datasets/maven_crm_sales_opportunities is absent")
    accounts = pd.read_csv(accounts_csv, dtype=str, keep_default_na=False)
    pipeline = pd.read_csv(pipeline_csv, dtype=str, keep_default_na=False)
    path = tmp_path / "maven.xlsx"
    create_workbook(path, SCHEMA)
    # The accounts typed in (no IDs yet), the pipeline pasted with its account names.
    append_rows(
        path,
        SCHEMA,
        {
            "Customers": [{"name": name} for name in accounts["account"]],
            "Deals": [
                {"id": r.opportunity_id, "customer_id": r.account or None, "stage": r.deal_stage}
                for r in pipeline.itertuples(index=False)
            ],
        },
    )
    # Expected, from the files alone: a deal is resolved when its account names exactly one
    # account; an empty account stays empty and is reported as such.
    once = accounts["account"].value_counts()
    once = set(once[once == 1].index)
    named = pipeline["account"].str.strip() != ""
    resolvable = pipeline[named & pipeline["account"].isin(once)]
    unknown = int((named & ~pipeline["account"].isin(accounts["account"])).sum())

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    assert report.references_resolved == len(resolvable)
    assert report.references_unresolved == unknown
    snapshot = XlsxBackend(path, SCHEMA).read()
    names = {row.row_id: row.text("name") for row in snapshot.tab("Customers")}
    deals = {row.row_id: row for row in snapshot.tab("Deals")}
    got = {i: names.get(d.text("customer_id")) for i, d in deals.items() if d.text("customer_id")}
    assert {i: n for i, n in got.items() if n} == dict(
        zip(resolvable["opportunity_id"], resolvable["account"], strict=True)
    )
    empty = [d for d in deals.values() if not d.text("customer_id")]
    assert len(empty) == report.references_empty == int((~named).sum())
    assert (
        f"Deals: {len(empty):,} rows with Customer ID empty, counted for no one until it is "
        "typed" in report.notes
    )


def test_an_interaction_names_its_deal_by_title_and_waits_for_a_customer_retyped_meanwhile(
    book: Workbook,
) -> None:
    book.run()
    book.type(
        {
            "Customers": [{"Name": "Nuno Reis", "Email": "nuno@example.com"}],
            "Deals": [
                {"Customer ID": "C-0003", "Title": "Kitchen", "Stage": "Lead"},
                {"Customer ID": "C-0003", "Title": "Sofa", "Stage": "Lead"},
                {"Customer ID": "C-0004", "Title": "Sofa", "Stage": "Lead"},
                {"Customer ID": "nuno@example.com", "Title": "Desk", "Stage": "Lead"},
            ],
            "Interactions": [
                {
                    "Date": datetime(2026, 11, 3, 10, 0),
                    "Customer ID": "pedro gil",
                    "Deal ID": "kitchen",
                    "Kind": "Call",
                },
                {
                    "Date": datetime(2026, 11, 3, 11, 0),
                    "Customer ID": "Lucía Sanz, Sol SL",
                    "Deal ID": "Sofa",
                    "Kind": "Call",
                },
            ],
        }
    )
    snapshot = book.backend.read()
    plan, _ = plan_cycle(SCHEMA, snapshot, NOW)
    # Meanwhile Nuno's row is retyped: his new ID cannot be written, nor the deal naming it.
    if book.google:
        emulator, spreadsheet, _ = book.google
        emulator.edits.set_values(spreadsheet, "Customers!B6", [["Nuno Reis Silva"]], "RAW")
    else:
        workbook = load_workbook(book.path)
        workbook["Customers"]["B6"] = "Nuno Reis Silva"
        workbook.save(book.path)

    _, applied, _ = send_and_apply(book.backend, plan, snapshot, None, NOW)

    reasons = [s.reason for s in applied.skipped]
    assert any("did not get its ID this cycle" in r for r in reasons), reasons
    after = book.read()
    deals = {row.text("title"): row.text("customer_id") for row in after.tab("Deals")}
    assert deals["Desk"] == "nuno@example.com"
    calls = [(row.text("customer_id"), row.text("deal_id")) for row in after.tab("Interactions")]
    # Kitchen is one deal's title; Sofa is two deals'.
    assert calls == [("C-0003", "D-0001"), ("C-0004", "Sofa")]
    book.run(NOW + timedelta(hours=1))
    after = book.read()
    deals = {row.text("title"): row.text("customer_id") for row in after.tab("Deals")}
    nuno = next(r for r in after.tab("Customers") if r.text("email") == "nuno@example.com")
    assert nuno.row_id == "C-0005" and deals["Desk"] == "C-0005"
    (_, sofa) = after.tab("Interactions")
    assert "matches 2 rows in Deals (D-0002 and D-0003)" in sofa.text("problems")
