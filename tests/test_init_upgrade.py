"""`sheetcrm init` on an older workbook brings it up to date and keeps what the team typed.

An older workbook lacks the Settings keys of later versions (Form tab, Form lead source, ...)
and the Lists rows of later versions (the interaction kind Form). Built the way a team has
one: `sheetcrm init`, then the rows a later version added are deleted (openpyxl for the .xlsx
file, gspread for the spreadsheet on the emulator) and the team's months of typing are added:
a changed Digest hour, keys retyped in other letter cases or short forms, a renamed and a
removed source, a list emptied, customers with mistakes. `init` appends only the missing keys
and the list values the bot needs, after the team's rows, says what it added, and a second
`init` adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gspread
import openpyxl
import pytest

from automations.cli import main
from sheet_schema.backends.google_sheets import GoogleSheetsBackend
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.default_settings import DEFAULT_SETTINGS
from sheet_schema.model import Snapshot
from sheet_schema.schema import Schema, load_schema
from tests.fixtures_google import schema, service_account_file, sheets_emulator, tab_values
from tests.sheets_emulator import EmulatorServer
from tests.sheets_emulator.fixtures import gspread_client

__all__ = ["schema", "service_account_file", "sheets_emulator"]

SCHEMA = load_schema()
# Settings rows of later versions, deleted from the "old" workbook.
LATER_KEYS = ["Unsubscribe email", "Form tab", "Form lead source", "Sheets retry attempts"]
# The team's Settings edits: key as init wrote it -> (key as the team retyped it, value).
RETYPED = {
    "Time zone": ("TZ", "Europe/Madrid"),
    "Currency": ("CURRENCY", "usd"),
    "Digest hour": ("Digest hour", "7"),
    "SLA Lead days": ("sla_days.lead", "3"),
    "Sheets retry seconds": ("SHEETS_RETRY_SECONDS", "90"),
}
MANAGER = ["Manager email Lucía Romero", "lucia@shop.example"]
# Lists rows of a later version (Interaction kind Form), a source the team removed, and a whole
# list the team emptied: all deleted. Walk-in is renamed, TikTok added.
DELETED_LIST_ROWS = {("Interaction kind", "Form"), ("Source", "Partner")}
EMPTIED_LIST = "Lost reason"
RENAMED = ("Walk-in", "Shop visit")
TIKTOK = ["Source", "TikTok", "", "Tik tok"]
CUSTOMERS = [
    ["Ana Pérez", "ana@example.es", "Shop visit"],
    ["Bo Li", "bo@@example.com", "Partner"],  # a mistake, and the source the team removed
]
# What init adds, in the order it adds it.
ADDED_KEYS = ["Unsubscribe email", "Form tab", "Form lead source", "Sheets retry attempts"]
LOST_REASONS = ["Price", "Competitor", "No budget", "No response", "Timing", "Product fit", "Other"]
ADDED_LINES = (
    f"- Settings: added {', '.join(ADDED_KEYS)}",
    f"- Lists: added Lost reason {', '.join(LOST_REASONS)}; Interaction kind Form",
)


def old_settings(rows: Sequence[Sequence[Any]]) -> tuple[list[int], dict[int, list[str]]]:
    """Given the Settings rows init wrote (header first), the 1-based rows a team deletes to
    make it old, and the cells it retypes (row -> key, value)."""
    deleted = [n for n, row in enumerate(rows, 1) if n > 1 and row[0] in LATER_KEYS]
    retyped = {n: list(RETYPED[row[0]]) for n, row in enumerate(rows, 1) if row[0] in RETYPED}
    return deleted, retyped


def old_lists(rows: Sequence[Sequence[Any]]) -> tuple[list[int], dict[int, str]]:
    """Given the Lists rows init wrote, the rows to delete and the renamed Value cells."""
    deleted = [
        n
        for n, row in enumerate(rows, 1)
        if n > 1 and ((row[0], row[1]) in DELETED_LIST_ROWS or row[0] == EMPTIED_LIST)
    ]
    renamed = {n: RENAMED[1] for n, row in enumerate(rows, 1) if row[:2] == ["Source", RENAMED[0]]}
    return deleted, renamed


def texts(rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    """Rows as text, trailing empty cells dropped (the two backends store empties apart)."""
    out = []
    for row in rows:
        cells = ["" if v is None else str(v) for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def assert_kept(before: dict[str, list[list[str]]], after: dict[str, list[list[str]]]) -> None:
    """Every cell the team had is where it was with the same text; only Settings and Lists
    grew, by whole rows below the team's rows (and SheetCRM's hidden dropdown values, for the
    dropdowns that follow the renamed source)."""
    for title, rows in before.items():
        for number, row in enumerate(rows, 1):
            for column, text in enumerate(row):
                now = after[title][number - 1] if number <= len(after[title]) else []
                assert (now[column] if column < len(now) else "") == text, (title, number, column)
        if title not in ("Settings", "Lists", "SheetCRM_lists"):
            assert after[title] == rows, title


def assert_upgraded(before: dict[str, list[list[str]]], after: dict[str, list[list[str]]]) -> None:
    """The rows init appended to Settings and Lists, exactly."""
    settings = after["Settings"][len(before["Settings"]) :]
    notes = {s.key: s.note for s in DEFAULT_SETTINGS}
    defaults = {s.key: s.value for s in DEFAULT_SETTINGS}
    expected = texts([[k, defaults[k], notes[k]] for k in ADDED_KEYS])
    assert settings == expected
    lists = after["Lists"][len(before["Lists"]) :]
    padded = [[*r, "", "", ""][:4] for r in lists]
    aliases = SCHEMA.tab("Deals").column("lost_reason").choice_aliases
    form = ", ".join(SCHEMA.tab("Interactions").column("kind").choice_aliases["Form"])
    assert padded == [
        *[["Lost reason", r, "", ", ".join(aliases.get(r, ()))] for r in LOST_REASONS],
        ["Interaction kind", "Form", "form", form],
    ]


def assert_reads_as_the_team_s(snapshot: Snapshot) -> None:
    """The bot reads the team's settings and lists, with nothing to complain about."""
    settings = snapshot.settings
    assert (settings.time_zone, settings.currency, settings.digest_hour) == (
        "Europe/Madrid",
        "USD",
        7,
    )
    assert settings.stage_sla_days["Lead"] == 3 and settings.sheets_retry_seconds == 90
    assert settings.get("Form lead source") == "Website"
    assert settings.get("Manager email Lucía Romero") == "lucia@shop.example"
    assert [i.message for i in snapshot.tab_issues if i.tab in ("Settings", "Lists")] == []
    schema = snapshot.schema_or(SCHEMA)
    sources = schema.tab("Customers").column("source").choices
    assert "Shop visit" in sources and "TikTok" in sources
    assert "Walk-in" not in sources and "Partner" not in sources  # the team's choice stays
    kinds = schema.tab("Interactions").column("kind")
    assert kinds.choices[-1] == "Form" and kinds.meaning("Form") == "form"
    assert schema.tab("Deals").column("lost_reason").choices == tuple(LOST_REASONS)


