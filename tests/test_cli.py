"""The `sheetcrm` command as a user meets it: exit codes, dry runs, JSON, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from automations.cli import main
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.schema import load_schema

SCHEMA = load_schema()


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA)
    append_rows(
        path,
        SCHEMA,
        {
            "Customers": [
                {"name": "Ana", "email": "ana@example.es"},
                {"name": "Bea", "birthday": "31/02/1990"},
            ],
            "Deals": [{"customer_id": "C-0404", "stage": "Wonn"}],
        },
    )
    return path


def test_dry_run_prints_the_plan_and_writes_nothing(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = workbook.read_bytes()
    assert main(["run", "--workbook", str(workbook), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Customers row 2: new ID C-0001" in out
    assert "Dry run: nothing was written" in out
    assert workbook.read_bytes() == before


def test_run_with_bad_rows_still_succeeds_and_reports_json(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--workbook", str(workbook), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows_read"]["Customers"] == 2
    assert report["problems_found"] >= 2  # the impossible date and the unknown stage
    assert report["ids_assigned"] == 3
    assert report["dry_run"] is False
    assert isinstance(report["seconds"], float)
    ids = [r.row_id for r in XlsxBackend(workbook, SCHEMA).read().tab("Customers")]
    assert ids == ["C-0001", "C-0002"]


def test_second_run_assigns_no_new_ids(workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", "--workbook", str(workbook), "--json"])
    capsys.readouterr()
    main(["run", "--workbook", str(workbook), "--json"])
    assert json.loads(capsys.readouterr().out)["ids_assigned"] == 0


def test_missing_workbook_fails_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--workbook", str(tmp_path / "nope.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "nope.xlsx: no such workbook" in err
    assert "Traceback" not in err


def test_google_sheets_without_credentials_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    assert main(["run", "--spreadsheet", "abc123"]) == 2
    assert "--credentials" in capsys.readouterr().err


def test_workbook_from_the_environment(
    workbook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHEETCRM_WORKBOOK", str(workbook))
    assert main(["run", "--dry-run"]) == 0
    assert f"Read {workbook}" in capsys.readouterr().out


def test_python_dash_m_automations_is_the_same_command(workbook: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "automations",
            "run",
            "--workbook",
            str(workbook),
            "--dry-run",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["dry_run"] is True
