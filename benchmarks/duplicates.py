"""Benchmark the duplicate finder on the demo workbook (50k customers by default).

Prints one JSON line per size: ``finder_seconds`` is :func:`automations.rules.duplicates.
proposal_plan` alone (exact email and phone groups, and close names compared with rapidfuzz
within each company), on the emails and phones the validator read; ``validate_seconds`` is that
validation, which a cycle runs anyway. Also how many rows got a proposal, by reason, and the
largest company block compared. No backend I/O.

Run: ``.venv/bin/python benchmarks/duplicates.py [--customers N ...]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from automations.demo.generate import generate_demo  # noqa: E402
from automations.rules import duplicates, validate  # noqa: E402
from automations.rules.ids import assign_ids  # noqa: E402
from sheet_schema.reading import build_snapshot  # noqa: E402
from sheet_schema.schema import load_schema  # noqa: E402
from tests.fixtures_rules import grids_for  # noqa: E402

NOW = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)


def measure(customers: int) -> dict[str, object]:
    """Validate once, then time the finder; return the figures."""
    schema = load_schema()
    data = generate_demo(7, customers, NOW.date())
    settings = {str(r.get("key")): str(r.get("value") or "") for r in data.pop("Settings", [])}
    records = {k: [dict(r) for r in v] for k, v in data.items()}
    snapshot = build_snapshot(schema, grids_for(records, settings, schema), NOW)
    _, snapshot = assign_ids(schema, snapshot)

    started = time.perf_counter()
    findings = validate.find_problems_and_facts(schema, snapshot, NOW)
    validate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    plan = duplicates.proposal_plan(schema, snapshot, findings.customers, findings.customer_facts)
    finder_seconds = time.perf_counter() - started

    found = duplicates.candidates(findings.customers, findings.customer_facts)
    reasons = Counter(p.reason for p in duplicates.find_duplicates(found))
    blocks = Counter(c.company for c in found if c.company)
    return {
        "benchmark": "duplicates",
        "customers": customers,
        "validate_seconds": round(validate_seconds, 2),
        "finder_seconds": round(finder_seconds, 2),
        "rows_proposed": len([w for w in plan.writes if w.value]),
        "pairs_by_reason": dict(reasons),
        "companies": len(blocks),
        "largest_company_block": max(blocks.values(), default=0),
    }


def main() -> None:
    """Print one JSON line per size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, nargs="*", default=[50_000])
    for size in parser.parse_args().customers:
        print(json.dumps(measure(size)), flush=True)


if __name__ == "__main__":
    main()
