"""`sheetcrm init`: create a workbook, or add what an existing one lacks."""

from __future__ import annotations

import argparse

from automations.commands import Subcommands
from automations.commands.options import workbook_location
from sheet_schema.backends.base import ConfigurationError
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.schema import Schema


def _cmd_init(args: argparse.Namespace, schema: Schema) -> int:
    location = workbook_location(args)
    if location.spreadsheet is not None:
        from sheet_schema.backends.sheets_init import initialize_spreadsheet

        summary = initialize_spreadsheet(
            spreadsheet_id=location.spreadsheet,
            credentials_file=location.credentials_file(),
            schema=schema,
            api_url=location.api_url,
        )
        print(summary)
        return 0
    from sheet_schema.backends.xlsx_init import create_workbook, repair_workbook

    path = location.workbook
    if path.suffix.lower() != ".xlsx":
        raise ConfigurationError(
            f"{path}: init makes and repairs Excel workbooks only; give a file name ending "
            "in .xlsx."
        )
    if path.exists() and not args.force:
        # An existing workbook is repaired, never replaced: only --force starts afresh.
        print(repair_workbook(path, schema))
        return 0
    create_workbook(path, schema, force=args.force)
    print(f"Created {path} with tabs: {', '.join(t.name for t in schema.tabs)}.")
    return 0


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    init = commands.add_parser(
        "init",
        help="create a workbook, or add what an existing one lacks (tabs, headers, dropdowns)",
    )
    add_workbook_options(init)
    init.add_argument(
        "--force", action="store_true", help="replace an existing .xlsx file with a new one"
    )
    init.set_defaults(handler=_cmd_init)
