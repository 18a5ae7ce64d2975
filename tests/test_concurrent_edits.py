"""People insert rows, delete a row, sort, or insert a column at the worst moments of a cycle.

The edit happens just before the bot's re-read, or between the re-read and the write (the
emulator's ``edits.before`` hook). After the cycle, found by each customer's name: no team cell
changed, every ID is on its own customer (a new ID on the customer meant for it), and both bot
columns hold that customer's own values: what landed on a moved row was put right in the same
cycle.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from automations.cycle import run_cycle
from automations.cycle_plan import build_plan
from automations.mail.smtp import SmtpMailer
from sheet_schema.cells import datetime_to_serial
from sheet_schema.schema import Schema
from tests.concurrent_edits import MOMENTS, customers, damage, edits, ids_by_name, name_rules
from tests.fixtures_google import (
    NOW,
    FakeTime,
    backend_for,
    crm_workbook,
    fake_time,
    headers,
    schema,
    service_account_file,
    sheets_emulator,
)
from tests.sheets_emulator import EmulatorServer
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator", "smtp_server"]
COUNT = 120
MAIL_NOW = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)
TODAY = date(2024, 6, 3)


def smtp_mailer(server: SmtpTestServer) -> SmtpMailer:
    """The bot's SMTP mailer, talking to the test's real SMTP server."""
    return SmtpMailer(server.host, server.port, security="none", timeout=2.0)


@pytest.mark.parametrize("moment", sorted(MOMENTS))
@pytest.mark.parametrize("edit", ["insert_rows", "delete_row", "sort", "insert_column"])
def test_an_edit_at_any_moment_loses_nothing(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    edit: str,
    moment: str,
) -> None:
    emu = sheets_emulator
    typed = customers(schema, COUNT)
    quiet = emu.create_spreadsheet("CRM", crm_workbook(schema, typed))
    calm = backend_for(emu, quiet, service_account_file, schema, fake_time)
    calm.apply(build_plan(schema, calm.read(), NOW, rules=[name_rules]))
    expected_ids = ids_by_name(schema, emu, quiet)

    sid = emu.create_spreadsheet("CRM", crm_workbook(schema, typed))
    backend = backend_for(emu, sid, service_account_file, schema, fake_time)
    emu.edits.before(MOMENTS[moment], edits(schema, emu)[edit])
    report = backend.apply(build_plan(schema, backend.read(), NOW, rules=[name_rules]))

    deleted = {"Customer 00002"} if edit == "delete_row" else set()
    found = damage(schema, emu, sid, typed, deleted, report, expected_ids)
    assert found.as_dict() | {"cells_corrected": 0} == {
        "team_cells_overwritten": 0,
        "ids_on_wrong_row": 0,
        "ids_lost": 0,
        "duplicate_ids": 0,
        "bot_values_wrong": 0,
        "customers_without_id": 0,
        "cells_corrected": 0,
    }
    if moment == "before_write" and edit != "insert_column":
        assert found.cells_corrected > 0  # rows moved under the write and were put right


def test_new_customers_get_one_welcome_when_rows_move_under_the_write(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
    smtp_server: SmtpTestServer,
) -> None:
    emu = sheets_emulator
    keys = [c.key for c in schema.tab("Customers").columns]
    typed = customers(schema, 12, without_id_every=1)  # all new: none has an ID yet
    for row in typed:
        row[keys.index("created")] = datetime_to_serial(TODAY)
    sheets = crm_workbook(schema, typed, _welcome_tabs(schema))
    sheets["Settings"] += [["Sender email", "shop@example.com"]]
    sid = emu.create_spreadsheet("CRM", sheets)
    backend = backend_for(emu, sid, service_account_file, schema, fake_time)

    def sort_and_retype(spreadsheet_id: str) -> None:
        # Between the re-read and the journal write: a sort, and one customer's name retyped,
        # so the ID meant for that row cannot be placed for sure in this cycle.
        emu.edits.set_values(spreadsheet_id, "'Customers'!B4", [["Customer 00003 (Ltd)"]])
        emu.edits.sort_rows(spreadsheet_id, "Customers", keys.index("name"), ascending=False)

    emu.edits.before("values.batchUpdateByDataFilter", sort_and_retype)
    first, _ = run_cycle(backend, schema, MAIL_NOW, mailer=smtp_mailer(smtp_server))
    run_cycle(backend, schema, MAIL_NOW + timedelta(hours=1), mailer=smtp_mailer(smtp_server))

    received = Counter(to for r in smtp_server.received() for to in r.rcpt_tos)
    assert len(received) == 12 and set(received.values()) == {1}, received
    assert first.emails_sent == 11  # the retyped customer's welcome waited for its ID
    ids = ids_by_name(schema, emu, sid)
    assert len(set(ids.values())) == 12 and all(ids.values())


def _welcome_tabs(schema: Schema) -> dict[str, list[list[object]]]:
    def row(tab: str, values: dict[str, object]) -> list[object]:
        return [values.get(c.key, "") for c in schema.tab(tab).columns]

    template = {"key": "welcome", "language": "en", "subject": "Hi {{ customer.name }}"}
    automation = {"kind": "welcome", "template": "welcome", "enabled": True}
    return {
        "Templates": [headers(schema, "Templates"), row("Templates", template | {"body": "Hi"})],
        "Automations": [headers(schema, "Automations"), row("Automations", automation)],
    }
