"""`sheetcrm demo`: write a demo workbook, run one bot cycle on it, start the dashboard.

The data comes from :func:`automations.demo.generate.generate_demo`; this module only writes
it, runs the bot and starts the dashboard on a loopback port
(:mod:`automations.dashboard_server`, as `sheetcrm dashboard` does). Nothing here reads the
environment: the command line hands everything in.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from automations.cycle import CycleReport, run_cycle
from automations.dashboard_server import (
    LOOPBACK,
    OPEN_WITHOUT_LOGIN,
    dashboard_command,
    find_dashboard_app,
    port_in_use_message,
    port_is_free,
    serve_dashboard,
)
from automations.demo.generate import MIN_CUSTOMERS, SETTINGS_OVERRIDES, generate_demo
from automations.mail.outbox import OutboxMailer
from sheet_schema.backends.base import WorkbookError
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.formatting import counted
from sheet_schema.model import Plan
from sheet_schema.reading import match_worksheets
from sheet_schema.schema import Schema

DEMO_WORKBOOK_NAME = "sheetcrm-demo.xlsx"
_SHOWN_PROBLEMS = 5


def write_demo_workbook(
    path: Path, schema: Schema, seed: int = 7, customers: int = 300, today: date | None = None
) -> None:
    """Create ``path`` (replacing it) as a fresh workbook and fill it with the demo rows."""
    rows = generate_demo(seed=seed, customers=customers, today=today)
    settings = [(str(r["key"]), str(r["value"])) for r in rows.pop("Settings")]
    # The Settings tab is laid out by create_workbook (defaults and notes); the demo's values
    # go in as overrides, so no setting appears twice.
    create_workbook(path, schema, force=True, settings=settings)
    append_rows(path, schema, rows)


def demo_today() -> date:
    """Today in the demo's time zone, so upcoming birthdays are upcoming where it is shown."""
    return datetime.now(ZoneInfo(SETTINGS_OVERRIDES["Time zone"])).date()


def run_demo(
    directory: Path, schema: Schema, seed: int, customers: int, dashboard: bool, port: int
) -> int:
    """Write DIR/sheetcrm-demo.xlsx, run one bot cycle, print a summary, serve the dashboard.

    Only that one file is ever replaced, and only when it is a SheetCRM workbook. Returns the
    exit code: 0 when everything asked for happened (Ctrl+C stopping the dashboard included).
    """
    if customers < MIN_CUSTOMERS:
        print(f"sheetcrm demo: --customers must be at least {MIN_CUSTOMERS}.", file=sys.stderr)
        return 2
    if dashboard and not port_is_free(port):
        message = port_in_use_message("sheetcrm demo", port, LOOPBACK, ", or use --no-dashboard")
        print(message, file=sys.stderr)
        return 1
    workbook = _prepare_path(directory, schema)
    print(f"Writing the demo workbook {workbook} ({customers} customers, seed {seed})...")
    started = time.perf_counter()
    _write_replacing(workbook, schema, seed, customers)
    written = time.perf_counter() - started
    # The demo never emails anyone: messages go to .eml files beside the workbook.
    outbox = OutboxMailer(workbook.parent / "outbox")
    report, plan = run_cycle(
        XlsxBackend(workbook, schema), schema, datetime.now(UTC), mailer=outbox
    )
    print(summary(report, plan, workbook, written, port if dashboard else None))
    if report.emails_sent:
        print(f"Emails: {report.emails_sent} written to {outbox.describe()}.")
    app = find_dashboard_app()
    if not dashboard:
        if app is not None:
            command = dashboard_command(app, port, dashboard_options(workbook))
            print("See it in the dashboard: " + shlex.join(command))
        return 0
    if app is None:
        print(
            "sheetcrm demo: the dashboard is not installed (dashboard/app.py was not found), so "
            f"it was not started. The workbook is ready: {workbook}",
            file=sys.stderr,
        )
        return 1
    return serve_dashboard(app, port, dashboard_options(workbook), command="sheetcrm demo")


def dashboard_options(workbook: Path) -> list[str]:
    """The demo dashboard's options: its workbook, and no login.

    The dashboard asks for a login unless told otherwise (dashboard.auth); the demo's own server
    listens on loopback only, so it opens itself to this computer, and only to this computer.
    """
    return ["--workbook", str(workbook), OPEN_WITHOUT_LOGIN]


