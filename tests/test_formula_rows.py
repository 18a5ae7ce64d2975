"""Rows holding formulas are ordinary rows (issue 9, point 3), on both backends.

A formula in any team column (a link in Notes, ``=1+1``, ``=PROPER(B4)``) must not stop a row from
getting its ID in the first cycle, whether the file keeps the formulas' values (as Excel and
LibreOffice save them) or not (as openpyxl saves them). And a row whose new ID could not be
written (a person retyped it while the cycle ran) gets no email under that ID: nothing is logged
or sent for it until the sheet holds its ID.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cycle import run_cycle
from automations.cycle_plan import plan_cycle
from automations.mail.sending import send_and_apply
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.base import Backend
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.cells import datetime_to_serial
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
CREATED = date(2026, 5, 12)
SETTINGS = (("Time zone", "Europe/Madrid"), ("Sender email", "shop@example.com"))
# Customers as typed: (Name, Company, Email, Notes); formulas as a person types them.
TYPED = [
    ("Ana", "", "ana@example.com", ""),
    ("Bea", "", "bea@example.com", '=HYPERLINK("http://x","site")'),
    ("cid", "=PROPER(B4)", "cid@example.com", ""),
    ("Dan", "", "dan@example.com", "=1+1"),
]
# What Excel saves as each formula's value (cell -> value), for the cached-value variant.
CACHED = {"O3": "site", "C4": "Cid", "O5": 2}
EMAILS = sorted(row[2] for row in TYPED)


def _patch_cached_values(path: Path, sheet_index: int, values: dict[str, object]) -> None:
    """Store each formula's value beside it, as Excel does (openpyxl writes an empty <v/>)."""
    member = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    with zipfile.ZipFile(path) as source:
        contents = {name: source.read(name) for name in source.namelist()}
    xml = contents[member].decode("utf-8")
    for ref, value in values.items():
        kind = "" if isinstance(value, int) else ' t="str"'
        xml, found = re.subn(
            rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/>',
            f'<c r="{ref}"\\g<1>{kind}><f>\\g<2></f><v>{value}</v>',
            xml,
        )
        assert found == 1, ref
    contents[member] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in contents.items():
            target.writestr(name, data)


def xlsx_workbook(tmp_path: Path, cached: bool) -> Path:
    """`sheetcrm init`, then a campaign and four customers typed in, formulas included."""
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    book["Templates"].append([None, "news", "en", "News for {{ customer.name }}", "Hello"])
    book["Campaigns"].append([None, "Autumn", None, "news", TODAY, True])
    customers = book["Customers"]
    for number, (name, company, email, notes) in enumerate(TYPED, start=2):
        for column, value in (("B", name), ("C", company), ("D", email), ("O", notes)):
            customers[f"{column}{number}"] = value or None
        customers[f"L{number}"] = CREATED
        customers[f"M{number}"] = True  # Marketing consent
    book.save(path)
    if cached:
        _patch_cached_values(path, book.sheetnames.index("Customers"), CACHED)
    return path


def google_workbook(emu: EmulatorServer, schema: Schema) -> str:
    """The same workbook in Google Sheets, the customers typed in the browser."""
    columns = [c.key for c in schema.tab("Campaigns").columns]
    campaign: list[object] = [""] * len(columns)
    campaign[columns.index("name")] = "Autumn"
    campaign[columns.index("template")] = "news"
    campaign[columns.index("send_on")] = datetime_to_serial(TODAY)
    campaign[columns.index("approved")] = True
    extra = {
        "Templates": [
            headers(schema, "Templates"),
            ["", "news", "en", "News for {{ customer.name }}", "Hello"],
        ],
        "Campaigns": [headers(schema, "Campaigns"), campaign],
    }
    sheets = crm_workbook(schema, [], extra)
    sheets["Settings"] += [list(s) for s in SETTINGS]
    sid = emu.create_spreadsheet("CRM", sheets)
    typed = [
        ["", name, company, email, *[""] * 7, CREATED.isoformat(), "TRUE", "", notes]
        for name, company, email, notes in TYPED
    ]
    emu.edits.set_values(sid, "Customers!A2:O5", typed)
    return sid


def smtp(server: SmtpTestServer) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, security="none", timeout=2.0)


def recipients(server: SmtpTestServer) -> list[str]:
    return sorted(address for r in server.received() for address in r.rcpt_tos)


