"""The team's lists: the Lists tab `sheetcrm init` fills, which the team edits like any tab.

Each test starts from `sheetcrm init`, then edits the Lists tab and types rows with openpyxl as
a person would in Excel (Google Sheets through the emulator), and looks where the team looks:
the Problems column, the run output, the report, the dashboard's frames and the dropdowns.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from automations.cli import main
from dashboard.frames import build_frames
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import last_used_row
from tests.fixtures_google import backend_for, fake_time, service_account_file, sheets_emulator
from tests.fixtures_rules import SCHEMA
from tests.fixtures_typed import type_rows
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "service_account_file", "sheets_emulator"]


def init(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["init", "--workbook", str(path)]) == 0
    return capsys.readouterr().out


def run(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["run", "--workbook", str(path)]) == 0
    return capsys.readouterr().out


def lists_rows(sheet: Worksheet) -> list[list[str]]:
    return [
        ["" if v is None else str(v) for v in row[:4]]
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if any(row)
    ]


def row_of(sheet: Worksheet, list_name: str, value: str) -> int:
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if row[0] == list_name and row[1] == value:
            return number
    raise AssertionError(f"{list_name}/{value} not in the Lists tab")


def add_list_rows(path: Path, rows: list[tuple[str | None, ...]], title: str = "Lists") -> None:
    """Type rows at the end of the Lists tab."""
    book = load_workbook(path)
    sheet = book[title]
    start = last_used_row(sheet) + 1
    for offset, row in enumerate(rows):
        for column, text in enumerate(row, start=1):
            sheet.cell(row=start + offset, column=column, value=text)
    book.save(path)


def problems(path: Path, tab: str) -> dict[str, str]:
    sheet = load_workbook(path)[tab]
    header = [c.value for c in sheet[1]]
    at = header.index("Problems")
    return {
        str(r[0]): str(r[at] or "")
        for r in sheet.iter_rows(min_row=2, values_only=True)
        if r[0] is not None
    }


def dropdown_values(path: Path, tab: str, header: str) -> list[str]:
    """What the dropdown of a column offers, as Excel resolves its list."""
    book = load_workbook(path)
    sheet = book[tab]
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[[c.value for c in sheet[1]].index(header)]
    rule = next(
        v for v in sheet.data_validations.dataValidation if f"{letter}2" in v.sqref and v.formula1
    )
    (title, cells), *_ = book.defined_names[rule.formula1].destinations
    return [str(c.value) for row in book[title][cells.replace("$", "")] for c in row]


def test_init_fills_the_lists_tab_with_the_defaults_and_their_other_spellings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    book = load_workbook(path)
    sheet = book["Lists"]
    assert sheet.sheet_state == "visible"
    assert [c.value for c in sheet[1]][:4] == ["List", "Value", "Meaning", "Also written as"]
    rows = lists_rows(sheet)
    stages = [r for r in rows if r[0] == "Stage"]
    assert [r[1] for r in stages] == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    assert [r[2] for r in stages] == ["open", "open", "open", "open", "won", "lost"]
    assert "Ganado" in stages[4][3]
    sources = [r[1] for r in rows if r[0] == "Source"]
    assert sources[:3] == ["Website", "Referral", "Google Ads"]
    assert {r[0] for r in rows} == {"Source", "Stage", "Lost reason", "Interaction kind"}
    assert dropdown_values(path, "Customers", "Source") == sources
    # A fresh workbook reads without a word about its lists.
    snapshot = XlsxBackend(path, SCHEMA).read()
    assert [i.message for i in snapshot.tab_issues if i.tab == "Lists"] == []


def test_a_source_added_to_the_lists_tab_is_a_source_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    type_rows(
        path,
        {
            "Customers": [
                {"Name": "Ana", "Source": "TikTok", "Created": date(2026, 3, 1)},
                {"Name": "Bruno", "Source": "tik tok", "Created": date(2026, 3, 2)},
                {"Name": "Carla", "Source": "Snapchat", "Created": date(2026, 3, 3)},
                {"Name": "Dario", "Source": "Website", "Created": date(2026, 3, 4)},
            ]
        },
    )
    run(path, capsys)
    before = problems(path, "Customers")
    assert "'TikTok' is not one of" in before["C-0001"]

    # The team adds TikTok at the end of the list, with the other way they write it, and runs
    # `sheetcrm init`: the dropdowns of the three Source columns offer it.
    add_list_rows(path, [("Source", "TikTok", None, "Tik tok")])
    assert "3 dropdowns updated to the Lists tab" in init(path, capsys)
    for tab in ("Customers", "Deals", "Sources"):
        assert dropdown_values(path, tab, "Source")[-1] == "TikTok", tab
    assert "nothing to add" in init(path, capsys)
    run(path, capsys)
    after = problems(path, "Customers")
    assert after["C-0001"] == "" and after["C-0002"] == "" and after["C-0004"] == ""
    assert "'Snapchat' is not one of" in after["C-0003"]

    frames = build_frames(XlsxBackend(path, SCHEMA).read())
    sources = frames.customers.set_index("name")["source"].to_dict()
    assert sources == {
        "Ana": "TikTok",
        "Bruno": "TikTok",
        "Carla": "Snapchat (not in the list)",
        "Dario": "Website",
    }

    # A value added later is offered after the next cycle that writes (here: Eva's new ID),
    # without init.
    add_list_rows(path, [("Source", "Podcast")])
    type_rows(path, {"Customers": [{"Name": "Eva", "Source": "Podcast"}]})
    run(path, capsys)
    for tab in ("Customers", "Deals", "Sources"):
        assert dropdown_values(path, tab, "Source")[-2:] == ["TikTok", "Podcast"], tab
    assert "nothing to add" in init(path, capsys)


def _team_stages(path: Path) -> None:
    """Rename Won, add "Demo booked" after Qualified, put Negotiation before Proposal."""
    book = load_workbook(path)
    sheet = book["Lists"]
    won = row_of(sheet, "Stage", "Won")
    sheet.cell(row=won, column=2, value="Closed - paid")
    sheet.cell(row=won, column=4, value=f"Won, {sheet.cell(row=won, column=4).value}")
    proposal = row_of(sheet, "Stage", "Proposal")
    negotiation = row_of(sheet, "Stage", "Negotiation")
    sheet.cell(row=proposal, column=2, value="Negotiation")
    sheet.cell(row=negotiation, column=2, value="Proposal")
    qualified = row_of(sheet, "Stage", "Qualified")
    sheet.insert_rows(qualified + 1)
    sheet.cell(row=qualified + 1, column=1, value="Stage")
    sheet.cell(row=qualified + 1, column=2, value="Demo booked")
    book.save(path)


def test_the_team_s_stages_make_the_funnel_and_a_renamed_won_stage_still_counts_revenue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    _team_stages(path)
    deals = [
        ("Lead", 100, None, None),
        ("demo booked", 200, None, None),
        ("Proposal", 300, None, None),
        ("Closed - paid", 1000, date(2026, 2, 1), None),
        ("Won", 2500, date(2026, 3, 1), None),  # typed before the rename: an other spelling
        ("Lost", 400, date(2026, 3, 5), "Price"),
        ("Closed - paid", None, date(2026, 3, 9), None),  # won without a value: incomplete
    ]
    type_rows(
        path,
        {
            "Customers": [{"Name": "Ana", "Created": date(2026, 1, 2)}],
            "Deals": [
                {
                    "Customer ID": "C-0001",
                    "Stage": stage,
                    "Value": value,
                    "Created": date(2026, 1, 10),
                    "Closed": closed,
                    "Lost reason": reason,
                }
                for stage, value, closed, reason in deals
            ],
        },
    )
    run(path, capsys)
    assert set(problems(path, "Deals").values()) == {""}

    capsys.readouterr()
    assert main(["report", "funnel", "--workbook", str(path), "--format", "json"]) == 0
    funnel = json.loads(capsys.readouterr().out)
    stages = funnel["stages"]
    assert [s["stage"] for s in stages] == [
        "Lead",
        "Qualified",
        "Demo booked",
        "Negotiation",
        "Proposal",
        "Closed - paid",
    ]
    reached = {s["stage"]: s["reached"] for s in stages}
    # 7 deals; beyond Demo booked: Proposal, three won (Lost deals never reached a later stage
    # in the history, and this one has none: lost at an unknown stage).
    assert reached["Lead"] == 7 and reached["Closed - paid"] == 3
    assert reached["Demo booked"] == 5 and reached["Proposal"] == 4
    assert funnel["won"] == 3 and funnel["lost"] == 1

    capsys.readouterr()
    assert main(["report", "overview", "--workbook", str(path), "--format", "json"]) == 0
    overview = json.loads(capsys.readouterr().out)
    assert overview["won_revenue"] == 3500
    assert overview["deals_without_value"] == 1

    # Lifecycle: Ana bought (a won deal, whatever its stage is called).
    snapshot = XlsxBackend(path, SCHEMA).read()
    (ana,) = snapshot.tab("Customers")
    assert ana.text("lifecycle") != "Lead"

    init(path, capsys)
    assert dropdown_values(path, "Deals", "Stage") == [
        "Lead",
        "Qualified",
        "Demo booked",
        "Negotiation",
        "Proposal",
        "Closed - paid",
        "Lost",
    ]


def test_a_stage_the_team_added_takes_its_follow_up_sla_from_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    add_list_rows(path, [("Stage", "Demo booked", "open")])
    type_rows(
        path,
        {
            "Settings": [{"Key": "SLA Demo booked days", "Value": "3"}],
            "Customers": [{"Name": "Ana", "Created": date(2026, 1, 2)}],
            "Deals": [
                {
                    "Customer ID": "C-0001",
                    "Stage": "Demo booked",
                    "Created": date(2026, 1, 10),
                    "Stage since": date(2026, 1, 10),
                }
            ],
        },
    )
    run(path, capsys)
    (deal,) = XlsxBackend(path, SCHEMA).read().tab("Deals")
    assert deal.get("follow_up_due") == date(2026, 1, 13)


def test_a_broken_lists_row_is_reported_by_tab_row_and_column_and_the_cycle_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    first = last_used_row(load_workbook(path)["Lists"]) + 1
    add_list_rows(
        path,
        [
            ("Stage", "Demo", "maybe"),
            ("Source", "website"),
            ("Sorce", "TikTok"),
            ("Source", "Adwords", None),
        ],
    )
    type_rows(
        path,
        {
            "Customers": [{"Name": "Ana", "Source": "Website"}],
            "Deals": [{"Customer ID": "C-0001", "Stage": "Demo"}],
        },
    )
    out = run(path, capsys)
    assert f"Lists row {first}, Meaning: 'maybe' is not open, won or lost" in out
    assert f"Lists row {first + 1}, Value: 'website' is already listed in the Source list" in out
    assert f"Lists row {first + 2}, List: 'Sorce' is not one of the lists" in out
    assert f"Lists row {first + 3}, Value: 'Adwords' is already written as 'Google Ads'" in out
    # The cycle went on: IDs were given, and "Demo" is a stage (open) all the same.
    assert problems(path, "Deals") == {"D-0001": ""}
    frames = build_frames(XlsxBackend(path, SCHEMA).read())
    shown = frames.problems[frames.problems["tab"] == "Lists"]
    assert len(shown) == 4
    assert shown["column"].tolist() == ["Meaning", "Value", "List", "Value"]


def test_a_deleted_lists_tab_means_the_default_lists_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    book = load_workbook(path)
    book.remove(book["Lists"])
    book.save(path)
    type_rows(
        path,
        {"Customers": [{"Name": "Ana", "Source": "FB"}, {"Name": "Bo", "Source": "TikTok"}]},
    )
    out = run(path, capsys)
    assert "The workbook has no Lists tab" in out
    assert "default lists" in out
    found = problems(path, "Customers")
    assert found["C-0001"] == ""
    assert "'TikTok' is not one of" in found["C-0002"]
    frames = build_frames(XlsxBackend(path, SCHEMA).read())
    assert "default lists" in " ".join(frames.problems["message"])
    assert "default lists" in frames.bot_status["Lists"]

    out = init(path, capsys)
    assert "added tabs: Lists" in out
    run(path, capsys)
    status = build_frames(XlsxBackend(path, SCHEMA).read()).bot_status
    assert status["Lists"] == "The team's lists were read from the Lists tab."
    assert lists_rows(load_workbook(path)["Lists"])[0] == [
        "Source",
        "Website",
        "",
        "Web, Organic search, SEO, Direct",
    ]


def test_an_emptied_list_keeps_its_defaults_and_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    book = load_workbook(path)
    sheet = book["Lists"]
    for number in range(last_used_row(sheet), 1, -1):
        if sheet.cell(row=number, column=1).value == "Lost reason":
            sheet.delete_rows(number)
    book.save(path)
    out = run(path, capsys)
    assert "the Lost reason list has no values; the defaults are used (Price, Competitor" in out


def test_lists_typed_in_spanish_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    book = load_workbook(path)
    sheet = book["Lists"]
    sheet.title = "Listas"
    for at, text in enumerate(("Lista", "Valor", "Significado", "También escrito"), start=1):
        sheet.cell(row=1, column=at, value=text)
    book.save(path)
    add_list_rows(path, [("Etapa", "Cerrado", "ganado"), ("Origen", "Radio", None, "FM")], "Listas")
    type_rows(
        path,
        {
            "Customers": [{"Name": "Ana", "Source": "fm"}],
            "Deals": [
                {
                    "Customer ID": "C-0001",
                    "Stage": "cerrado",
                    "Value": 90,
                    "Closed": date(2026, 1, 5),
                }
            ],
        },
    )
    run(path, capsys)
    assert set(problems(path, "Customers").values()) == {""}
    frames = build_frames(XlsxBackend(path, SCHEMA).read())
    assert frames.customers["source"].tolist() == ["Radio"]
    assert frames.deals["stage_meaning"].tolist() == ["won"]


def test_an_older_workbook_s_hidden_dropdown_tab_makes_way_for_the_lists_tab(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Workbooks made before the Lists tab kept dropdown values in a hidden tab called Lists."""
    path = tmp_path / "crm.xlsx"
    init(path, capsys)
    book = load_workbook(path)
    book.remove(book["Lists"])
    book["SheetCRM_lists"].title = "Lists"
    for name, defined in list(book.defined_names.items()):
        defined.attr_text = defined.attr_text.replace("SheetCRM_lists!", "Lists!")
        book.defined_names[name] = defined
    book.save(path)
    out = run(path, capsys)
    assert "needs 'List' and 'Value' columns" in out

    out = init(path, capsys)
    assert "added tabs: Lists" in out
    book = load_workbook(path)
    assert book["Lists"].sheet_state == "visible"
    assert book["SheetCRM_lists"].sheet_state == "hidden"
    assert dropdown_values(path, "Deals", "Stage")[-2:] == ["Won", "Lost"]
    assert "'List' and 'Value'" not in run(path, capsys)


