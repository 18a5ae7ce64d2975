"""People editing the Google spreadsheet at the worst moments of a cycle, at 1k and 10k customers.

For each size, each edit (3 rows inserted at the top, a row deleted, a sort by name Z to A, a
column inserted at B) and each moment (just before the re-read; between the re-read and the
write), one cycle runs against the in-process emulator while the emulator makes the edit just
before the request of that moment. Prints one JSON line per run with what was lost (see
tests/concurrent_edits.py: every count but ``cells_corrected`` must be 0) and the seconds the
write took. The IDs a cycle without edits gives are the reference for new IDs.

    .venv/bin/python benchmarks/concurrent_edits.py [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `tests` and the packages import


def main() -> None:
    """Run every size x edit x moment and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--moments", nargs="+", default=None)
    args = parser.parse_args()

    from automations.cycle_plan import build_plan
    from sheet_schema.backends.base import WorkbookError
    from sheet_schema.backends.google_sheets import GoogleSheetsBackend
    from sheet_schema.backends.sheets_retry import Retrier
    from sheet_schema.model import ApplyReport
    from sheet_schema.schema import load_schema
    from tests.concurrent_edits import MOMENTS, customers, damage, edits, ids_by_name, name_rules
    from tests.fixtures_google import NOW, crm_workbook
    from tests.sheets_emulator import EmulatorServer, write_service_account_file

    schema = load_schema()
    moments = dict(MOMENTS)
    if args.moments:  # e.g. the kinds an older backend sends: values.batchGet values.batchUpdate
        moments = dict(zip(("before_reread", "before_write"), args.moments, strict=True))
    with EmulatorServer() as emu, tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "key.json"
        write_service_account_file(key, emu)

        def backend(sid: str) -> GoogleSheetsBackend:
            return GoogleSheetsBackend.connect(
                sid, key, schema, emu.base_url, retrier=Retrier(), clock=lambda: NOW
            )

        for size in args.sizes:
            typed = customers(schema, size)
            calm_sid = emu.create_spreadsheet("CRM", crm_workbook(schema, typed))
            calm = backend(calm_sid)
            calm_plan = build_plan(schema, calm.read(), NOW, rules=[name_rules])
            started = time.perf_counter()
            calm_report = calm.apply(calm_plan)
            line = {
                "customers": size,
                "edit": "none",
                "apply_seconds": round(time.perf_counter() - started, 3),
                "api_calls": dict(calm_report.api_calls),
            }
            print(json.dumps(line, sort_keys=True), flush=True)
            expected = ids_by_name(schema, emu, calm_sid)
            emu.store.delete_spreadsheet(calm_sid)
            for edit_name, edit in edits(schema, emu).items():
                for moment, kind in moments.items():
                    sid = emu.create_spreadsheet("CRM", crm_workbook(schema, typed))
                    bot = backend(sid)
                    plan = build_plan(schema, bot.read(), NOW, rules=[name_rules])
                    emu.edits.before(kind, edit)
                    started = time.perf_counter()
                    failed = ""
                    try:
                        report = bot.apply(plan)
                    except WorkbookError as error:  # the cycle failed: nothing was written
                        report, failed = ApplyReport(), str(error)
                    seconds = time.perf_counter() - started
                    deleted = {"Customer 00002"} if edit_name == "delete_row" else set()
                    found = damage(schema, emu, sid, typed, deleted, report, expected)
                    line = {
                        "customers": size,
                        "edit": edit_name,
                        "moment": moment,
                        **found.as_dict(),
                        "apply_seconds": round(seconds, 3),
                        "write_failed": failed,
                        "api_calls": dict(report.api_calls),
                    }
                    print(json.dumps(line, sort_keys=True), flush=True)
                    emu.store.delete_spreadsheet(sid)


if __name__ == "__main__":
    main()
