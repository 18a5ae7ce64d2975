"""``sheetcrm report KIND --by CUT`` on a large demo workbook. Prints one JSON object a line.

    .venv/bin/python benchmarks/report.py --customers 50000 [--workbook PATH]

Each line is one whole command (``automations.cli.main``): reading the workbook, building the
frames, computing the report and its table by group, and writing it as JSON (to nowhere);
``seconds`` in this process, ``process_seconds`` as a new process, as a person runs it at a
prompt (Python's start and the imports included). Target: under 5 s per report, the read
included; the summary's worst is the larger of the two.

Figures (before and now, wall and CPU seconds, machine load) are in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automations.cli import main as sheetcrm
from automations.demo.command import write_demo_workbook
from sheet_schema.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
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
AS_OF = "2025-06-30"


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


def run_process(argv: list[str]) -> float:
    """Seconds for the same command as a new process, as typed at a prompt: the interpreter's
    start and the imports included, which the in-process figure leaves out."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "automations", *argv],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    return time.perf_counter() - started


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
    commands = [
        (kind, cut, ["report", kind, "--by", cut, "--format", "json"]) for kind, cut in RUNS
    ]
    as_of = ["report", "customers", "--by", "quarter", "--as-of", AS_OF, "--json"]
    commands.append(("customers", "quarter", as_of))
    for kind, cut, argv in commands:
        seconds, cpu, size = run([*argv, *workbook])
        process = run_process([*argv, *workbook])
        worst = max(worst, seconds, process)
        emit(
            step="report",
            kind=kind,
            by=cut,
            **({"as_of": AS_OF} if "--as-of" in argv else {}),
            seconds=round(seconds, 2),
            cpu_seconds=round(cpu, 2),
            process_seconds=round(process, 2),
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
