"""Retries and failures: quota, server errors and dropped connections are retried within bounds,
honouring Retry-After; wrong keys, unshared sheets and wrong ids get a message saying what to do.

Waits run on a fake clock, so every test here takes milliseconds.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from automations.cli import main
from sheet_schema.backends.base import WorkbookError
from sheet_schema.backends.google_sheets import GoogleSheetsBackend
from sheet_schema.backends.sheets_http import call_kind
from sheet_schema.backends.sheets_retry import (
    Failure,
    Retrier,
    RetriesExhausted,
    RetryPolicy,
    parse_retry_after,
)
from sheet_schema.model import Append, CellWrite, Plan
from sheet_schema.schema import Schema
from tests.fixtures_google import (
    FakeTime,
    backend_for,
    column_of,
    crm_workbook,
    customer_rows,
    fake_time,
    schema,
    service_account_file,
    sheets_emulator,
    tab_values,
)
from tests.sheets_emulator import EmulatorServer, write_service_account_file
from tests.sheets_emulator.fixtures import gspread_client

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator"]

REPO = Path(__file__).resolve().parent.parent

# -- the policy on its own ---------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap_and_jitter_only_shortens_it() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=8, jitter=0.5)
    assert [policy.backoff(n, lambda: 0.0) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    assert policy.backoff(3, lambda: 1.0) == 2.0  # at most half of 4 taken off


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None


def test_retrier_stops_after_the_allowed_attempts(fake_time: FakeTime) -> None:
    retrier = fake_time.retrier(attempts=3)
    calls: list[int] = []

    def fail() -> Failure:
        calls.append(1)
        return Failure(503, "unavailable")

    with pytest.raises(RetriesExhausted, match="after 3 attempts"):
        retrier.run(fail)
    assert len(calls) == 3 and fake_time.sleeps == [1, 2]


def test_retrier_stops_when_the_next_wait_would_pass_the_time_limit(fake_time: FakeTime) -> None:
    retrier = fake_time.retrier(attempts=10, total_seconds=10)

    with pytest.raises(RetriesExhausted, match="Google asked to wait 8 s"):
        retrier.run(lambda: Failure(429, "quota", retry_after=8))
    assert fake_time.sleeps == [8]  # 8 s waited; another 8 would end past 10 s


def test_retrier_returns_other_failures_at_once(fake_time: FakeTime) -> None:
    outcome = fake_time.retrier().run(lambda: Failure(403, "denied"))
    assert outcome == Failure(403, "denied") and fake_time.sleeps == []


def test_call_kinds_are_named_as_in_the_api_reference() -> None:
    base = "http://127.0.0.1:1/v4/spreadsheets/abc"
    assert call_kind("GET", base + "?includeGridData=false") == "spreadsheets.get"
    assert call_kind("GET", base + "/values:batchGet") == "values.batchGet"
    assert call_kind("POST", base + "/values:batchUpdate") == "values.batchUpdate"
    assert call_kind("POST", base + ":batchUpdate") == "spreadsheets.batchUpdate"
    assert call_kind("POST", base + "/values/%27A%3AB%27%21A1:append") == "values.append"
    assert call_kind("PUT", base + "/values/%27Sheet1%27%21A1") == "values.update"


# -- through the emulator ----------------------------------------------------------------------


def _sheet(emu: EmulatorServer, schema: Schema, settings: list[list[str]] | None = None) -> str:
    extra = {"Settings": [["Key", "Value"], *settings]} if settings else None
    return emu.create_spreadsheet("CRM", crm_workbook(schema, customer_rows(schema, 3), extra))


def _plan() -> Plan:
    return Plan(writes=(CellWrite("Customers", "C-0002", "reminder", "call back"),))


def test_429_is_retried_after_the_wait_google_asks_for(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = _sheet(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    sheets_emulator.faults.rate_limit(endpoint="values.batchGet", retry_after=7)

    snapshot = backend.read()

    assert len(snapshot.tab("Customers")) == 3
    assert fake_time.sleeps == [7]
    assert backend.api_calls["retries"] == 1


@pytest.mark.parametrize("fault", ["server_error", "unavailable", "drop_connection"])
def test_server_errors_and_dropped_connections_are_retried_and_the_write_lands_once(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    fault: str,
) -> None:
    sid = _sheet(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    getattr(sheets_emulator.faults, fault)(count=2, endpoint="values.batchUpdateByDataFilter")

    report = backend.apply(_plan())

    assert report.cells_written == 1 and report.api_calls["retries"] == 2
    assert fake_time.sleeps == [1, 2]
    grid = tab_values(sheets_emulator, sid, "Customers")
    at = column_of(schema, "Customers", "reminder")
    reminders = [row[at] if at < len(row) else "" for row in grid[1:]]
    assert reminders == ["", "call back", ""]


def test_a_write_that_keeps_failing_fails_the_cycle_and_changes_nothing(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = _sheet(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    before = tab_values(sheets_emulator, sid, "Customers")
    sheets_emulator.faults.server_error(count=50, endpoint="values.batchUpdateByDataFilter")

    with pytest.raises(WorkbookError) as failure:
        backend.apply(_plan())

    message = str(failure.value)
    assert "values.batchUpdateByDataFilter" in message and "HTTP 500" in message
    assert "after 6 attempts" in message and "nothing was changed by this request" in message
    assert tab_values(sheets_emulator, sid, "Customers") == before
    assert sheets_emulator.stats()["faulted"]["values.batchUpdateByDataFilter"] == 6


def test_a_write_whose_answers_were_all_lost_does_not_claim_nothing_changed(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = _sheet(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    # Google carries out the write every time, but its answer never arrives.
    sheets_emulator.faults.lose_answer(count=50, endpoint="values.batchUpdateByDataFilter")

    with pytest.raises(WorkbookError) as failure:
        backend.apply(_plan())

    message = str(failure.value)
    assert "Nothing was changed" not in message and "nothing was changed" not in message
    assert "Google may have applied this change anyway" in message
    assert "writes what is still missing" in message
    grid = tab_values(sheets_emulator, sid, "Customers")
    at = column_of(schema, "Customers", "reminder")
    assert grid[2][at] == "call back"  # it was applied: the message had to say it may be


def test_a_read_that_keeps_failing_says_nothing_was_written(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = _sheet(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    sheets_emulator.faults.drop_connection(count=50, endpoint="values.batchGet")

    with pytest.raises(WorkbookError) as failure:
        backend.read()

    assert "Nothing was written; the next run tries again." in str(failure.value)


def test_the_settings_tab_bounds_the_retries_after_the_first_read(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = _sheet(sheets_emulator, schema, [["Sheets retry attempts", "1"]])
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    sheets_emulator.faults.unavailable(count=3, endpoint="values.batchGetByDataFilter")

    with pytest.raises(WorkbookError, match="after 2 attempts"):
        backend.apply(_plan())
    assert fake_time.sleeps == [1]


def test_a_key_google_does_not_know_is_explained(
    sheets_emulator: EmulatorServer, schema: Schema, fake_time: FakeTime, tmp_path: Path
) -> None:
    sid = _sheet(sheets_emulator, schema)
    key = tmp_path / "deleted-key.json"
    write_service_account_file(key, sheets_emulator, register=False)
    backend = backend_for(sheets_emulator, sid, key, schema, fake_time)

    with pytest.raises(WorkbookError) as failure:
        backend.read()

    message = str(failure.value)
    assert "refused the service-account key" in message and "invalid_grant" in message
    assert "GOOGLE_APPLICATION_CREDENTIALS" in message
    assert fake_time.sleeps == []  # not retried


def test_a_sheet_not_shared_with_the_service_account_names_the_account(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sid = _sheet(sheets_emulator, schema)
    sheets_emulator.store.set_forbidden(sid)
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", sheets_emulator.base_url)
    email = json.loads(service_account_file.read_text())["client_email"]

    code = main(["run", "--spreadsheet", sid, "--credentials", str(service_account_file)])

    error = capsys.readouterr().err
    assert code == 2  # a setting to fix, not a failed cycle
    assert f"add {email} as an Editor" in error and "HTTP 403" in error


def test_a_wrong_spreadsheet_id_is_explained(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    backend = backend_for(sheets_emulator, "1NoSuchSheet", service_account_file, schema, fake_time)

    with pytest.raises(WorkbookError, match=r"No spreadsheet with id '1NoSuchSheet' \(HTTP 404\)"):
        backend.read()


def test_an_unreachable_api_fails_with_the_address_after_bounded_retries(
    service_account_file: Path, schema: Schema, sheets_emulator: EmulatorServer, tmp_path: Path
) -> None:
    sid = _sheet(sheets_emulator, schema)
    time = FakeTime()
    backend = GoogleSheetsBackend.connect(
        sid,
        service_account_file,
        schema,
        "http://127.0.0.1:9",  # nothing listens on the discard port
        retrier=Retrier(RetryPolicy(attempts=3, jitter=0), sleep=time.sleep, clock=time.clock),
    )

    with pytest.raises(WorkbookError, match="connection failed") as failure:
        backend.read()
    assert "after 3 attempts" in str(failure.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such service-account key file"),
        ("{not json", "not valid JSON"),
        ('{"installed": {"client_id": "x"}}', "OAuth client file, not a service-account key"),
        ('{"type": "service_account"}', "missing private_key, client_email, token_uri"),
    ],
)
def test_bad_key_files_are_explained(
    tmp_path: Path, schema: Schema, content: str | None, expected: str
) -> None:
    key = tmp_path / "key.json"
    if content is not None:
        key.write_text(content)
    with pytest.raises(WorkbookError, match=expected):
        GoogleSheetsBackend.connect("1abc", key, schema)


def test_the_example_key_file_is_recognised(schema: Schema) -> None:
    example = REPO / "credentials.example.json"
    fields = json.loads(example.read_text())
    assert set(fields) == {
        "type",
        "project_id",
        "private_key_id",
        "private_key",
        "client_email",
        "client_id",
        "auth_uri",
        "token_uri",
        "auth_provider_x509_cert_url",
        "client_x509_cert_url",
        "universe_domain",
    }
    with pytest.raises(WorkbookError, match="placeholder values"):
        GoogleSheetsBackend.connect("1abc", example, schema)


def test_a_write_retried_after_a_timeout_lands_once_even_with_appended_rows(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = _sheet(sheets_emulator, schema)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    backend.client.set_timeout(0.4)
    # The first write is answered too late: the client gives up and retries while the server
    # still applies it. Both carry the same cells, so the result is the same as one write.
    sheets_emulator.faults.slow(1.0, endpoint="values.batchUpdateByDataFilter")
    plan = Plan(
        writes=_plan().writes,
        appends=(Append("Stage history", {"deal_id": "D-0001", "to": "Won"}),),
    )

    report = backend.apply(plan)

    assert report.api_calls["retries"] >= 1 and report.rows_appended == 1
    time.sleep(1.0)  # let the late first request finish on the server
    history = tab_values(sheets_emulator, sid, "Stage history")
    assert [row[1] for row in history[1:]] == ["D-0001"]


def test_a_backend_can_wrap_an_existing_gspread_client(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema
) -> None:
    sid = _sheet(sheets_emulator, schema)
    client = gspread_client(sheets_emulator, service_account_file)

    backend = GoogleSheetsBackend(client, sid, schema)

    assert len(backend.read().tab("Customers")) == 3
    assert backend.apply(_plan()).cells_written == 1
