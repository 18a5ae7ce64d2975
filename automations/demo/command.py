"""`sheetcrm demo`: write a demo workbook, run one bot cycle on it, start the dashboard.

The data comes from :func:`automations.demo.generate.generate_demo`; this module only writes
it, runs the bot and starts ``streamlit run dashboard/app.py`` on a loopback port. Nothing here
reads the environment: the command line hands everything in.
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from automations.cycle import CycleReport, run_cycle
from automations.demo.generate import MIN_CUSTOMERS, SETTINGS_OVERRIDES, generate_demo
from automations.mail.outbox import OutboxMailer
from sheet_schema.backends.base import WorkbookError
from sheet_schema.backends.xlsx import XlsxBackend, append_rows, create_workbook
from sheet_schema.model import Plan
from sheet_schema.reading import match_worksheets
from sheet_schema.schema import Schema

DEMO_WORKBOOK_NAME = "sheetcrm-demo.xlsx"
_HEALTH_TIMEOUT_SECONDS = 90.0
_STOP_TIMEOUT_SECONDS = 10.0
_SHOWN_PROBLEMS = 5
# The dashboard asks for a login unless told otherwise (dashboard.auth); the demo's own server
# listens on loopback only, so it opens itself to this computer, and only to this computer.
OPEN_WITHOUT_LOGIN = "--open-without-login"


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


def find_dashboard_app() -> Path | None:
    """``app.py`` of the installed ``dashboard`` package, or None when there is none."""
    spec = importlib.util.find_spec("dashboard")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        app = Path(location) / "app.py"
        if app.is_file():
            return app
    return None


def dashboard_command(app: Path, workbook: Path, port: int) -> list[str]:
    """The command that serves the dashboard for ``workbook`` on 127.0.0.1:``port``.

    Open without a login to this computer only: visits through a proxy are refused.
    """
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # The owner has nothing to deploy: no "Deploy" button or developer menu.
        "--client.toolbarMode",
        "minimal",
        "--",
        "--workbook",
        str(workbook),
        OPEN_WITHOUT_LOGIN,
    ]


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:``port`` (connections in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Streamlit's server sets SO_REUSEADDR too, so a recently closed port is usable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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
        print(
            f"sheetcrm demo: port {port} on 127.0.0.1 is already in use (another dashboard?). "
            f"Pick another with --port, e.g. --port {port + 1}, or use --no-dashboard.",
            file=sys.stderr,
        )
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
            print("See it in the dashboard: " + shlex.join(dashboard_command(app, workbook, port)))
        return 0
    if app is None:
        print(
            "sheetcrm demo: the dashboard is not installed (dashboard/app.py was not found), so "
            f"it was not started. The workbook is ready: {workbook}",
            file=sys.stderr,
        )
        return 1
    return serve_dashboard(app, workbook, port)


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
    lines.append(
        f"Problems found: {report.problems_found} rows" + (f" ({by_tab})." if by_tab else ".")
    )
    examples = [w for w in plan.writes if w.column == "problems" and str(w.value or "").strip()]
    for write in examples[:_SHOWN_PROBLEMS]:
        lines.append(f"  {write.tab} {write.row_id}: {write.value}")
    if len(examples) > _SHOWN_PROBLEMS:
        lines.append(f"  ... and {len(examples) - _SHOWN_PROBLEMS} more (see the Problems columns)")
    lines.append(
        f"The bot assigned {report.ids_assigned} IDs, wrote {report.cells_written} cells, "
        f"appended {report.rows_appended} rows and sent {report.emails_sent} emails."
    )
    columns = Counter(f"{w.tab}.{w.column}" for w in plan.writes)
    if columns:
        lines.append(
            "  Cells by column: " + ", ".join(f"{c} {n}" for c, n in columns.most_common())
        )
    appended = Counter(a.tab for a in plan.appends)
    if appended:
        lines.append("  Rows appended: " + ", ".join(f"{t} {n}" for t, n in appended.items()))
    lines.extend(f"Note: {issue}" for issue in report.tab_issues)
    lines.extend(f"Note: {note}" for note in report.notes)
    lines.extend(f"Skipped: {reason}" for reason in report.skipped)
    lines.append(f"Workbook: {workbook}")
    if port is not None:
        lines.append(f"Dashboard: http://127.0.0.1:{port}")
    return "\n".join(lines)


def serve_dashboard(app: Path, workbook: Path, port: int) -> int:
    """Run the dashboard until it exits or Ctrl+C; Ctrl+C stops it cleanly and returns 0."""
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(dashboard_command(app, workbook, port))
    try:
        if _wait_until_healthy(process, url):
            print(f"Dashboard running at {url} (Ctrl+C stops it).", flush=True)
        code = process.wait()
    except KeyboardInterrupt:
        _stop(process)
        print("Dashboard stopped.")
        return 0
    if code != 0:
        print(f"sheetcrm demo: the dashboard stopped with exit code {code}.", file=sys.stderr)
        return 1
    return 0


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + _HEALTH_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError, http.client.HTTPException):
            # Not up yet, or another program answers on the port (it is then not ours).
            pass
        time.sleep(0.3)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    # Ctrl+C in a terminal reaches streamlit too; terminate covers the case where it did not.
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