# -- an .xlsx workbook ------------------------------------------------------------------------


def xlsx_texts(path: Path) -> dict[str, list[list[str]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: texts(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.fixture
def old_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A workbook made by an older `sheetcrm init` and typed in for months."""
    path = tmp_path / "shop.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(path)
    edit_xlsx(book["Settings"], old_settings, MANAGER)
    edit_xlsx(book["Lists"], old_lists, TIKTOK)
    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    for number, (name, email, source) in enumerate(CUSTOMERS, 2):
        customers.cell(number, header.index("Name") + 1, name)
        customers.cell(number, header.index("Email") + 1, email)
        customers.cell(number, header.index("Source") + 1, source)
    book.save(path)
    return path


def edit_xlsx(
    ws: Any, plan: Callable[[Any], tuple[list[int], dict[int, Any]]], extra: list[str]
) -> None:
    """Retype cells, delete rows (bottom first, as rows shift up), and type a row after a gap."""
    deleted, retyped = plan([list(r) for r in ws.iter_rows(values_only=True)])
    for number, cells in retyped.items():
        if isinstance(cells, str):
            ws.cell(number, 2, cells)
        else:
            for column, text in enumerate(cells, 1):
                ws.cell(number, column, text)
    for number in sorted(deleted, reverse=True):
        ws.delete_rows(number)
    last = ws.max_row
    for column, text in enumerate(extra, 1):
        ws.cell(last + 2, column, text or None)


def test_init_adds_the_later_settings_and_list_values_and_keeps_every_team_cell(
    old_xlsx: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = xlsx_texts(old_xlsx)

    assert main(["init", "--workbook", str(old_xlsx)]) == 0

    out = capsys.readouterr().out
    for line in ADDED_LINES:
        assert line in out.splitlines(), out
    after = xlsx_texts(old_xlsx)
    assert_kept(before, after)
    assert_upgraded(before, after)
    assert_reads_as_the_team_s(XlsxBackend(old_xlsx, SCHEMA).read())


def test_a_second_init_on_the_upgraded_workbook_adds_nothing(
    old_xlsx: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--workbook", str(old_xlsx)]) == 0
    capsys.readouterr()
    data = old_xlsx.read_bytes()

    assert main(["init", "--workbook", str(old_xlsx)]) == 0

    out = capsys.readouterr().out
    assert "nothing to add, nothing changed" in out and "added" not in out
    assert old_xlsx.read_bytes() == data


def test_keys_and_kinds_are_matched_as_the_bot_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A team that swapped the Key and Value columns, deleted Notes, retyped a key in capitals
    with dashes and renamed the Form kind (keeping its meaning) gets only Form tab back."""
    path = tmp_path / "own way.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(path)
    settings = book["Settings"]
    settings.delete_cols(3)
    for key, value in settings.iter_rows(max_col=2):
        key.value, value.value = value.value, key.value
    for number, (_, key) in enumerate(settings.iter_rows(values_only=True), 1):
        if key == "Form lead source":
            settings.cell(number, 1, "Referral")
            settings.cell(number, 2, "FORM-LEAD-SOURCE")
    settings.delete_rows(next(n for n, r in enumerate(settings.values, 1) if r[1] == "Form tab"))
    lists = book["Lists"]
    for row in lists.iter_rows():
        if row[1].value == "Form":
            row[1].value = "Web enquiry"
    book.save(path)
    used = settings.max_row

    assert main(["init", "--workbook", str(path)]) == 0

    out = capsys.readouterr().out
    assert "- Settings: added Form tab" in out.splitlines(), out
    assert "- Settings: added columns Notes" in out.splitlines(), out
    assert "Lists: added" not in out
    after = xlsx_texts(path)["Settings"]
    note = next(s.note for s in DEFAULT_SETTINGS if s.key == "Form tab")
    assert after[0] == ["Value", "Key", "Notes"]
    assert after[used:] == [["", "Form tab", note]]
    snapshot = XlsxBackend(path, SCHEMA).read()
    assert snapshot.settings.get("Form lead source") == "Referral"
    kinds = snapshot.schema_or(SCHEMA).tab("Interactions").column("kind")
    assert kinds.meaning("Web enquiry") == "form" and "Form" not in kinds.choices


def test_a_cleared_lists_tab_gets_its_header_and_the_default_lists_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cleared.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(path)
    written = xlsx_texts(path)["Lists"]
    book["Lists"].delete_rows(1, book["Lists"].max_row)
    book.save(path)

    assert main(["init", "--workbook", str(path)]) == 0
    assert main(["init", "--workbook", str(path)]) == 0

    out = capsys.readouterr().out
    assert "- Lists: added Source Website, Referral" in out
    assert out.count("Lists: added Source") == 1 and "nothing to add, nothing changed" in out
    assert xlsx_texts(path)["Lists"] == written


# -- a Google spreadsheet, on the emulator --------------------------------------------------


def sheet_texts(emu: EmulatorServer, sid: str) -> dict[str, list[list[str]]]:
    with emu.store.read(sid) as spreadsheet:
        titles = [str(sheet.properties["title"]) for sheet in spreadsheet.sheets]
    return {title: texts(tab_values(emu, sid, title)) for title in titles}


def run_init(emu: EmulatorServer, sid: str, key: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", emu.base_url)
    assert main(["init", "--spreadsheet", sid, "--credentials", str(key)]) == 0


def edit_sheet(
    ws: gspread.Worksheet, plan: Callable[[Any], tuple[list[int], dict[int, Any]]], extra: list[str]
) -> None:
    """What a person does in the browser: retype cells, delete rows, type a row after a gap."""
    rows = ws.get_all_values()
    deleted, retyped = plan(rows)
    for number, cells in retyped.items():
        if isinstance(cells, str):
            ws.update_acell(f"B{number}", cells)
        else:
            ws.update([cells], f"A{number}:B{number}", raw=False)
    for number in sorted(deleted, reverse=True):
        ws.delete_rows(number)
    last = len(ws.get_all_values())
    ws.update([extra], f"A{last + 2}", raw=False)


@pytest.fixture
def old_sheet(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """A spreadsheet set up by an older `sheetcrm init` and typed in for months."""
    emu = sheets_emulator
    sid = emu.create_spreadsheet("Shop CRM", {"Sheet1": []})
    run_init(emu, sid, service_account_file, monkeypatch)
    capsys.readouterr()
    book = gspread_client(emu, service_account_file).open_by_key(sid)
    # A Madrid team's spreadsheet reads typed dates day first, as its Date order says: in the
    # emulator's default en_US locale the bot would rightly say they disagree (sheets_locale).
    locale = {"properties": {"locale": "es_ES"}, "fields": "locale"}
    book.batch_update({"requests": [{"updateSpreadsheetProperties": locale}]})
    settings = book.worksheet("Settings")
    edit_sheet(settings, old_settings, MANAGER)
    # The team deleted the empty rows below its settings: the added ones need new rows.
    settings.resize(rows=len(settings.get_all_values()))
    edit_sheet(book.worksheet("Lists"), old_lists, TIKTOK)
    customers = book.worksheet("Customers")
    header = customers.row_values(1)
    for number, row in enumerate(CUSTOMERS, 2):
        for column, text in zip(("Name", "Email", "Source"), row, strict=True):
            customers.update_cell(number, header.index(column) + 1, text)
    return sid


def test_google_init_adds_the_later_rows_in_one_batch_update_and_keeps_every_team_cell(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    old_sheet: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emu = sheets_emulator
    before = sheet_texts(emu, old_sheet)
    emu.reset_stats()

    run_init(emu, old_sheet, service_account_file, monkeypatch)

    out = capsys.readouterr().out
    for line in ADDED_LINES:
        assert line in out.splitlines(), out
    calls = emu.stats()["requests"]
    # The metadata, one read of the rows init needs, one write: no call per row or per tab.
    assert calls.get("spreadsheets.batchUpdate") == 1
    assert sum(n for kind, n in calls.items() if kind != "token") <= 3, calls
    after = sheet_texts(emu, old_sheet)
    assert_kept(before, after)
    assert_upgraded(before, after)
    backend = GoogleSheetsBackend.connect(old_sheet, service_account_file, schema, emu.base_url)
    assert_reads_as_the_team_s(backend.read())


def test_google_a_second_init_sends_nothing(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    old_sheet: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emu = sheets_emulator
    run_init(emu, old_sheet, service_account_file, monkeypatch)
    capsys.readouterr()
    before = sheet_texts(emu, old_sheet)
    emu.reset_stats()

    run_init(emu, old_sheet, service_account_file, monkeypatch)

    out = capsys.readouterr().out
    assert "nothing to add, nothing changed" in out and "added" not in out
    assert "spreadsheets.batchUpdate" not in emu.stats()["requests"]
    assert sheet_texts(emu, old_sheet) == before
