"""The demo workbook as a shared test fixture.

Import the fixtures you use in your test module and name them in ``__all__`` (so linters see
them used)::

    from tests.fixtures_demo import demo_workbook

    __all__ = ["demo_workbook"]

``demo_workbook`` is built once per test session (seed 7, 300 customers, anchored on
``DEMO_TODAY``) and is read-only for everyone: copy it before writing to it (or use
``demo_workbook_copy``). It is the workbook as ``sheetcrm demo`` writes it, before any bot
cycle: older rows already have IDs, rows typed in the last week do not. Run rules with a clock
near ``DEMO_NOW`` to get the results the demo shows on its first day.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from automations.demo.command import write_demo_workbook
from automations.demo.generate import Rows, generate_demo
from sheet_schema.schema import load_schema

DEMO_SEED = 7
DEMO_CUSTOMERS = 300
DEMO_TODAY = date(2026, 11, 4)
# Ten in the morning in Madrid on DEMO_TODAY.
DEMO_NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_rows() -> Rows:
    """The rows ``demo_workbook`` was written from (tab -> rows keyed by column key). Read-only."""
    return generate_demo(seed=DEMO_SEED, customers=DEMO_CUSTOMERS, today=DEMO_TODAY)


@pytest.fixture(scope="session")
def demo_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a demo workbook built once per session. Do not write to it: copy it first."""
    path = tmp_path_factory.mktemp("demo") / "sheetcrm-demo.xlsx"
    write_demo_workbook(
        path, load_schema(), seed=DEMO_SEED, customers=DEMO_CUSTOMERS, today=DEMO_TODAY
    )
    return path


@pytest.fixture
def demo_workbook_copy(demo_workbook: Path, tmp_path: Path) -> Path:
    """A private copy of the demo workbook that a test may change."""
    return Path(shutil.copy(demo_workbook, tmp_path / demo_workbook.name))
