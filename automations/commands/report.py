"""`sheetcrm report`: the dashboard's numbers on the command line, for a period, cut any way.

The figures are computed by :mod:`dashboard.report` with the dashboard's functions; with
``--as-of`` the lifecycle and RFM segments come from the bot's own rule
(:func:`automations.rules.lifecycle.lifecycles_as_of`), computed for that day.
"""

from __future__ import annotations

import argparse
import sys

from automations.arguments import iso_date
from automations.commands import Subcommands
from automations.commands.options import build_backend
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.collector import collector_paused
from sheet_schema.schema import Schema

KINDS = ("overview", "funnel", "sources", "customers")


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    report = commands.add_parser("report", help="print the dashboard's numbers, cut any way")
    add_workbook_options(report)
    report.add_argument("kind", choices=KINDS, help="which report")
    report.add_argument("--from", dest="start", type=iso_date, help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="end", type=iso_date, help="last day (YYYY-MM-DD)")
    report.add_argument(
        "--by",
        default=None,
        help="one row per month, quarter, manager, source, stage, or any column of Customers "
        "or Deals (e.g. Sector)",
    )
    report.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        help="lifecycle, RFM and days open deals have spent in their stage, as of this day",
    )
    report.add_argument(
        "--format", dest="fmt", choices=("table", "json", "csv"), default=None, help="output"
    )
    report.add_argument("--json", action="store_true", help="the same as --format json")
    report.set_defaults(handler=_cmd_report)


def _cmd_report(args: argparse.Namespace, schema: Schema) -> int:
    """Read the workbook once and print the report."""
    if args.start and args.end and args.start > args.end:
        print(f"sheetcrm: --from {args.start} is after --to {args.end}", file=sys.stderr)
        return 2
    # The report is one pass over the snapshot it holds, millions of objects on a large
    # workbook: the cyclic collector is paused for all of it, not only for the read (the read
    # pauses it itself), or its full passes walk the snapshot again while the figures are made.
    with collector_paused():
        return _report(args, schema)


def _report(args: argparse.Namespace, schema: Schema) -> int:
    """Read the tabs the report needs, compute it, print it (and its warnings to stderr)."""
    from automations.rules.lifecycle import lifecycles_as_of
    from dashboard.metrics import Period
    from dashboard.metrics.cuts import UnknownCut
    from dashboard.report import (
        ReportRequest,
        render_report_and_warnings,
        report_rows,
        report_tabs,
    )

    tabs = report_tabs(args.kind, args.as_of is not None)
    only = report_rows(args.kind, args.as_of is not None)
    snapshot = build_backend(args, schema).read(tabs, only)
    request = ReportRequest(
        period=Period(args.start, args.end),
        by=args.by,
        fmt="json" if args.json else (args.fmt or "table"),
        as_of=args.as_of,
        tabs=tabs,
        lifecycles=None if args.as_of is None else lifecycles_as_of(schema, snapshot, args.as_of),
    )
    try:
        text, unreadable = render_report_and_warnings(snapshot, args.kind, request=request)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        # The report is printed, its unreadable figures unknown; the reasons go to stderr too,
        # so a script that keeps only stdout still hears about them (exit 0, as `run`).
        for line in unreadable:
            print(f"sheetcrm: {line}", file=sys.stderr)
    except UnknownCut as error:
        print(f"sheetcrm: {error}", file=sys.stderr)
        return 2
    return 0
