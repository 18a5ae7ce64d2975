"""Which workbook to open, from command-line options and the environment: the one way to do it.

The bot's command line and the dashboard both call :func:`locate_workbook` and
:func:`open_workbook`, so they always find the same workbook the same way:

- ``--spreadsheet ID`` (or ``SHEETCRM_SPREADSHEET_ID``) means Google Sheets, with the key file of
  ``--credentials FILE`` (or ``GOOGLE_APPLICATION_CREDENTIALS``) and the API address of
  ``SHEETCRM_SHEETS_API_URL`` (the local emulator in tests);
- otherwise the local ``.xlsx`` file of ``--workbook PATH`` (or ``SHEETCRM_WORKBOOK``), by default
  ``./sheetcrm.xlsx``.

The environment is passed in as a mapping, never read here, so callers and tests say which one
counts.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_schema.backends.base import GOOGLE_SHEETS_URL, Backend, ConfigurationError
from sheet_schema.schema import Schema, load_schema

DEFAULT_WORKBOOK = Path("sheetcrm.xlsx")


@dataclass(frozen=True)
class WorkbookLocation:
    """Where the workbook is: a local file, or a spreadsheet id with its key file and API URL."""

    workbook: Path
    spreadsheet: str | None = None
    credentials: Path | None = None
    api_url: str = GOOGLE_SHEETS_URL

    @property
    def is_google(self) -> bool:
        """True when the workbook is a Google spreadsheet."""
        return self.spreadsheet is not None

    def credentials_file(self) -> Path:
        """The service-account key file; a clear error when none was given."""
        if self.credentials is None:
            raise ConfigurationError(
                "Google Sheets needs a service-account key: pass --credentials FILE "
                "or set GOOGLE_APPLICATION_CREDENTIALS (see README, Google Sheets "
                "setup)."
            )
        return self.credentials


def add_workbook_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--workbook``, ``--spreadsheet`` and ``--credentials`` to a parser.

    ``--workbook`` and ``--spreadsheet`` exclude each other: a command works on one workbook.
    """
    where = parser.add_argument_group("where the workbook is (default: a local .xlsx file)")
    which = where.add_mutually_exclusive_group()
    which.add_argument(
        "--workbook",
        type=Path,
        default=None,
        help="local .xlsx workbook (env SHEETCRM_WORKBOOK; default ./sheetcrm.xlsx)",
    )
    which.add_argument(
        "--spreadsheet",
        default=None,
        metavar="ID",
        help="Google spreadsheet id (env SHEETCRM_SPREADSHEET_ID)",
    )
    where.add_argument(
        "--credentials",
        type=Path,
        default=None,
        help="service-account JSON key (env GOOGLE_APPLICATION_CREDENTIALS)",
    )
    where.add_argument("--schema", type=Path, default=None, help=argparse.SUPPRESS)


def locate_workbook(options: argparse.Namespace, environ: Mapping[str, str]) -> WorkbookLocation:
    """The workbook that the options (from :func:`add_workbook_options`) and environment name.

    Options win over the environment, one setting at a time; ``--workbook`` also wins over a
    ``SHEETCRM_SPREADSHEET_ID`` in the environment (who names a file means that file).
    """
    workbook = getattr(options, "workbook", None)
    spreadsheet = getattr(options, "spreadsheet", None) or (
        None if workbook else environ.get("SHEETCRM_SPREADSHEET_ID")
    )
    workbook = workbook or environ.get("SHEETCRM_WORKBOOK")
    credentials = getattr(options, "credentials", None) or environ.get(
        "GOOGLE_APPLICATION_CREDENTIALS"
    )
    return WorkbookLocation(
        workbook=Path(workbook) if workbook else DEFAULT_WORKBOOK,
        spreadsheet=str(spreadsheet) if spreadsheet else None,
        credentials=Path(credentials) if credentials else None,
        api_url=environ.get("SHEETCRM_SHEETS_API_URL") or GOOGLE_SHEETS_URL,
    )


def open_workbook(location: WorkbookLocation, schema: Schema) -> Backend:
    """The backend for a location: Google Sheets (authenticated here) or the local workbook."""
    if not location.is_google:
        from sheet_schema.backends.xlsx import XlsxBackend

        return XlsxBackend(location.workbook, schema)
    from sheet_schema.backends.google_sheets import GoogleSheetsBackend

    assert location.spreadsheet is not None
    return GoogleSheetsBackend.connect(
        spreadsheet_id=location.spreadsheet,
        credentials_file=location.credentials_file(),
        schema=schema,
        api_url=location.api_url,
    )


def open_workbook_from_arguments(argv: Sequence[str], environ: Mapping[str, str]) -> Backend:
    """Open the workbook named by workbook options in ``argv`` (others are ignored).

    For the dashboard, started by ``streamlit run dashboard/app.py -- [options]``, which must
    find the workbook exactly as the bot does.
    """
    parser = argparse.ArgumentParser(prog="dashboard", add_help=False)
    add_workbook_options(parser)
    options, _ = parser.parse_known_args(list(argv))
    return open_workbook(locate_workbook(options, environ), load_schema(options.schema))
