"""Dates of deals first seen (issue 9, point 7).

A workbook typed before the bot ever ran holds deals won, lost or opened months ago. The first
cycle dates their stage from the deals' own dates (Closed for Won and Lost, else Created), says so
in the Stage history row, never makes a follow-up due before its deal existed, and leaves no
negative day count on the dashboard's Reminders page.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from automations.cycle import run_cycle
from dashboard import metrics
from dashboard.frames import build_frames
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import NOW, SCHEMA

TODAY = date(2026, 11, 4)  # NOW in Madrid


def workbook(tmp_path: Path, language: str = "en") -> Path:
    """`sheetcrm init`, one customer called in 2025, and four deals typed as people do."""
    path = tmp_path / "crm.xlsx"
    settings = [("Time zone", "Europe/Madrid"), ("Language", language)]
    create_workbook(path, SCHEMA, settings=settings)
    book = load_workbook(path)
    book["Customers"].append(["C-0001", "Ana", None, "ana@example.com"])
    book["Interactions"].append(["I-0001", datetime(2025, 12, 20, 10), "C-0001", None, "Call"])
    deals = book["Deals"]
    # ID, Customer ID, Title, Stage, Value, Source, Manager, Created, Expected close, Closed
    deals.append(["D-0001", "C-0001", "Shop", "Won", 900, None, "Bruno", date(2026, 1, 10), None,
                  date(2026, 2, 3)])  # fmt: skip
    deals.append(["D-0002", "C-0001", "Logo", "Lost", 300, None, "Bruno", date(2026, 3, 1), None,
                  date(2026, 3, 20)])  # fmt: skip
    deals.append(["D-0003", "C-0001", "Site", "Proposal", 1200, None, "Bruno", date(2026, 5, 12)])
    deals.append(["D-0004", "C-0001", "Ads", "Lead", 200, None, "Bruno"])  # no date at all
    book.save(path)
    return path


def test_a_first_cycle_dates_each_stage_from_the_deal_and_says_it_was_inferred(
    tmp_path: Path,
) -> None:
    path = workbook(tmp_path)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    snapshot = XlsxBackend(path, SCHEMA).read()
    since = {row.row_id: row.get("stage_since") for row in snapshot.tab("Deals")}
    assert since == {
        "D-0001": date(2026, 2, 3),  # Won: Closed
        "D-0002": date(2026, 3, 20),  # Lost: Closed
        "D-0003": date(2026, 5, 12),  # open: Created
        "D-0004": TODAY,  # no date: the first time the bot saw it
    }
    history = {
        row.text("deal_id"): (row.text("time"), row.text("to"), row.text("note"))
        for row in snapshot.tab("Stage history")
    }
    assert history == {
        "D-0001": ("2026-02-03", "Won", "inferred from Closed"),
        "D-0002": ("2026-03-20", "Lost", "inferred from Closed"),
        "D-0003": ("2026-05-12", "Proposal", "inferred from Created"),
        "D-0004": ("2026-11-04 11:00", "Lead", ""),  # 10:00 UTC in Madrid
    }


def test_the_inferred_note_is_in_the_workbook_language(tmp_path: Path) -> None:
    path = workbook(tmp_path, language="es")

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    notes = {r.text("note") for r in XlsxBackend(path, SCHEMA).read().tab("Stage history")}
    assert notes == {"deducido de Closed", "deducido de Created", ""}


def test_a_follow_up_is_never_due_before_its_deal_was_created_and_no_day_count_is_negative(
    tmp_path: Path,
) -> None:
    path = workbook(tmp_path)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    snapshot = XlsxBackend(path, SCHEMA).read()
    deals = snapshot.by_id("Deals")
    # The last call with Ana (20 December 2025) is older than the deal (12 May): the Proposal
    # SLA (7 days, the default) counts from the deal's Created date.
    assert deals["D-0003"].get("follow_up_due") == date(2026, 5, 19)
    reminder = snapshot.by_id("Customers")["C-0001"].text("reminder")
    assert reminder.startswith(
        "Overdue follow-up: D-0003 in Proposal since 2026-05-12, follow-up due 2026-05-19"
    )
    frames = build_frames(snapshot, SCHEMA)
    rows = metrics.reminders(frames.customers, frames.deals, TODAY, 7)
    assert (rows["days"] >= 0).all()
    late = rows[rows["id"] == "D-0003"].iloc[0]
    assert (late["status"], late["days"]) == (metrics.OVERDUE, (TODAY - date(2026, 5, 19)).days)
    durations = metrics.stage_durations(frames.deals, frames.stage_history)
    assert (durations["days"] >= 0).all()
