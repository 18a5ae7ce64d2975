"""A due campaign that reaches nobody says so in its Problems cell and waits, instead of "Sent 0".

Found by trying SheetCRM as a new user: an approved campaign whose Segment filter matched no one
(or only customers who may not get marketing email) was marked Sent with 0 emails, for good, and
nothing said why. The workbook is made by `sheetcrm init` (create_workbook) and typed with
openpyxl; the emails go to a real SMTP server on loopback.
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


def shop(tmp_path: Path, ana_consent: str, send_on: date = TODAY) -> Path:
    """Three customers typed by hand, a promo template and an approved campaign for Active
    customers due on ``send_on``. Nobody has bought anything yet."""
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    customers = book["Customers"]
    for name, consent in (("Ana", ana_consent), ("Bea", "Yes"), ("Cid", "sí")):
        email = f"{name.lower()}@example.com"
        customers.append([None, name, None, email, *[None] * 7, "01/03/2024", consent])
    book["Templates"].append([None, "promo", "en", "Hi {{ customer.first_name }}", "20 % off"])
    book["Campaigns"].append([None, "Winter promo", "Lifecycle = Active", "promo", send_on, "Yes"])
    book.save(path)
    return path


def buys(path: Path, customer: str, days_ago: int) -> None:
    """A purchase typed in Interactions."""
    book = load_workbook(path)
    when = TODAY - timedelta(days=days_ago)
    book["Interactions"].append([None, when, customer, None, "Purchase", None, "Boots", 80])
    book.save(path)


def campaign(path: Path) -> dict[str, object]:
    """The Campaigns row as a person reads it: header -> cell."""
    rows = load_workbook(path)["Campaigns"].iter_rows(min_row=1, max_row=2, values_only=True)
    header, values = next(rows), next(rows)
    return {str(h): v for h, v in zip(header, values, strict=False) if h}


def cycle(path: Path, server: SmtpTestServer, hours: int = 0) -> None:
    mailer = SmtpMailer(server.host, server.port, security="none", timeout=2.0)
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW + timedelta(hours=hours), mailer=mailer)


def test_a_campaign_nobody_matches_says_so_and_goes_out_once_someone_does(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = shop(tmp_path, ana_consent="yes")

    cycle(path, smtp_server)

    assert smtp_server.received() == []
    row = campaign(path)
    assert row["Status"] == "Scheduled"  # not Sent: it has gone to no one
    assert row["Sent"] is None
    assert row["Problems"] == (
        f"Segment filter: no customer matches 'Lifecycle = Active' on {TODAY.isoformat()}, so "
        "nothing was sent. The campaign waits (Scheduled) and goes out to those who match it "
        f"(created by {TODAY.isoformat()}) in a later cycle; set Approved to No to drop it."
    )
    # The next cycle says the same, and writes nothing new on the row.
    cycle(path, smtp_server, hours=1)
    assert campaign(path) == row and smtp_server.received() == []

    # Ana buys: she is Active, and the campaign goes to her; the note is gone.
    buys(path, "ana@example.com", days_ago=0)
    cycle(path, smtp_server, hours=2)

    assert [m.rcpt_tos for m in smtp_server.received()] == [("ana@example.com",)]
    row = campaign(path)
    assert (row["Status"], row["Sent"], row["Problems"]) == ("Sent", 1, None)


def test_matching_customers_who_may_not_get_marketing_email_are_counted_with_why(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    send_on = TODAY - timedelta(days=1)  # approved for yesterday; the bot runs today
    path = shop(tmp_path, ana_consent="no", send_on=send_on)
    buys(path, "Ana", days_ago=10)
    book = load_workbook(path)
    # Dani signed up and bought today: Active, but after the mailing's day.
    book["Customers"].append([None, "Dani", None, "dani@example.com", *[None] * 7, TODAY, "Yes"])
    book.save(path)
    buys(path, "Dani", days_ago=0)

    cycle(path, smtp_server)

    assert smtp_server.received() == []
    row = campaign(path)
    assert row["Status"] == "Scheduled"
    assert row["Problems"] == (
        f"Segment filter: 2 customers match 'Lifecycle = Active' on {TODAY.isoformat()} but "
        "none can get this marketing email (1 without Marketing consent, 1 created after "
        f"{send_on.isoformat()}), so nothing was sent. The campaign waits (Scheduled) and goes "
        "out once one can; set Approved to No to drop it."
    )

    # Ana's consent, typed as people do: the campaign goes to her, never to Dani.
    book = load_workbook(path)
    sheet = book["Customers"]
    consent = next(c.column for c in sheet[1] if c.value == "Marketing consent")
    sheet.cell(row=2, column=consent, value="Yes")
    book.save(path)
    cycle(path, smtp_server, hours=1)

    assert [m.rcpt_tos for m in smtp_server.received()] == [("ana@example.com",)]
    row = campaign(path)
    assert (row["Status"], row["Sent"], row["Problems"]) == ("Sent", 1, None)
