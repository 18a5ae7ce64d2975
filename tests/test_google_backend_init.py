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
from sheet_schema.highlights import OVERDUE_COLOUR, PROBLEM_COLOUR, RuleInfo, plan_highlights
from sheet_schema.layout import protection_description
from sheet_schema.layout_plan import LayoutPlan, TabLayout
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


def _rules(state: dict[str, Any], title: str) -> list[dict[str, Any]]:
    """A tab's conditional formats, in the sheet's order."""
    return list(_sheet(state, title).get("conditionalFormats", []))


def _formula(rule: dict[str, Any]) -> str:
    return str(rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"])


def test_a_renamed_won_stage_replaces_sheetcrm_s_overdue_rule_and_keeps_the_team_s_rules(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emu = sheets_emulator
    sid = emu.create_spreadsheet("Team CRM", {"Sheet1": [[]]})
    _init(emu, sid, service_account_file, monkeypatch, capsys)
    header = emu.edits.grid_values(sid, "Deals")[0]
    letter = {h: chr(ord("A") + i) for i, h in enumerate(header)}
    due, stage = letter["Follow-up due"], letter["Stage"]
    # The team's own rules on Deals: big deals in green, deals with a title in blue (the shape of
    # SheetCRM's Problems rule, on another column and in another colour).
    with emu.store.read(sid) as spreadsheet:
        deals_id = spreadsheet.sheet_by_title("Deals").sheet_id  # type: ignore[union-attr]
    team_rules = [
        (f"=${letter['Value']}2>10000", {"green": 0.8}),
        (f"=LEN(${letter['Title']}2)>0", {"blue": 1.0}),
    ]
    emu.edits.apply(
        sid,
        [
            {
                "addConditionalFormatRule": {
                    "rule": {
                        "ranges": [{"sheetId": deals_id, "startRowIndex": 1}],
                        "booleanRule": {
                            "condition": {
                                "type": "CUSTOM_FORMULA",
                                "values": [{"userEnteredValue": formula}],
                            },
                            "format": {"backgroundColor": colour},
                        },
                    },
                    "index": 2 + at,
                }
            }
            for at, (formula, colour) in enumerate(team_rules)
        ],
    )
    before = _state(emu, sid)
    kept = [r for r in _rules(before, "Deals") if "TODAY()" not in _formula(r)]
    assert sorted(_formula(r) for r in kept) == sorted(
        [f"=LEN(${letter['Problems']}2)>0", *(f for f, _ in team_rules)]
    )
    (old,) = [_formula(r) for r in _rules(before, "Deals") if "TODAY()" in _formula(r)]
    assert f'${stage}2<>"Won"' in old

    # A person renames Won in the Lists tab (Meaning still says won).
    lists = emu.edits.grid_values(sid, "Lists")
    won_row = next(i for i, r in enumerate(lists, start=1) if r[:2] == ["Stage", "Won"])
    emu.edits.set_values(sid, f"'Lists'!B{won_row}", [["Closed - paid"]])

    summary = _init(emu, sid, service_account_file, monkeypatch, capsys)

    assert "- 1 highlight rule updated" in summary
    assert "highlight rules (overdue" not in summary  # nothing added besides
    after = _state(emu, sid)
    deals_rules = _rules(after, "Deals")
    assert [_formula(r) for r in deals_rules if "TODAY()" in _formula(r)] == [
        f'=AND(ISNUMBER(${due}2),${due}2<TODAY(),${stage}2<>"Closed - paid",${stage}2<>"Lost")'
    ]
    # The Problems rule and the team's rules are there once each, exactly as they were.
    assert [r for r in deals_rules if "TODAY()" not in _formula(r)] == kept
    for sheet in after["sheets"]:
        title = sheet["properties"]["title"]
        if title != "Deals":
            assert _rules(after, title) == _rules(before, title)

    # Again: nothing to do.
    emu.reset_stats()
    summary = _init(emu, sid, service_account_file, monkeypatch, capsys)
    assert "already set up" in summary
    assert "spreadsheets.batchUpdate" not in emu.stats()["requests"]
    assert _state(emu, sid) == after


def test_sheetcrm_s_stale_highlight_rules_are_recognised_and_the_team_s_are_not(
    schema: Schema,
) -> None:
    """A sheet where an older init left two overdue rules and the Problems column moved."""
    deals = schema.tab("Deals")
    positions = {c.key: i for i, c in enumerate(deals.columns)}
    letter = {c.header: chr(ord("A") + i) for i, c in enumerate(deals.columns)}
    due, stage, problems = letter["Follow-up due"], letter["Stage"], letter["Problems"]
    current = f'=AND(ISNUMBER(${due}2),${due}2<TODAY(),${stage}2<>"Won",${stage}2<>"Lost")'
    rules = [
        RuleInfo(current, OVERDUE_COLOUR),
        RuleInfo(f"=LEN(${letter['Title']}2)>0", "0000FF"),  # the team's: other colour
        RuleInfo(f'=AND(ISNUMBER(${due}2),${due}2<TODAY(),${stage}2<>"Paid")', "FFFFFF"),
        RuleInfo("=LEN($ZZ2)>0", PROBLEM_COLOUR),  # SheetCRM's, from before Problems moved
        RuleInfo(f'=AND(ISNUMBER($ZZ2),$ZZ2<TODAY(),${stage}2<>"Won")', "00FF00"),  # the team's
    ]

    missing, stale = plan_highlights(deals, positions, rules)

    assert [h.formula for h in missing] == [f"=LEN(${problems}2)>0"]
    assert [s.index for s in stale] == [3, 2]
    tab = TabLayout(
        deals, "Deals", False, len(positions), highlights=missing, stale_highlights=stale
    )
    summary = LayoutPlan((tab,)).summary("spreadsheet 'Team CRM'")
    assert "- 1 highlight rule updated" in summary
    assert "- 1 outdated highlight rule of SheetCRM's removed" in summary