def _grid_cell(emulator: EmulatorServer, sid: str, title: str, row: int, col: int) -> Any:
    from tests.sheets_emulator.metadata import spreadsheet_json

    with emulator.store.read(sid) as spreadsheet:
        state = spreadsheet_json(spreadsheet, include_grid_data=True)
    sheet = next(s for s in state["sheets"] if s["properties"]["title"] == title)
    values = sheet["data"][0]["rowData"][row].get("values", [])
    return values[col] if col < len(values) else {}


def test_google_sheets_dropdowns_and_cycle_follow_the_lists_tab(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator = sheets_emulator
    sid = emulator.create_spreadsheet("Team CRM", {"Sheet1": [[]]})
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", emulator.base_url)
    command = ["init", "--spreadsheet", sid, "--credentials", str(service_account_file)]
    assert main(command) == 0
    lists = emulator.edits.grid_values(sid, "Lists")
    assert lists[0][:4] == ["List", "Value", "Meaning", "Also written as"]
    won = next(r for r in lists if len(r) > 1 and r[1] == "Won")
    assert won[:3] == ["Stage", "Won", "won"]

    # A person types a new source at the end of the Lists tab and a customer from it.
    emulator.edits.set_values(sid, f"'Lists'!A{len(lists) + 1}", [["Source", "TikTok"]])
    header = emulator.edits.grid_values(sid, "Customers")[0]
    source_at = header.index("Source")
    name_at = header.index("Name")
    row = [""] * len(header)
    row[name_at], row[source_at] = "Ana", "tiktok"
    emulator.edits.set_values(sid, "'Customers'!A2", [row])
    capsys.readouterr()
    assert main(command) == 0
    assert "3 dropdowns updated to the Lists tab" in capsys.readouterr().out
    rule = _grid_cell(emulator, sid, "Customers", 1, source_at)["dataValidation"]
    offered = [v["userEnteredValue"] for v in rule["condition"]["values"]]
    assert offered[-1] == "TikTok" and offered[0] == "Website"

    backend = backend_for(emulator, sid, service_account_file, SCHEMA, fake_time)
    from automations.cycle import run_cycle
    from tests.fixtures_rules import NOW

    run_cycle(backend, SCHEMA, NOW)
    customers = emulator.edits.grid_values(sid, "Customers")
    problems_at = customers[0].index("Problems")
    assert customers[1][source_at] == "tiktok"
    assert (customers[1] + [""] * 40)[problems_at] == ""
