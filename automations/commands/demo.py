"""`sheetcrm demo`: a demo workbook, one bot cycle, the dashboard."""

from __future__ import annotations

import argparse
from pathlib import Path

from automations.commands import Subcommands
from sheet_schema.schema import Schema


def _cmd_demo(args: argparse.Namespace, schema: Schema) -> int:
    from automations.demo.command import run_demo

    return run_demo(
        directory=args.dir,
        schema=schema,
        seed=args.seed,
        customers=args.customers,
        dashboard=not args.no_dashboard,
        port=args.port,
    )


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    demo = commands.add_parser("demo", help="make a demo workbook, run the bot, open the dashboard")
    demo.add_argument("--dir", type=Path, default=Path("demo"), help="where to put it (./demo)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    demo.add_argument("--customers", type=int, default=300, help="how many customers")
    demo.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    demo.add_argument("--port", type=int, default=8501, help="dashboard port on localhost")
    demo.set_defaults(handler=_cmd_demo, schema=None)
