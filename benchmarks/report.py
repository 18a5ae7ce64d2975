"""``sheetcrm report KIND --by CUT`` on a large demo workbook. Prints one JSON object a line.

    .venv/bin/python benchmarks/report.py --customers 50000 [--workbook PATH]

Each line is one whole command as a user runs it (``automations.cli.main``): reading the
workbook, building the frames, computing the report and its table by group, and writing it as
JSON (to nowhere). Target: under 5 s per report, the read included.

Measured on 27 Nov 2026 (2 CPUs, 50,000-customer demo workbook, 14 MB): funnel by quarter,
manager, source, Country 2.9-3.3 s; customers by stage, source 3.1-3.7 s (target met: each reads
only Customers, Deals and Stage history). Overview by month 7.9 s, sources by manager/month
7.8-8.0 s, customers --as-of 6.8 s (target missed: they need the Interactions tab, whose read is
most of the time). Before reading only the report's tabs: 5.9-6.7 s and 16.4-16.8 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
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


def run(argv: list[str]) -> tuple[float, int]:
    """Seconds for one command, and the size of what it printed."""
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = sheetcrm(argv)
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}")
    return seconds, len(out.getvalue())


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
        seconds, size = run(["report", kind, "--by", cut, "--format", "json", *workbook])
        worst = max(worst, seconds)
        emit(step="report", kind=kind, by=cut, seconds=round(seconds, 2), output_bytes=size)
    as_of = ["report", "customers", "--by", "quarter", "--as-of", "2025-06-30", "--json"]
    seconds, size = run([*as_of, *workbook])
    worst = max(worst, seconds)
    emit(
        step="report",
        kind="customers",
        by="quarter",
        as_of="2025-06-30",
        seconds=round(seconds, 2),
        output_bytes=size,
    )
    emit(step="summary", worst_seconds=round(worst, 2), target_seconds=5.0, met=worst < 5.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
