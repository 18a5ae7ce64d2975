"""The contract guard (issue 9, point 1; DESIGN invariant 8) on an .xlsx file and on Google Sheets.

A workbook typed by hand runs one cycle; then a person deletes a tab or renames a header, types a
new customer and moves a deal on. The next cycle must leave every cell of the rules that lost an
input exactly as it was, run the other rules, and say why in the run output, the Bot status tab
and the dashboard's Data quality page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from automations.commands.run import describe_report
from automations.demo.command import OPEN_WITHOUT_LOGIN
from sheet_schema.bot_status import HELD_BACK, LAST_RUN, LAST_SUCCESS
from sheet_schema.model import Snapshot
from tests.fixtures_google import FakeTime, fake_time, service_account_file, sheets_emulator
from tests.fixtures_rules import NOW
from tests.fixtures_typed import Workbook, make_workbook
from tests.sheets_emulator import EmulatorServer

__all__ = ["fake_time", "service_account_file", "sheets_emulator"]

LATER = NOW + timedelta(hours=2)
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
LIFECYCLE = ("lifecycle", "lifecycle_reason", "segment")
REMINDERS = ("last_contact", "next_action_date", "reminder")
CAMPAIGN = ("status", "sent", "failed")


@dataclass(frozen=True)
class Damage:
    """What a person did, what the bot must say, and the cells that must not move."""

    do: Callable[[Workbook], None]
    reason: str  # the end of the held-back sentence
    names: tuple[str, ...]  # rules the sentence names
    frozen: dict[str, tuple[str, ...]]  # tab -> bot columns left exactly as they were
    history_recorded: bool  # the Stage history rule still ran (D-0002 moved on)
    customers_checked: bool  # validation of Customers still ran (the new row's bad email)


DAMAGES = {
    "deals_deleted": Damage(
        lambda wb: wb.delete_tab("Deals"),
        "not updated: the Deals tab is missing.",
        (
            "Stage history",
            "reminders",
            "lifecycle",
            "automation emails",
            "problems of Interactions",
        ),
        {"Customers": LIFECYCLE + REMINDERS, "Interactions": ("problems",)},
        history_recorded=False,
        customers_checked=True,
    ),
    "interactions_deleted": Damage(
        lambda wb: wb.delete_tab("Interactions"),
        "not updated: the Interactions tab is missing.",
        ("Reminders", "lifecycle", "automation emails", "manager digests"),
        {"Customers": LIFECYCLE + REMINDERS, "Deals": ("follow_up_due",)},
        history_recorded=True,
        customers_checked=True,
    ),
    "email_renamed": Damage(
        lambda wb: wb.rename_header("Customers", "Email", "Contact email"),
        "not updated: the Email column of Customers is missing (renamed?).",
        ("Automation emails", "campaigns", "problems of Customers"),
        {"Customers": ("problems",), "Campaigns": CAMPAIGN},
        history_recorded=True,
        customers_checked=False,
    ),
    "stage_renamed": Damage(
        lambda wb: wb.rename_header("Deals", "Stage", "Pipeline step"),
        "not updated: the Stage column of Deals is missing (renamed?).",
        ("Stage history", "reminders", "lifecycle", "problems of Deals"),
        {
            "Customers": LIFECYCLE + REMINDERS,
            "Deals": ("problems", "stage_since", "follow_up_due"),
        },
        history_recorded=False,
        customers_checked=True,
    ),
    "customer_id_renamed": Damage(
        lambda wb: wb.rename_header("Deals", "Customer ID", "Buyer"),
        "not updated: the Customer ID column of Deals is missing (renamed?).",
        (
            "Stage history",
            "reminders",
            "lifecycle",
            "problems of Deals",
            "problems of Interactions",
        ),
        {
            "Customers": LIFECYCLE + REMINDERS,
            "Deals": ("problems", "stage_since", "follow_up_due"),
            "Interactions": ("problems",),
        },
        history_recorded=False,
        customers_checked=True,
    ),
    "created_renamed": Damage(
        lambda wb: wb.rename_header("Deals", "Created", "Opened"),
        "not updated: the Created column of Deals is missing (renamed?).",
        ("Reminders", "lifecycle", "automation emails", "manager digests"),
        {"Customers": LIFECYCLE + REMINDERS, "Deals": ("follow_up_due",)},
        history_recorded=True,
        customers_checked=True,
    ),
    "templates_deleted": Damage(
        lambda wb: wb.delete_tab("Templates"),
        "not updated: the Templates tab is missing.",
        ("Automation emails", "campaigns", "problems of Automations", "problems of Campaigns"),
        {"Campaigns": (*CAMPAIGN, "problems")},
        history_recorded=True,
        customers_checked=True,
    ),
}


def cells(snapshot: Snapshot, tab: str, columns: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """The text of these columns in every row with an ID, by (row ID, column)."""
    return {
        (row.row_id, column): row.text(column)
        for row in snapshot.tab(tab)
        if row.row_id
        for column in columns
    }


def status_of(snapshot: Snapshot) -> dict[str, str]:
    return {row.row_id: row.text("value") for row in snapshot.tab("Bot status") if row.row_id}


def after_damage(workbook: Workbook, damage: Damage) -> tuple[Snapshot, Snapshot, str]:
    """Run a first cycle, damage the workbook the way a person would, run again."""
    first = workbook.run(NOW)
    assert first.held_back == [] and first.sending_stopped == ""
    before = workbook.read()
    workbook.type(
        {"Customers": [{"Name": "Dora Reis", "Email": "dora@", "Marketing consent": "yes"}]}
    )
    workbook.set_cell("Deals", "D-0002", "Stage", "Negotiation")
    damage.do(workbook)
    report = workbook.run(LATER)
    sentence = next(s for s in report.held_back if s.endswith(damage.reason))
    assert describe_report(report).count(f"Held back: {sentence}") == 1
    return before, workbook.read(), sentence


def check_damage(workbook: Workbook, damage: Damage) -> None:
    before, after, sentence = after_damage(workbook, damage)
    for name in damage.names:
        assert name in sentence, (name, sentence)
    # The rules that lost an input wrote nothing: their cells are exactly as they were.
    for tab, columns in damage.frozen.items():
        if after.readable(tab):
            was = cells(before, tab, columns)
            now = cells(after, tab, columns)
            assert {key: now.get(key) for key in was} == was, tab
            # A row typed meanwhile gets nothing from those rules either.
            assert not any(now[key] for key in now.keys() - was.keys()), tab
    # The rules that could run did: the new customer has an ID, a lifecycle when lifecycle ran,
    # and the bad email is reported when Customers are checked.
    dora = next(r for r in after.tab("Customers") if r.text("name") == "Dora Reis")
    assert dora.row_id == "C-0004"
    expected = "Email: 'dora@'" if damage.customers_checked else ""
    assert dora.text("problems").startswith(expected)
    if not damage.customers_checked:
        assert dora.text("problems") == ""
    moved = [r for r in after.tab("Stage history") if r.text("to") == "Negotiation"]
    assert len(moved) == (1 if damage.history_recorded else 0)
    # The Bot status tab says it, and the last success stays the first cycle's.
    status = status_of(after)
    assert sentence in status[HELD_BACK].splitlines()
    assert status[LAST_RUN] == "2026-11-04 13:00 (Europe/Madrid)"
    assert status[LAST_SUCCESS] == "2026-11-04 11:00 (Europe/Madrid)"


@pytest.mark.parametrize("name", sorted(DAMAGES))
def test_a_rule_missing_an_input_leaves_its_cells_and_says_why_on_xlsx(
    name: str, tmp_path: Path
) -> None:
    check_damage(make_workbook("xlsx", tmp_path), DAMAGES[name])


@pytest.mark.parametrize("name", sorted(DAMAGES))
def test_a_rule_missing_an_input_leaves_its_cells_and_says_why_on_google_sheets(
    name: str,
    tmp_path: Path,
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    fake_time: FakeTime,
) -> None:
    workbook = make_workbook("google", tmp_path, sheets_emulator, service_account_file, fake_time)
    check_damage(workbook, DAMAGES[name])


def test_with_email_renamed_no_campaign_is_marked_sent_and_no_email_planned(
    tmp_path: Path,
) -> None:
    workbook = make_workbook("xlsx", tmp_path)
    first = workbook.run(NOW)
    assert first.emails_planned == 3  # the Autumn campaign, to the three customers
    workbook.rename_header("Customers", "Email", "Contact email")
    report = workbook.run(LATER)
    assert report.emails_planned == 0
    campaign = workbook.read().by_id("Campaigns")["M-0001"]
    assert campaign.text("status") == "Sending"  # as the first cycle left it, not "Sent"


def test_a_healthy_cycle_says_every_rule_ran(tmp_path: Path) -> None:
    workbook = make_workbook("xlsx", tmp_path)
    report = workbook.run(NOW)
    assert "Held back" not in describe_report(report)
    status = status_of(workbook.read())
    assert status[HELD_BACK] == "Nothing: every rule ran."
    assert status[LAST_RUN] == status[LAST_SUCCESS] == "2026-11-04 11:00 (Europe/Madrid)"
    # A second cycle at the same moment changes nothing at all.
    again = workbook.run(NOW)
    assert (again.cells_written, again.rows_appended) == (0, 0)


def test_the_data_quality_page_shows_what_was_held_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = make_workbook("xlsx", tmp_path)
    _, _, sentence = after_damage(workbook, DAMAGES["deals_deleted"])
    # Opened as `sheetcrm demo` does, without a login (the login has tests of its own).
    argv = ["app.py", "--workbook", str(workbook.path), OPEN_WITHOUT_LOGIN]
    monkeypatch.setattr(sys, "argv", argv)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("sections/quality.py").run()
    assert not at.exception
    assert sentence in [w.value for w in at.warning]
    captions = " ".join(c.value for c in at.caption)
    assert "2026-11-04 13:00 (Europe/Madrid)" in captions
