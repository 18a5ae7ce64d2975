"""A renamed tab (N17): Customers renamed to "Customer list" is not reported as simply missing.

A workbook typed by hand runs a cycle; then a person renames the Customers tab and types a deal.
The bot must say which worksheet looks like the missing tab (run output, Bot status tab, the
dashboard's Data quality page), write nothing that needs the customers, and ``sheetcrm init``
must not add an empty Customers tab beside the renamed one. Renaming the tab back brings
everything back. On an .xlsx file and on Google Sheets (the emulator).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from automations.cli import main
from automations.commands.run import describe_report
from automations.demo.command import OPEN_WITHOUT_LOGIN
from sheet_schema.bot_status import HELD_BACK
from sheet_schema.model import Snapshot
from tests.fixtures_google import FakeTime, fake_time, service_account_file, sheets_emulator
from tests.fixtures_rules import NOW
from tests.fixtures_typed import Workbook, make_workbook
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "service_account_file", "sheets_emulator"]

LATER = NOW + timedelta(hours=2)
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
# The first three of the header cells init wrote that people type under, as the note lists them.
NOTE = (
    "No Customers tab, but 'Customer list' has its columns (Name, Company, Email, ...): if it "
    "was renamed, rename it back to Customers."
)
HELD = "the Customers tab is missing, but 'Customer list' has its columns: if it was renamed"


def problems(snapshot: Snapshot) -> dict[tuple[str, str], str]:
    """The Problems cell of every deal and interaction, by (tab, row ID)."""
    return {
        (tab, row.row_id or ""): row.text("problems")
        for tab in ("Deals", "Interactions")
        for row in snapshot.tab(tab)
    }


def status_of(snapshot: Snapshot) -> dict[str, str]:
    return {row.row_id: row.text("value") for row in snapshot.tab("Bot status") if row.row_id}


def renamed(workbook: Workbook) -> tuple[Snapshot, Snapshot, str]:
    """A cycle, then Customers renamed and a deal typed naming a customer; the second cycle."""
    workbook.run(NOW)
    before = workbook.read()
    workbook.rename_tab("Customers", "Customer list")
    workbook.type({"Deals": [{"Customer ID": "Ana Costa", "Title": "Porch", "Stage": "Lead"}]})
    report = workbook.run(LATER)
    return before, workbook.read(), describe_report(report)


def init_args(workbook: Workbook, monkeypatch: pytest.MonkeyPatch, key: Path | None) -> list[str]:
    if workbook.google is None:
        return ["init", "--workbook", str(workbook.path)]
    emulator, spreadsheet, _ = workbook.google
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", emulator.base_url)
    return ["init", "--spreadsheet", spreadsheet, "--credentials", str(key)]


def check_renamed_tab(
    workbook: Workbook,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    key: Path | None = None,
) -> None:
    before, after, out = renamed(workbook)
    # The run says which worksheet looks like Customers, not "run init to add it".
    assert f"Note: {NOTE}" in out
    assert "sheetcrm init" not in out
    held = next(line for line in out.splitlines() if line.startswith("Held back:"))
    assert HELD in held and "problems of Deals" in held
    # Nothing the missing customers would make wrong was written: no deal or interaction is
    # told it "names no row of Customers", the Problems cells are as the first cycle left them,
    # and the new deal keeps the name as typed.
    was = problems(before)
    now = problems(after)
    assert {key: now[key] for key in was} == was
    assert not any("Customers" in text for text in now.values())
    porch = next(r for r in after.tab("Deals") if r.text("title") == "Porch")
    assert (porch.text("customer_id"), porch.text("problems")) == ("Ana Costa", "")
    # The Bot status tab says it, where the team looks.
    assert HELD in status_of(after)[HELD_BACK]

    # init says the same and adds no empty Customers tab (the other repairs may still run).
    titles = workbook.titles()
    capsys.readouterr()
    assert main(init_args(workbook, monkeypatch, key)) == 0
    said = capsys.readouterr().out
    assert NOTE in said and "added tabs" not in said
    assert workbook.titles() == titles
    assert "Customers" not in titles

    # Renamed back, the next cycle runs every rule and resolves the typed name.
    workbook.rename_tab("Customer list", "Customers")
    report = workbook.run(LATER + timedelta(hours=1))
    assert report.held_back == []
    deal = workbook.read().by_id("Deals")[porch.row_id or ""]
    assert deal.text("customer_id") == "C-0001"


def test_a_renamed_tab_is_named_and_init_adds_no_empty_one_on_xlsx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    check_renamed_tab(make_workbook("xlsx", tmp_path), monkeypatch, capsys)


def test_a_renamed_tab_is_named_and_init_adds_no_empty_one_on_google_sheets(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: FakeTime,
) -> None:
    workbook = make_workbook("google", tmp_path, sheets_emulator, service_account_file, fake_time)
    check_renamed_tab(workbook, monkeypatch, capsys, service_account_file)


def test_a_deleted_tab_is_still_added_by_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Customers deleted; a tab of the team's own with a Name column is no renamed Customers.
    workbook = make_workbook("xlsx", tmp_path)
    workbook.run(NOW)
    book = load_workbook(workbook.path)
    own = book.create_sheet("Suppliers")
    own.append(["Name", "Email", "Delivery day"])
    own.append(["Tiles & Co", "sales@tiles.example", "Monday"])
    del book["Customers"]
    book.save(workbook.path)
    out = describe_report(workbook.run(LATER))
    assert (
        f"Note: The workbook has no Customers tab. Run `sheetcrm init --workbook {workbook.path}`"
        in out
    )
    assert "Suppliers" not in out
    capsys.readouterr()
    assert main(["init", "--workbook", str(workbook.path)]) == 0
    assert "added tabs: Customers" in capsys.readouterr().out
    assert "Customers" in workbook.titles()


def test_the_data_quality_page_names_the_renamed_tab(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = make_workbook("xlsx", tmp_path)
    renamed(workbook)
    argv = ["app.py", "--workbook", str(workbook.path), OPEN_WITHOUT_LOGIN]
    monkeypatch.setattr(sys, "argv", argv)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("sections/quality.py").run()
    assert not at.exception
    assert any(HELD in w.value for w in at.warning)
    table = at.dataframe[-1].value
    whole = table[(table["Tab"] == "Customers") & (table["Row"] == "whole tab")]
    assert list(whole["Problem"]) == [NOTE]
