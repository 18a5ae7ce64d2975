"""`sheetcrm export`: one tab to a CSV or xlsx file, formulas escaped."""

from __future__ import annotations

import argparse
import sys

from automations.commands import Subcommands
from automations.commands.options import build_backend
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.schema import Schema


def _cmd_export(args: argparse.Namespace, schema: Schema) -> int:
    from automations.intake.export import check_destination, export_tab, left_out

    try:
        out = check_destination(args.out or f"{args.tab}.{args.format}")
        snapshot = build_backend(args, schema).read()
        print(export_tab(snapshot, schema, args.tab, out, args.format))
    except ValueError as error:
        print(f"sheetcrm export: {error}", file=sys.stderr)
        return 2
    tab = schema.find_tab(args.tab)
    for sentence in left_out(snapshot, tab.name if tab else args.tab):
        print(f"sheetcrm export: {sentence}", file=sys.stderr)
    return 0


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    export = commands.add_parser(
        "export", help="write one tab to a CSV or xlsx file (formulas escaped so none runs)"
    )
    add_workbook_options(export)
    export.add_argument("--tab", required=True, help="the tab to export, e.g. Customers")
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="csv (default)")
    export.add_argument("--out", default=None, help="file to write (TAB.FORMAT)")
    export.set_defaults(handler=_cmd_export)
