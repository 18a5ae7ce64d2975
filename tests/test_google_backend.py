"""The Google Sheets backend against the emulator, through the real gspread client.

Reads are one metadata GET and one values:batchGet; writes are one small re-read, one RAW
values:batchUpdateByDataFilter (columns addressed by their tags) and one read-back check,
whatever the row count; rows are addressed by ID at write time, so people inserting, deleting
and sorting rows meanwhile never make a value land in the wrong row.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from automations.cycle import run_cycle
from automations.cycle_plan import build_plan
from sheet_schema.backends.google_sheets import GoogleSheetsBackend
from sheet_schema.backends.sheets_values import pack
from sheet_schema.cells import datetime_to_serial
from sheet_schema.model import Append, CellWrite, Plan
from sheet_schema.schema import Schema
from tests.fixtures_google import (
    NOW,
    FakeTime,
    backend_for,
    column_of,
    crm_workbook,
    customer_rows,
    fake_time,
    headers,
    schema,
    service_account_file,
    sheets_emulator,
    tab_values,
    write_bot_column,
)
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator"]


def _cell(grid: list[list[Any]], row: int, column: int) -> Any:
    """A cell of a values grid by 1-based row and 0-based column ("" when trimmed away)."""
    line = grid[row - 1] if row - 1 < len(grid) else []
    return line[column] if column < len(line) else ""


def _by_name(schema: Schema, grid: list[list[Any]]) -> dict[str, list[Any]]:
    name_at = column_of(schema, "Customers", "name")
    return {row[name_at]: row for row in grid[1:] if len(row) > name_at and row[name_at]}


def _cycle_calls(
    emu: EmulatorServer, key: Path, schema: Schema, time: FakeTime, customers: int
) -> dict[str, int]:
    sid = emu.create_spreadsheet("CRM", crm_workbook(schema, customer_rows(schema, customers)))
    backend = backend_for(emu, sid, key, schema, time)
    emu.reset_stats()

    def rule(schema: Schema, snapshot: Any, now: datetime) -> Plan:
        plan = write_bot_column(snapshot, "Customers", "reminder")
        history = Append("Stage history", {"time": now, "deal_id": "D-0001", "to": "Won"})
        return Plan(writes=plan.writes, appends=(history,))

    report, _ = run_cycle(backend, schema, NOW, rules=[rule])
    assert report.cells_written == customers
    first: dict[str, int] = emu.stats()["requests"]
    first.pop("token", None)  # once per process lifetime of a key, not per cycle
    # The first write of a bot column tags it (developer metadata): one batchUpdate, once.
    assert first.pop("spreadsheets.batchUpdate") == 1
    emu.reset_stats()
    run_cycle(backend, schema, NOW, rules=[rule])
    again: dict[str, int] = emu.stats()["requests"]
    assert first == again
    return again


def test_api_calls_per_cycle_do_not_grow_with_rows(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    small = _cycle_calls(sheets_emulator, service_account_file, schema, fake_time, 100)
    large = _cycle_calls(sheets_emulator, service_account_file, schema, fake_time, 5000)
    assert small == large
    # Read (metadata + values), re-read, write by column tags, and the check after the write.
    assert small == {
        "spreadsheets.get": 1,
        "values.batchGet": 1,
        "values.batchGetByDataFilter": 2,
        "values.batchUpdateByDataFilter": 1,
    }


def test_read_gives_typed_rows_with_dates_from_serials(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    rows = customer_rows(schema, 2)
    rows[0][column_of(schema, "Customers", "phone")] = "0034612345678"
    rows[0][column_of(schema, "Customers", "birthday")] = 32874  # the serial of 1990-01-01
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, rows))
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    snapshot = backend.read()

    first = snapshot.by_id("Customers")["C-0001"]
    assert first.get("birthday") == date(1990, 1, 1)
    assert first.get("phone") == "0034612345678"  # the leading zeros survive
    assert snapshot.settings.time_zone == "Europe/Madrid"
    assert snapshot.read_at == NOW
    assert "CRM" in backend.describe() and sid in backend.describe()


def test_dates_are_written_as_serial_numbers_with_raw_input(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, customer_rows(schema, 1)))
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    injected = '=IMPORTXML("http://x","//a")'
    plan = Plan(
        writes=(
            CellWrite("Customers", "C-0001", "next_action_date", date(2024, 7, 1)),
            CellWrite("Customers", "C-0001", "problems", injected),
        ),
        appends=(Append("Stage history", {"time": NOW, "deal_id": "D-0001", "to": "Won"}),),
    )

    report = backend.apply(plan)

    assert report.cells_written == 2 and report.rows_appended == 1
    grid = tab_values(sheets_emulator, sid, "Customers")
    assert _cell(grid, 2, column_of(schema, "Customers", "next_action_date")) == 45474
    assert _cell(grid, 2, column_of(schema, "Customers", "problems")) == injected
    history = tab_values(sheets_emulator, sid, "Stage history")
    # 09:30 UTC is 11:30 in the workbook's time zone (Europe/Madrid, summer time).
    expected = datetime_to_serial(datetime(2024, 6, 3, 11, 30))
    assert abs(history[1][0] - expected) < 1e-6
    with sheets_emulator.store.read(sid) as spreadsheet:
        sheet = spreadsheet.sheet_by_title("Customers")
        assert sheet is not None
        cell = sheet.cell(1, column_of(schema, "Customers", "problems"))
        assert cell is not None and cell.formula is None  # RAW: stored as text, never run


def test_people_insert_delete_and_sort_between_read_and_write(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    emu = sheets_emulator
    rows = customer_rows(schema, 6)
    no_id = customer_rows(schema, 1, start=7)[0]
    no_id[column_of(schema, "Customers", "id")] = ""
    sid = emu.create_spreadsheet("CRM", crm_workbook(schema, [*rows, no_id]))
    backend = backend_for(emu, sid, service_account_file, schema, fake_time)
    snapshot = backend.read()
    plan = build_plan(
        schema,
        snapshot,
        NOW,
        rules=[
            lambda s, snap, now: write_bot_column(snap, "Customers", "reminder", _reminder),
            # A rule that tries to overwrite a team column: never applied.
            lambda s, snap, now: write_bot_column(snap, "Customers", "email"),
        ],
    )
    assert len(plan.id_assignments) == 1

    # Meanwhile: a new row typed at the top, C-0003 deleted, everything sorted by name, Z to A.
    typed = [""] * len(headers(schema, "Customers"))
    typed[column_of(schema, "Customers", "name")] = "Customer 00000 typed meanwhile"
    emu.edits.insert_rows(sid, "Customers", 1, rows=[typed])
    emu.edits.delete_rows(sid, "Customers", 4)  # 0-based: row 5 now holds C-0003
    emu.edits.sort_rows(sid, "Customers", column_of(schema, "Customers", "name"), ascending=False)

    report = backend.apply(plan)

    grid = tab_values(emu, sid, "Customers")
    named = _by_name(schema, grid)
    reminder_at = column_of(schema, "Customers", "reminder")
    id_at = column_of(schema, "Customers", "id")
    for name, row in named.items():
        if "typed meanwhile" in name:
            assert _cell([row], 1, reminder_at) == "" and _cell([row], 1, id_at) == ""
        else:
            assert _cell([row], 1, reminder_at) == _reminder_text(name), name
    assert "Customer 00003" not in named
    assert named["Customer 00007"][id_at] == "C-0007"  # found again by its fingerprint
    assert named["Customer 00007"][reminder_at] == _reminder_text("Customer 00007")
    skipped = {(s.row_id, s.column): s.reason for s in report.skipped}
    assert "no longer in the sheet" in skipped[("C-0003", "reminder")]
    assert all(
        named[f"Customer {n:05d}"][column_of(schema, "Customers", "email")]
        == f"customer{n}@example.com"
        for n in (1, 2, 4, 5, 6, 7)
    )
    assert sum(1 for (_, column) in skipped if column == "email") == 7
    assert report.cells_written == 6 and report.ids_assigned == 1


def _reminder(row: Any) -> str:
    return _reminder_text(row.text("name"))


def _reminder_text(name: str) -> str:
    return f"call {name}"


def test_rows_without_id_get_one_even_in_a_big_sheet(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    rows = customer_rows(schema, 30)
    for row in rows[10:13]:
        row[column_of(schema, "Customers", "id")] = ""
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, rows))
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    report, _ = run_cycle(backend, schema, NOW, rules=[])

    assert report.ids_assigned == 3
    grid = tab_values(sheets_emulator, sid, "Customers")
    ids = [r[0] for r in grid[1:]]
    assert ids[10:13] == ["C-0031", "C-0032", "C-0033"]
    assert len(set(ids)) == 30


def test_a_missing_tab_is_reported_and_the_others_still_work(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sheets = crm_workbook(schema, customer_rows(schema, 2))
    del sheets["Deals"]
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    snapshot = backend.read()
    report = backend.apply(
        Plan(
            writes=(
                CellWrite("Customers", "C-0001", "reminder", "hello"),
                CellWrite("Deals", "D-0001", "problems", "lost"),
            )
        )
    )

    missing = [i for i in snapshot.tab_issues if i.code == "tab.missing"]
    assert [i.tab for i in missing] == ["Deals"]
    # The message names the exact command that adds the tab back.
    command = f"sheetcrm init --spreadsheet {sid} --credentials {service_account_file}"
    assert f"Run `{command}` to add it." in missing[0].message
    assert len(snapshot.tab("Customers")) == 2
    assert report.cells_written == 1
    assert [s.tab for s in report.skipped] == ["Deals"]


def test_renamed_header_and_unknown_columns_are_kept(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    header = ["ID", "Full name", "E-mail", "Favourite colour", "Reminder"]
    sid = sheets_emulator.create_spreadsheet(
        "CRM",
        {
            "Clients": [header, ["C-0001", "Ana", "ana@example.com", "teal", ""]],
            "Settings": [["Key", "Value"]],
        },
    )
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    snapshot = backend.read()
    row = snapshot.by_id("Customers")["C-0001"]
    backend.apply(
        Plan(
            writes=(
                CellWrite("Customers", "C-0001", "reminder", "hi Ana"),
                CellWrite("Customers", "C-0001", "problems", "no phone"),
            )
        )
    )

    assert row.get("name") == "Ana" and row.get("email") == "ana@example.com"
    assert row.extra == {"Favourite colour": "teal"}
    grid = tab_values(sheets_emulator, sid, "Clients")
    assert grid[0] == [*header, "Problems"]  # a missing bot column gets its header at the end
    assert grid[1] == ["C-0001", "Ana", "ana@example.com", "teal", "hi Ana", "no phone"]


def test_merged_header_cell_is_reported_and_its_column_never_written(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    rows = customer_rows(schema, 2)
    rows[0][column_of(schema, "Customers", "company")] = "Acme"
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, rows))
    # Name (B1) merged with Company (C1): Company's header disappears, its data stays.
    sheets_emulator.edits.merge_cells(sid, "'Customers'!B1:C1")
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    snapshot = backend.read()
    report = backend.apply(write_bot_column(snapshot, "Customers", "reminder"))

    blank = [i for i in snapshot.tab_issues if i.code == "header.blank"]
    assert [i.column for i in blank] == ["C"] and "Customers" in blank[0].message
    assert snapshot.by_id("Customers")["C-0001"].get("name") == "Customer 00001"
    assert report.cells_written == 2
    grid = tab_values(sheets_emulator, sid, "Customers")
    assert _cell(grid, 2, column_of(schema, "Customers", "company")) == "Acme"


def test_empty_rows_at_the_end_are_not_rows_and_appends_follow_the_real_last_row(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    history = [headers(schema, "Stage history"), [45000.5, "D-0001", "Lead", "Won", "bot"]]
    sheets = crm_workbook(schema, customer_rows(schema, 3), {"Stage history": history})
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    for title in ("Customers", "Stage history"):
        with sheets_emulator.store.read(sid) as spreadsheet:
            sheet = spreadsheet.sheet_by_title(title)
            assert sheet is not None
            sheet_id = sheet.sheet_id
        sheets_emulator.edits.apply(
            sid,
            [{"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": 10000}}],
        )
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    snapshot = backend.read()
    backend.apply(Plan(appends=(Append("Stage history", {"deal_id": "D-0002", "to": "Lost"}),)))

    assert len(snapshot.tab("Customers")) == 3
    grid = tab_values(sheets_emulator, sid, "Stage history")
    assert len(grid) == 3 and grid[2][1:4] == ["D-0002", "", "Lost"]


def test_formulas_are_read_as_their_values(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, customer_rows(schema, 1)))
    notes = column_of(schema, "Customers", "notes")
    letter = chr(ord("A") + notes)
    sheets_emulator.edits.set_values(sid, f"'Customers'!{letter}2", [["=6*7"]])
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    row = backend.read().by_id("Customers")["C-0001"]

    assert row.text("notes") == "42"


def test_formula_text_typed_by_a_customer_stays_text_after_the_bot_writes_its_row(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    injected = '=IMPORTXML("http://x","//a")'
    rows = customer_rows(schema, 1)
    rows[0][column_of(schema, "Customers", "notes")] = injected
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, rows))
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    snapshot = backend.read()
    backend.apply(write_bot_column(snapshot, "Customers", "problems", lambda r: r.text("notes")))

    grid = tab_values(sheets_emulator, sid, "Customers")
    assert _cell(grid, 2, column_of(schema, "Customers", "notes")) == injected
    assert _cell(grid, 2, column_of(schema, "Customers", "problems")) == injected
    with sheets_emulator.store.read(sid) as spreadsheet:
        sheet = spreadsheet.sheet_by_title("Customers")
        assert sheet is not None
        assert all(
            cell is None or cell.formula is None
            for cell in (sheet.cell(1, c) for c in range(sheet.col_count))
        )


def test_an_empty_plan_sends_nothing(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, customer_rows(schema, 3)))
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    sheets_emulator.reset_stats()

    report = backend.apply(Plan())

    assert sheets_emulator.stats()["total"] == 0
    assert report.cells_written == 0


def test_a_missing_log_tab_is_created_with_its_header(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sheets = crm_workbook(schema, customer_rows(schema, 1))
    del sheets["Stage history"]
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()

    report = backend.apply(
        Plan(appends=(Append("Stage history", {"deal_id": "D-0009", "to": "Won"}),))
    )

    assert report.rows_appended == 1
    grid = tab_values(sheets_emulator, sid, "Stage history")
    assert grid[0] == headers(schema, "Stage history")
    assert grid[1][1] == "D-0009"


def test_connect_builds_a_backend_that_only_talks_on_read(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema
) -> None:
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, []))
    sheets_emulator.reset_stats()

    backend = GoogleSheetsBackend.connect(
        sid, service_account_file, schema, sheets_emulator.base_url
    )

    assert sheets_emulator.stats()["total"] == 0
    assert backend.read().tab("Customers") == ()


def test_a_column_inserted_before_the_id_column_meanwhile_skips_that_tab_this_cycle(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, customer_rows(schema, 3)))
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    snapshot = backend.read()
    with sheets_emulator.store.read(sid) as spreadsheet:
        sheet = spreadsheet.sheet_by_title("Customers")
        assert sheet is not None
        sheet_id = sheet.sheet_id
    sheets_emulator.edits.apply(
        sid,
        [
            {
                "insertDimension": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": 0,
                        "endIndex": 1,
                    }
                }
            }
        ],
    )
    before = tab_values(sheets_emulator, sid, "Customers")

    report = backend.apply(write_bot_column(snapshot, "Customers", "reminder"))

    assert report.cells_written == 0
    assert ["columns were moved" in s.reason for s in report.skipped] == [True]
    assert tab_values(sheets_emulator, sid, "Customers") == before
    # The next cycle reads the new layout and writes where the columns are now.
    report = backend.apply(write_bot_column(backend.read(), "Customers", "reminder"))
    assert report.cells_written == 3
    grid = tab_values(sheets_emulator, sid, "Customers")
    assert grid[1][column_of(schema, "Customers", "reminder") + 1] == "for C-0001"


def test_the_grid_grows_when_a_write_needs_more_rows_or_columns(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    history = [headers(schema, "Stage history"), [45000.5, "D-0001", "Lead", "Won", "bot"]]
    sheets = crm_workbook(schema, customer_rows(schema, 1), {"Stage history": history})
    sheets["Customers"] = [["ID", "Name"], ["C-0001", "Ana"]]
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    with sheets_emulator.store.read(sid) as spreadsheet:
        ids = {s.title: s.sheet_id for s in spreadsheet.sheets}
    # Shrink the grids to their data: 2 columns of Customers, 2 rows of Stage history.
    sheets_emulator.edits.apply(
        sid,
        [
            {
                "deleteDimension": {
                    "range": {"sheetId": ids["Customers"], "dimension": "COLUMNS", "startIndex": 2}
                }
            },
            {
                "deleteDimension": {
                    "range": {"sheetId": ids["Stage history"], "dimension": "ROWS", "startIndex": 2}
                }
            },
        ],
    )
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()
    appended = tuple(Append("Stage history", {"deal_id": f"D-{n:04d}"}) for n in range(2, 5))

    report = backend.apply(
        Plan(writes=(CellWrite("Customers", "C-0001", "reminder", "hi"),), appends=appended)
    )

    assert report.cells_written == 1 and report.rows_appended == 3
    assert tab_values(sheets_emulator, sid, "Customers") == [
        ["ID", "Name", "Reminder"],
        ["C-0001", "Ana", "hi"],
    ]
    grid = tab_values(sheets_emulator, sid, "Stage history")
    assert [row[1] for row in grid[1:]] == ["D-0001", "D-0002", "D-0003", "D-0004"]
    assert sheets_emulator.stats()["requests"]["spreadsheets.batchUpdate"] == 1


def test_writing_nothing_to_a_cell_clears_it(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    rows = customer_rows(schema, 2)
    for row in rows:
        row[column_of(schema, "Customers", "problems")] = "Email is not valid"
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, rows))
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)
    backend.read()

    backend.apply(Plan(writes=(CellWrite("Customers", "C-0002", "problems", None),)))

    grid = tab_values(sheets_emulator, sid, "Customers")
    problems = column_of(schema, "Customers", "problems")
    assert [_cell(grid, r, problems) for r in (2, 3)] == ["Email is not valid", ""]


def test_changed_cells_are_sent_as_few_rectangles_that_skip_untouched_cells() -> None:
    cells: dict[tuple[int, int], object] = {
        (2, 0): "C-0001",
        (2, 15): "p",
        (2, 17): "r",
        (3, 15): "q",
        (5, 15): "s",
    }

    blocks = pack(cells)

    assert [(b.top, b.left, b.rows) for b in blocks] == [
        (2, 0, [["C-0001"], [None]]),  # rows 2-3, column A
        (2, 15, [["p", None, "r"], ["q", None, None]]),  # rows 2-3, columns P-R
        (5, 15, [["s"]]),
    ]


def test_reading_some_tabs_fetches_only_those_and_settings(
    sheets_emulator: EmulatorServer, service_account_file: Path, schema: Schema, fake_time: FakeTime
) -> None:
    sheets = crm_workbook(schema, customer_rows(schema, 3))
    del sheets["Deals"]
    sid = sheets_emulator.create_spreadsheet("CRM", sheets)
    backend = backend_for(sheets_emulator, sid, service_account_file, schema, fake_time)

    snapshot = backend.read(tabs=["Customers"])

    assert len(snapshot.tab("Customers")) == 3
    assert snapshot.settings.time_zone == "Europe/Madrid"
    assert not snapshot.readable("Interactions")
    assert not [i for i in snapshot.tab_issues if i.code == "tab.missing"]
    missing = backend.read(tabs=["Customers", "Deals"]).tab_issues
    assert [i.tab for i in missing if i.code == "tab.missing"] == ["Deals"]
