"""`sheetcrm report`: the dashboard's numbers on the command line."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from automations.commands import Subcommands
from automations.commands.options import build_backend
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.schema import Schema


def _cmd_report(args: argparse.Namespace, schema: Schema) -> int:
    from dashboard.report import render_report

    snapshot = build_backend(args, schema).read()
    print(render_report(snapshot, args.kind, as_json=args.json, now=datetime.now(UTC)))
    return 0


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    report = commands.add_parser("report", help="print the dashboard's numbers")
    add_workbook_options(report)
    report.add_argument("kind", choices=["overview", "funnel", "sources"], help="which report")
    report.add_argument("--json", action="store_true", help="machine-readable output")
    report.set_defaults(handler=_cmd_report)
