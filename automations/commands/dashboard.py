"""`sheetcrm dashboard`: serve the dashboard for a workbook."""

from __future__ import annotations

import argparse
import sys

from automations.commands import Subcommands
from automations.commands.options import workbook_location
from automations.dashboard_server import DEFAULT_PORT, LOOPBACK
from sheet_schema.backends.base import ConfigurationError, init_command
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.schema import Schema


def _cmd_dashboard(args: argparse.Namespace, schema: Schema) -> int:
    from automations.dashboard_server import (
        OPEN_WITHOUT_LOGIN,
        find_dashboard_app,
        port_in_use_message,
        port_is_free,
        serve_dashboard,
    )

    location = workbook_location(args)
    if location.is_google:
        assert location.spreadsheet is not None
        options = ["--spreadsheet", location.spreadsheet]
        # Checked here, so a missing key is said once in the terminal, not in the browser.
        options += ["--credentials", str(location.credentials_file().resolve())]
    else:
        workbook = location.workbook.resolve()
        if not workbook.is_file():
            # Said here, before a server starts, like every command's missing workbook.
            raise ConfigurationError(
                f"{location.workbook}: no such workbook. Create one with "
                f"`{init_command(location.workbook)}`."
            )
        options = ["--workbook", str(workbook)]
    if args.open_without_login:
        options.append(OPEN_WITHOUT_LOGIN)
    if not port_is_free(args.port, args.address):
        print(port_in_use_message("sheetcrm dashboard", args.port, args.address), file=sys.stderr)
        return 1
    app = find_dashboard_app()
    if app is None:
        raise ConfigurationError("the dashboard is not installed (dashboard/app.py was not found).")
    print(f"Starting the dashboard for {location.spreadsheet or options[1]}...", flush=True)
    return serve_dashboard(app, args.port, options, args.address)


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    board = commands.add_parser(
        "dashboard", help="serve the dashboard for a workbook (Ctrl+C stops it)"
    )
    add_workbook_options(board)
    board.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    board.add_argument(
        "--address",
        default=LOOPBACK,
        help=f"address to listen on ({LOOPBACK}: this computer only)",
    )
    board.add_argument(
        "--open-without-login",
        action="store_true",
        help="no login, for a dashboard nobody else can reach: it then shows data only to "
        "visits from this computer",
    )
    board.set_defaults(handler=_cmd_dashboard)
