"""Run the emulator in the foreground: ``python -m tests.sheets_emulator --port 8089``."""

from __future__ import annotations

import argparse
import sys

from .keys import write_service_account_file
from .server import EmulatorServer


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start the server, print its base URL and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.sheets_emulator", description="Local Google Sheets API v4 emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--seed-spreadsheet",
        action="append",
        default=[],
        metavar="ID",
        help="pre-create an empty spreadsheet with this id (repeatable)",
    )
    parser.add_argument("--seed-title", default="CRM", help="title of seeded spreadsheets")
    parser.add_argument(
        "--write-key-file",
        metavar="PATH",
        help="write a service-account key file registered with this server",
    )
    parser.add_argument(
        "--no-auth", action="store_true", help="accept requests without a bearer token"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    emu = EmulatorServer(args.host, args.port, require_auth=not args.no_auth, verbose=args.verbose)
    for sid in args.seed_spreadsheet:
        emu.create_spreadsheet(title=args.seed_title, spreadsheet_id=sid)
    email = write_service_account_file(args.write_key_file, emu) if args.write_key_file else ""
    # The base URL is always the first line, for scripts that start the emulator and read it.
    print(emu.base_url, flush=True)
    if email:
        print(f"service account {email} -> {args.write_key_file}", flush=True)
    try:
        emu.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
