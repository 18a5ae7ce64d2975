"""`sheetcrm import`: rows from a CSV or xlsx file into a tab."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from automations.commands import Subcommands
from automations.commands.options import build_backend
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.schema import Schema


def _cmd_import(args: argparse.Namespace, schema: Schema) -> int:
    from automations.intake.command import run_import

    outcome = run_import(
        build_backend(args, schema), schema, args.file, args.tab, args.map, args.dry_run
    )
    print("\n".join(outcome.lines), file=sys.stderr if outcome.code else sys.stdout)
    return outcome.code


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    importing = commands.add_parser(
        "import", help="add rows from a CSV or xlsx file to a tab (duplicates merged, never twice)"
    )
    add_workbook_options(importing)
    importing.add_argument("file", type=Path, help="the CSV or xlsx file")
    importing.add_argument("--tab", required=True, help="Customers, Deals, Interactions or Sources")
    importing.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="THEIRS=OURS",
        help='use their column for ours, e.g. --map "Prospect ID=Name" (repeatable)',
    )
    importing.add_argument("--dry-run", action="store_true", help="say what would happen")
    importing.set_defaults(handler=_cmd_import)