def _prepare_path(directory: Path, schema: Schema) -> Path:
    """The demo workbook's path; refuses to replace anything but an earlier SheetCRM workbook."""
    if directory.exists() and not directory.is_dir():
        raise WorkbookError(f"{directory} is a file, not a folder; pick another --dir.")
    directory.mkdir(parents=True, exist_ok=True)
    workbook = (directory / DEMO_WORKBOOK_NAME).absolute()
    if workbook.is_symlink() or (workbook.exists() and not workbook.is_file()):
        raise WorkbookError(
            f"{workbook} exists and is not a regular file; nothing was replaced. "
            "Move it or pick another --dir."
        )
    if workbook.exists() and not _is_sheetcrm_workbook(workbook, schema):
        raise WorkbookError(
            f"{workbook} exists and is not a SheetCRM workbook; nothing was replaced. "
            "Move it or pick another --dir."
        )
    return workbook


def _is_sheetcrm_workbook(path: Path, schema: Schema) -> bool:
    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # any unreadable file is "not ours": refuse rather than guess
        return False
    try:
        titles, _ = match_worksheets(schema, book.sheetnames)
    finally:
        book.close()
    # Customers and Settings are enough: a demo made by an older version counts too.
    return {"Customers", "Settings"} <= set(titles)


def _write_replacing(workbook: Path, schema: Schema, seed: int, customers: int) -> None:
    """Build the new workbook beside the old one, then rename it over: never half a demo."""
    building = workbook.with_name(f".{workbook.stem}.{os.getpid()}.building{workbook.suffix}")
    try:
        write_demo_workbook(building, schema, seed=seed, customers=customers, today=demo_today())
        os.replace(building, workbook)
    finally:
        building.unlink(missing_ok=True)


def summary(
    report: CycleReport, plan: Plan, workbook: Path, write_seconds: float, port: int | None
) -> str:
    """What the demo made and what the bot did, in a few lines."""
    rows = ", ".join(f"{tab} {count}" for tab, count in report.rows_read.items())
    lines = [
        f"Wrote {workbook} in {write_seconds:.1f} s: {rows}.",
        f"The bot's first cycle took {report.seconds:.1f} s.",
    ]
    by_tab = ", ".join(f"{tab} {n}" for tab, n in report.problems_by_tab.items())
    found = counted(report.problems_found, "row")
    lines.append(f"Problems found: {found}" + (f" ({by_tab})." if by_tab else "."))
    examples = [w for w in plan.writes if w.column == "problems" and str(w.value or "").strip()]
    for write in examples[:_SHOWN_PROBLEMS]:
        lines.append(f"  {write.tab} {write.row_id}: {write.value}")
    if len(examples) > _SHOWN_PROBLEMS:
        lines.append(f"  ... and {len(examples) - _SHOWN_PROBLEMS} more (see the Problems columns)")
    lines.append(
        f"The bot assigned {counted(report.ids_assigned, 'ID')}, wrote "
        f"{counted(report.cells_written, 'cell')}, appended {counted(report.rows_appended, 'row')} "
        f"and sent {counted(report.emails_sent, 'email')}."
    )
    columns = Counter(f"{w.tab}.{w.column}" for w in plan.writes)
    if columns:
        lines.append(
            "  Cells by column: " + ", ".join(f"{c} {n}" for c, n in columns.most_common())
        )
    # Every tab the write appended to (Stage history, Mail log, Bot status...), so the rows add
    # up to the total above.
    appended = report.rows_appended_by_tab
    if appended:
        lines.append("  Rows appended: " + ", ".join(f"{t} {n}" for t, n in appended.items()))
    lines.extend(f"Note: {issue}" for issue in report.tab_issues)
    lines.extend(f"Note: {note}" for note in report.notes)
    lines.extend(f"Skipped: {reason}" for reason in report.skipped)
    lines.append(f"Workbook: {workbook}")
    if port is not None:
        lines.append(f"Dashboard: http://127.0.0.1:{port}")
    return "\n".join(lines)
