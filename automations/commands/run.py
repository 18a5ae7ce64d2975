"""`sheetcrm run`: one bot cycle, and the few lines that say how it went."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from datetime import UTC, datetime

from automations.arguments import as_of_moment, iso_date
from automations.commands import Subcommands
from automations.commands.options import (
    add_mail_options,
    build_backend,
    build_handover_log,
    build_mailer,
    journal_copy_path,
    lock_path,
)
from automations.cycle import CycleReport
from sheet_schema.backends.opening import add_workbook_options
from sheet_schema.formatting import counted
from sheet_schema.schema import Schema

# What a dry run plans, by CycleReport.planned key: the words for one and for several.
_PLANNED = {
    "writes": ("cell to write", "cells to write"),
    "appends": ("row to append", "rows to append"),
    "ids": ("ID to assign", "IDs to assign"),
    "emails": ("email to send", "emails to send"),
    "emails_due": ("email due", "emails due"),
    "marks": ("form answer to mark", "form answers to mark"),
}


def _cmd_run(args: argparse.Namespace, schema: Schema) -> int:
    from automations.cycle import run_cycle
    from automations.plan_text import describe_plan
    from automations.scheduler import AlreadyRunning, single_instance

    if args.as_of is not None and not args.dry_run:
        print("sheetcrm: --as-of needs --dry-run (a real run is always as of now)", file=sys.stderr)
        return 2
    backend = build_backend(args, schema)
    mailer, handover = build_mailer(args), build_handover_log(args)
    # A dry run writes and sends nothing, so it may look while another process works.
    lock = nullcontext() if args.dry_run else single_instance(lock_path(args))
    try:
        with lock:
            report, plan = run_cycle(
                backend,
                schema,
                datetime.now(UTC) if args.as_of is None else as_of_moment(args.as_of),
                dry_run=args.dry_run,
                mailer=mailer,
                handover=handover,
                journal_copy=journal_copy_path(args),
            )
    except AlreadyRunning as error:
        print(f"sheetcrm: {error}; this run changed and sent nothing", file=sys.stderr)
        return 1
    if args.json:
        print(report.to_json())
    else:
        if args.dry_run:
            print(describe_plan(plan))
        print(describe_report(report))
    return 0


def describe_report(report: CycleReport) -> str:
    """A few human lines about a cycle."""
    rows = ", ".join(f"{tab} ({counted(n, 'row')})" for tab, n in report.rows_read.items() if n)
    lines = [
        f"Read {report.source}: {rows or 'no rows'}.",
        f"Rows with problems: {report.problems_found:,}.",
    ]
    if report.dry_run:
        lines.append(
            "Dry run: nothing was written. Planned: "
            + ", ".join(counted(n, *_PLANNED.get(k, (k, k))) for k, n in report.planned.items())
            + "."
        )
    else:
        lines.append(
            f"Wrote {counted(report.cells_written, 'cell')}, appended "
            f"{counted(report.rows_appended, 'row')}, assigned "
            f"{counted(report.ids_assigned, 'ID')} in {report.seconds:.2f} s."
        )
        if report.rows_marked:
            answers = counted(report.rows_marked, "form answer")
            lines.append(f"Marked {answers} as read.")
    lines.extend(describe_emails(report))
    if report.references_resolved or report.references_unresolved:
        lines.append(
            f"References typed by email, phone or name: {report.references_resolved:,} replaced "
            f"by their ID, {report.references_unresolved:,} left as typed "
            f"({report.references_ambiguous:,} naming several rows)."
        )
    lines.extend(f"Held back: {sentence}" for sentence in report.held_back)
    lines.extend(f"Note: {issue}" for issue in report.tab_issues)
    lines.extend(f"Note: {note}" for note in report.notes)
    lines.extend(f"Skipped: {reason}" for reason in report.skipped)
    return "\n".join(lines)


def describe_emails(report: CycleReport) -> list[str]:
    """What happened to the cycle's emails, in a line or two (nothing when none were due)."""
    lines: list[str] = []
    if report.emails_planned or report.emails_deferred:
        done = "would send" if report.dry_run else "sent"
        counts = [f"{report.emails_planned:,} due now", f"{report.emails_sent:,} {done}"]
        for count, what in (
            (report.emails_failed, "failed"),
            (report.emails_bounced, "bounced"),
            (report.emails_unknown, "unknown (check the Mail log)"),
            (report.emails_waiting, "not handed to the mail server (sent in a later cycle)"),
            (report.emails_deferred, "over today's send cap (sent in a later cycle)"),
        ):
            if count:
                counts.append(f"{count:,} {what}")
        lines.append("Emails: " + ", ".join(counts) + ".")
    if report.emails_recovered:
        lines.append(
            f"Emails left by a stopped cycle: {report.emails_recovered:,} settled from the local "
            "hand-over record (outcomes written, or sent now if they never went out)."
        )
    if report.emails_interrupted:
        maybe = counted(
            report.emails_interrupted,
            "email may have gone out and is",
            "emails may have gone out and are",
        )
        lines.append(
            f"Left by a stopped cycle: {maybe} marked Unknown in the Mail log: check the Sent "
            "folder of the mailbox."
        )
    if report.sending_stopped:
        lines.append(report.sending_stopped)
    if report.mail_error:
        lines.append(f"Emails not sent: {report.mail_error}")
    return lines


def register(commands: Subcommands) -> None:
    """Add this command to the `sheetcrm` parser."""
    run = commands.add_parser("run", help="run one bot cycle")
    add_workbook_options(run)
    run.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    run.add_argument("--json", action="store_true", help="print the cycle report as JSON")
    run.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        help="with --dry-run: plan as if today were this date (YYYY-MM-DD): lifecycle, RFM",
    )
    run.add_argument(
        "--lock",
        default=None,
        help="lock file shared with `schedule` (default: beside the workbook)",
    )
    add_mail_options(run)
    run.set_defaults(handler=_cmd_run)
