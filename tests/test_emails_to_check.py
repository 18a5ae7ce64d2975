"""After a bot killed mid-send, the workbook itself says which email may have gone out.

A 4-person clinic's workbook, made by `sheetcrm init` and typed with openpyxl (Spanish settings,
dates typed as text, a campaign to every patient with consent). `sheetcrm run` is SIGKILLed for
real while it hands the second message to a real SMTP server on loopback; the restarted bot must
send the rest once each, and the Bot status tab (and the dashboard's Data quality page) must name
the email that may have gone out, in Spanish, for as long as a person may need to see it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main as sheetcrm
from sheet_schema.bot_status import EMAILS_TO_CHECK
from tests.smtp_server import SmtpTestServer, smtp_server
from tests.test_dashboard_app import demo_app, open_page, served_on

__all__ = ["served_on", "smtp_server"]

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = ["ana@example.es", "jorge@example.es", "carmen@example.es", "luis@example.es"]


def type_rows(path: Path, tab: str, rows: list[dict[str, object]]) -> None:
    """Type rows under the headers init wrote, after the last row used."""
    book = load_workbook(path)
    sheet = book[tab]
    headers = [cell.value for cell in sheet[1]]
    for row in rows:
        line: list[object] = [None] * len(headers)
        for header, value in row.items():
            line[headers.index(header)] = value
        sheet.append(line)
    book.save(path)


def clinic(folder: Path) -> Path:
    path = folder / "clinica.xlsx"
    assert sheetcrm(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    for row in book["Settings"].iter_rows(min_row=2):
        typed = {"Language": "es", "Time zone": "Europe/Madrid"}.get(str(row[0].value))
        row[1].value = typed or row[1].value
        if row[0].value == "Sender email":
            row[1].value = "recepcion@clinica.example.es"
    book.save(path)
    names = ["Ana García", "Jorge Martín", "Carmen Ruiz", "Luis Fernández"]
    type_rows(
        path,
        "Customers",
        [
            {"Name": name, "Email": email, "Created": "15/03/2023", "Marketing consent": "Sí"}
            for name, email in zip(names, PATIENTS, strict=True)
        ],
    )
    type_rows(
        path,
        "Templates",
        [{"Key": "revision", "Language": "es", "Subject": "Revisión, {{ customer.first_name }}",
          "Body": "Hola {{ customer.first_name }}, te toca la revisión anual."}],
    )  # fmt: skip
    type_rows(
        path,
        "Campaigns",
        [{"Name": "Revisión anual", "Segment filter": "", "Template": "revision",
          "Send on": "01/06/2024", "Approved": "sí"}],
    )  # fmt: skip
    return path


def run(path: Path, smtp: SmtpTestServer, kill_at_message: int | None = None) -> int:
    """`sheetcrm run` in its own process; SIGKILLed while the server holds message N unanswered."""
    command = [sys.executable, "-m", "automations", "run", "--workbook", str(path)]
    command += ["--smtp-host", smtp.host, "--smtp-port", str(smtp.port), "--smtp-security", "none"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    killed = threading.Event()
    seen = [0]

    def hook(command: str) -> None:
        # Called when a message has arrived, before the server answers it: the bot is mid-send.
        if command == "DATA":
            seen[0] += 1
            if seen[0] == kill_at_message:
                killed.set()
                os.kill(process.pid, signal.SIGKILL)

    smtp.on_command = hook if kill_at_message else None
    try:
        process.communicate(timeout=120)
    finally:
        smtp.on_command = None
    if kill_at_message:
        assert killed.is_set(), "the run ended before it sent the message it was to be killed at"
    return process.returncode


def bot_status(path: Path) -> dict[str, str]:
    sheet = load_workbook(path)["Bot status"]
    return {str(r[0]): str(r[1] or "") for r in sheet.iter_rows(min_row=2, values_only=True)}


def mail_log_status(path: Path) -> dict[str, str]:
    sheet = load_workbook(path)["Mail log"]
    headers = [cell.value for cell in sheet[1]]
    key, status = headers.index("Key"), headers.index("Status")
    return {r[key]: r[status] for r in sheet.iter_rows(min_row=2, values_only=True) if r[key]}


@pytest.mark.slow
def test_a_killed_send_is_named_in_the_bot_status_tab_and_nobody_is_mailed_twice(
    tmp_path: Path,
    smtp_server: SmtpTestServer,
    monkeypatch: pytest.MonkeyPatch,
    served_on: None,
) -> None:
    path = clinic(tmp_path)

    assert run(path, smtp_server, kill_at_message=2) == -signal.SIGKILL
    in_flight = smtp_server.received()[1].rcpt_tos[0]
    assert run(path, smtp_server) == 0

    received = [m.rcpt_tos[0] for m in smtp_server.received()]
    assert sorted(received) == sorted(PATIENTS)  # every patient once: none lost, none twice
    statuses = mail_log_status(path)
    unknown = [key for key, status in statuses.items() if status == "Unknown"]
    assert len(unknown) == 1 and sorted(set(statuses.values())) == ["Sent", "Unknown"]
    line = bot_status(path)[EMAILS_TO_CHECK]
    assert unknown[0] in line and in_flight in line
    assert "carpeta Enviados" in line  # in the workbook's language, saying what to do
    assert len(line.splitlines()) == 1

    # A later cycle (nothing left to send) still names it: the team may look days later.
    assert run(path, smtp_server) == 0
    assert bot_status(path)[EMAILS_TO_CHECK] == line
    assert len(smtp_server.received()) == len(PATIENTS)

    at = open_page(demo_app(path, monkeypatch).run(), "quality")
    assert any(unknown[0] in w.value and in_flight in w.value for w in at.warning)
