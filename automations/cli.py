"""The `sheetcrm` command: its parser and exit codes; each subcommand is in automations.commands.

Everything below the commands takes its collaborators as arguments, so tests and the scheduler
can hand in a different backend, clock or mailer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from automations.arguments import OneLineParser, version_text
from automations.commands import (
    dashboard,
    demo,
    export,
    importing,
    init,
    mail_log,
    report,
    run,
    schedule,
)
from sheet_schema.backends.base import ConfigurationError, WorkbookError
from sheet_schema.schema import SchemaError, load_schema


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `sheetcrm` command."""
    parser = OneLineParser(
        prog="sheetcrm",
        description="A CRM on top of your spreadsheet: a bot that checks rows, fills reminders, "
        "records stage changes and sends the emails that are due; and a dashboard.",
    )
    parser.add_argument("--version", action="version", version=version_text())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (init, run, schedule, mail_log, demo, dashboard, report, export, importing):
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code.

    0: the command did its work (rows with problems included). 2: a mistake on the command
    line or in the configuration (workbook, key file, spreadsheet id, mail settings, schema),
    with one line saying what to fix. 1: the command failed for another reason.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse: --help, --version, or a one-line usage error
        return stop.code if isinstance(stop.code, int) else 2
    try:
        schema = load_schema(getattr(args, "schema", None))
        code: int = args.handler(args, schema)
        return code
    except (ConfigurationError, SchemaError) as error:
        print(f"sheetcrm: {_one_line(error)}", file=sys.stderr)
        return 2
    except WorkbookError as error:
        print(f"sheetcrm: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sheetcrm: interrupted", file=sys.stderr)
        return 130


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
