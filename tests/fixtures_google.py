"""Shared helpers for the Google Sheets backend tests: CRM sheets, a fake clock, a fast retry.

Import the fixtures by name in a test module (``from tests.fixtures_google import ...``); the
emulator itself and its key-file fixture come from ``tests.sheets_emulator.fixtures``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sheet_schema.backends.google_sheets import GoogleSheetsBackend
from sheet_schema.backends.sheets_retry import Retrier, RetryPolicy
from sheet_schema.model import CellWrite, Plan, Snapshot
from sheet_schema.schema import Schema, load_schema
from tests.sheets_emulator import EmulatorServer
from tests.sheets_emulator.fixtures import service_account_file, sheets_emulator

__all__ = [
    "NOW",
    "FakeTime",
    "backend_for",
    "column_of",
    "crm_workbook",
    "customer_rows",
    "fake_time",
    "headers",
    "schema",
    "service_account_file",
    "sheets_emulator",
    "tab_values",
    "write_bot_column",
]

NOW = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Record the wait and move the clock; returns at once."""
        self.sleeps.append(seconds)
        self.now += seconds

    def retrier(self, attempts: int = 5, total_seconds: float = 60.0) -> Retrier:
        """A retry with real backoff arithmetic on this fake clock (no jitter: exact waits)."""
        policy = RetryPolicy(attempts=attempts, total_seconds=total_seconds, jitter=0.0)
        return Retrier(policy=policy, sleep=self.sleep, clock=self.clock)


@pytest.fixture
def fake_time() -> FakeTime:
    """A fresh fake clock per test."""
    return FakeTime()


@pytest.fixture(scope="session")
def schema() -> Schema:
    """The packaged workbook schema."""
    return load_schema()


def headers(schema: Schema, tab: str) -> list[str]:
    """The header row ``init`` writes for a tab."""
    return [c.header for c in schema.tab(tab).columns]


def column_of(schema: Schema, tab: str, key: str) -> int:
    """0-based index of a column in the header row ``init`` writes."""
    return [c.key for c in schema.tab(tab).columns].index(key)


def customer_rows(schema: Schema, count: int, start: int = 1) -> list[list[Any]]:
    """``count`` Customers rows with IDs, names, emails and a birthday serial."""
    keys = [c.key for c in schema.tab("Customers").columns]
    rows = []
    for n in range(start, start + count):
        row: list[Any] = [""] * len(keys)
        row[keys.index("id")] = f"C-{n:04d}"
        row[keys.index("name")] = f"Customer {n:05d}"
        row[keys.index("email")] = f"customer{n}@example.com"
        row[keys.index("birthday")] = 30000 + n % 9000
        row[keys.index("source")] = "Website"
        rows.append(row)
    return rows


def crm_workbook(
    schema: Schema,
    customers: Sequence[Sequence[Any]],
    extra: dict[str, list[list[Any]]] | None = None,
) -> dict[str, list[list[Any]]]:
    """Grids for ``create_spreadsheet``: every tab with its header, Customers filled."""
    sheets: dict[str, list[list[Any]]] = {
        tab.name: [headers(schema, tab.name)] for tab in schema.tabs
    }
    sheets["Customers"] = [headers(schema, "Customers"), *[list(r) for r in customers]]
    sheets["Settings"] += [["Time zone", "Europe/Madrid"]]
    sheets.update(extra or {})
    return sheets


def backend_for(
    emu: EmulatorServer,
    spreadsheet_id: str,
    key_file: Path,
    schema: Schema,
    time: FakeTime,
    attempts: int = 5,
    total_seconds: float = 60.0,
) -> GoogleSheetsBackend:
    """A backend routed to the emulator, with the fake clock's fast retry."""
    return GoogleSheetsBackend.connect(
        spreadsheet_id,
        key_file,
        schema,
        emu.base_url,
        retrier=time.retrier(attempts, total_seconds),
        clock=lambda: NOW,
    )


def tab_values(emu: EmulatorServer, spreadsheet_id: str, title: str) -> list[list[Any]]:
    """A tab's values as the API returns them (UNFORMATTED_VALUE, trimmed)."""
    return emu.edits.grid_values(spreadsheet_id, title)


def write_bot_column(snapshot: Snapshot, tab: str, column: str, value_of: Any = None) -> Plan:
    """A plan setting one column on every row with an ID: ``value_of(row)`` or "for <ID>"."""
    writes = tuple(
        CellWrite(tab, row.row_id, column, value_of(row) if value_of else f"for {row.row_id}")
        for row in snapshot.tab(tab)
        if row.row_id
    )
    return Plan(writes=writes)
