"""Benchmark the bot's rules: first cycle and steady-state cycle, per workbook size.

Prints one JSON line per size (1k, 10k, 50k customers by default). What is measured:

- ``snapshot_seconds``: turning in-memory grids into a typed Snapshot (``build_snapshot``, what
  every backend does after its read); no file or network I/O.
- ``first_cycle_seconds``: every rule (IDs, validation, stage history, reminders, lifecycle/RFM)
  on that snapshot with an empty memo, i.e. a cycle right after a start.
- ``steady_cycle_seconds``: the same rules on the workbook as it reads after the first cycle's
  plan was applied, with the memo the first cycle left (the scheduler's normal case); and the
  number of writes/appends it plans (should be near zero).
- ``peak_rss_mb``: the peak resident memory of the process that ran this size (each size runs in
  its own process, so sizes do not inflate each other). It includes the generated demo rows and
  the grids the snapshot is built from; ``peak_rss_after_data_and_snapshot_mb`` is the peak
  before any rule ran, so the difference is what the rules added.

Backend I/O (openpyxl or the Sheets API) is NOT included. Data comes from
``automations.demo.generate.generate_demo`` (about 1.3 deals and 3.3 interactions per customer).

Run: ``.venv/bin/python benchmarks/rules.py [--customers N ...]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from automations.cycle_plan import default_rules, plan_cycle  # noqa: E402
from automations.rules.incremental import RowMemo  # noqa: E402
from automations.rules.row_checks import RowFacts  # noqa: E402
from sheet_schema.reading import build_snapshot  # noqa: E402
from sheet_schema.schema import load_schema  # noqa: E402
from tests.fixtures_rules import apply_to_records, grids_for  # noqa: E402

NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
SIZES = (1_000, 10_000, 50_000)


def _records(customers: int) -> tuple[dict[str, list[dict[str, object]]], dict[str, str], str]:
    try:
        from automations.demo.generate import generate_demo
    except ImportError:
        from tests.fixtures_rules import generated_records

        return generated_records(customers, seed=7), {"Time zone": "Europe/Madrid"}, "generated"
    data = generate_demo(7, customers, NOW.date())
    settings = {str(r.get("key")): str(r.get("value") or "") for r in data.pop("Settings", [])}
    return {k: [dict(r) for r in v] for k, v in data.items()}, settings, "demo_data"


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(customers: int) -> dict[str, object]:
    """Run the first and the steady-state cycle for one size; return the figures."""
    schema = load_schema()
    records, settings, origin = _records(customers)
    rows = {tab: len(found) for tab, found in records.items()}
    memo: RowMemo[RowFacts] = RowMemo()

    started = time.perf_counter()
    snapshot = build_snapshot(schema, grids_for(records, settings, schema), NOW)
    snapshot_seconds = time.perf_counter() - started
    rss_after_snapshot = _peak_rss_mb()

    started = time.perf_counter()
    plan, _ = plan_cycle(schema, snapshot, NOW, default_rules(memo))
    first_seconds = time.perf_counter() - started
    first_writes, first_appends = len(plan.writes), len(plan.appends)

    # Like the bot between cycles: the old snapshot and plan are gone, the memo stays.
    after = apply_to_records(records, plan)
    del snapshot, plan, records
    steady_snapshot = build_snapshot(schema, grids_for(after, settings, schema), NOW)
    del after
    started = time.perf_counter()
    steady, _ = plan_cycle(schema, steady_snapshot, NOW, default_rules(memo))
    steady_seconds = time.perf_counter() - started

    return {
        "benchmark": "rules",
        "data": origin,
        "customers": customers,
        "rows": rows,
        "backend_io_included": False,
        "snapshot_seconds": round(snapshot_seconds, 3),
        "first_cycle_seconds": round(first_seconds, 3),
        "first_cycle_writes": first_writes,
        "first_cycle_appends": first_appends,
        "steady_cycle_seconds": round(steady_seconds, 3),
        "steady_cycle_writes": len(steady.writes),
        "steady_cycle_appends": len(steady.appends),
        "rows_rechecked_in_steady_cycle": memo.stats.checked,
        "peak_rss_after_data_and_snapshot_mb": rss_after_snapshot,
        "peak_rss_mb": _peak_rss_mb(),
    }


def main() -> int:
    """Measure each size in its own process and print one JSON line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        for size in args.customers:
            print(json.dumps(measure(size), sort_keys=True), flush=True)
        return 0
    for size in args.customers:
        command = [sys.executable, __file__, "--in-process", "--customers", str(size)]
        result = subprocess.run(command, check=False, capture_output=True, text=True)
        if result.returncode != 0:
            print(
                json.dumps(
                    {"benchmark": "rules", "customers": size, "error": result.stderr[-2000:]}
                )
            )
            return result.returncode
        print(result.stdout.strip(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
