"""``--as-of``: lifecycle and RFM computed for a chosen day instead of the clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from automations.cli import main
from tests.fixtures_typed import typed_workbook


def test_dry_run_as_of_a_date_plans_the_lifecycle_of_that_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ana's only purchase is the Kitchen deal closed on 2026-10-15 (typed in fixtures_typed).
    workbook = typed_workbook(tmp_path / "crm.xlsx")
    before = workbook.read_bytes()
    assert main(["run", "--workbook", str(workbook), "--dry-run", "--as-of", "2026-10-20"]) == 0
    soon = capsys.readouterr().out
    assert "C-0001 lifecycle = 'Active'" in soon
    assert main(["run", "--workbook", str(workbook), "--dry-run", "--as-of", "2028-01-01"]) == 0
    later = capsys.readouterr().out
    assert "C-0001 lifecycle = 'Churned'" in later
    # Bruno and Carla never bought: a lead, however long ago, never Churned.
    assert "C-0002 lifecycle = 'Lead'" in later
    assert "C-0003 lifecycle = 'Lead'" in later
    assert workbook.read_bytes() == before


def test_as_of_without_dry_run_or_with_a_bad_date_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workbook = typed_workbook(tmp_path / "crm.xlsx")
    assert main(["run", "--workbook", str(workbook), "--as-of", "2026-10-20"]) == 2
    assert "--as-of needs --dry-run" in capsys.readouterr().err
    assert main(["run", "--workbook", str(workbook), "--dry-run", "--as-of", "20/10/2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
