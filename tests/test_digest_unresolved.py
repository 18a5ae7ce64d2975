"""A deal whose Customer ID names no single customer still reminds its manager in the digest.

A clinic typed two patients called "Ana García" (mother and daughter) and a deal for "Ana
García". The bot leaves that reference as typed (it names two rows) but still dates the deal's
follow-up, and the dashboard's Reminders page lists it as overdue for Pablo. Pablo's daily
digest, sent through a real SMTP server, must list it too, saying which customer text it could
not place, next to his other reminders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from automations.cli import main
from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.schema import load_schema
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["smtp_server"]

SCHEMA = load_schema()
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # 10:30 in Madrid, after the digest hour (8)


def clinic(tmp_path: Path) -> Path:
    """`sheetcrm init`, then what the reception typed (dates as text, IDs left to the bot)."""
    path = tmp_path / "clinica.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    settings = book["Settings"]
    typed = {"Time zone": "Europe/Madrid", "Sender email": "hola@clinica.es"}
    for row in range(2, settings.max_row + 1):
        key = settings.cell(row, 1).value
        if key in typed:
            settings.cell(row, 2).value = typed[key]
    settings.append(["Manager email Pablo", "pablo@clinica.es"])

    def rows(tab: str, *typed_rows: dict[str, Any]) -> None:
        sheet = book[tab]
        header = [c.value for c in sheet[1]]
        for cells in typed_rows:
            sheet.append([cells.get(h) for h in header])

    rows(
        "Customers",
        {"Name": "Ana García", "Email": "ana.madre@example.es", "Manager": "Pablo"},
        {"Name": "Ana García", "Email": "ana.hija@example.es", "Manager": "Pablo"},
        {"Name": "Jorge Martín", "Email": "jorge@example.es", "Manager": "Pablo"},
    )
    rows(
        "Deals",
        # Lead since 10 November, SLA 2 days: overdue since the 12th.
        {"Customer ID": "Ana García", "Title": "Blanqueamiento", "Stage": "Lead",
         "Manager": "Pablo", "Created": "10/11/2026"},
        # Proposal since the 17th, SLA 7 days: due today.
        {"Customer ID": "jorge@example.es", "Title": "Limpieza", "Stage": "Proposal",
         "Manager": "Pablo", "Created": "17/11/2026"},
    )  # fmt: skip
    book.save(path)
    return path


def test_an_overdue_deal_with_an_ambiguous_customer_is_in_its_managers_digest(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = clinic(tmp_path)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=mailer)

    deals = load_workbook(path)["Deals"]
    header = [c.value for c in deals[1]]
    first = dict(zip(header, next(deals.iter_rows(min_row=2, values_only=True)), strict=False))
    assert first["Customer ID"] == "Ana García"  # left as typed: it names two patients
    assert first["Follow-up due"] == datetime(2026, 11, 12)
    digests = [m.message() for m in smtp_server.received() if m.rcpt_tos == ("pablo@clinica.es",)]
    assert len(digests) == 1
    assert digests[0]["Subject"] == "Your customers' reminders for 24 November 2026: 2"
    lines = [
        line for line in digests[0].get_body(("plain",)).get_content().splitlines()
        if line.startswith("- ")
    ]  # fmt: skip
    assert lines == [
        "- 'Ana García' (names no single customer in Customers): Overdue follow-up: D-0001 in "
        "Lead since 2026-11-10, follow-up due 2026-11-12",
        "- Jorge Martín (C-0003): Follow-up due today: D-0002 Proposal",
    ]
