"""Whole cycles that send email: an .xlsx workbook, a real SMTP server on loopback, the Mail log.

DESIGN invariant 4: at most one send per key, across cycles, crashes and restarts; a send that may
have happened is flagged, never retried. USERS.md #1: the daily cap is respected over a rolling
day and what does not fit waits for a later cycle.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from automations.commands.run import describe_report
from automations.cycle import CycleReport, run_cycle
from automations.mail.journal import MAX_ATTEMPTS, TEMPORARY
from automations.mail.outbox import OutboxMailer
from automations.mail.recovery import INTERRUPTED
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.cells import datetime_to_serial
from sheet_schema.model import Row
from sheet_schema.schema import Schema
from tests.fixtures_google import (
    FakeTime,
    backend_for,
    crm_workbook,
    customer_rows,
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

SETTINGS = (
    ("Time zone", "Europe/Madrid"),
    ("Sender email", "shop@example.com"),
    ("Sender name", "Costa Shop"),
    ("Daily send cap", "10"),
)
TODAY = date(2026, 11, 4)  # NOW (10:00 UTC) in Madrid


def customers(count: int, created: date = TODAY) -> list[dict[str, object]]:
    return [
        {
            "name": f"Customer {n}",
            "email": f"c{n}@example.com",
            "created": created,
            "marketing_consent": True,
        }
        for n in range(1, count + 1)
    ]


def workbook(
    tmp_path: Path,
    count: int = 3,
    cap: int = 10,
    sender: str = "shop@example.com",
    created: date = TODAY,
) -> Path:
    """Customers created today, a welcome automation and its template: one welcome each."""
    path = tmp_path / "crm.xlsx"
    changed = {"Daily send cap": str(cap), "Sender email": sender}
    create_workbook(path, SCHEMA, settings=[(k, changed.get(k, v)) for k, v in SETTINGS])
    append_rows(
        path,
        SCHEMA,
        {
            "Customers": customers(count, created),
            "Templates": [
                {
                    "key": "welcome",
                    "language": "en",
                    "subject": "Welcome, {{ customer.name }}!",
                    "body": "Hello {{ customer.name }},\n\nThank you.\n\n{{ sender.name }}",
                }
            ],
            "Automations": [
                {"kind": "welcome", "template": "welcome", "offset_days": 0, "enabled": True}
            ],
        },
    )
    return path


def smtp(server: SmtpTestServer) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, security="none", timeout=2.0)


def run_args(path: Path, server: SmtpTestServer) -> list[str]:
    """`sheetcrm run` on the workbook, through the test server as shop@example.com."""
    return [
        *("run", "--workbook", str(path), "--smtp-host", server.host),
        *("--smtp-port", str(server.port), "--smtp-security", "none"),
        *("--smtp-user", "shop@example.com"),
    ]


def cycle(path: Path, mailer: SmtpMailer | OutboxMailer | None, now: datetime = NOW) -> CycleReport:
    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, now, mailer=mailer)
    return report


def mail_log(path: Path) -> dict[str, Row]:
    return XlsxBackend(path, SCHEMA).read().by_id("Mail log")


def test_due_emails_are_sent_once_and_logged(tmp_path: Path, smtp_server: SmtpTestServer) -> None:
    path = workbook(tmp_path)

    report = cycle(path, smtp(smtp_server))

    assert (report.emails_planned, report.emails_sent) == (3, 3)
    received = smtp_server.received()
    assert sorted(r.rcpt_tos for r in received) == [
        ("c1@example.com",),
        ("c2@example.com",),
        ("c3@example.com",),
    ]
    first = received[0].message()
    assert first["From"] == "Costa Shop <shop@example.com>"
    assert str(first["Subject"]).startswith("Welcome, Customer ")
    log = mail_log(path)
    assert sorted(log) == ["welcome:C-0001", "welcome:C-0002", "welcome:C-0003"]
    row = log["welcome:C-0001"]
    assert row.text("status") == "Sent" and row.get("attempts") == 1
    assert row.get("sent_at") == datetime(2026, 11, 4, 11, 0)  # Madrid wall-clock time
    assert row.text("to") == "c1@example.com" and row.text("kind") == "welcome"

    # The same emails are still due an hour later: the Mail log says they went, so none goes.
    again = cycle(path, smtp(smtp_server), NOW + timedelta(hours=1))
    assert (again.emails_planned, again.emails_sent) == (0, 0)
    assert len(smtp_server.received()) == 3


def test_a_send_that_may_have_happened_is_flagged_and_never_retried(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=1)
    smtp_server.drop_after_data = True  # the server took the message, then the line went dead

    report = cycle(path, smtp(smtp_server))

    assert report.emails_unknown == 1 and report.emails_sent == 0
    assert mail_log(path)["welcome:C-0001"].text("status") == "Unknown"
    smtp_server.drop_after_data = False
    cycle(path, smtp(smtp_server), NOW + timedelta(hours=1))
    assert len(smtp_server.received()) == 1  # only the first attempt ever reached the server


def test_a_cycle_that_stopped_after_journaling_leaves_its_emails_unknown(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=2)
    # What a cycle killed between sending and recording leaves: a Planned row.
    append_rows(
        path,
        SCHEMA,
        {
            "Mail log": [
                {
                    "id": "welcome:C-0001",
                    "planned_at": datetime(2026, 11, 4, 10, 50),
                    "to": "c1@example.com",
                    "status": "Planned",
                    "attempts": 1,
                }
            ]
        },
    )

    report = cycle(path, smtp(smtp_server))

    assert [r.rcpt_tos for r in smtp_server.received()] == [("c2@example.com",)]
    assert report.emails_sent == 1
    interrupted = mail_log(path)["welcome:C-0001"]
    assert interrupted.text("status") == "Unknown" and interrupted.text("error") == INTERRUPTED


def test_the_daily_cap_holds_over_a_rolling_day_and_the_rest_waits(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=5, cap=2)

    first = cycle(path, smtp(smtp_server))
    later_that_day = cycle(path, smtp(smtp_server), NOW + timedelta(hours=23))
    next_day = cycle(path, smtp(smtp_server), NOW + timedelta(hours=24, minutes=1))

    assert (first.emails_sent, first.emails_deferred) == (2, 3)
    assert (later_that_day.emails_sent, later_that_day.emails_deferred) == (0, 3)
    assert (next_day.emails_sent, next_day.emails_deferred) == (2, 1)
    assert len(smtp_server.received()) == 4
    assert len(mail_log(path)) == 4


def test_temporary_failures_are_retried_a_few_times_then_left(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=1)
    smtp_server.defer.add("c1@example.com")  # 451: try again later

    for hour in range(MAX_ATTEMPTS + 1):
        cycle(path, smtp(smtp_server), NOW + timedelta(hours=hour))

    row = mail_log(path)["welcome:C-0001"]
    assert row.text("status") == "Failed" and row.text("error").startswith(TEMPORARY)
    assert row.get("attempts") == MAX_ATTEMPTS  # the last cycle did not try again
    assert smtp_server.received() == []


def test_a_temporary_failure_goes_out_at_the_next_cycle(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=1)
    smtp_server.defer.add("c1@example.com")
    cycle(path, smtp(smtp_server))
    smtp_server.defer.clear()

    report = cycle(path, smtp(smtp_server), NOW + timedelta(hours=1))

    assert report.emails_sent == 1 and len(smtp_server.received()) == 1
    row = mail_log(path)["welcome:C-0001"]
    assert row.text("status") == "Sent" and row.get("attempts") == 2 and not row.text("error")


def test_a_refused_address_bounces_and_gets_no_marketing_email_after(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=2)
    smtp_server.refuse.add("c1@example.com")
    append_rows(
        path,
        SCHEMA,
        {
            "Campaigns": [
                {
                    "name": "News",
                    "template": "welcome",
                    "send_on": TODAY,
                    "approved": True,
                }
            ]
        },
    )

    report = cycle(path, smtp(smtp_server))

    log = mail_log(path)
    assert log["welcome:C-0001"].text("status") == "Bounced"
    assert report.emails_bounced >= 1
    # The campaign went out in the same cycle; in the next one the bounced address is skipped.
    later = cycle(path, smtp(smtp_server), NOW + timedelta(days=2))
    assert later.emails_sent == 0
    to_c1 = [r for r in smtp_server.received() if r.rcpt_tos == ("c1@example.com",)]
    assert to_c1 == []


def test_an_unreachable_mail_server_sends_nothing_and_the_rest_of_the_cycle_is_written(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=2)
    closed = SmtpMailer("127.0.0.1", 1, security="none", timeout=1.0)

    report = cycle(path, closed)

    assert report.emails_sent == 0 and "127.0.0.1:1" in report.mail_error
    snapshot = XlsxBackend(path, SCHEMA).read()
    assert [r.row_id for r in snapshot.tab("Customers")] == ["C-0001", "C-0002"]
    assert snapshot.tab("Mail log") == ()  # nothing journaled: they are still due
    assert cycle(path, smtp(smtp_server)).emails_sent == 2


def test_a_server_that_wants_a_login_keeps_every_email_waiting_until_the_login_is_fixed(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    # The mail server answers 530 at MAIL FROM (no login set). That is about the account, not
    # a recipient: no email may be marked Failed for good, however many cycles it lasts.
    path = workbook(tmp_path, count=5)
    smtp_server.require_login("shop@example.com", "right")

    for hour in range(MAX_ATTEMPTS + 2):
        report = cycle(path, smtp(smtp_server), NOW + timedelta(hours=hour))
        assert report.emails_sent == 0 and report.emails_failed == 0
        assert report.emails_waiting == 5
        assert "530" in report.mail_error and "SHEETCRM_SMTP_PASSWORD" in report.mail_error
    log = mail_log(path)
    assert sorted(log) == [f"welcome:C-000{n}" for n in range(1, 6)]
    assert {row.text("status") for row in log.values()} == {"Waiting"}
    assert {row.get("attempts") for row in log.values()} == {0}
    assert smtp_server.received() == []

    fixed = SmtpMailer(
        smtp_server.host, smtp_server.port, "shop@example.com", "right", "none", timeout=2.0
    )
    report = cycle(path, fixed, NOW + timedelta(hours=MAX_ATTEMPTS + 2))

    assert (report.emails_sent, report.emails_waiting) == (5, 0)
    assert len(smtp_server.received()) == 5
    log = mail_log(path)
    assert {row.text("status") for row in log.values()} == {"Sent"}
    assert {row.get("attempts") for row in log.values()} == {1}


def test_a_refused_sender_keeps_the_emails_waiting_and_says_to_check_the_sender(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=3)
    smtp_server.refuse_sender.add("shop@example.com")

    report = cycle(path, smtp(smtp_server))

    assert (report.emails_sent, report.emails_failed, report.emails_waiting) == (0, 0, 3)
    assert "Sender email" in report.mail_error
    smtp_server.refuse_sender.clear()
    assert cycle(path, smtp(smtp_server), NOW + timedelta(hours=1)).emails_sent == 3
    assert len(smtp_server.received()) == 3


@pytest.mark.parametrize("mistake", ["wrong password", "starttls not offered", "wrong port"])
def test_a_misconfigured_mail_server_journals_nothing_and_the_fix_sends_everything(
    tmp_path: Path, smtp_server: SmtpTestServer, mistake: str
) -> None:
    path = workbook(tmp_path, count=4)
    smtp_server.require_login("shop@example.com", "right")
    host, port = smtp_server.host, smtp_server.port
    wrong = {
        "wrong password": SmtpMailer(host, port, "shop@example.com", "nope", "none", timeout=2.0),
        "starttls not offered": SmtpMailer(host, port, "shop@example.com", "right", "starttls"),
        "wrong port": SmtpMailer(host, 1, "shop@example.com", "right", "none", timeout=2.0),
    }[mistake]
    advice = {
        "wrong password": "refused the user name or password",
        "starttls not offered": "does not offer STARTTLS",
        "wrong port": "refused the connection",
    }[mistake]

    report = cycle(path, wrong)

    assert report.emails_sent == 0 and advice in report.mail_error
    assert mail_log(path) == {}  # nothing journaled: every email is still due
    right = SmtpMailer(host, port, "shop@example.com", "right", "none", timeout=2.0)
    assert cycle(path, right, NOW + timedelta(hours=1)).emails_sent == 4
    assert len(smtp_server.received()) == 4


def test_connection_lost_mid_batch_leaves_the_rest_waiting_not_failed(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    # The line drops when the bot names the first recipient: nothing was handed over, so every
    # email of the batch waits (the first one as a temporary failure, the rest untouched).
    path = workbook(tmp_path, count=3)
    smtp_server.drop_at_rcpt = True

    report = cycle(path, smtp(smtp_server))

    assert report.emails_sent == 0 and report.emails_waiting == 2
    log = mail_log(path)
    statuses = sorted(row.text("status") for row in log.values())
    assert statuses == ["Failed", "Waiting", "Waiting"]
    smtp_server.drop_at_rcpt = False
    assert cycle(path, smtp(smtp_server), NOW + timedelta(hours=1)).emails_sent == 3


def test_without_a_sender_address_nothing_is_sent_and_the_report_says_where_to_fix_it(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, sender="")

    report = cycle(path, smtp(smtp_server))

    assert report.emails_sent == 0 and smtp_server.received() == []
    assert "Settings" in report.mail_error and "Sender email" in report.mail_error
    assert mail_log(path) == {}  # still due: they go once the address is filled in


def test_dry_run_sends_and_writes_nothing_but_says_what_would_go(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=2)
    before = path.read_bytes()

    report, plan = run_cycle(
        XlsxBackend(path, SCHEMA), SCHEMA, NOW, dry_run=True, mailer=smtp(smtp_server)
    )

    assert report.emails_planned == 2 and [e.to for e in plan.emails] == [
        "c1@example.com",
        "c2@example.com",
    ]
    assert smtp_server.received() == [] and path.read_bytes() == before


def test_the_dry_run_would_send_exactly_what_the_real_run_then_sends(
    tmp_path: Path, smtp_server: SmtpTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # Four welcomes due; one customer's address needs SMTPUTF8, so it is not planned at all.
    path = workbook(tmp_path, count=4)
    book = load_workbook(path)
    sheet = book["Customers"]
    email_column = [c.value for c in sheet[1]].index("Email") + 1
    sheet.cell(row=3, column=email_column, value="josé@example.com")
    book.save(path)
    rehearsal = tmp_path / "rehearsal.xlsx"
    shutil.copy(path, rehearsal)

    dry, _ = run_cycle(
        XlsxBackend(rehearsal, SCHEMA), SCHEMA, NOW, dry_run=True, mailer=smtp(smtp_server)
    )
    real = cycle(path, smtp(smtp_server))

    assert (dry.emails_sent, dry.emails_failed) == (real.emails_sent, real.emails_failed)
    assert real.emails_sent == len(smtp_server.received()) == 3 and real.emails_failed == 0
    assert "3 would send" in describe_report(dry) and "failed" not in describe_report(dry)


def test_a_campaign_shows_its_sends_in_the_cycle_that_sent_them(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, count=4, cap=10)
    smtp_server.refuse.add("c2@example.com")
    append_rows(
        path,
        SCHEMA,
        {
            "Campaigns": [
                {"name": "News", "template": "welcome", "send_on": TODAY, "approved": True}
            ]
        },
    )

    report = cycle(path, smtp(smtp_server))

    assert report.emails_sent >= 3
    campaign = XlsxBackend(path, SCHEMA).read().tab("Campaigns")[0]
    # Counted in the same cycle, not one cycle late: 3 delivered, c2 refused (bounced).
    assert (campaign.text("status"), campaign.get("sent"), campaign.get("failed")) == (
        "Sent",
        3,
        1,
    )


def test_without_smtp_settings_emails_become_eml_files_in_the_outbox(tmp_path: Path) -> None:
    path = workbook(tmp_path, count=2)

    cycle(path, OutboxMailer(tmp_path / "outbox"))

    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == ["welcome_C-0001.eml", "welcome_C-0002.eml"]
    assert {r.text("status") for r in mail_log(path).values()} == {"Sent"}


def test_sheetcrm_run_sends_through_the_smtp_server_it_is_given(
    tmp_path: Path,
    smtp_server: SmtpTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = workbook(tmp_path, count=2, created=date.today())
    smtp_server.require_login("shop@example.com", "app-password")
    monkeypatch.setenv("SHEETCRM_SMTP_PASSWORD", "app-password")
    args = [*run_args(path, smtp_server), "--json"]

    assert main(args) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["emails_sent"] == len(smtp_server.received()) == 2
    assert "app-password" not in json.dumps(report)


def test_sheetcrm_run_with_a_wrong_password_says_so_and_sends_nothing(
    tmp_path: Path,
    smtp_server: SmtpTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = workbook(tmp_path, count=1, created=date.today())
    smtp_server.require_login("shop@example.com", "right")
    monkeypatch.setenv("SHEETCRM_SMTP_PASSWORD", "wrong-secret")
    args = run_args(path, smtp_server)

    assert main(args) == 0  # the cycle ran; the emails wait for a working login

    out = capsys.readouterr().out
    assert "Emails not sent:" in out and "wrong-secret" not in out
    assert smtp_server.received() == []
    assert mail_log(path) == {}


def _row(schema: Schema, tab: str, values: dict[str, object]) -> list[object]:
    return [values.get(c.key, "") for c in schema.tab(tab).columns]


def test_a_google_sheets_cycle_journals_sends_and_records_in_place(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    smtp_server: SmtpTestServer,
) -> None:
    rows = customer_rows(schema, 2)
    created_at = [c.key for c in schema.tab("Customers").columns].index("created")
    for row in rows:
        row[created_at] = datetime_to_serial(TODAY)
    template = {"key": "welcome", "language": "en", "subject": "Hi {{ customer.name }}"}
    extra = {
        "Templates": [
            headers(schema, "Templates"),
            _row(schema, "Templates", template | {"body": "Hello"}),
        ],
        "Automations": [
            headers(schema, "Automations"),
            _row(
                schema, "Automations", {"kind": "welcome", "template": "welcome", "enabled": True}
            ),
        ],
    }
    sheets = crm_workbook(schema, rows, extra)
    sheets["Settings"] += [["Sender email", "shop@example.com"]]
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    report, _ = run_cycle(backend, schema, NOW, mailer=smtp(smtp_server))
    again, _ = run_cycle(backend, schema, NOW + timedelta(hours=1), mailer=smtp(smtp_server))

    assert report.emails_sent == 2 and again.emails_sent == 0
    assert len(smtp_server.received()) == 2
    log = backend.read().by_id("Mail log")
    assert {key: row.text("status") for key, row in log.items()} == {
        "welcome:C-0001": "Sent",
        "welcome:C-0002": "Sent",
    }
    # Journal and outcomes: two writes, whatever the number of emails.
    assert report.api_calls.get("values.batchUpdateByDataFilter") == 2
