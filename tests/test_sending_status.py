"""When no email can go out, the Bot status tab says why, not "On: emails that are due are sent".

A clinic's workbook from `sheetcrm init`, typed with openpyxl (Spanish settings, a patient new
today, a welcome automation). The bot runs as `sheetcrm schedule` would, with nobody reading its
output: the workbook is where the team learns that the mail server refused the password, or
that the Sender email is empty, and that the emails wait. Once fixed, the next cycle sends them
and the row says sending is on again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from automations.cli import main
from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.bot_status import LAST_RUN, LAST_SUCCESS, SENDING
from sheet_schema.schema import load_schema
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["smtp_server"]

SCHEMA = load_schema()
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 24, 9, 40, tzinfo=UTC)
SENDING_ON = "Activo: se envían los correos pendientes."


def clinic(tmp_path: Path, sender: str) -> Path:
    path = tmp_path / "clinica.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    settings = book["Settings"]
    typed = {"Time zone": "Europe/Madrid", "Language": "es", "Sender email": sender}
    for row in range(2, settings.max_row + 1):
        key = settings.cell(row, 1).value
        if key in typed:
            settings.cell(row, 2).value = typed[key]
    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    patient = {"Name": "Rosa Vidal", "Email": "rosa@example.es", "Created": "24/11/2026"}
    customers.append([patient.get(h) for h in header])
    book["Templates"].append([None, "bienvenida", "es", "Bienvenida", "Hola {{ customer.name }}"])
    book["Automations"].append([None, "welcome", "bienvenida", 0, "Sí"])
    book.save(path)
    return path


def bot_status(path: Path) -> dict[str, str]:
    sheet = load_workbook(path)["Bot status"]
    return {str(r[0]): str(r[1] or "") for r in sheet.iter_rows(min_row=2, values_only=True)}


def test_a_refused_login_is_said_in_the_bot_status_until_the_password_is_fixed(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = clinic(tmp_path, "recepcion@clinica.es")
    smtp_server.require_login("recepcion", "correcta")

    def mailer(password: str) -> SmtpMailer:
        return SmtpMailer(
            smtp_server.host,
            smtp_server.port,
            security="none",
            username="recepcion",
            password=password,
            timeout=2.0,
        )

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=mailer("equivocada"))

    assert smtp_server.received() == [] and report.mail_error
    status = bot_status(path)
    assert status[SENDING].startswith("Ningún correo pudo salir en el último ciclo: ")
    assert report.mail_error in status[SENDING]  # the mailer's whole explanation, not cut
    assert "correcta" not in status[SENDING] and "equivocada" not in status[SENDING]
    assert status.get(LAST_SUCCESS) != status[LAST_RUN]  # no success: the dashboard warns

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, LATER, mailer=mailer("correcta"))

    assert [m.rcpt_tos for m in smtp_server.received()] == [("rosa@example.es",)]
    status = bot_status(path)
    assert status[SENDING] == SENDING_ON and status[LAST_SUCCESS] == status[LAST_RUN]


def test_an_empty_sender_email_is_said_in_the_bot_status(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = clinic(tmp_path, "")
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=mailer)

    assert smtp_server.received() == []
    assert "'Sender email' is empty" in bot_status(path)[SENDING]


def test_a_batch_refused_after_the_journal_write_is_said_in_the_bot_status(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = clinic(tmp_path, "recepcion@clinica.es")
    # A first cycle with sending off (`run --no-send`) writes the Bot status rows.
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=None)
    before = bot_status(path)
    smtp_server.deny_relay = True  # the server takes the connection, then refuses the recipient
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, LATER, mailer=mailer)

    assert smtp_server.received() == [] and report.emails_waiting == 1
    status = bot_status(path)
    assert status[SENDING].startswith("El envío se detuvo en el último ciclo: ")
    assert report.mail_error in status[SENDING]
    assert status[LAST_SUCCESS] == before[LAST_SUCCESS] != status[LAST_RUN]

    smtp_server.deny_relay = False
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, LATER, mailer=mailer)

    assert [m.rcpt_tos for m in smtp_server.received()] == [("rosa@example.es",)]
    assert bot_status(path)[SENDING] == SENDING_ON
