"""The Backend protocol every storage implements."""

from __future__ import annotations

import shlex
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Protocol

from sheet_schema.model import ApplyReport, Plan, Snapshot
from sheet_schema.reading import RowFilter

# Where Google's Sheets API answers (tests point SheetCRM at the local emulator instead). Here,
# not beside the HTTP client, so naming it does not import gspread: a command on an .xlsx file
# starts without it.
GOOGLE_SHEETS_URL = "https://sheets.googleapis.com"


class WorkbookError(RuntimeError):
    """The workbook cannot be read or written; the message says why and what to do.

    Raised for whole-workbook failures only (missing file, no access, quota exhausted). Problems
    with a tab, row or cell never raise: they are reported in the snapshot.
    """


class ConfigurationError(WorkbookError):
    """A setting the person running SheetCRM must fix before anything can work: a missing or
    locked workbook, a bad key file, an unknown spreadsheet id, impossible mail settings.

    The command line exits 2 for these (1 is for a cycle that failed for another reason); the
    message is one line naming what to fix.
    """


def init_command(
    workbook: Path | None = None,
    *,
    spreadsheet: str | None = None,
    credentials: Path | None = None,
) -> str:
    """The exact ``sheetcrm init`` command that repairs this workbook, for messages to people."""
    if spreadsheet is None:
        target = shlex.quote(str(workbook or "sheetcrm.xlsx"))
        return f"sheetcrm init --workbook {target}"
    command = f"sheetcrm init --spreadsheet {shlex.quote(spreadsheet)}"
    if credentials is not None:
        command += f" --credentials {shlex.quote(str(credentials))}"
    return command


class Backend(Protocol):
    """A workbook the bot can read in one pass and write in one batch."""

    def read(
        self, tabs: Collection[str] | None = None, only: Mapping[str, RowFilter] | None = None
    ) -> Snapshot:
        """Every tab, read in one request (Sheets) or one file pass (xlsx).

        ``tabs`` (canonical names) reads only those, plus Settings: the dashboard leaves the
        biggest tab, Interactions, for the pages that show it. ``only`` keeps only some rows of a
        tab in the snapshot (``sheetcrm report``: the Purchase rows of Interactions).
        """
        ...

    def apply(self, plan: Plan) -> ApplyReport:
        """Re-resolve row IDs, then write every cell and append every row in one batch."""
        ...

    def describe(self) -> str:
        """A short human name for messages, e.g. the file path or spreadsheet id."""
        ...
