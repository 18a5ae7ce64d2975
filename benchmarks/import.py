"""Benchmark ``sheetcrm import``: the 9,240 X Education leads into a workbook of 50k customers.

The workbook is an .xlsx file made by ``sheetcrm init`` holding the Customers of
``automations.demo.generate.generate_demo`` (50,000 by default). The import reads the whole
workbook, compares every lead with the 50k customers (same values, same email) and appends the new
rows in one save; it runs twice, the second time adding nothing. Each run is a separate process
(``--child``), so its peak RSS is its own. Prints one JSON line per run:
``{"run": "first"|"again", "seconds", "cpu_seconds", "peak_rss_mb", "added", ...}``.

Run: ``.venv/bin/python benchmarks/import.py [--customers N]`` (needs ../shared/datasets).
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

from automations.demo.generate import generate_demo  # noqa: E402
from automations.intake.command import run_import  # noqa: E402
from sheet_schema.backends.xlsx import XlsxBackend  # noqa: E402
from sheet_schema.backends.xlsx_cells import append_rows  # noqa: E402
from sheet_schema.backends.xlsx_init import create_workbook  # noqa: E402
from sheet_schema.schema import load_schema  # noqa: E402

LEADS = ROOT.parent.parent / "shared" / "datasets" / "x_education_leads" / "Leads.csv"
if not LEADS.exists():
    LEADS = Path("/work/shared/datasets/x_education_leads/Leads.csv")


def _child(workbook: Path, run: str) -> None:
    schema = load_schema()
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    done = run_import(
        XlsxBackend(workbook, schema), schema, LEADS, "Customers", ["Prospect ID=Name"]
    )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    assert done.planned is not None, done.lines
    counts = done.planned.counts
    print(
        json.dumps(
            {
                "benchmark": "import",
                "run": run,
                "file": "x_education_leads/Leads.csv",
                "file_rows": len(done.planned.source.rows),
                "backend": "xlsx",
                "seconds": round(seconds, 2),
                # CPU time too: on a shared, loaded machine wall time includes waiting for a core.
                "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 2),
                "peak_rss_mb": round(usage.ru_maxrss / 1024),
                "added": counts["added"],
                "merged": counts["merged"],
                "already_there": counts["already there"],
                "rejected": counts["rejected"],
                "rows_appended": done.rows_appended,
            }
        ),
        flush=True,
    )


def main() -> None:
    """Build the 50k-customer workbook once, then time two imports, each in its own process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--child", nargs=2, metavar=("WORKBOOK", "RUN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), args.child[1])
        return
    if not LEADS.exists():
        sys.exit(f"{LEADS} is absent: the benchmark needs ../shared/datasets")
    schema = load_schema()
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(folder) / "crm.xlsx"
        create_workbook(workbook, schema)
        customers = generate_demo(7, args.customers, date(2026, 11, 4))["Customers"]
        append_rows(workbook, schema, {"Customers": [dict(r) for r in customers]})
        for run in ("first", "again"):
            subprocess.run(
                [sys.executable, __file__, "--child", str(workbook), run], check=True, cwd=ROOT
            )


if __name__ == "__main__":
    main()
