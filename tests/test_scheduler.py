"""`sheetcrm schedule`: cycles on a timer, unchanged rows not re-checked, failures survived."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from automations.cli import main
from automations.scheduler import AlreadyRunning, run_schedule, single_instance
from sheet_schema.backends.base import WorkbookError
from sheet_schema.backends.xlsx import append_rows, create_workbook
from sheet_schema.schema import load_schema

SCHEMA = load_schema()


def test_second_cycle_checks_only_changed_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workbook = tmp_path / "crm.xlsx"
    create_workbook(workbook, SCHEMA)
    append_rows(
        workbook,
        SCHEMA,
        {"Customers": [{"name": f"Customer {n}", "email": f"c{n}@example.es"} for n in range(40)]},
    )
    assert main(["schedule", "--workbook", str(workbook), "--every", "0.017", "--cycles", "2"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "rows unchanged" in line]
    assert len(lines) == 2
    assert "(0 rows unchanged," in lines[0]  # the first cycle checks everything
    assert "(40 rows unchanged, 0 checked)" in lines[1]


def test_a_failing_cycle_does_not_stop_the_loop() -> None:
    outcomes = iter([WorkbookError("quota exhausted"), RuntimeError("bug"), None])
    lines: list[str] = []

    def cycle() -> str:
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome
        return "ok"

    failures = run_schedule(
        cycle, every_seconds=1, stop=threading.Event(), max_cycles=3, report=lines.append
    )
    assert failures == 2
    assert "cycle failed, retrying at the next tick: quota exhausted" in lines[0]
    assert "cycle crashed" in lines[1]
    assert lines[2].endswith(" ok")


def test_two_schedulers_cannot_work_on_one_workbook(tmp_path: Path) -> None:
    lock = tmp_path / "crm.lock"
    with (
        single_instance(lock),
        pytest.raises(AlreadyRunning, match="already running"),
        single_instance(lock),
    ):
        pass
    with single_instance(lock):  # released when the first one ends
        pass
