"""The demo's summary names every tab the cycle appended rows to (N6), so the numbers add up.

A workbook typed by hand (``sheetcrm init``, rows under its headers) runs its first cycle with
the demo's outbox mailer: it appends Stage history rows (the deals' stages), Mail log rows (the
campaign's emails) and Bot status rows. "appended N rows" must be the sum of the detail line, and
each tab's figure the rows that tab holds afterwards, counted in the file with openpyxl.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook

from automations.cycle import run_cycle
from automations.demo.command import summary
from automations.mail.outbox import OutboxMailer
from sheet_schema.model import Plan
from tests.fixtures_rules import NOW, SCHEMA
from tests.fixtures_typed import make_workbook


def filled_rows(path: Path, title: str) -> int:
    """Rows below the header with any cell filled, as a person would count them."""
    sheet = load_workbook(path, read_only=True)[title]
    rows = sheet.iter_rows(min_row=2, values_only=True)
    return sum(1 for row in rows if any(v not in (None, "") for v in row))


def test_the_summary_names_every_tab_rows_were_appended_to(tmp_path: Path) -> None:
    workbook = make_workbook("xlsx", tmp_path)
    mailer = OutboxMailer(tmp_path / "outbox")
    report, _ = run_cycle(workbook.backend, SCHEMA, NOW, mailer=mailer)
    text = summary(report, Plan(), workbook.path, 0.1, None)

    total = re.search(r"appended (\d+) rows", text)
    detail = re.search(r"Rows appended: (.*)", text)
    assert total is not None and detail is not None, text
    by_tab = {
        name: int(count)
        for name, count in (part.rsplit(" ", 1) for part in detail.group(1).split(", "))
    }
    assert sum(by_tab.values()) == int(total.group(1))
    assert set(by_tab) == {"Stage history", "Mail log", "Bot status"}
    for title, count in by_tab.items():
        assert count == filled_rows(workbook.path, title), title
    assert by_tab["Mail log"] == len(list((tmp_path / "outbox").glob("*.eml"))) == 3
