"""Mistakes on the command line or in the configuration: one line saying what to fix, exit 2.

A cycle that fails for another reason (the Sheets API keeps answering 500) exits 1. Each case is
typed as a person would, through `sheetcrm` (automations.cli.main), and checked on what they see:
the exit code and stderr.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl
import pytest

from automations.cli import main
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.schema import Schema, load_schema
from tests.fixtures_google import (
    crm_workbook,
    customer_rows,
    schema,
    service_account_file,
    sheets_emulator,
)
from tests.sheets_emulator import EmulatorServer

__all__ = ["schema", "service_account_file", "sheets_emulator"]

SCHEMA = load_schema()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """`sheetcrm init`, then a customer typed without an ID (so a run has something to write)."""
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA)
    append_rows(path, SCHEMA, {"Customers": [{"name": "Ana", "email": "ana@example.es"}]})
    return path


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SHEETCRM_WORKBOOK",
        "SHEETCRM_SPREADSHEET_ID",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "SHEETCRM_SMTP_HOST",
        "SHEETCRM_SMTP_PORT",
        "SHEETCRM_SMTP_SECURITY",
    ):
        monkeypatch.delenv(name, raising=False)


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 2) -> str:
    """Run `sheetcrm argv`; check the exit code and that stderr is one line; return it."""
    assert main(argv) == code
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("every", ["0", "-5", "-0.5", "nan", "soon"])
def test_schedule_every_must_be_a_positive_number_of_minutes(
    every: str, workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _fails(["schedule", "--workbook", str(workbook), "--every", every], capsys)
    assert "--every" in line and repr(every) in line
    assert not workbook.with_name(f".{workbook.name}.sheetcrm.lock").exists()  # never started


def test_workbook_and_spreadsheet_together_is_refused(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _fails(["run", "--workbook", str(workbook), "--spreadsheet", "1AbC"], capsys)
    assert "--spreadsheet" in line and "--workbook" in line


@pytest.mark.parametrize("name", ["crm.csv", "crm.ods", "crm.xls", "crm"])
def test_init_makes_only_xlsx_workbooks(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    line = _fails(["init", "--workbook", str(path)], capsys)
    assert str(path) in line and ".xlsx" in line
    assert not path.exists()


def test_init_refuses_an_existing_csv_and_leaves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("Name,Email\nAna,ana@example.es\n")
    _fails(["init", "--workbook", str(path), "--force"], capsys)
    assert path.read_text() == "Name,Email\nAna,ana@example.es\n"


def test_version_is_the_installed_one(capsys: pytest.CaptureFixture[str]) -> None:
    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sheetcrm {expected}"


def test_an_explicit_workbook_wins_over_a_spreadsheet_in_the_environment(
    workbook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHEETCRM_SPREADSHEET_ID", "1AbC")
    assert main(["run", "--workbook", str(workbook), "--dry-run"]) == 0
    assert f"Read {workbook}" in capsys.readouterr().out


# -- configuration ---------------------------------------------------------------------------


def test_a_missing_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope.xlsx"
    line = _fails(["run", "--workbook", str(path)], capsys)
    assert "no such workbook" in line and f"sheetcrm init --workbook {path}" in line


def test_a_workbook_that_is_not_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "crm.xlsx"
    path.write_text("Name,Email\nAna,ana@example.es\n")  # a CSV renamed by hand
    line = _fails(["run", "--workbook", str(path)], capsys)
    assert "not a readable .xlsx workbook" in line and "Excel Workbook (.xlsx)" in line


def test_a_workbook_open_in_excel(workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workbook.with_name("~$" + workbook.name).write_text("someone")
    before = workbook.read_bytes()
    line = _fails(["run", "--workbook", str(workbook), "--no-send"], capsys)
    assert "open in another program" in line and "nothing was written" in line
    assert workbook.read_bytes() == before


def test_a_missing_key_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "key.json"
    line = _fails(["run", "--spreadsheet", "1AbC", "--credentials", str(key)], capsys)
    assert f"{key}: no such service-account key file" in line


def test_no_key_file_at_all(capsys: pytest.CaptureFixture[str]) -> None:
    line = _fails(["run", "--spreadsheet", "1AbC"], capsys)
    assert "--credentials" in line and "GOOGLE_APPLICATION_CREDENTIALS" in line


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00binary", "not text"),
        (b'{"installed": {"client_id": "x"}}', "OAuth client"),
    ],
)
def test_a_key_file_that_is_not_a_service_account_key(
    content: bytes, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "key.json"
    key.write_bytes(content)
    line = _fails(["run", "--spreadsheet", "1AbC", "--credentials", str(key)], capsys)
    assert str(key) in line and says in line


def test_a_key_file_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _fails(["run", "--spreadsheet", "1AbC", "--credentials", str(tmp_path)], capsys)
    assert "is a folder" in line


def test_a_spreadsheet_id_that_does_not_exist(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", sheets_emulator.base_url)
    argv = ["run", "--spreadsheet", "1NoSuchSheet", "--credentials", str(service_account_file)]
    line = _fails(argv, capsys)
    assert "No spreadsheet with id '1NoSuchSheet' (HTTP 404)" in line


def test_a_spreadsheet_not_shared_with_the_key(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, customer_rows(schema, 2)))
    sheets_emulator.store.set_forbidden(sid)
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", sheets_emulator.base_url)
    line = _fails(
        ["init", "--spreadsheet", sid, "--credentials", str(service_account_file)], capsys
    )
    assert "HTTP 403" in line and "as an Editor" in line


@pytest.mark.parametrize(
    ("options", "environment", "says"),
    [
        (["--smtp-port", "0"], {}, "--smtp-port='0' is not a port number"),
        (["--smtp-port", "70000"], {}, "--smtp-port='70000' is not a port number"),
        ([], {"SHEETCRM_SMTP_PORT": "smtp"}, "SHEETCRM_SMTP_PORT='smtp' is not a port number"),
        ([], {"SHEETCRM_SMTP_PORT": "-25"}, "SHEETCRM_SMTP_PORT='-25' is not a port number"),
        ([], {"SHEETCRM_SMTP_SECURITY": "tls"}, "SHEETCRM_SMTP_SECURITY='tls': use starttls"),
    ],
)
def test_impossible_mail_settings(
    options: list[str],
    environment: dict[str, str],
    says: str,
    workbook: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SHEETCRM_SMTP_HOST", "smtp.example.com")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    before = workbook.read_bytes()
    line = _fails(["run", "--workbook", str(workbook), *options], capsys)
    assert says in line
    assert workbook.read_bytes() == before  # stopped before the cycle


def test_a_smtp_port_that_is_not_a_number_on_the_command_line(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _fails(["run", "--workbook", str(workbook), "--smtp-port", "smtp"], capsys)
    assert "--smtp-port" in line


def test_a_broken_schema_file(
    workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "crm.toml"
    broken.write_text("[[tab]]\nname = \n")
    _fails(["run", "--workbook", str(workbook), "--schema", str(broken)], capsys)


# -- a cycle that fails for another reason ---------------------------------------------------


def test_a_cycle_the_sheets_api_keeps_failing_exits_1(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = customer_rows(schema, 3)
    for row in rows:
        row[0] = ""  # typed without IDs: the cycle must write them
    settings = {"Settings": [["Key", "Value"], ["Sheets retry attempts", "0"]]}
    sid = sheets_emulator.create_spreadsheet("CRM", crm_workbook(schema, rows, settings))
    for write in ("values.batchUpdate", "values.batchUpdateByDataFilter"):
        sheets_emulator.faults.server_error(count=50, endpoint=write)
    monkeypatch.setenv("SHEETCRM_SHEETS_API_URL", sheets_emulator.base_url)
    argv = ["run", "--spreadsheet", sid, "--credentials", str(service_account_file), "--no-send"]

    line = _fails(argv, capsys, code=1)

    assert "values.batchUpdate" in line and "HTTP 500" in line


def test_init_on_a_workbook_with_a_lock_file_exits_2(
    workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = openpyxl.load_workbook(workbook)
    del book["Deals"]
    book.save(workbook)
    workbook.with_name(f".~lock.{workbook.name}#").write_text("someone,in LibreOffice")
    before = workbook.read_bytes()
    line = _fails(["init", "--workbook", str(workbook)], capsys)
    assert "open in another program" in line
    assert workbook.read_bytes() == before
