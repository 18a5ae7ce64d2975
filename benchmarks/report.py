"""``sheetcrm report KIND --by CUT`` on a large demo workbook. Prints one JSON object a line.

    .venv/bin/python benchmarks/report.py --customers 50000 [--workbook PATH]

Each line is one whole command as a user runs it (``automations.cli.main``): reading the
workbook, building the frames, computing the report and its table by group, and writing it as
JSON (to nowhere). Target: under 5 s per report, the read included.

Figures (before and now, wall and CPU seconds, machine load) are in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automations.cli import main as sheetcrm
from automations.demo.command import write_demo_workbook
from sheet_schema.schema import load_schema

RUNS = [
    ("funnel", "quarter"),
    ("funnel", "manager"),
    ("funnel", "source"),
    ("funnel", "Country"),
    ("overview", "month"),
    ("sources", "manager"),
    ("sources", "month"),
    ("customers", "stage"),
    ("customers", "source"),
]


def emit(**fields: object) -> None:
    """One JSON line."""
    print(json.dumps(fields), flush=True)


def run(argv: list[str]) -> tuple[float, float, int]:
    """Seconds and CPU seconds for one command, and the size of what it printed.

    CPU time (every thread of the process: the read parses on two) is what the command costs
    when other programs share the cores; wall time is what a person waits."""
    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out):
        code = sheetcrm(argv)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}")
    return seconds, cpu_seconds, len(out.getvalue())


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workbook", type=Path, default=Path("/tmp/sheetcrm-bench-report.xlsx"))
    args = parser.parse_args()
    if not args.workbook.exists():
        started = time.perf_counter()
        write_demo_workbook(
            args.workbook,
            load_schema(),
            seed=args.seed,
            customers=args.customers,
            today=date.today(),
        )
        emit(
            step="write_workbook",
            customers=args.customers,
            seconds=round(time.perf_counter() - started, 2),
        )
    workbook = ["--workbook", str(args.workbook)]
    worst = 0.0
    for kind, cut in RUNS:
        seconds, cpu, size = run(["report", kind, "--by", cut, "--format", "json", *workbook])
        worst = max(worst, seconds)
        emit(
            step="report",
            kind=kind,
            by=cut,
            seconds=round(seconds, 2),
            cpu_seconds=round(cpu, 2),
            output_bytes=size,
        )
    as_of = ["report", "customers", "--by", "quarter", "--as-of", "2025-06-30", "--json"]
    seconds, cpu, size = run([*as_of, *workbook])
    worst = max(worst, seconds)
    emit(
        step="report",
        kind="customers",
        by="quarter",
        as_of="2025-06-30",
        seconds=round(seconds, 2),
        cpu_seconds=round(cpu, 2),
        output_bytes=size,
    )
    load = os.getloadavg()[0]
    emit(
        step="summary",
        worst_seconds=round(worst, 2),
        target_seconds=5.0,
        met=worst < 5.0,
        load_average_1min=round(load, 1),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
