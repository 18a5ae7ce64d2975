"""The `sheetcrm` command: the only place in the bot that reads the environment.

Everything below this module takes its collaborators as arguments, so tests and the scheduler
can hand in a different backend, clock or mailer.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from automations.arguments import OneLineParser, positive_int, positive_minutes, version_text
from automations.cycle import CycleReport
from automations.dashboard_server import DEFAULT_PORT, LOOPBACK
from automations.mail.handover_log import HandoverLog
from automations.mail.mailer import Mailer
from sheet_schema.backends.base import Backend, ConfigurationError, WorkbookError, init_command
from sheet_schema.backends.opening import (
    WorkbookLocation,
    add_workbook_options,
    locate_workbook,
    open_workbook,
)
from sheet_schema.schema import Schema, SchemaError, load_schema


def _location(args: argparse.Namespace) -> WorkbookLocation:
    return locate_workbook(args, os.environ)


def build_backend(args: argparse.Namespace, schema: Schema) -> Backend:
    """The backend the options and environment point at: Google Sheets or a local workbook."""
    return open_workbook(_location(args), schema)


def _cmd_init(args: argparse.Namespace, schema: Schema) -> int:
    location = _location(args)
    if location.spreadsheet is not None:
        from sheet_schema.backends.sheets_init import initialize_spreadsheet

        summary = initialize_spreadsheet(
            spreadsheet_id=location.spreadsheet,
            credentials_file=location.credentials_file(),
            schema=schema,
            api_url=location.api_url,
        )
        print(summary)
        return 0
    from sheet_schema.backends.xlsx import create_workbook, repair_workbook

    path = location.workbook
    if path.suffix.lower() != ".xlsx":
        raise ConfigurationError(
            f"{path}: init makes and repairs Excel workbooks only; give a file name ending "
            "in .xlsx."
        )
    if path.exists() and not args.force:
        # An existing workbook is repaired, never replaced: only --force starts afresh.
        print(repair_workbook(path, schema))
        return 0
    create_workbook(path, schema, force=args.force)
    print(f"Created {path} with tabs: {', '.join(t.name for t in schema.tabs)}.")
    return 0


def _add_mail_options(parser: argparse.ArgumentParser) -> None:
    mail = parser.add_argument_group(
        "how emails leave (default: .eml files in an outbox folder, nothing is sent)"
    )
    mail.add_argument("--smtp-host", default=None, help="SMTP server (env SHEETCRM_SMTP_HOST)")
    mail.add_argument(
        "--smtp-port",
        type=int,
        default=None,
        help="port (env SHEETCRM_SMTP_PORT; 587, 465 for ssl)",
    )
    mail.add_argument("--smtp-user", default=None, help="login (env SHEETCRM_SMTP_USER)")
    mail.add_argument(
        "--smtp-security",
        choices=["starttls", "ssl", "none"],
        default=None,
        help="env SHEETCRM_SMTP_SECURITY (starttls; ssl when the port is 465)",
    )
    mail.add_argument(
        "--outbox",
        type=Path,
        default=None,
        help="folder for .eml files when no SMTP server is set (default: outbox/ beside the "
        "workbook)",
    )
    mail.add_argument("--no-send", action="store_true", help="plan emails but send and record none")
    mail.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="folder for the local record of emails handed to the mail server (env "
        "SHEETCRM_STATE_DIR; default: a hidden file beside the workbook, or "
        "$XDG_STATE_HOME/sheetcrm/<spreadsheet id>/ for Google Sheets)",
    )


def build_mailer(args: argparse.Namespace) -> Mailer | None:
    """The mailer the options and environment point at: SMTP, else an outbox folder.

    The SMTP password is read from SHEETCRM_SMTP_PASSWORD only: a command-line argument would
    be visible to every user of the machine in the process list.
    """
    if getattr(args, "no_send", False):
        return None
    from automations.mail.outbox import OutboxMailer
    from automations.mail.smtp import SmtpMailer

    host = args.smtp_host or os.environ.get("SHEETCRM_SMTP_HOST")
    if not host:
        return OutboxMailer(args.outbox or _default_outbox(args))
    security = args.smtp_security or os.environ.get("SHEETCRM_SMTP_SECURITY")
    port = _smtp_port(args, security)
    if security is None:
        security = "ssl" if port == 465 else "starttls"
    if security not in ("starttls", "ssl", "none"):
        raise ConfigurationError(f"SHEETCRM_SMTP_SECURITY={security!r}: use starttls, ssl or none.")
    return SmtpMailer(
        host=str(host),
        port=port,
        username=args.smtp_user or os.environ.get("SHEETCRM_SMTP_USER", ""),
        password=os.environ.get("SHEETCRM_SMTP_PASSWORD", ""),
        security=security,
    )


def build_handover_log(args: argparse.Namespace) -> HandoverLog:
    """The local hand-over record for the workbook (see automations.mail.handover_log).

    ``--state-dir`` or SHEETCRM_STATE_DIR names its folder. Otherwise a local workbook keeps it
    beside itself as a hidden file (it moves with the workbook), and a Google spreadsheet in
    ``$XDG_STATE_HOME/sheetcrm/<spreadsheet id>/`` (``~/.local/state`` when unset).
    """
    location = _location(args)
    chosen = getattr(args, "state_dir", None) or os.environ.get("SHEETCRM_STATE_DIR")
    if chosen:
        return HandoverLog(Path(chosen) / "handover.jsonl")
    if location.spreadsheet is None:
        workbook = location.workbook.resolve()
        return HandoverLog(workbook.with_name(f".{workbook.name}.sheetcrm-handover.jsonl"))
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return HandoverLog(Path(state) / "sheetcrm" / location.spreadsheet / "handover.jsonl")


def _smtp_port(args: argparse.Namespace, security: str | None) -> int:
    if args.smtp_port is not None:
        where, text = "--smtp-port", str(args.smtp_port)
    else:
        where, text = "SHEETCRM_SMTP_PORT", os.environ.get("SHEETCRM_SMTP_PORT", "")
    if not text.strip():
        return 465 if security == "ssl" else 587
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ConfigurationError(
            f"{where}={text!r} is not a port number: use the SMTP port of your mail "
            "provider (587 for starttls, 465 for ssl)."
        )
    return port


def _default_outbox(args: argparse.Namespace) -> Path:
    location = _location(args)
    if not location.is_google:
        return location.workbook.resolve().parent / "outbox"
    return Path("outbox")


def _cmd_run(args: argparse.Namespace, schema: Schema) -> int:
    from automations.cycle import run_cycle
    from automations.plan_text import describe_plan
    from automations.scheduler import AlreadyRunning, single_instance

    backend = build_backend(args, schema)
    mailer, handover = build_mailer(args), build_handover_log(args)
    # A dry run writes and sends nothing, so it may look while another process works.
    lock = nullcontext() if args.dry_run else single_instance(_lock_path(args))
    try:
        with lock:
            report, plan = run_cycle(
                backend,
                schema,
                datetime.now(UTC),
                dry_run=args.dry_run,
                mailer=mailer,
                handover=handover,
                journal_copy=_journal_copy(args),
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


def _journal_copy(args: argparse.Namespace) -> Path | None:
    """The file beside an .xlsx workbook that keeps the Mail log's key count (None on Sheets)."""
    from automations.mail.journal_check import copy_path

    location = _location(args)
    return None if location.is_google else copy_path(location.workbook.resolve())


