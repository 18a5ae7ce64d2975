"""No mailing of the past (issue 9, point 6).

An automation sends only for what fell due within the catch-up window (3 days): on the first
cycle the bot ever sees a workbook, and on the first cycle after an automation is enabled, deals
overdue for months get no follow-up. What falls due later goes out on its day.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook

from automations.cycle import run_cycle
from automations.mail.automations import GRACE_DAYS
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_demo import DEMO_NOW, DEMO_TODAY, demo_workbook
from tests.fixtures_rules import NOW, SCHEMA
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["demo_workbook", "smtp_server"]

TODAY = date(2026, 11, 4)  # NOW in Madrid
SETTINGS = (("Time zone", "Europe/Madrid"), ("Sender email", "shop@example.com"))


def workbook(tmp_path: Path, enabled: bool) -> Path:
    """`sheetcrm init`, two customers with an open deal each, and a follow-up automation.

    Ana's deal was created in May, Bea's in August.
    """
    path = tmp_path / "crm.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    book["Templates"].append([None, "nudge", "en", "About {{ deal.title }}", "Any news?"])
    book["Automations"].append([None, "follow-up", "nudge", 2, "yes" if enabled else "no"])
    for name, created in (("Ana", date(2026, 5, 12)), ("Bea", date(2026, 8, 20))):
        type_customer_and_deal(book, name, created)
    book.save(path)
    return path


def type_customer_and_deal(book: Workbook, name: str, created: date) -> None:
    """A customer and an open deal of theirs, typed on ``created``."""
    customer = f"C-{book['Customers'].max_row:04d}"  # the ID the bot will give the new row
    email = f"{name.lower()}@example.com"
    book["Customers"].append([None, name, None, email, *[None] * 7, date(2026, 1, 9)])
    deal = [None, customer, f"Shop for {name}", "Proposal", 900, None, None, created]
    book["Deals"].append(deal)


def add_cid(path: Path) -> None:
    """Cid and his deal, typed on 2 November: the follow-up (offset 2) falls due today."""
    book = load_workbook(path)
    type_customer_and_deal(book, "Cid", date(2026, 11, 2))
    book.save(path)


def smtp(server: SmtpTestServer) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, security="none", timeout=2.0)


def test_the_first_cycle_mails_no_follow_up_for_deals_overdue_for_months(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, enabled=True)
    add_cid(path)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=smtp(smtp_server))

    assert report.emails_sent == 1
    assert [r.rcpt_tos for r in smtp_server.received()] == [("cid@example.com",)]


def test_enabling_the_automation_later_mails_no_past_follow_ups(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = workbook(tmp_path, enabled=False)
    # The bot has run for weeks with the automation off; Cid came on 2 November.
    for days in (30, 20, 10):
        run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW - timedelta(days=days))
    add_cid(path)
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW - timedelta(days=2))
    book = load_workbook(path)
    book["Automations"]["E2"] = "yes"
    book.save(path)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=smtp(smtp_server))

    assert [r.rcpt_tos for r in smtp_server.received()] == [("cid@example.com",)]


def test_the_demo_first_cycle_sends_no_follow_up_for_a_deal_overdue_for_months(
    demo_workbook: Path,
) -> None:
    _, plan = run_cycle(XlsxBackend(demo_workbook, SCHEMA), SCHEMA, DEMO_NOW, dry_run=True)

    follow_ups = [e for e in plan.emails if e.kind == "follow-up"]
    deals = XlsxBackend(demo_workbook, SCHEMA).read().by_id("Deals")
    for email in follow_ups:
        assert email.deal_id is not None
        deal = deals[email.deal_id]
        since = deal.get("stage_since") or deal.get("created")
        assert isinstance(since, date)
        # The demo's follow-up automation waits 2 days into the stage.
        assert DEMO_TODAY - (since + timedelta(days=2)) <= timedelta(days=GRACE_DAYS)
    assert Counter(e.kind for e in plan.emails)["follow-up"] == len(follow_ups) <= 5