def assert_one_campaign_each_under_sheet_ids(
    backend: Backend, schema: Schema, server: SmtpTestServer
) -> None:
    """Two cycles: every row gets its ID in the first and its email once, logged under it."""
    first, _ = run_cycle(backend, schema, NOW, mailer=smtp(server))
    second, _ = run_cycle(backend, schema, NOW + timedelta(hours=1), mailer=smtp(server))

    assert first.skipped == [] and second.skipped == []
    assert first.ids_assigned == 6 and second.ids_assigned == 0  # 4 customers, campaign, template
    snapshot = backend.read()
    ids = {row.text("email"): row.row_id for row in snapshot.tab("Customers")}
    assert ids == {
        "ana@example.com": "C-0001",
        "bea@example.com": "C-0002",
        "cid@example.com": "C-0003",
        "dan@example.com": "C-0004",
    }
    assert recipients(server) == EMAILS  # one copy each, over both cycles
    logged = {row.text("to"): row.text("customer_id") for row in snapshot.tab("Mail log")}
    assert logged == ids


@pytest.mark.parametrize("cached", [True, False], ids=["as-excel-saves", "as-openpyxl-saves"])
def test_xlsx_rows_with_formulas_get_their_id_and_email_in_the_first_cycle(
    tmp_path: Path, smtp_server: SmtpTestServer, cached: bool
) -> None:
    path = xlsx_workbook(tmp_path, cached)

    assert_one_campaign_each_under_sheet_ids(XlsxBackend(path, SCHEMA), SCHEMA, smtp_server)

    greeting = {r.rcpt_tos[0]: str(r.message()["Subject"]) for r in smtp_server.received()}
    assert greeting["bea@example.com"] == "News for Bea"
    # The formulas are still formulas after the bot saved the file.
    customers = load_workbook(path)["Customers"]
    assert (customers["O3"].value, customers["C4"].value) == (
        '=HYPERLINK("http://x","site")',
        "=PROPER(B4)",
    )


def test_google_rows_with_formulas_get_their_id_and_email_in_the_first_cycle(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    smtp_server: SmtpTestServer,
) -> None:
    sid = google_workbook(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    assert_one_campaign_each_under_sheet_ids(backend, schema, smtp_server)

    formulas = sheets_emulator.edits.grid_values(sid, "Customers", render="FORMULA")
    assert formulas[2][14] == '=HYPERLINK("http://x","site")'


def assert_no_email_under_an_unwritten_id(
    backend: Backend, schema: Schema, server: SmtpTestServer, retype: Callable[[], None]
) -> None:
    """A person retypes Bea's row between the bot's read and its write: no email for her."""
    snapshot = backend.read()
    plan, _ = plan_cycle(schema, snapshot, NOW)
    assert {e.to for e in plan.emails} == set(EMAILS)  # Bea's email was planned
    retype()
    _, applied, _ = send_and_apply(backend, plan, snapshot, smtp(server), NOW)
    skipped = [s.reason for s in applied.skipped]

    assert any("row 3 changed or moved" in reason for reason in skipped)
    assert "bea@example.com" not in recipients(server)
    snapshot = backend.read()
    sheet_ids = {row.row_id for row in snapshot.tab("Customers") if row.row_id}
    assert "C-0002" not in sheet_ids
    logged = {row.text("customer_id") for row in snapshot.tab("Mail log")}
    assert logged <= sheet_ids and len(logged) == 3

    # The next cycle gives Bea a new ID and her one copy, logged under it.
    run_cycle(backend, schema, NOW + timedelta(hours=1), mailer=smtp(server))
    assert recipients(server) == EMAILS
    snapshot = backend.read()
    bea = next(r for r in snapshot.tab("Customers") if r.text("email") == "bea@example.com")
    assert bea.row_id == "C-0005"
    log = {row.text("to"): row.text("customer_id") for row in snapshot.tab("Mail log")}
    assert log["bea@example.com"] == "C-0005"


def test_xlsx_a_row_retyped_while_the_cycle_runs_gets_no_email_under_an_unwritten_id(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = xlsx_workbook(tmp_path, cached=False)

    def retype() -> None:
        book = load_workbook(path)
        book["Customers"]["B3"] = "Beatriz"
        book.save(path)

    assert_no_email_under_an_unwritten_id(XlsxBackend(path, SCHEMA), SCHEMA, smtp_server, retype)


def test_google_a_row_retyped_while_the_cycle_runs_gets_no_email_under_an_unwritten_id(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    smtp_server: SmtpTestServer,
) -> None:
    sid = google_workbook(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    def retype() -> None:
        sheets_emulator.edits.set_values(sid, "Customers!B3", [["Beatriz"]])

    assert_no_email_under_an_unwritten_id(backend, schema, smtp_server, retype)
