"""A campaign filtered on Lifecycle reaches who the bot finds in that stage the day it goes.

Found by trying SheetCRM as a new user: a workbook made by `sheetcrm init`, customers typed by
hand, and an approved "Lifecycle = Active" campaign due today. The first cycle marked the
campaign Sent with 0 emails, for good, because it read the Lifecycle cells before the same
cycle filled them.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook

from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import NOW, SCHEMA, TODAY
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["smtp_server"]

SETTINGS = (("Time zone", "Europe/Madrid"), ("Sender email", "shop@example.com"))


def shop(tmp_path: Path, send_on: date) -> Path:
    """`sheetcrm init`, then three customers, their purchases and a campaign, typed by hand.

    Ana bought 10 days ago (Active), Bea two years ago (Churned), Cid never (Lead); all three
    agreed to marketing ("yes", "Yes", "sí" as people type it).
    """
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    customers = book["Customers"]
    for name, consent in (("Ana", "yes"), ("Bea", "Yes"), ("Cid", "sí")):
        email = f"{name.lower()}@example.com"
        customers.append([None, name, None, email, *[None] * 7, "01/03/2024", consent])
    interactions = book["Interactions"]
    interactions.append([None, TODAY - timedelta(days=10), "Ana", None, "purchase", None, "", 40])
    interactions.append([None, TODAY - timedelta(days=730), "bea@example.com", None, "Purchase"])
    book["Templates"].append([None, "promo", "en", "Hi {{ customer.first_name }}", "20 % off"])
    book["Campaigns"].append([None, "Winter promo", "Lifecycle = active", "promo", send_on, "Yes"])
    book.save(path)
    return path


def smtp(server: SmtpTestServer) -> SmtpMailer:
    return SmtpMailer(server.host, server.port, security="none", timeout=2.0)


def campaign_cells(path: Path) -> tuple[object, object]:
    row = next(load_workbook(path)["Campaigns"].iter_rows(min_row=2, max_row=2, values_only=True))
    return row[6], row[7]  # Status, Sent


def test_the_first_cycle_sends_a_lifecycle_campaign_to_who_it_finds_active(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = shop(tmp_path, send_on=TODAY)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=smtp(smtp_server))

    assert [m.rcpt_tos for m in smtp_server.received()] == [("ana@example.com",)]
    assert report.emails_sent == 1
    assert campaign_cells(path) == ("Sent", 1)
    # Nothing goes twice, and Bea (Churned) and Cid (Lead) never get it.
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW + timedelta(hours=1), mailer=smtp(smtp_server))
    assert len(smtp_server.received()) == 1


def test_a_customer_who_became_active_today_gets_the_campaign_due_today(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = shop(tmp_path, send_on=TODAY)
    # The bot ran yesterday, before the campaign was approved: Cid's Lifecycle cell says Lead.
    book = load_workbook(path)
    book["Campaigns"]["F2"] = "no"
    book.save(path)
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW - timedelta(days=1))
    # This morning Cid buys, and the owner approves the campaign.
    book = load_workbook(path)
    book["Interactions"].append([None, TODAY, "C-0003", None, "Purchase", None, "Boots", 80])
    book["Campaigns"]["F2"] = "Yes"
    book.save(path)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=smtp(smtp_server))

    got = sorted(to for m in smtp_server.received() for to in m.rcpt_tos)
    assert got == ["ana@example.com", "cid@example.com"]
    assert campaign_cells(path) == ("Sent", 2)
    lifecycles = [
        r[16] for r in load_workbook(path)["Customers"].iter_rows(min_row=2, values_only=True)
    ]
    assert lifecycles == ["Active", "Churned", "Active"]
