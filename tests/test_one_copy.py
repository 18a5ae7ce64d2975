"""One person, one copy (issue 9, point 4), on both backends, through a real SMTP server.

The same person typed twice in Customers (another case, spaces around it, the domain in Unicode
or in its IDNA form, composed or decomposed accents) gets one copy of each email: the first row
gets it, the Mail log names that row, and the dry run and the report say why the others did not.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook

from automations.commands.run import describe_report
from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from automations.plan_text import describe_plan
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
CREATED = TODAY - timedelta(days=1)  # yesterday: their welcome is due
SETTINGS = (("Time zone", "Europe/Madrid"), ("Sender email", "shop@example.com"))
DECOMPOSED = unicodedata.normalize("NFD", "bea@exämple.com")
# (Name, Email) as typed: Ana twice, Bea three times, Cid once.
TYPED = [
    ("Ana", "ana@example.com"),
    ("Ana Ruiz", "  ANA@Example.COM "),
    ("Bea", "bea@xn--exmple-cua.com"),
    ("Bea L.", "Bea@exämple.com"),
    ("Cid", "cid@example.com"),
    ("Bea Lima", DECOMPOSED),
]
PEOPLE = ["ana@example.com", "bea@exämple.com", "cid@example.com"]  # as email-validator writes them
TEMPLATE = ["", "news", "en", "News for {{ customer.name }}", "Hello"]
WELCOME = ["", "welcome", "en", "Welcome, {{ customer.name }}", "Hello"]


def xlsx_workbook(tmp_path: Path) -> Path:
    """`sheetcrm init`, a campaign, a welcome automation and the customers typed in."""
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    book["Templates"].append([None if v == "" else v for v in TEMPLATE])
    book["Templates"].append([None if v == "" else v for v in WELCOME])
    book["Campaigns"].append([None, "Autumn", None, "news", TODAY, True])
    book["Automations"].append([None, "welcome", "welcome", 0, True])
    customers = book["Customers"]
    for number, (name, email) in enumerate(TYPED, start=2):
        customers[f"B{number}"], customers[f"D{number}"] = name, email
        customers[f"L{number}"] = CREATED
        customers[f"M{number}"] = True  # Marketing consent
    book.save(path)
    return path


def google_workbook(emu: EmulatorServer, schema: Schema) -> str:
    """The same workbook in Google Sheets, the customers typed in the browser."""
    keys = [c.key for c in schema.tab("Campaigns").columns]
    campaign: list[object] = [""] * len(keys)
    for key, value in (("name", "Autumn"), ("template", "news"), ("approved", True)):
        campaign[keys.index(key)] = value
    campaign[keys.index("send_on")] = datetime_to_serial(TODAY)
    extra = {
        "Templates": [headers(schema, "Templates"), TEMPLATE, WELCOME],
        "Campaigns": [headers(schema, "Campaigns"), campaign],
        "Automations": [headers(schema, "Automations"), ["", "welcome", "welcome", 0, True]],
    }
    sheets = crm_workbook(schema, [], extra)
    sheets["Settings"] += [list(s) for s in SETTINGS]
    sid = emu.create_spreadsheet("CRM", sheets)
    typed = [["", name, "", email, *[""] * 7, CREATED.isoformat(), "TRUE"] for name, email in TYPED]
    emu.edits.set_values(sid, f"Customers!A2:M{len(TYPED) + 1}", typed)
    return sid


def smtp(server: SmtpTestServer) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, security="none", timeout=2.0)


def assert_one_copy_per_person(backend: Backend, schema: Schema, server: SmtpTestServer) -> None:
    """Dry run, real run, a later run: each person gets the campaign and the welcome once."""
    dry, plan = run_cycle(backend, schema, NOW, dry_run=True, mailer=smtp(server))
    printed = describe_plan(plan) + "\n" + describe_report(dry)
    assert sorted(e.to for e in plan.emails) == sorted(PEOPLE * 2)
    for duplicate, holder in (("C-0002", "C-0001"), ("C-0004", "C-0003"), ("C-0006", "C-0003")):
        for key in (f"campaign:M-0001:{duplicate}", f"welcome:{duplicate}"):
            assert f"{key} not sent: " in printed
        assert f"is also the address of {holder}, who gets this email" in printed

    report, _ = run_cycle(backend, schema, NOW, mailer=smtp(server))
    later, _ = run_cycle(backend, schema, NOW + timedelta(hours=2), mailer=smtp(server))

    assert report.emails_sent == 6 and later.emails_sent == 0
    received = sorted(r.rcpt_tos[0] for r in server.received())
    # The mail server is given the domain in its IDNA form.
    assert received == sorted(["ana@example.com", "bea@xn--exmple-cua.com", "cid@example.com"] * 2)
    assert sum("not sent" in note for note in report.notes) == 6
    log = backend.read().tab("Mail log")
    assert sorted((r.text("to"), r.text("kind"), r.text("customer_id")) for r in log) == [
        ("ana@example.com", "campaign", "C-0001"),
        ("ana@example.com", "welcome", "C-0001"),
        ("bea@exämple.com", "campaign", "C-0003"),
        ("bea@exämple.com", "welcome", "C-0003"),
        ("cid@example.com", "campaign", "C-0005"),
        ("cid@example.com", "welcome", "C-0005"),
    ]
    campaign = backend.read().tab("Campaigns")[0]
    assert (campaign.text("status"), campaign.get("sent")) == ("Sent", 3)


def test_xlsx_one_person_typed_in_several_rows_gets_one_copy(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    backend = XlsxBackend(xlsx_workbook(tmp_path), SCHEMA)

    assert_one_copy_per_person(backend, SCHEMA, smtp_server)


def test_google_one_person_typed_in_several_rows_gets_one_copy(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    smtp_server: SmtpTestServer,
) -> None:
    sid = google_workbook(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    assert_one_copy_per_person(backend, schema, smtp_server)


def test_a_row_added_later_for_the_same_person_gets_nothing_already_sent(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    book["Templates"].append([None if v == "" else v for v in TEMPLATE])
    book["Campaigns"].append([None, "Autumn", None, "news", TODAY, True])
    book["Customers"].append([None, "Ana", None, "ana@example.com", *[None] * 7, CREATED, True])
    book.save(path)
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=smtp(smtp_server))
    # A week later someone types Ana again, unsubscribed from nothing, with her address in capitals.
    book = load_workbook(path)
    book["Customers"].append([None, "Ana R.", None, "Ana@Example.com", *[None] * 7, CREATED, True])
    book.save(path)

    report, _ = run_cycle(
        XlsxBackend(path, SCHEMA), SCHEMA, NOW + timedelta(days=7), mailer=smtp(smtp_server)
    )

    assert report.emails_sent == 0 and len(smtp_server.received()) == 1
    campaign = XlsxBackend(path, SCHEMA).read().tab("Campaigns")[0]
    assert campaign.text("status") == "Sent"


def test_an_unsubscribed_row_stops_every_row_with_that_address(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = xlsx_workbook(tmp_path)
    book = load_workbook(path)
    book["Customers"]["N3"] = True  # Ana's second row: Unsubscribed
    book.save(path)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=smtp(smtp_server))

    assert "ana@example.com" not in {r.rcpt_tos[0] for r in smtp_server.received()}
