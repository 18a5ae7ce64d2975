"""`sheetcrm schedule`: cycles on a timer, unchanged rows not re-checked, failures survived."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from automations.cli import main
from automations.scheduler import AlreadyRunning, run_schedule, single_instance
from sheet_schema.backends.base import ConfigurationError, WorkbookError
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
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


def test_a_mistyped_workbook_stops_the_scheduler_at_once_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "crm.xslx"  # the extension mistyped
    code = main(["schedule", "--workbook", str(missing), "--every", "0.017", "--cycles", "3"])
    captured = capsys.readouterr()
    assert code == 2
    assert "retrying" not in captured.out  # not tried again every tick
    assert captured.err.count("\n") == 1 and "no such workbook" in captured.err
    assert f"sheetcrm init --workbook {missing}" in captured.err


@pytest.mark.parametrize("command", [["run"], ["schedule", "--cycles", "1"]])
def test_a_workbook_in_a_folder_that_does_not_exist_is_a_one_line_mistake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    workbook = tmp_path / "no-such-folder" / "crm.xlsx"
    assert main([*command, "--workbook", str(workbook)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.strip().count("\n") == 0
    assert f"{workbook.parent}: no such folder" in captured.err


def test_a_later_configuration_failure_is_retried_and_reported_once_until_it_changes() -> None:
    revoked = ConfigurationError("the service account lost access to the spreadsheet")
    outcomes = iter([None, revoked, revoked, revoked, None])
    lines: list[str] = []

    def cycle() -> str:
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome
        return "ok"

    failures = run_schedule(
        cycle, every_seconds=1, stop=threading.Event(), max_cycles=5, report=lines.append
    )
    assert failures == 3
    assert [line.split(" ", 1)[1] for line in lines] == [
        "ok",
        "cycle failed, retrying every tick until it is fixed: the service account lost access "
        "to the spreadsheet",
        "working again after: the service account lost access to the spreadsheet",
        "ok",
    ]
