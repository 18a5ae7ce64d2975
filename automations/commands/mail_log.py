"""`sheetcrm confirm-mail-log`: accept the Mail log as it is, so sending resumes."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from automations.commands import Subcommands
from automations.commands.options import build_backend, journal_copy_path
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.schema import Schema


def _cmd_confirm_mail_log(args: argparse.Namespace, schema: Schema) -> int:
    from automations.status import confirm_mail_log

    backend = build_backend(args, schema)
    print(confirm_mail_log(backend, schema, datetime.now(UTC), journal_copy_path(args)))
    return 0


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    confirm = commands.add_parser(
        "confirm-mail-log",
        help="accept the Mail log as it is, so sending resumes after it was deleted or lost rows",
    )
    add_workbook_options(confirm)
    confirm.set_defaults(handler=_cmd_confirm_mail_log)
