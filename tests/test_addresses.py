"""Email cells: the validator accepts only what the mailer can deliver (issue 13.8).

One predicate (automations.rules.addresses.check_address) decides for the Problems column, the
mail planner and the message builder; a whole cycle against the real SMTP server on loopback
shows the addresses SheetCRM cannot mail get a Problems sentence and no send attempt, while the
others go out. The public corpora agree with the product's verdict except for documented,
deliberate reasons (benchmarks/address_agreement.py; figures in RELIABILITY.md "Addresses").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.cycle import run_cycle
from automations.mail.message import build_message
from automations.mail.smtp import SmtpMailer
from benchmarks.address_agreement import (
    CORPUS,
    REASONS,
    corpus_cases,
    judge,
    mailer_refusals,
    summary,
)
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_init import create_workbook
from sheet_schema.model import Email
from tests.fixtures_rules import NOW, SCHEMA
from tests.fixtures_typed import type_rows
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["smtp_server"]

TODAY = date(2026, 11, 4)  # NOW (10:00 UTC) in Madrid
# Measured by benchmarks/address_agreement.py: 386 of 450 corpus addresses agree.
AGREED_AT_LEAST = 386


def _customer(name: str, email: str) -> dict[str, object]:
    return {"Name": name, "Email": email, "Created": TODAY, "Marketing consent": "yes"}


def test_addresses_the_mailer_cannot_take_are_problems_and_never_attempted(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(
        path,
        SCHEMA,
        settings=[("Time zone", "Europe/Madrid"), ("Sender email", "shop@example.com")],
    )
    type_rows(
        path,
        {
            "Customers": [
                _customer("Ana Costa", "ana@example.com"),
                _customer("José Ruiz", "josé@example.com"),  # needs SMTPUTF8
                _customer("Bea Sanz", "bea@example.com\n"),  # pasted with its line break
                _customer("Ciro Vega", "\r\nciro@example.com"),
                _customer("Dora Pla", "dora@bücher.de"),  # internationalised domain: fine
                _customer("Eva Gil", "  eva@example.com  "),  # spaces are not part of a cell
            ],
            "Templates": [
                {"Key": "welcome", "Language": "en", "Subject": "Welcome", "Body": "Hello"}
            ],
            "Automations": [
                {"Kind": "welcome", "Template": "welcome", "Offset days": 0, "Enabled": "yes"}
            ],
        },
    )

    report, _ = run_cycle(
        XlsxBackend(path, SCHEMA),
        SCHEMA,
        NOW,
        mailer=SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0),
    )

    # Only the three addresses a plain SMTP server takes were attempted, and all went out.
    attempted = sorted(r.rcpt_tos for r in smtp_server.received())
    # bücher.de in IDNA (RFC 3492 Punycode of "bücher"), as every mail server expects it.
    assert attempted == [("ana@example.com",), ("dora@xn--bcher-kva.de",), ("eva@example.com",)]
    assert (report.emails_sent, report.emails_failed) == (3, 0)
    snapshot = XlsxBackend(path, SCHEMA).read()
    logged = sorted(row.text("to") for row in snapshot.tab("Mail log"))
    assert logged == ["ana@example.com", "dora@bücher.de", "eva@example.com"]
    problems = {row.text("name"): row.text("problems") for row in snapshot.tab("Customers")}
    assert "letters outside ASCII before the @" in problems["José Ruiz"]
    assert "will not mail it" in problems["José Ruiz"]
    for name in ("Bea Sanz", "Ciro Vega"):
        assert "line break" in problems[name] and "will not mail it" in problems[name]
    assert problems["Ana Costa"] == problems["Dora Pla"] == problems["Eva Gil"] == ""


def test_the_mailer_builds_a_message_exactly_for_the_addresses_the_validator_lets_through() -> None:
    if not CORPUS.exists():
        pytest.skip("../shared/datasets is absent: no email corpus")
    outcomes = judge(corpus_cases())
    now = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
    for outcome in outcomes:
        email = Email(key="k", to=outcome.case.address, subject="s", body_text="b")
        try:
            build_message(email, "shop@example.com", "Shop", now)
            built = True
        except ValueError:
            built = False
        assert built == outcome.mailed, outcome.case.address
    assert mailer_refusals(outcomes) == []


def test_the_corpora_agree_with_the_product_except_for_documented_reasons() -> None:
    if not CORPUS.exists():
        pytest.skip("../shared/datasets is absent: no email corpus")
    outcomes = judge(corpus_cases())
    figures = summary(outcomes)

    assert figures["count"] == 450  # 286 email-validator cases + 164 isemail tests
    assert figures["agreed"] >= AGREED_AT_LEAST, figures
    undocumented = [o.case.address for o in outcomes if o.reason and o.reason not in REASONS]
    assert undocumented == []
    # The 14 internationalised mailboxes are accepted as addresses, with a sentence, not mailed.
    smtputf8 = [o for o in outcomes if o.reason == "smtputf8_local"]
    assert len(smtputf8) == 14 and all(o.code == "email.smtputf8" for o in smtputf8)


def test_a_sender_address_the_mailer_cannot_use_keeps_every_email_pending(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = tmp_path / "crm.xlsx"
    create_workbook(
        path, SCHEMA, settings=[("Time zone", "Europe/Madrid"), ("Sender email", "tienda@ex.com")]
    )
    type_rows(
        path,
        {
            "Customers": [_customer("Ana Costa", "ana@example.com")],
            "Templates": [
                {"Key": "welcome", "Language": "en", "Subject": "Welcome", "Body": "Hello"}
            ],
            "Automations": [
                {"Kind": "welcome", "Template": "welcome", "Offset days": 0, "Enabled": "yes"}
            ],
        },
    )
    book = load_workbook(path)
    settings = book["Settings"]
    for row in settings.iter_rows(min_row=2):
        if row[0].value == "Sender email":
            row[1].value = "señal@tienda.es"  # letters outside ASCII before the @
    book.save(path)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=mailer)

    assert report.emails_sent == report.emails_failed == 0 and smtp_server.received() == []
    assert "Sender email" in report.mail_error and "señal@tienda.es" in report.mail_error
    assert list(XlsxBackend(path, SCHEMA).read().tab("Mail log")) == []  # still due
