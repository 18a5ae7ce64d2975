"""A Google spreadsheet whose locale reads typed dates month first, for a team that types day first.

A Spanish clinic's spreadsheet, left in the United States locale Google gave it: `sheetcrm init`
on it, settings and a patient typed through gspread as a person types in the browser
(USER_ENTERED). Google itself turns `03/04/2025` (3 April, for the team) into 4 March, a real
date the bot cannot question; the bot must say that the locale and Settings Date order disagree,
in the run output and the Bot status tab, in Spanish, and stop saying it once the team sets the
spreadsheet's locale to Spain.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from automations.cli import main as sheetcrm
from sheet_schema.bot_status import SETTINGS_READ
from sheet_schema.cells import serial_to_datetime
from tests.sheets_emulator import EmulatorServer
from tests.sheets_emulator.fixtures import gspread_client, service_account_file, sheets_emulator

__all__ = ["service_account_file", "sheets_emulator"]


def type_settings_and_a_patient(emu: EmulatorServer, key: Path, spreadsheet: str) -> None:
    book = gspread_client(emu, key).open_by_key(spreadsheet)
    settings = book.worksheet("Settings")
    for number, row in enumerate(settings.get_all_values(), start=1):
        if row[0] == "Language":
            settings.update_cell(number, 2, "es")
    customers = book.worksheet("Customers")
    headers = customers.row_values(1)
    typed = {"Name": "Ana García", "Email": "ana@example.es", "Created": "03/04/2025"}
    customers.append_row([typed.get(h, "") for h in headers], value_input_option="USER_ENTERED")


def bot_status(emu: EmulatorServer, spreadsheet: str) -> dict[str, str]:
    grid = emu.edits.grid_values(spreadsheet, "Bot status")
    return {str(r[0]): str(r[1]) for r in grid[1:] if len(r) > 1}


def test_a_locale_that_reads_dates_the_other_way_is_said_until_it_is_changed(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emu = sheets_emulator
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", emu.base_url)
    spreadsheet = emu.create_spreadsheet(title="Clínica")
    where = ["--spreadsheet", spreadsheet, "--credentials", str(service_account_file)]
    assert sheetcrm(["init", *where]) == 0
    type_settings_and_a_patient(emu, service_account_file, spreadsheet)

    capsys.readouterr()
    assert sheetcrm(["run", "--no-send", *where]) == 0
    out = capsys.readouterr().out

    # What Google stored is a real date, 4 March: nothing in the cell tells it was meant 3 April.
    grid = emu.edits.grid_values(spreadsheet, "Customers")
    created = grid[1][grid[0].index("Created")]
    assert isinstance(created, (int, float))
    assert serial_to_datetime(created).date().isoformat() == "2025-03-04"
    said = bot_status(emu, spreadsheet)[SETTINGS_READ]
    assert "en_US" in said and "03/04/2025" in said and "4 de marzo de 2025" in said
    assert "Date order: DMY" in said and "2025-04-03" in said
    assert "MDY" in said  # a US team that types month first only has to change Date order
    assert said in out

    # The team sets File > Settings > Locale to Spain: nothing more to say.
    book = gspread_client(emu, service_account_file).open_by_key(spreadsheet)
    book.batch_update(
        {
            "requests": [
                {
                    "updateSpreadsheetProperties": {
                        "properties": {"locale": "es_ES"},
                        "fields": "locale",
                    }
                }
            ]
        }
    )
    assert sheetcrm(["run", "--no-send", *where]) == 0
    assert "en_US" not in capsys.readouterr().out
    assert bot_status(emu, spreadsheet)[SETTINGS_READ] == "Se leyeron todos los ajustes."
