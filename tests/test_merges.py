"""Merging duplicates in the sheet (issue 11, point 3), on both backends, with a real SMTP server.

The bot proposes a likely duplicate; a person types the ID to keep into Merge into; the next
cycle merges: the kept row gets the missing values, deals, interactions and Mail log keys move
to it, the other row is marked and kept, the Merges tab says what happened, and an email the
merged customer already got is never sent again to the kept one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from dashboard.frames import build_frames
from sheet_schema.backends.base import Backend
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook, repair_workbook
from sheet_schema.cells import datetime_to_serial
from sheet_schema.model import Snapshot
from sheet_schema.schema import Schema
from tests.fixtures_google import (
    FakeTime,
    backend_for,
    crm_workbook,
    fake_time,
    headers,
    schema,
    service_account_file,
    sheets_emulator,
)
from tests.fixtures_rules import NOW, SCHEMA
from tests.sheets_emulator import EmulatorServer
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator", "smtp_server"]

TODAY = date(2026, 11, 4)  # NOW in Madrid
CREATED = TODAY - timedelta(days=1)  # yesterday: a welcome is due
SETTINGS = (
    ("Time zone", "Europe/Madrid"),
    ("Sender email", "shop@example.com"),
    ("Default country", "ES"),
)
WELCOME = ["", "welcome", "en", "Welcome, {{ customer.name }}", "Hello"]
# (tab, sheet row, header) -> value, as a person types it.
Cells = Mapping[tuple[str, int, str], object]
Typist = Callable[[Cells], None]

FIRST_DAY: dict[tuple[str, int, str], object] = {
    # Maria typed twice: the first row without an email yet, the second with her home address.
    ("Customers", 2, "Name"): "maria lopez",
    ("Customers", 2, "Company"): "Acme",
    ("Customers", 2, "Phone"): "+34 600 123 456",
    ("Customers", 2, "Created"): CREATED,
    ("Customers", 3, "Name"): "María López ",
    ("Customers", 3, "Company"): "ACME",
    ("Customers", 3, "Phone"): "600 12 34 56",
    ("Customers", 3, "Email"): "maria@home.example",
    ("Customers", 3, "City"): "Madrid",
    ("Customers", 3, "Created"): CREATED,
    # Someone else with a close name at another company.
    ("Customers", 4, "Name"): "Maria Lopes",
    ("Customers", 4, "Company"): "Globex",
    ("Customers", 4, "Email"): "mlopes@globex.example",
    ("Deals", 2, "Customer ID"): "C-0002",
    ("Deals", 2, "Stage"): "Proposal",
    ("Deals", 2, "Created"): CREATED,
    ("Deals", 3, "Customer ID"): "c-0001 ",
    ("Deals", 3, "Stage"): "Lead",
    ("Interactions", 2, "Date"): CREATED,
    ("Interactions", 2, "Customer ID"): "C-0002",
    ("Interactions", 2, "Kind"): "Call",
    ("Automations", 2, "Kind"): "welcome",
    ("Automations", 2, "Template"): "welcome",
    ("Automations", 2, "Offset days"): 0,
    ("Automations", 2, "Enabled"): True,
}
# The next morning's typing: Maria's work address on the kept row, and the merge confirmed.
CONFIRMED: dict[tuple[str, int, str], object] = {
    ("Customers", 2, "Email"): "maria@work.example",
    ("Customers", 3, "Merge into"): "c-0001",
}


def smtp(server: SmtpTestServer) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, security="none", timeout=2.0)


def xlsx_typist(path: Path) -> Typist:
    def type_cells(cells: Cells) -> None:
        book = load_workbook(path)
        for (tab, row, header), value in cells.items():
            sheet = book[tab]
            at = {cell.value: cell.column for cell in sheet[1] if cell.value}
            sheet.cell(row, at[header], value)
        book.save(path)

    return type_cells


def google_typist(emu: EmulatorServer, sid: str, schema: Schema) -> Typist:
    def type_cells(cells: Cells) -> None:
        for (tab, row, header), value in cells.items():
            letter = get_column_letter(headers(schema, tab).index(header) + 1)
            typed = datetime_to_serial(value) if isinstance(value, date) else value
            emu.edits.set_values(sid, f"{tab}!{letter}{row}", [[typed]])

    return type_cells


def customer(snapshot: Snapshot, row_id: str) -> dict[str, str]:
    row = snapshot.by_id("Customers")[row_id]
    return {k: v for k, v in row.raw.items() if v.strip()}


def merge_over_two_cycles(backend: Backend, type_cells: Typist, server: SmtpTestServer) -> None:
    type_cells(FIRST_DAY)
    first, _ = run_cycle(backend, SCHEMA, NOW, mailer=smtp(server))
    seen = backend.read()
    assert first.emails_sent == 1  # the welcome, to the only Maria row with an address
    assert customer(seen, "C-0002")["possible_duplicate_of"] == (
        "C-0001 (same phone, names 100% alike at ACME)"
    )
    assert "possible_duplicate_of" not in customer(seen, "C-0003")

    type_cells(CONFIRMED)
    dry, _ = run_cycle(backend, SCHEMA, NOW + timedelta(hours=1), dry_run=True)
    said = "Merged customer C-0002 into C-0001: filled City;"
    assert any(note.startswith(said) for note in dry.notes), dry.notes
    assert "merged_into" not in customer(backend.read(), "C-0002")  # a dry run writes nothing

    second, _ = run_cycle(backend, SCHEMA, NOW + timedelta(hours=2), mailer=smtp(server))
    third, _ = run_cycle(backend, SCHEMA, NOW + timedelta(hours=4), mailer=smtp(server))

    # No second greeting: the welcome C-0002 got counts as C-0001's, whatever its address.
    assert (second.emails_sent, third.emails_sent) == (0, 0)
    assert [m.rcpt_tos for m in server.received()] == [("maria@home.example",)]
    assert any(note.startswith(said) for note in second.notes), second.notes
    after = backend.read()
    kept, merged = customer(after, "C-0001"), customer(after, "C-0002")
    # The kept row keeps what it had (its work address) and gets what it lacked.
    assert (kept["email"], kept["city"], kept["name"]) == (
        "maria@work.example",
        "Madrid",
        "maria lopez",
    )
    assert merged["merged_into"] == "C-0001 (2026-11-04)"
    assert merged["name"] == "María López " and "lifecycle" not in merged  # kept, as history
    assert "possible_duplicate_of" not in merged and "problems" not in merged
    assert [r.text("customer_id").strip().upper() for r in after.tab("Deals")] == ["C-0001"] * 2
    assert [r.text("customer_id") for r in after.tab("Interactions")] == ["C-0001"]
    log = [(r.text("id"), r.text("customer_id"), r.text("to")) for r in after.tab("Mail log")]
    assert log == [("welcome:C-0001", "C-0001", "maria@home.example")]
    merges = [{k: v for k, v in r.raw.items() if k != "time" and v} for r in after.tab("Merges")]
    assert merges == [
        {
            "kept_id": "C-0001",
            "merged_id": "C-0002",
            "filled": "City",
            "deals_moved": "1",
            "interactions_moved": "1",
            "mail_log_keys_moved": "1",
        }
    ]
    assert third.rows_appended == 0 and third.notes == []  # merged once, not again
    # The dashboard (and `sheetcrm report`) count Maria once.
    assert sorted(build_frames(after).customers["id"]) == ["C-0001", "C-0003"]


def test_xlsx_a_confirmed_duplicate_is_merged_and_never_mailed_twice(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    book["Templates"].append([None if v == "" else v for v in WELCOME])
    book.save(path)

    merge_over_two_cycles(XlsxBackend(path, SCHEMA), xlsx_typist(path), smtp_server)


def test_google_a_confirmed_duplicate_is_merged_and_never_mailed_twice(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    smtp_server: SmtpTestServer,
) -> None:
    sheets = crm_workbook(schema, [], {"Templates": [headers(schema, "Templates"), WELCOME]})
    sheets["Settings"] += [list(s) for s in SETTINGS[1:]]
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    merge_over_two_cycles(backend, google_typist(sheets_emulator, sid, schema), smtp_server)


def problems(snapshot: Snapshot) -> dict[str, str]:
    return {
        str(r.row_id): r.text("problems") for r in snapshot.tab("Customers") if r.text("problems")
    }


def test_a_merge_into_that_cannot_be_done_is_said_in_the_row_and_changes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    type_cells = xlsx_typist(path)
    names = ["Ana", "Bea", "Cid", "Dan", "Eva", "Fay", "Gil"]
    type_cells({("Customers", n, "Name"): name for n, name in enumerate(names, start=2)})
    backend = XlsxBackend(path, SCHEMA)
    run_cycle(backend, SCHEMA, NOW)
    type_cells(
        {
            ("Customers", 3, "Merge into"): "C-0002",  # Bea: her own ID
            ("Customers", 4, "Merge into"): "C-9999",  # Cid: no such customer
            ("Customers", 5, "Merge into"): "C-0005",  # Dan and Eva: each into the other
            ("Customers", 6, "Merge into"): "C-0004",
            ("Customers", 7, "Merge into"): "C-0007",  # Fay into Gil, who goes into Ana
            ("Customers", 8, "Merge into"): "C-0001",
        }
    )

    report, _ = run_cycle(backend, SCHEMA, NOW + timedelta(hours=1))

    said = problems(backend.read())
    assert said == {
        "C-0002": "Merge into: C-0002 is this row's own ID; type the ID of the row to keep.",
        "C-0003": "Merge into: C-9999 is not the ID of any row in Customers.",
        "C-0004": "Merge into: C-0005 says to merge into this row too; clear one of the two "
        "Merge into cells.",
        "C-0005": "Merge into: C-0004 says to merge into this row too; clear one of the two "
        "Merge into cells.",
        "C-0006": "Merge into: C-0007 is itself to be merged into C-0001; type C-0001 instead.",
    }
    for row_id, sentence in said.items():
        assert any(row_id in note and sentence in note for note in report.notes), row_id
    merged = {r.row_id: r.text("merged_into") for r in backend.read().tab("Customers")}
    assert {k: v for k, v in merged.items() if v} == {"C-0007": "C-0001 (2026-11-04)"}

    # Later someone types a deal for Gil by his old ID.
    type_cells({("Deals", 2, "Customer ID"): "c-0007", ("Deals", 2, "Stage"): "Lead"})

    report, _ = run_cycle(backend, SCHEMA, NOW + timedelta(hours=2))

    # Fay's target is merged already: she is told where it went; the deal follows Gil.
    assert problems(backend.read())["C-0006"] == (
        "Merge into: C-0007 was merged into C-0001 already; type C-0001 to merge this row there."
    )
    assert [d.text("customer_id") for d in backend.read().tab("Deals")] == ["C-0001"]
    assert "Deals D-0001: Customer ID c-0007 was merged into C-0001; it now says C-0001." in (
        report.notes
    )


def test_init_adds_the_merge_columns_and_tab_to_a_workbook_made_before_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    del book["Merges"]
    customers = book["Customers"]
    new = ("Possible duplicate of", "Merge into", "Merged into")
    for cell in [c for c in customers[1] if c.value in new]:
        cell.value = None
    customers["B2"] = "Ana"
    book.save(path)

    summary = repair_workbook(path, SCHEMA)

    book = load_workbook(path)
    assert "Merges" in book.sheetnames and "Merges" in summary
    header = [c.value for c in book["Customers"][1]]
    assert header[-3:] == list(new) and book["Customers"]["B2"].value == "Ana"
