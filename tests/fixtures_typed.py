"""A small workbook typed the way a person does it, on either backend, and edits people make.

The workbook starts from ``create_workbook`` (what ``sheetcrm init`` writes); rows are typed cell
by cell with openpyxl under the headers init wrote. The same file is uploaded to the Sheets
emulator for the Google Sheets runs (its cells as the API stores them), and the damage people do
(a tab deleted, a header renamed, a row typed) is done with openpyxl on the file or through the
emulator's edit hooks, as a person would in Excel or in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from automations.cycle import CycleReport, run_cycle
from automations.mail.journal_check import copy_path
from automations.mail.mailer import Mailer
from sheet_schema.backends.google_sheets import GoogleSheetsBackend
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import last_used_row
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.backends.xlsx_read import read_grids
from sheet_schema.cells import datetime_to_serial
from sheet_schema.headers import column_letter
from sheet_schema.model import Snapshot
from tests.fixtures_google import FakeTime, backend_for
from tests.fixtures_rules import NOW, SCHEMA
from tests.sheets_emulator import EmulatorServer

Typed = Mapping[str, object]  # header -> what the person typed

SETTINGS = (("Time zone", "Europe/Madrid"), ("Sender email", "shop@example.com"))

ROWS: dict[str, list[Typed]] = {
    "Customers": [
        {
            "Name": "Ana Costa",
            "Email": "ana@example.com",
            "Created": date(2025, 1, 10),
            "Marketing consent": "yes",
        },
        {
            "Name": "Bruno Lima",
            "Email": "bruno@example.com",
            "Created": date(2025, 2, 1),
            "Marketing consent": "yes",
        },
        {
            "Name": "Carla Dias",
            "Email": "carla@example.com",
            "Created": date(2026, 10, 1),
            "Marketing consent": "yes",
        },
    ],
    "Deals": [
        {
            "Customer ID": "C-0001",
            "Title": "Kitchen",
            "Stage": "Won",
            "Value": 1200,
            "Created": date(2026, 9, 1),
            "Closed": date(2026, 10, 15),
        },
        {
            "Customer ID": "C-0002",
            "Title": "Bathroom",
            "Stage": "Proposal",
            "Value": 800,
            "Created": date(2026, 10, 1),
        },
    ],
    "Interactions": [
        {
            "Date": datetime(2026, 10, 20, 9, 30),
            "Customer ID": "C-0002",
            "Deal ID": "D-0002",
            "Kind": "Call",
        },
        {"Date": datetime(2026, 11, 2, 18, 0), "Customer ID": "C-0003", "Kind": "Complaint"},
    ],
    "Templates": [
        {
            "Key": "news",
            "Language": "en",
            "Subject": "Autumn news",
            "Body": "Hello {{ customer.first_name }},\n\nNew colours are in.",
        }
    ],
    "Campaigns": [
        {"Name": "Autumn", "Template": "news", "Send on": date(2026, 11, 4), "Approved": "yes"}
    ],
}


def type_rows(path: Path, rows: Mapping[str, Sequence[Typed]]) -> None:
    """Type rows under the headers of row 1, after the last used row, and save (as Excel does)."""
    book = load_workbook(path)
    for title, records in rows.items():
        sheet = book[title]
        header = [cell.value for cell in sheet[1]]
        start = last_used_row(sheet) + 1
        for offset, record in enumerate(records):
            for name, value in record.items():
                sheet.cell(row=start + offset, column=header.index(name) + 1, value=value)
    book.save(path)


def typed_workbook(
    path: Path,
    settings: Sequence[tuple[str, str]] = SETTINGS,
    rows: Mapping[str, Sequence[Typed]] = ROWS,
) -> Path:
    """``sheetcrm init`` and the rows above (or ``rows``) typed in."""
    create_workbook(path, SCHEMA, settings=settings)
    type_rows(path, rows)
    return path


def _api_value(value: object) -> object:
    # What the API stores for a typed date: its serial number.
    if isinstance(value, (date, datetime)):
        return datetime_to_serial(value)
    return value


@dataclass
class Workbook:
    """One typed workbook on one backend, with the edits a person makes."""

    path: Path
    google: tuple[EmulatorServer, str, GoogleSheetsBackend] | None = None

    @property
    def backend(self) -> XlsxBackend | GoogleSheetsBackend:
        """The backend the bot uses."""
        return self.google[2] if self.google else XlsxBackend(self.path, SCHEMA)

    @property
    def journal_copy(self) -> Path | None:
        """The file beside an .xlsx workbook keeping the Mail log count (as the CLI passes it)."""
        return None if self.google else copy_path(self.path)

    def run(
        self, now: datetime = NOW, mailer: Mailer | None = None, dry_run: bool = False
    ) -> CycleReport:
        """One bot cycle."""
        report, _ = run_cycle(
            self.backend,
            SCHEMA,
            now,
            mailer=mailer,
            dry_run=dry_run,
            journal_copy=self.journal_copy,
        )
        return report

    def read(self) -> Snapshot:
        """What the bot (or the dashboard) reads now."""
        return self.backend.read()

    def delete_tab(self, title: str) -> None:
        """Right-click, Delete."""
        if self.google:
            emulator, spreadsheet, _ = self.google
            sheet_id = emulator.edits._sheet_id(spreadsheet, title)
            emulator.edits.apply(spreadsheet, [{"deleteSheet": {"sheetId": sheet_id}}])
            return
        book = load_workbook(self.path)
        book.remove(book[title])
        book.save(self.path)

    def rename_tab(self, title: str, new: str) -> None:
        """Double-click the tab's name and type another."""
        if self.google:
            emulator, spreadsheet, _ = self.google
            emulator.edits.rename_sheet(spreadsheet, title, new)
            return
        book = load_workbook(self.path)
        book[title].title = new
        book.save(self.path)

    def titles(self) -> list[str]:
        """The worksheets' names, left to right."""
        if self.google:
            emulator, spreadsheet, _ = self.google
            with emulator.store.read(spreadsheet) as book:
                return [str(sheet.properties["title"]) for sheet in book.sheets]
        return list(load_workbook(self.path, read_only=True).sheetnames)

    def delete_rows(self, title: str, first: int, count: int) -> None:
        """Select rows ``first``..``first + count - 1`` (1-based) and delete them."""
        if self.google:
            emulator, spreadsheet, _ = self.google
            emulator.edits.delete_rows(spreadsheet, title, first - 1, first - 1 + count)
            return
        book = load_workbook(self.path)
        book[title].delete_rows(first, count)
        book.save(self.path)

    def rename_header(self, title: str, header: str, new: str) -> None:
        """Type a new name over a header cell."""
        if self.google:
            emulator, spreadsheet, _ = self.google
            row = emulator.edits.grid_values(spreadsheet, title)[0]
            cell = f"'{title}'!{column_letter(row.index(header))}1"
            emulator.edits.set_values(spreadsheet, cell, [[new]])
            return
        book = load_workbook(self.path)
        for cell in book[title][1]:
            if cell.value == header:
                cell.value = new
        book.save(self.path)

    def type(self, rows: Mapping[str, Sequence[Typed]]) -> None:
        """Type new rows at the end of tabs."""
        if not self.google:
            type_rows(self.path, rows)
            return
        emulator, spreadsheet, _ = self.google
        for title, records in rows.items():
            grid = emulator.edits.grid_values(spreadsheet, title)
            header = list(grid[0])
            for offset, record in enumerate(records):
                number = len(grid) + 1 + offset
                for name, value in record.items():
                    cell = f"'{title}'!{column_letter(header.index(name))}{number}"
                    emulator.edits.set_values(spreadsheet, cell, [[_api_value(value)]], "RAW")

    def set_cell(self, title: str, row_id: str, header: str, value: object) -> None:
        """Retype one cell of the row holding an ID in column A."""
        if self.google:
            emulator, spreadsheet, _ = self.google
            grid = emulator.edits.grid_values(spreadsheet, title)
            number = next(i for i, r in enumerate(grid, start=1) if r and r[0] == row_id)
            cell = f"'{title}'!{column_letter(list(grid[0]).index(header))}{number}"
            emulator.edits.set_values(spreadsheet, cell, [[_api_value(value)]], "RAW")
            return
        book = load_workbook(self.path)
        sheet = book[title]
        header_row = [c.value for c in sheet[1]]
        for cells in sheet.iter_rows(min_row=2):
            if cells[0].value == row_id:
                cells[header_row.index(header)].value = value
        book.save(self.path)


def make_workbook(
    kind: str,
    tmp_path: Path,
    emulator: EmulatorServer | None = None,
    key_file: Path | None = None,
    time: FakeTime | None = None,
    settings: Sequence[tuple[str, str]] = SETTINGS,
    rows: Mapping[str, Sequence[Typed]] = ROWS,
) -> Workbook:
    """The typed workbook on ``kind`` ("xlsx" or "google"; Google needs the emulator fixtures),
    with ``settings`` and ``rows`` (default: the rows above)."""
    path = typed_workbook(tmp_path / "crm.xlsx", settings, rows)
    if kind == "xlsx":
        return Workbook(path)
    assert emulator is not None and key_file is not None and time is not None
    grids = {
        title: [[_api_value(v) for v in row] for row in grid]
        for title, grid in read_grids(path).items()
    }
    spreadsheet = emulator.create_spreadsheet("CRM", grids)
    backend = backend_for(emulator, spreadsheet, key_file, SCHEMA, time)
    return Workbook(path, (emulator, spreadsheet, backend))
