"""One bot cycle against the Sheets API emulator, at 1k, 10k and 50k customers.

Prints one JSON line per measurement: rows per tab, API calls by kind (as the emulator counted
them), seconds, and the peak RSS of the process that ran the cycle. The emulator runs as a
subprocess (``python -m tests.sheets_emulator``); every cycle runs in a fresh child process so
its peak RSS is the bot's own (the demo data is generated and uploaded by another child).

It then does the same work the way a typical gspread script does (open, read each tab, one
``update_cell`` per changed cell) with the emulator's latency set to 150 ms, at 1k customers,
and the bot's cycle under the same latency. The naive run is capped at its first
``--naive-cap`` writes and extrapolated; the output says so.

    .venv/bin/python benchmarks/sheets_cycle.py [--sizes 1000 10000 50000] [--naive-cap 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `tests` and the packages import

TODAY = date(2024, 6, 3)
NOW = datetime(2024, 6, 3, 7, 0, tzinfo=UTC)
LATENCY = 0.15


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cell(value: object) -> object:
    from sheet_schema.cells import datetime_to_serial

    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return datetime_to_serial(value)
    return value


def _grids(customers: int) -> dict[str, list[list[object]]]:
    from automations.demo.generate import generate_demo
    from sheet_schema.schema import load_schema

    schema = load_schema()
    rows = generate_demo(seed=7, customers=customers, today=TODAY)
    grids: dict[str, list[list[object]]] = {}
    for tab in schema.tabs:
        keys = [c.key for c in tab.columns]
        grid: list[list[object]] = [[c.header for c in tab.columns]]
        grid += [[_cell(record.get(k)) for k in keys] for record in rows.get(tab.name, [])]
        grids[tab.name] = grid
    return grids


def _control(api: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    if body is None:
        response = requests.get(f"{api}/_emulator/{path}", timeout=600)
    else:
        response = requests.post(f"{api}/_emulator/{path}", json=body, timeout=600)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


# -- child processes ---------------------------------------------------------------------------


def child_upload(api: str, customers: int) -> None:
    """Generate the demo workbook and create it in the emulator; print its id and row counts."""
    grids = _grids(customers)
    created = _control(api, "spreadsheets", {"title": f"CRM {customers}", "sheets": grids})
    rows = {name: len(grid) - 1 for name, grid in grids.items()}
    print(json.dumps({"spreadsheet": created["spreadsheetId"], "rows": rows}))


def child_cycle(api: str, key: Path, spreadsheet: str) -> None:
    """Run one full bot cycle (default rules) and print what it cost."""
    from automations.cycle import run_cycle
    from sheet_schema.backends.google_sheets import GoogleSheetsBackend
    from sheet_schema.schema import load_schema

    schema = load_schema()
    backend = GoogleSheetsBackend.connect(spreadsheet, key, schema, api)
    _control(api, "reset-stats", {})
    started = time.perf_counter()
    report, _ = run_cycle(backend, schema, NOW)
    seconds = time.perf_counter() - started
    stats = _control(api, "stats")
    print(
        json.dumps(
            {
                "seconds": round(seconds, 3),
                "api_calls": stats["requests"],
                "cells_written": report.cells_written,
                "rows_appended": report.rows_appended,
                "ids_assigned": report.ids_assigned,
                "skipped": len(report.skipped),
                "peak_rss_mb": _peak_rss_mb(),
            }
        )
    )


def child_naive(api: str, key: Path, spreadsheet: str, cap: int) -> None:
    """The same writes as a typical gspread script makes them: one update_cell per cell."""
    import gspread

    from automations.cycle_plan import build_plan
    from sheet_schema.backends.google_sheets import GoogleSheetsBackend
    from sheet_schema.backends.sheets_http import build_client
    from sheet_schema.backends.sheets_values import raw_value
    from sheet_schema.headers import HeaderError, map_headers
    from sheet_schema.schema import load_schema
    from sheet_schema.tab_writer import TabState
    from sheet_schema.writing import resolve_plan

    schema = load_schema()
    # What to write: the bot's own plan, worked out without latency and not counted.
    backend = GoogleSheetsBackend.connect(spreadsheet, key, schema, api)
    snapshot = backend.read()
    plan = build_plan(schema, snapshot, NOW)

    client = build_client(spreadsheet, key, api)
    _control(api, "faults", {"latency": LATENCY})
    _control(api, "reset-stats", {})
    started = time.perf_counter()
    sheet = client.open_by_key(spreadsheet)
    states: dict[str, TabState] = {}
    worksheets: dict[str, gspread.Worksheet] = {}
    for name in ("Customers", "Deals", "Interactions", "Sources", "Templates", "Campaigns"):
        ws = sheet.worksheet(name)
        grid = ws.get_all_values()
        try:
            states[name] = TabState(name, map_headers(schema.tab(name), grid[0]), grid)
        except HeaderError:
            continue
        worksheets[name] = ws
    read_seconds = time.perf_counter() - started
    resolved = resolve_plan(schema, plan, states)
    updates = [u for u in resolved.updates if u.title in worksheets]
    by_row: dict[tuple[str, int], int] = defaultdict(int)
    for update in updates:
        by_row[(update.title, update.row)] += 1
    zone = snapshot.settings.zone
    write_started = time.perf_counter()
    done = 0
    for update in updates[:cap]:
        value = raw_value(update.value, zone)
        worksheets[update.title].update_cell(update.row, update.column + 1, value)
        done += 1
    write_seconds = time.perf_counter() - write_started
    stats = _control(api, "stats")
    _control(api, "faults", {"clear": True})
    per_call = write_seconds / done if done else 0.0
    print(
        json.dumps(
            {
                "read_seconds": round(read_seconds, 3),
                "writes_needed": len(updates),
                "changed_rows": len(by_row),
                "writes_measured": done,
                "write_seconds_measured": round(write_seconds, 3),
                "seconds_per_write": round(per_call, 4),
                "api_calls_measured": stats["requests"],
                "peak_rss_mb": _peak_rss_mb(),
            }
        )
    )


# -- the parent --------------------------------------------------------------------------------


def _run_child(*args: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def _start_emulator(key: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sheets_emulator", "--write-key-file", str(key)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    api = process.stdout.readline().strip()
    process.stdout.readline()  # "service account ... -> key"
    return process, api


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, sort_keys=True), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--naive-size", type=int, default=1000)
    parser.add_argument("--naive-cap", type=int, default=200)
    parser.add_argument("--child", choices=["upload", "cycle", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spreadsheet", help=argparse.SUPPRESS)
    parser.add_argument("--customers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "upload":
        child_upload(args.api, args.customers)
        return 0
    if args.child == "cycle":
        child_cycle(args.api, args.key, args.spreadsheet)
        return 0
    if args.child == "naive":
        child_naive(args.api, args.key, args.spreadsheet, args.naive_cap)
        return 0

    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "key.json"
        emulator, api = _start_emulator(key)
        try:
            for customers in args.sizes:
                made = _run_child("--child", "upload", "--api", api, "--customers", str(customers))
                cycle = _run_child(
                    "--child", "cycle", "--api", api, "--key", str(key),
                    "--spreadsheet", made["spreadsheet"],
                )  # fmt: skip
                _emit({"what": "bot cycle", "customers": customers, "rows": made["rows"], **cycle})
            made = _run_child(
                "--child", "upload", "--api", api, "--customers", str(args.naive_size)
            )
            naive = _run_child(
                "--child", "naive", "--api", api, "--key", str(key),
                "--spreadsheet", made["spreadsheet"], "--naive-cap", str(args.naive_cap),
            )  # fmt: skip
            estimate = naive["read_seconds"] + naive["seconds_per_write"] * naive["writes_needed"]
            _emit(
                {
                    "what": "typical gspread script (one update_cell per changed cell)",
                    "customers": args.naive_size,
                    "latency_seconds": LATENCY,
                    "rows": made["rows"],
                    **naive,
                    "seconds_extrapolated": round(estimate, 1),
                    "note": f"only the first {naive['writes_measured']} of "
                    f"{naive['writes_needed']} writes were sent; seconds_extrapolated = "
                    "read_seconds + seconds_per_write * writes_needed. Google also caps writes "
                    f"at 60 per minute per user: {naive['writes_needed'] / 60:.0f} minutes of "
                    "quota at least.",
                }
            )
            made = _run_child(
                "--child", "upload", "--api", api, "--customers", str(args.naive_size)
            )
            _control(api, "faults", {"latency": LATENCY})
            cycle = _run_child(
                "--child", "cycle", "--api", api, "--key", str(key),
                "--spreadsheet", made["spreadsheet"],
            )  # fmt: skip
            _control(api, "faults", {"clear": True})
            _emit(
                {
                    "what": "bot cycle",
                    "customers": args.naive_size,
                    "latency_seconds": LATENCY,
                    "rows": made["rows"],
                    **cycle,
                }
            )
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
