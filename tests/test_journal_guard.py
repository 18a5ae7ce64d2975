"""The journal is protected (issue 9, point 5; DESIGN invariant 4), on .xlsx and Google Sheets.

The Mail log is what stops a second send. When a person deletes the tab or some of its rows, the
bot must stop sending (and say so in the run output, the Bot status tab and the dashboard) until
a person confirms, while every other rule goes on; a campaign whose Status says Sent is never
sent again. Emails go to a real SMTP server on loopback, which counts what it received.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from automations.cli import main
from automations.commands.run import describe_report
from automations.demo.command import OPEN_WITHOUT_LOGIN
from automations.mail.smtp import SmtpMailer
from automations.status import confirm_mail_log
from sheet_schema.bot_status import MAIL_LOG_CONFIRMED, MAIL_LOG_KEYS, SENDING
from sheet_schema.model import Snapshot
from sheet_schema.schema import load_schema
from tests.fixtures_google import FakeTime, fake_time, service_account_file, sheets_emulator
from tests.fixtures_rules import NOW
from tests.fixtures_typed import Workbook, make_workbook
from tests.sheets_emulator import EmulatorServer
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["fake_time", "service_account_file", "sheets_emulator", "smtp_server"]

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
BACKENDS = ("xlsx", "google")
WELCOME = {
    "Templates": [
        {
            "Key": "welcome",
            "Language": "en",
            "Subject": "Welcome",
            "Body": "Hello {{ customer.name }}",
        }
    ],
    "Automations": [{"Kind": "welcome", "Template": "welcome", "Enabled": "yes"}],
}


def hours(n: int) -> timedelta:
    return timedelta(hours=n)


def status_of(snapshot: Snapshot) -> dict[str, str]:
    return {row.row_id: row.text("value") for row in snapshot.tab("Bot status") if row.row_id}


@pytest.fixture
def workbook_on(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: FakeTime,
) -> Workbook:
    """The typed workbook (the Autumn campaign due today to three customers) on a backend, with
    a welcome automation; its first cycles have sent the campaign and marked it Sent."""
    workbook = make_workbook(
        request.param, tmp_path, sheets_emulator, service_account_file, fake_time
    )
    workbook.type(WELCOME)
    return workbook


def send_campaign(workbook: Workbook, server: SmtpTestServer) -> SmtpMailer:
    mailer = SmtpMailer(server.host, server.port, security="none", timeout=2.0)
    assert workbook.run(NOW, mailer).emails_sent == 3
    workbook.run(NOW + hours(1), mailer)  # the campaign's Status catches up: Sent
    after = workbook.read()
    assert after.by_id("Campaigns")["M-0001"].text("status") == "Sent"
    assert status_of(after)[MAIL_LOG_KEYS] == "3"
    assert len(server.received()) == 3
    return mailer


def confirm(workbook: Workbook) -> str:
    """What a person runs: the command for a file, the same function for a spreadsheet."""
    if workbook.google:
        return confirm_mail_log(workbook.backend, load_schema(), NOW + hours(3), None)
    assert main(["confirm-mail-log", "--workbook", str(workbook.path)]) == 0
    return ""


@pytest.mark.parametrize("workbook_on", BACKENDS, indirect=True)
def test_a_deleted_mail_log_stops_sending_until_a_person_confirms(
    workbook_on: Workbook, smtp_server: SmtpTestServer
) -> None:
    workbook = workbook_on
    mailer = send_campaign(workbook, smtp_server)
    workbook.delete_tab("Mail log")
    workbook.type({"Customers": [{"Name": "Dora Reis", "Email": "dora@example.com"}]})

    stopped = workbook.run(NOW + hours(2), mailer)

    assert stopped.emails_sent == 0 and len(smtp_server.received()) == 3
    assert "the Mail log tab is missing" in stopped.sending_stopped
    assert stopped.sending_stopped in describe_report(stopped).splitlines()
    after = workbook.read()
    assert status_of(after)[SENDING] == stopped.sending_stopped
    assert status_of(after)[MAIL_LOG_KEYS] == "3"  # what the bot had recorded, kept
    # The other rules went on: the new customer got an ID and a lifecycle.
    dora = after.by_id("Customers")["C-0004"]
    assert dora.text("name") == "Dora Reis" and dora.text("lifecycle") == "Lead"

    confirm(workbook)
    assert status_of(workbook.read())[MAIL_LOG_CONFIRMED] != ""
    # A customer created today: the welcome goes out; the campaign (Status Sent) does not.
    workbook.type(
        {
            "Customers": [
                {"Name": "Eva Pinto", "Email": "eva@example.com", "Created": date(2026, 11, 4)}
            ]
        }
    )
    resumed = workbook.run(NOW + hours(4), mailer)

    assert resumed.sending_stopped == "" and resumed.emails_sent == 1
    received = smtp_server.received()
    assert len(received) == 4 and received[-1].rcpt_tos == ("eva@example.com",)
    log = workbook.read().by_id("Mail log")
    assert list(log) == ["welcome:C-0005"]  # a new Mail log, started by that send
    assert status_of(workbook.read())[MAIL_LOG_KEYS] == "1"
    # Once there is a Mail log again, the confirmation is spent.
    workbook.run(NOW + hours(5), mailer)
    assert status_of(workbook.read()).get(MAIL_LOG_CONFIRMED, "") == ""
    assert len(smtp_server.received()) == 4


@pytest.mark.parametrize("workbook_on", BACKENDS, indirect=True)
def test_mail_log_rows_deleted_stop_sending_and_a_sent_campaign_is_never_resent(
    workbook_on: Workbook, smtp_server: SmtpTestServer
) -> None:
    workbook = workbook_on
    mailer = send_campaign(workbook, smtp_server)
    workbook.delete_rows("Mail log", 2, 2)  # two of the three rows

    stopped = workbook.run(NOW + hours(2), mailer)

    assert stopped.emails_sent == 0 and len(smtp_server.received()) == 3
    assert "fewer keys (1) than the bot recorded (3)" in stopped.sending_stopped
    confirm(workbook)
    resumed = workbook.run(NOW + hours(4), mailer)
    # Sending is back, and the two customers whose rows are gone get nothing: the campaign
    # says Sent.
    assert resumed.sending_stopped == "" and resumed.emails_sent == 0
    assert len(smtp_server.received()) == 3
    assert status_of(workbook.read())[MAIL_LOG_KEYS] == "1"


def test_the_count_beside_the_file_survives_the_status_tab_being_deleted(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    workbook = make_workbook("xlsx", tmp_path)
    mailer = send_campaign(workbook, smtp_server)
    workbook.delete_tab("Bot status")
    workbook.delete_rows("Mail log", 2, 3)  # every row: the tab is there, empty

    stopped = workbook.run(NOW + hours(2), mailer)

    assert "fewer keys (0) than the bot recorded (3)" in stopped.sending_stopped
    assert stopped.emails_sent == 0 and len(smtp_server.received()) == 3


def test_the_data_quality_page_says_why_sending_stopped(
    tmp_path: Path, smtp_server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = make_workbook("xlsx", tmp_path)
    mailer = send_campaign(workbook, smtp_server)
    workbook.delete_tab("Mail log")
    stopped = workbook.run(NOW + hours(2), mailer)
    argv = ["app.py", "--workbook", str(workbook.path), OPEN_WITHOUT_LOGIN]
    monkeypatch.setattr(sys, "argv", argv)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("sections/quality.py").run()
    assert not at.exception
    assert stopped.sending_stopped in [w.value for w in at.warning]
