"""No cell stops a cycle (issue 13.2): every naughty string in every team column of every tab.

The Big List of Naughty Strings (plus the not-a-number words and control characters people paste)
is typed into one workbook, each string in every team column of every tab, spread over rows so
that one cycle per backend tries them all. Each cycle must complete, every unreadable cell of a
checked row must get a Problems sentence, and the report and the seven dashboard pages must show
no exception.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from streamlit import config
from streamlit.testing.v1 import AppTest

from automations.cycle import run_cycle
from automations.demo.command import OPEN_WITHOUT_LOGIN
from automations.rules.validate import checked_tabs
from dashboard.report import render_report
from sheet_schema.backends.base import Backend
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.model import Snapshot
from sheet_schema.schema import load_schema
from tests.fixtures_google import FakeTime, backend_for, fake_time, service_account_file
from tests.fixtures_google import sheets_emulator as sheets_emulator
from tests.fixtures_rules import naughty_strings
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "service_account_file", "sheets_emulator"]

SCHEMA = load_schema()
NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = ("overview", "funnel", "sources", "customers", "reminders", "mailings", "quality")
# What the big list lacks: the spellings of not-a-number that stopped every cycle, numbers too
# big for any sum, and control characters pasted from other programs.
EXTRA = ["nan", "sNaN", "-NaN", "-Infinity", "1e999999", "-1e999999", "\x00", "a\x07b", "\x1b[31m"]
EXTRA += ["line\r\nbreak", "\u2028", "\ufeff", " ", "1/0/2024", "31/02/2024", "TRUE", "=1+1"]


def strings() -> list[str]:
    found = naughty_strings()
    if not found:
        pytest.skip("../shared/datasets is absent: no naughty strings")
    return found + EXTRA


def records(typed: list[str]) -> dict[str, list[dict[str, object]]]:
    """Every tab with team columns: row i, column j holds string i + j (each string in each
    column once); Settings gets the strings as keys and values, and in its known keys."""
    out: dict[str, list[dict[str, object]]] = {}
    count = len(typed)
    for tab in SCHEMA.tabs:
        team = [c.key for c in tab.columns if not c.bot_owned]
        if tab.append_only or not team or tab.name == "Settings":
            continue
        out[tab.name] = [
            {key: typed[(i + j) % count] for j, key in enumerate(team)} for i in range(count)
        ]
    return out


def settings(typed: list[str]) -> list[tuple[str, str]]:
    known = ["Time zone", "Default country", "Language", "Currency", "Date order", "Sender email"]
    known += ["Daily send cap", "Dormant after days", "Digest hour", "Cache TTL seconds"]
    pairs = [(key, typed[(7 * k) % len(typed)]) for k, key in enumerate(known)]
    return pairs + [(s, typed[(i + 1) % len(typed)]) for i, s in enumerate(typed) if s.strip()]


def check_cycle(backend: Backend) -> Snapshot:
    report, _ = run_cycle(backend, SCHEMA, NOW)
    assert report.rows_read["Customers"] > 500
    snapshot = backend.read()
    explained = 0
    for tab in checked_tabs(SCHEMA):
        for row in snapshot.tab(tab.name):
            ready = all(row.text(k).strip() for k in tab.key_columns)
            if ready and row.row_id and row.issues:
                assert row.text("problems").strip(), (tab.name, row.number, row.issues)
                explained += 1
    assert explained > 1000
    for kind in ("funnel", "sources"):
        for as_json in (False, True):
            assert render_report(snapshot, kind, as_json=as_json, now=NOW)
    return snapshot


def check_dashboard(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    try:
        # Opened as `sheetcrm demo` opens it: to this computer only, without a login.
        monkeypatch.setattr(sys, "argv", ["app.py", *argv, OPEN_WITHOUT_LOGIN])
        at = AppTest.from_file(str(APP), default_timeout=60).run()
        assert not at.exception, [e.value for e in at.exception]
        for page in PAGES:
            at.switch_page(f"sections/{page}.py").run()
            assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
            assert not at.error, f"{page}: {[e.value for e in at.error]}"
    finally:
        config.set_option("server.address", before)


def test_every_naughty_string_in_every_column_of_an_xlsx_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An .xlsx file cannot hold control characters other than tab and line breaks (Excel refuses
    # them too): those strings go to the Google Sheets test only. (U+FFFE, which openpyxl would
    # write and then not read back, is typed: the bot stores it as U+FFFD.)
    typed = [s for s in strings() if not ILLEGAL_CHARACTERS_RE.search(s)]
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=settings(typed))
    append_rows(path, SCHEMA, records(typed))
    check_cycle(XlsxBackend(path, SCHEMA, clock=lambda: NOW))
    check_dashboard(["--workbook", str(path)], monkeypatch)


def test_every_naughty_string_in_every_column_on_google_sheets(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: FakeTime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    typed = strings()
    grids: dict[str, list[list[object]]] = {}
    rows = records(typed)
    for tab in SCHEMA.tabs:
        header = [c.header for c in tab.columns]
        body = [[r.get(c.key) for c in tab.columns] for r in rows.get(tab.name, [])]
        grids[tab.name] = [header, *body]
    grids["Settings"] = [["Key", "Value"], *([k, v] for k, v in settings(typed))]
    spreadsheet = sheets_emulator.create_spreadsheet("CRM", grids)
    backend = backend_for(sheets_emulator, spreadsheet, service_account_file, SCHEMA, fake_time)
    check_cycle(backend)
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", sheets_emulator.base_url)
    check_dashboard(
        ["--spreadsheet", spreadsheet, "--credentials", str(service_account_file)], monkeypatch
    )
