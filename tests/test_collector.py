"""A read pauses Python's garbage collector and always gives it back as it was.

The pause is what makes a large read fast (docs/PERFORMANCE.md); a pause that outlived the read
would let a long-running dashboard or `schedule` loop keep every reference cycle it ever made.
Workbooks are made by `sheetcrm init` and typed with openpyxl.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cli import main
from sheet_schema.backends.base import ConfigurationError
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.collector import collector_paused
from sheet_schema.schema import load_schema


@pytest.fixture
def collector_running() -> Iterator[None]:
    """The collector on, as in any program; put back however a test leaves it."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def typed_workbook(tmp_path: Path) -> Path:
    """`sheetcrm init`, then two customers typed in, one of them with a date typed as text."""
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    sheet = book["Customers"]
    header = [cell.value for cell in sheet[1]]
    for number, (name, created) in enumerate([("Ana Ruiz", "2026-03-02"), ("Bo", "2 March")], 2):
        sheet.cell(number, header.index("Name") + 1).value = name
        sheet.cell(number, header.index("Created") + 1).value = created
    book.save(path)
    return path


def test_a_read_leaves_the_collector_running(tmp_path: Path, collector_running: None) -> None:
    snapshot = XlsxBackend(typed_workbook(tmp_path), load_schema()).read()
    assert [row.get("name") for row in snapshot.tab("Customers")] == ["Ana Ruiz", "Bo"]
    assert gc.isenabled()


def test_a_failed_read_leaves_the_collector_running(
    tmp_path: Path, collector_running: None
) -> None:
    broken = tmp_path / "crm.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(ConfigurationError, match=r"not a readable \.xlsx workbook"):
        XlsxBackend(broken, load_schema()).read()
    assert gc.isenabled()


def test_a_program_that_switched_the_collector_off_keeps_it_off(
    tmp_path: Path, collector_running: None
) -> None:
    path = typed_workbook(tmp_path)
    gc.disable()
    XlsxBackend(path, load_schema()).read()
    assert not gc.isenabled()


def test_reads_on_several_threads_resume_the_collector_once_all_end(
    collector_running: None,
) -> None:
    """Dashboard sessions read on their own threads: one read ending while another runs must
    not resume the collector under it, and the last one to end resumes it."""
    first_inside, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_paused():
            first_inside.set()
            assert second_done.wait(timeout=30)
            seen.append(gc.isenabled())

    def second() -> None:
        assert first_inside.wait(timeout=30)
        with collector_paused():
            pass
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert seen == [False]  # still paused for the first read after the second ended
    assert gc.isenabled()


def test_a_report_leaves_the_collector_running_even_when_refused(
    tmp_path: Path, collector_running: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sheetcrm report` pauses the collector for the whole command, its refusals included."""
    path = typed_workbook(tmp_path)
    assert main(["report", "customers", "--workbook", str(path), "--json"]) == 0
    assert '"customers": 2' in capsys.readouterr().out
    assert gc.isenabled()
    assert main(["report", "customers", "--by", "Shoe size", "--workbook", str(path)]) == 2
    assert "not a column of Customers or Deals" in capsys.readouterr().err
    assert gc.isenabled()
