"""A stopped cycle loses no email that was not in flight, and says truthfully what went out.

The local hand-over record (automations/mail/handover_log.py) tells the next cycle which of the
``Planned`` rows a stopped cycle left were answered by the mail server (their outcome is
written), were being handed over (Unknown: they may have gone out) or never left (sent now).
The real SIGKILL runs are in test_kills.py; here the record is what a stopped cycle leaves, and
the outcome write fails the way it does in the field (the workbook opened in Excel, Google
failing for good).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from automations.cli import main
from automations.cycle import run_cycle
from automations.mail.handover_log import HandoverLog
from automations.mail.mailer import SendOutcome, SendResult
from automations.mail.recovery import IN_FLIGHT
from automations.mail.smtp import SmtpMailer
from automations.scheduler import single_instance
from sheet_schema.backends.base import WorkbookError
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

TODAY = date(2026, 11, 4)  # NOW (10:00 UTC) in Madrid
SETTINGS = [
    ("Time zone", "Europe/Madrid"),
    ("Sender email", "shop@example.com"),
    ("Daily send cap", "100"),
]
WELCOME = {"key": "welcome", "language": "en", "subject": "Welcome, {{ customer.name }}!"}


def welcome_workbook(tmp_path: Path, count: int, created: date = TODAY) -> Path:
    """Customers created on ``created`` and a welcome automation: one welcome each that day."""
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=SETTINGS)
    append_rows(
        path,
        SCHEMA,
        {
            "Customers": [
                {"name": f"Customer {n}", "email": f"c{n}@example.com", "created": created}
                for n in range(1, count + 1)
            ],
            "Templates": [WELCOME | {"body": "Hello {{ customer.name }}"}],
            "Automations": [{"kind": "welcome", "template": "welcome", "enabled": True}],
        },
    )
    return path


def smtp(server: SmtpTestServer) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, security="none", timeout=2.0)


def mail_log(path: Path) -> dict[str, Row]:
    return XlsxBackend(path, SCHEMA).read().by_id("Mail log")


def received_keys(server: SmtpTestServer) -> list[str]:
    return sorted(str(r.message()["X-SheetCRM-Key"]) for r in server.received())


def test_the_next_cycle_sends_what_never_left_and_flags_only_the_email_in_flight(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = welcome_workbook(tmp_path, count=4)
    # What a cycle killed mid-batch leaves: four Planned rows, and a hand-over record saying
    # C-0001 was answered (sent at 10:50), C-0002 was being handed over, C-0003 and C-0004
    # never left.
    planned_at = datetime(2026, 11, 4, 10, 50)
    keys = [f"welcome:C-000{n}" for n in range(1, 5)]
    rows = [
        {"id": k, "to": f"c{n}@example.com", "planned_at": planned_at, "status": "Planned"}
        for n, k in enumerate(keys, start=1)
    ]
    append_rows(path, SCHEMA, {"Mail log": [r | {"attempts": 1} for r in rows]})
    handover = HandoverLog(tmp_path / "state" / "handover.jsonl")
    with handover.recording() as writer:
        writer.planned((k, 1) for k in keys)
        writer.handing(keys[0], 1)
        writer.done(keys[0], 1, SendResult(SendOutcome.SENT), planned_at)
        writer.handing(keys[1], 1)

    report, _ = run_cycle(
        XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=smtp(smtp_server), handover=handover
    )

    assert received_keys(smtp_server) == keys[2:]  # only the two that never left
    log = mail_log(path)
    assert {k: log[k].text("status") for k in keys} == {
        keys[0]: "Sent",
        keys[1]: "Unknown",
        keys[2]: "Sent",
        keys[3]: "Sent",
    }
    assert log[keys[0]].get("sent_at") == planned_at  # the time the server answered
    assert log[keys[1]].text("error") == IN_FLIGHT
    assert [log[k].get("attempts") for k in keys[2:]] == [1, 1]  # a resend uses no attempt
    assert (report.emails_interrupted, report.emails_recovered, report.emails_sent) == (1, 3, 2)
    assert handover.read() == {}  # the Mail log holds everything now

    again, _ = run_cycle(
        XlsxBackend(path, SCHEMA),
        SCHEMA,
        NOW + timedelta(hours=1),
        mailer=smtp(smtp_server),
        handover=handover,
    )
    assert again.emails_sent == 0 and len(smtp_server.received()) == 2


def campaign_workbook(tmp_path: Path, count: int) -> Path:
    """An approved campaign sent on a past day to ``count`` consenting customers."""
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=SETTINGS)
    append_rows(
        path,
        SCHEMA,
        {
            "Customers": [
                {
                    "name": f"Customer {n}",
                    "email": f"c{n}@example.com",
                    "created": date(2023, 6, 1),
                    "marketing_consent": True,
                }
                for n in range(1, count + 1)
            ],
            "Templates": [{"key": "news", "language": "en", "subject": "News", "body": "Hi"}],
            "Campaigns": [
                {
                    "name": "Spring",
                    "template": "news",
                    "send_on": date(2024, 3, 1),
                    "approved": True,
                }
            ],
        },
    )
    return path


def test_when_the_outcomes_cannot_be_written_the_command_says_which_emails_went_out(
    tmp_path: Path, smtp_server: SmtpTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = campaign_workbook(tmp_path, count=3)
    lock = path.with_name("~$" + path.name)
    received = 0

    def open_in_excel_after_the_last_message(command: str) -> None:
        nonlocal received
        received += command == "DATA"
        if received == 3:
            lock.write_text("someone")  # Excel opens the workbook while the bot sends

    smtp_server.on_command = open_in_excel_after_the_last_message
    args = [
        *("run", "--workbook", str(path), "--smtp-host", smtp_server.host),
        *("--smtp-port", str(smtp_server.port), "--smtp-security", "none"),
    ]

    assert main(args) == 1

    error = capsys.readouterr().err
    record = path.with_name(f".{path.name}.sheetcrm-handover.jsonl")
    assert "3 emails were sent but their outcome could not be recorded in the Mail log" in error
    assert f"they are recorded in {record} and will be written" in error
    assert "open in another program" in error
    assert {r.text("status") for r in mail_log(path).values()} == {"Planned"}

    lock.unlink()  # Excel closed
    smtp_server.on_command = None
    assert main([*args, "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["emails_recovered"] == 3 and report["emails_sent"] == 0
    assert {r.text("status") for r in mail_log(path).values()} == {"Sent"}
    assert len(smtp_server.received()) == 3  # none sent twice


def test_a_google_outcome_write_that_fails_for_good_is_written_at_the_next_cycle(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
) -> None:
    rows = customer_rows(schema, 2)
    created_at = [c.key for c in schema.tab("Customers").columns].index("created")
    for row in rows:
        row[created_at] = datetime_to_serial(TODAY)
    welcome = WELCOME | {"body": "Hello"}
    template = [welcome.get(c.key, "") for c in schema.tab("Templates").columns]
    automation = {"kind": "welcome", "template": "welcome", "enabled": True}
    extra = {
        "Templates": [headers(schema, "Templates"), template],
        "Automations": [
            headers(schema, "Automations"),
            [automation.get(c.key, "") for c in schema.tab("Automations").columns],
        ],
    }
    sheets = crm_workbook(schema, rows, extra)
    sheets["Settings"] += [["Sender email", "shop@example.com"]]
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    handover = HandoverLog(tmp_path / "state" / sid / "handover.jsonl")

    def google_fails_after_the_first_message(command: str) -> None:
        if command == "DATA" and not sheets_emulator.faults.pending():
            sheets_emulator.faults.server_error(count=50, endpoint="values.batchUpdateByDataFilter")

    smtp_server.on_command = google_fails_after_the_first_message

    with pytest.raises(WorkbookError) as failure:
        run_cycle(backend, schema, NOW, mailer=smtp(smtp_server), handover=handover)

    message = str(failure.value)
    assert message.startswith("2 emails were sent but their outcome could not be recorded")
    assert str(handover.path) in message and "HTTP 500" in message
    sheets_emulator.faults.clear()
    smtp_server.on_command = None

    report, _ = run_cycle(
        backend, schema, NOW + timedelta(minutes=10), mailer=smtp(smtp_server), handover=handover
    )

    log = backend.read().by_id("Mail log")
    assert {key: row.text("status") for key, row in log.items()} == {
        "welcome:C-0001": "Sent",
        "welcome:C-0002": "Sent",
    }
    assert len(smtp_server.received()) == 2
    assert report.emails_recovered == 2
    assert (
        report.api_calls.get("values.batchUpdateByDataFilter") == 1
    )  # the recovery rode on one write


def test_without_a_writable_hand_over_record_nothing_is_sent_and_the_command_says_why(
    tmp_path: Path, smtp_server: SmtpTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = campaign_workbook(tmp_path, count=2)
    blocked = tmp_path / "state"
    blocked.write_text("a file where the folder should be")

    code = main(
        [
            *("run", "--workbook", str(path), "--smtp-host", smtp_server.host),
            *("--smtp-port", str(smtp_server.port), "--smtp-security", "none"),
            *("--state-dir", str(blocked)),
        ]
    )

    out = capsys.readouterr().out
    assert code == 0 and smtp_server.received() == []
    assert f"The hand-over record {blocked / 'handover.jsonl'} cannot be written" in out
    assert mail_log(path) == {}  # nothing journaled: the emails are simply still due


def test_a_run_started_while_another_bot_works_on_the_workbook_changes_and_sends_nothing(
    tmp_path: Path, smtp_server: SmtpTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two overlapping cycles could both send what the other journaled (a cron job started
    # again before the last run ended): one bot per workbook at a time.
    path = campaign_workbook(tmp_path, count=2)
    before = path.read_bytes()
    args = [
        *("run", "--workbook", str(path), "--smtp-host", smtp_server.host),
        *("--smtp-port", str(smtp_server.port), "--smtp-security", "none"),
    ]

    with single_instance(path.with_name(f".{path.name}.sheetcrm.lock")):  # `schedule` runs
        assert main(args) == 1

    assert "already running for this workbook" in capsys.readouterr().err
    assert smtp_server.received() == [] and path.read_bytes() == before
    assert main(args) == 0  # once it stopped
    assert len(smtp_server.received()) == 2
