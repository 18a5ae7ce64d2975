"""People insert rows, delete a row, sort, or insert a column at the worst moments of a cycle.

The edit happens just before the bot's re-read, or between the re-read and the write (the
emulator's ``edits.before`` hook). After the cycle, found by each customer's name: no team cell
changed, every ID is on its own customer (a new ID on the customer meant for it), and both bot
columns hold that customer's own values: what landed on a moved row was put right in the same
cycle.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from automations.cycle import build_plan
from sheet_schema.schema import Schema
from tests.concurrent_edits import MOMENTS, customers, damage, edits, ids_by_name, name_rules
from tests.fixtures_google import (
    NOW,
    FakeTime,
    backend_for,
    crm_workbook,
    fake_time,
    schema,
    service_account_file,
    sheets_emulator,
)
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator"]
COUNT = 120


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
