"""A campaign's Segment filter reads a date the way the workbook's Settings say.

A month-first team (Settings *Date order* MDY) types ``Created = 04/03/2026`` and means 3 April:
the campaign must go to the customer created on 3 April, not to the one created on 4 March, as
it did when the filter read its dates day first whatever the Settings said. The workbook is made
by `sheetcrm init` and typed with openpyxl; the Created cells are real dates, as Excel keeps a
date typed into a date cell.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_rules import NOW, SCHEMA, TODAY
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["smtp_server"]

SETTINGS = (
    ("Time zone", "America/New_York"),
    ("Sender email", "shop@example.com"),
    ("Date order", "MDY"),
)
CREATED = {"Ana": date(2026, 4, 3), "Bea": date(2026, 3, 4)}


def us_shop(tmp_path: Path, segment: str) -> Path:
    path = tmp_path / "shop.xlsx"
    create_workbook(path, SCHEMA, settings=list(SETTINGS))
    book = load_workbook(path)
    customers = book["Customers"]
    header = [cell.value for cell in customers[1]]
    for number, (name, created) in enumerate(CREATED.items(), start=2):
        typed = {"Name": name, "Email": f"{name.lower()}@example.com", "Created": created}
        typed["Marketing consent"] = "yes"
        for column, value in typed.items():
            customers.cell(number, header.index(column) + 1).value = value
    book["Templates"].append([None, "hello", "en", "Hi {{ customer.first_name }}", "Welcome"])
    book["Campaigns"].append([None, "Spring hello", segment, "hello", TODAY, "Yes"])
    book.save(path)
    return path


def test_a_month_first_workbooks_filter_date_picks_the_customer_it_names(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = us_shop(tmp_path, "Created = 04/03/2026")
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=mailer)

    # 04/03/2026 month first is 3 April: Ana's Created.
    meant = [n for n, d in CREATED.items() if d == date(2026, 4, 3)]
    assert [m.rcpt_tos for m in smtp_server.received()] == [
        (f"{name.lower()}@example.com",) for name in meant
    ]
    problems = next(load_workbook(path)["Campaigns"].iter_rows(min_row=2, values_only=True))
    assert not any("Segment filter" in str(cell) for cell in problems if cell)
