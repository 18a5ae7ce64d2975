"""`sheetcrm schedule`: a cycle every N minutes in one process."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from automations.arguments import positive_int, positive_minutes
from automations.commands import Subcommands
from automations.commands.options import (
    add_mail_options,
    build_backend,
    build_handover_log,
    build_mailer,
    journal_copy_path,
    lock_path,
)
from automations.commands.run import describe_emails
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.formatting import counted
from sheet_schema.schema import Schema


def _cmd_schedule(args: argparse.Namespace, schema: Schema) -> int:
    import signal
    import threading

    from automations.cycle import run_cycle
    from automations.rules.incremental import RowMemo
    from automations.scheduler import AlreadyRunning, run_schedule, single_instance

    backend = build_backend(args, schema)
    mailer = build_mailer(args)
    handover = build_handover_log(args)
    memo: RowMemo[Any] = RowMemo()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    journal_copy = journal_copy_path(args)

    def cycle() -> str:
        report, _ = run_cycle(
            backend,
            schema,
            datetime.now(UTC),
            memo=memo,
            mailer=mailer,
            handover=handover,
            journal_copy=journal_copy,
        )
        if args.json:
            return report.to_json()
        return "\n".join(
            [
                f"{report.source}: {counted(report.problems_found, 'row')} with problems; "
                f"wrote {counted(report.cells_written, 'cell')}, appended "
                f"{counted(report.rows_appended, 'row')} ({counted(memo.stats.reused, 'row')} "
                f"unchanged, {memo.stats.checked:,} checked) in {report.seconds:.2f} s",
                *describe_emails(report),
                *(f"Held back: {sentence}" for sentence in report.held_back),
            ]
        )

    try:
        with single_instance(lock_path(args)):
            print(
                f"Running a cycle every {counted(args.every, 'minute')} on {backend.describe()}; "
                "Ctrl+C or SIGTERM stops after the current cycle.",
                flush=True,
            )
            run_schedule(
                cycle,
                args.every * 60,
                stop,
                max_cycles=args.cycles,
                report=lambda line: print(line, flush=True),
            )
    except AlreadyRunning as error:
        print(f"sheetcrm: {error}", file=sys.stderr)
        return 1
    return 0


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    every = commands.add_parser(
        "schedule", help="run a cycle every N minutes in one process (checks only changed rows)"
    )
    add_workbook_options(every)
    every.add_argument(
        "--every", type=positive_minutes, default=10.0, help="minutes between cycles (10)"
    )
    every.add_argument("--json", action="store_true", help="one JSON report per cycle")
    every.add_argument("--cycles", type=positive_int, default=None, help="stop after N cycles")
    every.add_argument("--lock", default=None, help="lock file (default: beside the workbook)")
    add_mail_options(every)
    every.set_defaults(handler=_cmd_schedule)
