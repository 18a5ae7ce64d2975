"""Benchmark the demo workbook: generating the rows, and writing them to an .xlsx file.

Prints one JSON line per size (300 and 50,000 customers by default). What is measured:

- ``generate_seconds``: ``automations.demo.generate.generate_demo`` alone (pure, in memory).
- ``rows``: rows per tab it made.
- ``write_seconds``: ``automations.demo.command.write_demo_workbook`` (generation included):
  create the workbook with openpyxl, append every row (``append_rows``), save; ``file_mb`` its size.
- ``peak_rss_mb``: peak resident memory of the process that ran this size (each size runs in its
  own process).

Run: ``.venv/bin/python benchmarks/demo.py [--customers N ...]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from automations.demo.command import write_demo_workbook  # noqa: E402
from automations.demo.generate import generate_demo  # noqa: E402
from sheet_schema.schema import load_schema  # noqa: E402

TODAY = date(2026, 11, 4)
SIZES = (300, 50_000)


def measure(customers: int) -> dict[str, object]:
    """Generate and write one demo workbook of this size; return the figures."""
    started = time.perf_counter()
    rows = generate_demo(seed=7, customers=customers, today=TODAY)
    generate_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheetcrm-demo.xlsx"
        started = time.perf_counter()
        write_demo_workbook(path, load_schema(), seed=7, customers=customers, today=TODAY)
        write_seconds = time.perf_counter() - started
        size = path.stat().st_size
    return {
        "benchmark": "demo_workbook",
        "customers": customers,
        "rows": {tab: len(records) for tab, records in rows.items()},
        "generate_seconds": round(generate_seconds, 2),
        "write_seconds": round(write_seconds, 2),
        "file_mb": round(size / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    """Run every size in a process of its own and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one)), flush=True)
        return
    for customers in args.customers:
        subprocess.run([sys.executable, __file__, "--one", str(customers)], check=True)


if __name__ == "__main__":
    main()
