"""`sheetcrm init --spreadsheet ID` on an existing Google spreadsheet, through the emulator.

It adds missing tabs and header cells after the team's columns, dropdowns, date checks, a frozen
bold header, highlight rules and warning-only protection of bot columns, in ONE batchUpdate;
it never deletes or reorders anything of the team's, and a second run changes nothing.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from automations.cli import main
from sheet_schema.backends.sheets_layout import layout_requests
from sheet_schema.layout import protection_description
from sheet_schema.schema import Schema
from tests.fixtures_google import headers, schema, service_account_file, sheets_emulator
from tests.sheets_emulator import EmulatorServer
from tests.sheets_emulator.metadata import spreadsheet_json

__all__ = ["schema", "service_account_file", "sheets_emulator"]

TEAM_HEADER = ["Full name", "E-mail", "Favourite colour", "Stage of life", "Birthday", "Language"]
TEAM_ROWS = [
    ["Ana", "ana@example.com", "teal", "young", 32874, "es"],
    ["Bo", "bo@example.com", "", "", "", "English"],
]


@pytest.fixture
def team_sheet(sheets_emulator: EmulatorServer) -> str:
    """A spreadsheet a team made by hand: a Customers tab only, their own column order."""
    return sheets_emulator.create_spreadsheet(
        "Team CRM", {"Clients": [TEAM_HEADER, *[list(r) for r in TEAM_ROWS]]}
    )


def _init(
    emu: EmulatorServer,
    sid: str,
    key: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", emu.base_url)
    code = main(["init", "--spreadsheet", sid, "--credentials", str(key)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _state(emu: EmulatorServer, sid: str) -> dict[str, Any]:
    with emu.store.read(sid) as spreadsheet:
        return copy.deepcopy(spreadsheet_json(spreadsheet, include_grid_data=True))


def _sheet(state: dict[str, Any], title: str) -> dict[str, Any]:
    return next(s for s in state["sheets"] if s["properties"]["title"] == title)


def _cell(sheet: dict[str, Any], row: int, column: int) -> dict[str, Any]:
    rows = sheet["data"][0].get("rowData", [])
    values = rows[row].get("values", []) if row < len(rows) else []
    return values[column] if column < len(values) else {}


def _header(sheet: dict[str, Any]) -> list[str]:
    rows = sheet["data"][0].get("rowData", [])
    return [v.get("formattedValue", "") for v in rows[0].get("values", [])] if rows else []


def test_init_adds_what_is_missing_in_one_batch_update_and_keeps_the_team_s_layout(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    team_sheet: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sheets_emulator.reset_stats()

    summary = _init(sheets_emulator, team_sheet, service_account_file, monkeypatch, capsys)

    assert sheets_emulator.stats()["requests"].get("spreadsheets.batchUpdate") == 1
    assert "added tabs: Deals" in summary and "Clients" not in summary.split("added tabs")[1][:80]
    state = _state(sheets_emulator, team_sheet)
    titles = [s["properties"]["title"] for s in state["sheets"]]
    assert titles[0] == "Clients"  # the team's tab stays first, under its own name
    assert set(titles[1:]) == {t.name for t in schema.tabs} - {"Customers"}

    clients = _sheet(state, "Clients")
    header = _header(clients)
    assert header[: len(TEAM_HEADER)] == TEAM_HEADER  # nothing renamed or moved
    known = {"Full name", "E-mail", "Birthday", "Language"}
    added = [h for h in headers(schema, "Customers") if h not in {"Name", "Email", *known}]
    assert header[len(TEAM_HEADER) :] == added
    for row, values in enumerate(TEAM_ROWS, start=1):
        for column, value in enumerate(values):
            if value != "":
                shown = _cell(clients, row, column)["effectiveValue"]
                assert next(iter(shown.values())) == value

    assert clients["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert _cell(clients, 0, 0)["userEnteredFormat"]["textFormat"]["bold"] is True
    language = _cell(clients, 1, TEAM_HEADER.index("Language"))["dataValidation"]
    assert language["condition"]["type"] == "ONE_OF_LIST"
    assert [v["userEnteredValue"] for v in language["condition"]["values"]] == [
        "en",
        "es",
        "pt",
        "el",
    ]
    assert language.get("showCustomUi") is True and not language.get("strict")
    birthday = _cell(clients, 1, TEAM_HEADER.index("Birthday"))["dataValidation"]
    assert birthday["condition"]["type"] == "DATE_IS_VALID"
    assert "dataValidation" not in _cell(clients, 1, TEAM_HEADER.index("Favourite colour"))
    next_action = header.index("Next action date")
    assert _cell(clients, 1, next_action)["userEnteredFormat"]["numberFormat"]["type"] == "DATE"

    protected = {p["description"]: p for p in clients.get("protectedRanges", [])}
    customers = schema.tab("Customers")
    for column in customers.bot_columns:
        entry = protected[protection_description(customers, column)]
        assert entry["warningOnly"] is True
        assert entry["range"]["startColumnIndex"] == header.index(column.header)
    assert len(protected) == len(customers.bot_columns)

    problems_letter = chr(ord("A") + header.index("Problems"))
    formulas = [
        r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for r in clients.get("conditionalFormats", [])
    ]
    assert formulas == [f"=LEN(${problems_letter}2)>0"]
    deals = _sheet(state, "Deals")
    deal_formulas = [
        r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for r in deals["conditionalFormats"]
    ]
    assert any("TODAY()" in f and "ISNUMBER" in f for f in deal_formulas)
    stage = _cell(deals, 1, headers(schema, "Deals").index("Stage"))["dataValidation"]
    assert stage["condition"]["type"] == "ONE_OF_LIST"

    settings = _sheet(state, "Settings")
    rows = settings["data"][0]["rowData"]
    assert rows[1]["values"][0]["formattedValue"] == "Time zone"


def test_a_second_init_changes_nothing(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    team_sheet: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _init(sheets_emulator, team_sheet, service_account_file, monkeypatch, capsys)
    before = _state(sheets_emulator, team_sheet)
    sheets_emulator.reset_stats()

    summary = _init(sheets_emulator, team_sheet, service_account_file, monkeypatch, capsys)

    assert "already set up" in summary and "nothing changed" in summary
    assert "spreadsheets.batchUpdate" not in sheets_emulator.stats()["requests"]
    assert _state(sheets_emulator, team_sheet) == before


def test_init_keeps_the_team_s_own_validation_and_frozen_rows(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    team_sheet: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sheets_emulator.store.read(team_sheet) as spreadsheet:
        sheet_id = spreadsheet.sheets[0].sheet_id
    own_rule = {"condition": {"type": "TEXT_CONTAINS", "values": [{"userEnteredValue": "@"}]}}
    sheets_emulator.edits.apply(
        team_sheet,
        [
            {
                "setDataValidation": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": 1,
                        "startColumnIndex": 5,
                        "endColumnIndex": 6,
                    },
                    "rule": own_rule,
                }
            },
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 2}},
                    "fields": "gridProperties.frozenRowCount",
                }
            },
        ],
    )

    _init(sheets_emulator, team_sheet, service_account_file, monkeypatch, capsys)

    clients = _sheet(_state(sheets_emulator, team_sheet), "Clients")
    assert _cell(clients, 1, 5)["dataValidation"] == own_rule
    assert clients["properties"]["gridProperties"]["frozenRowCount"] == 2


def test_a_duplicated_header_is_reported_and_the_rest_is_set_up(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sid = sheets_emulator.create_spreadsheet(
        "Team CRM", {"Customers": [["Name", "Email", "E-mail"], ["Ana", "a@x.com", "b@x.com"]]}
    )

    summary = _init(sheets_emulator, sid, service_account_file, monkeypatch, capsys)

    assert "Not changed: Customers: column 'Email' appears twice" in summary
    state = _state(sheets_emulator, sid)
    assert _header(_sheet(state, "Customers")) == ["Name", "Email", "E-mail"]
    assert _header(_sheet(state, "Deals")) == headers(schema, "Deals")


def test_a_new_workbook_needs_nothing_more_after_init(schema: Schema) -> None:
    layout = layout_requests(schema, [], {})
    kinds = {next(iter(r)) for r in layout.requests}
    assert {"addSheet", "setDataValidation", "addConditionalFormatRule"} <= kinds
    assert {"addProtectedRange", "updateCells", "repeatCell"} <= kinds
    assert "deleteSheet" not in kinds and "deleteDimension" not in kinds