def _cmd_confirm_mail_log(args: argparse.Namespace, schema: Schema) -> int:
    from automations.status import confirm_mail_log

    backend = build_backend(args, schema)
    print(confirm_mail_log(backend, schema, datetime.now(UTC), _journal_copy(args)))
    return 0


def describe_report(report: CycleReport) -> str:
    """A few human lines about a cycle."""
    rows = ", ".join(f"{n} {tab}" for tab, n in report.rows_read.items() if n)
    lines = [
        f"Read {report.source}: {rows or 'no rows'}.",
        f"Rows with problems: {report.problems_found}.",
    ]
    if report.dry_run:
        lines.append(
            "Dry run: nothing was written. Planned: "
            + ", ".join(f"{n} {k}" for k, n in report.planned.items())
            + "."
        )
    else:
        lines.append(
            f"Wrote {report.cells_written} cells, appended {report.rows_appended} rows, "
            f"assigned {report.ids_assigned} IDs in {report.seconds:.2f} s."
        )
    lines.extend(describe_emails(report))
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
        counts = [f"{report.emails_planned} due now", f"{report.emails_sent} {done}"]
        for count, what in (
            (report.emails_failed, "failed"),
            (report.emails_bounced, "bounced"),
            (report.emails_unknown, "unknown (check the Mail log)"),
            (report.emails_waiting, "not handed to the mail server (sent in a later cycle)"),
            (report.emails_deferred, "over today's send cap (sent in a later cycle)"),
        ):
            if count:
                counts.append(f"{count} {what}")
        lines.append("Emails: " + ", ".join(counts) + ".")
    if report.emails_recovered:
        lines.append(
            f"Emails left by a stopped cycle: {report.emails_recovered} settled from the local "
            "hand-over record (outcomes written, or sent now if they never went out)."
        )
    if report.emails_interrupted:
        lines.append(
            f"Emails left by a stopped cycle: {report.emails_interrupted} may have gone out and "
            "are marked Unknown in the Mail log: check the Sent folder of the mailbox."
        )
    if report.sending_stopped:
        lines.append(report.sending_stopped)
    if report.mail_error:
        lines.append(f"Emails not sent: {report.mail_error}")
    return lines


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

    journal_copy = _journal_copy(args)

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
                f"{report.source}: {report.problems_found} rows with problems; wrote "
                f"{report.cells_written} cells, appended {report.rows_appended} rows "
                f"({memo.stats.reused} rows unchanged, {memo.stats.checked} checked) in "
                f"{report.seconds:.2f} s",
                *describe_emails(report),
                *(f"Held back: {sentence}" for sentence in report.held_back),
            ]
        )

    try:
        with single_instance(_lock_path(args)):
            print(
                f"Running a cycle every {args.every:g} minutes on {backend.describe()}; "
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


def _lock_path(args: argparse.Namespace) -> Path:
    return Path(args.lock) if args.lock else _default_lock(args)


def _default_lock(args: argparse.Namespace) -> Path:
    location = _location(args)
    spreadsheet = location.spreadsheet
    if spreadsheet is None:
        workbook = location.workbook.resolve()
        return workbook.with_name(f".{workbook.name}.sheetcrm.lock")
    import tempfile

    return Path(tempfile.gettempdir()) / f"sheetcrm-{spreadsheet}.lock"


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


def _cmd_dashboard(args: argparse.Namespace, schema: Schema) -> int:
    from automations.dashboard_server import (
        OPEN_WITHOUT_LOGIN,
        find_dashboard_app,
        port_in_use_message,
        port_is_free,
        serve_dashboard,
    )

    location = _location(args)
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


def _cmd_report(args: argparse.Namespace, schema: Schema) -> int:
    from dashboard.report import render_report

    snapshot = build_backend(args, schema).read()
    print(render_report(snapshot, args.kind, as_json=args.json, now=datetime.now(UTC)))
    return 0


def _cmd_export(args: argparse.Namespace, schema: Schema) -> int:
    from automations.intake.export import export_tab

    out = args.out or Path(f"{args.tab}.{args.format}")
    snapshot = build_backend(args, schema).read()
    try:
        print(export_tab(snapshot, schema, args.tab, out, args.format))
    except ValueError as error:
        print(f"sheetcrm export: {error}", file=sys.stderr)
        return 2
    return 0


def _cmd_import(args: argparse.Namespace, schema: Schema) -> int:
    from automations.intake.command import run_import

    outcome = run_import(
        build_backend(args, schema), schema, args.file, args.tab, args.map, args.dry_run
    )
    print("\n".join(outcome.lines), file=sys.stderr if outcome.code else sys.stdout)
    return outcome.code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `sheetcrm` command."""
    parser = OneLineParser(
        prog="sheetcrm",
        description="A CRM on top of your spreadsheet: a bot that checks rows, fills reminders, "
        "records stage changes and sends the emails that are due; and a dashboard.",
    )
    parser.add_argument("--version", action="version", version=version_text())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser(
        "init",
        help="create a workbook, or add what an existing one lacks (tabs, headers, dropdowns)",
    )
    add_workbook_options(init)
    init.add_argument(
        "--force", action="store_true", help="replace an existing .xlsx file with a new one"
    )
    init.set_defaults(handler=_cmd_init)

    run = commands.add_parser("run", help="run one bot cycle")
    add_workbook_options(run)
    run.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    run.add_argument("--json", action="store_true", help="print the cycle report as JSON")
    run.add_argument(
        "--lock",
        default=None,
        help="lock file shared with `schedule` (default: beside the workbook)",
    )
    _add_mail_options(run)
    run.set_defaults(handler=_cmd_run)

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
    _add_mail_options(every)
    every.set_defaults(handler=_cmd_schedule)

    confirm = commands.add_parser(
        "confirm-mail-log",
        help="accept the Mail log as it is, so sending resumes after it was deleted or lost rows",
    )
    add_workbook_options(confirm)
    confirm.set_defaults(handler=_cmd_confirm_mail_log)

    demo = commands.add_parser("demo", help="make a demo workbook, run the bot, open the dashboard")
    demo.add_argument("--dir", type=Path, default=Path("demo"), help="where to put it (./demo)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    demo.add_argument("--customers", type=int, default=300, help="how many customers")
    demo.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    demo.add_argument("--port", type=int, default=8501, help="dashboard port on localhost")
    demo.set_defaults(handler=_cmd_demo, schema=None)

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

    report = commands.add_parser("report", help="print the dashboard's numbers")
    add_workbook_options(report)
    report.add_argument("kind", choices=["funnel", "sources"], help="which report")
    report.add_argument("--json", action="store_true", help="machine-readable output")
    report.set_defaults(handler=_cmd_report)

    export = commands.add_parser(
        "export", help="write one tab to a CSV or xlsx file (formulas escaped so none runs)"
    )
    add_workbook_options(export)
    export.add_argument("--tab", required=True, help="the tab to export, e.g. Customers")
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="csv (default)")
    export.add_argument("--out", type=Path, default=None, help="file to write (TAB.FORMAT)")
    export.set_defaults(handler=_cmd_export)

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
