"""SIGKILL `sheetcrm run` mid-mailing, for real, and count what the mail server received.

The CI-sized run of benchmarks/kill_harness.py (which does 50 kills per backend for
RELIABILITY.md): a few seeded kills per backend, at random moments and while the bot talks to a
real SMTP server on loopback, then cycles until nothing is due. DESIGN invariant 4 and issue 13:
no key is ever received twice, Unknown rows are at most one per kill, every email due was
received or flagged Unknown, nothing is left Planned, no temporary workbook copy is left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.kill_harness import SheetsTarget, XlsxTarget, holds, run_backend
from sheet_schema.schema import Schema
from tests.fixtures_google import schema, service_account_file, sheets_emulator
from tests.sheets_emulator import EmulatorServer

__all__ = ["schema", "service_account_file", "sheets_emulator"]

KILLS = 3
CUSTOMERS = 12  # emails due per round


def check(result: dict[str, Any]) -> None:
    assert result["kills"] == KILLS, result
    assert result["duplicates"] == 0, result
    assert result["unknown"] <= result["kills"], result
    assert result["never_sent_not_flagged"] == 0, result
    assert result["received_not_due"] == 0, result
    assert result["planned_left"] == 0 and result["temp_copies_left"] == 0, result
    assert result["failed_runs"] == [], result
    assert holds(result)


@pytest.mark.slow
def test_killing_xlsx_runs_loses_and_doubles_nothing(tmp_path: Path, schema: Schema) -> None:
    target = XlsxTarget.create(tmp_path, CUSTOMERS, schema)

    check(run_backend(target, KILLS, seed=11, customers=CUSTOMERS))


@pytest.mark.slow
def test_killing_google_sheets_runs_loses_and_doubles_nothing(
    tmp_path: Path, schema: Schema, sheets_emulator: EmulatorServer, service_account_file: Path
) -> None:
    target = SheetsTarget.create(
        sheets_emulator.base_url, service_account_file, tmp_path, CUSTOMERS, schema
    )

    check(run_backend(target, KILLS, seed=12, customers=CUSTOMERS))
