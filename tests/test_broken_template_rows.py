"""A template that cannot be rendered is said on the row that uses it, and stops nothing else.

The workbook is made by `sheetcrm init` and typed with openpyxl the way a team fills it: four
automations and a campaign, one template each. The welcome template is fine; the others have a
placeholder no customer has, a Jinja syntax error, or a key no Templates row has. One cycle sends
through the real SMTP test server: only the welcome goes out, nothing half-rendered is sent, and
the Problems cells of the Automations, Campaigns and Templates rows say which template failed
and why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from automations.cli import main
from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.schema import load_schema
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["smtp_server"]

SCHEMA = load_schema()
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # 10:30 in Madrid
TODAY = date(2026, 11, 24)


def typed_workbook(tmp_path: Path) -> Path:
    """`sheetcrm init`, then what the team typed (IDs left to the bot, as people do)."""
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    settings = book["Settings"]
    for row in range(2, settings.max_row + 1):
        key = settings.cell(row, 1).value
        if key in ("Time zone", "Sender email"):
            settings.cell(row, 2).value = {
                "Time zone": "Europe/Madrid",
                "Sender email": "shop@example.com",
            }[key]
    customers = book["Customers"]
    header = [c.value for c in customers[1]]

    def customer(**cells: Any) -> None:
        customers.append([cells.get(h) for h in header])

    # Ana is new today (welcome); Bo's birthday is today and he takes marketing mail.
    customer(Name="Ana Pérez", Email="ana@example.com", Created=datetime(2026, 11, 24))
    customer(
        Name="Bo Lind",
        Email="bo@example.com",
        Created=datetime(2025, 3, 1),
        Birthday=datetime(1990, 11, 24),
        **{"Marketing consent": "yes"},
    )
    # Ana's deal has waited in Proposal since Sunday: the follow-up is due.
    deals = book["Deals"]
    deal_header = [c.value for c in deals[1]]
    deal = {"Customer ID": "ana@example.com", "Title": "Shelves", "Stage": "Proposal"}
    deals.append([{**deal, "Created": datetime(2026, 11, 22)}.get(h) for h in deal_header])
    book["Templates"].append([None, "welcome", "en", "Welcome, {{ customer.name }}", "Hello!"])
    # Subject fine, body broken: the subject alone must never go out.
    book["Templates"].append(
        [
            None,
            "bday",
            "en",
            "Happy birthday, {{ customer.first_name }}",
            "Dear {{ customer.nick }}",
        ]
    )
    book["Templates"].append([None, "nudge", "en", "About {{ deal.title }}", "{% if %}Still on?"])
    automations = book["Automations"]
    automations.append([None, "welcome", "welcome", 0, "yes"])
    automations.append([None, "birthday", "bday", 0, "yes"])
    automations.append([None, "follow-up", "nudge", 2, "yes"])
    automations.append([None, "anniversary", "anniversary-typo", 0, "yes"])
    campaign = ["Black Friday", None, "bday", datetime(2026, 11, 24), "yes"]
    book["Campaigns"].append([None, *campaign])
    book.save(path)
    return path


def problems(path: Path, tab: str, column: str) -> dict[str, str]:
    """``column`` -> the Problems cell, for each row of a tab (what a person reads)."""
    sheet = load_workbook(path)[tab]
    header = [c.value for c in sheet[1]]
    found = {}
    for line in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, line, strict=False))
        if row.get(column):
            found[str(row[column])] = str(row.get("Problems") or "")
    return found


def test_each_broken_template_is_named_on_its_row_and_the_good_mail_still_goes(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    path = typed_workbook(tmp_path)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=mailer)

    delivered = [(m.rcpt_tos, m.message()["Subject"]) for m in smtp_server.received()]
    assert delivered == [(("ana@example.com",), "Welcome, Ana Pérez")]
    assert report.emails_sent == 1 and report.emails_failed == 0
    # The run's notes say how many emails each broken template kept back, in the singular.
    assert any(
        n.endswith("(1 email of Automations row 3 (birthday) not planned)") for n in report.notes
    )
    automations = problems(path, "Automations", "Kind")
    assert automations["welcome"] == ""
    assert automations["birthday"] == (
        "Template: the template 'bday' in language en cannot be rendered, so customers who get "
        "it in that language are not sent this email (Templates row 3, Body: 'customer.nick' is "
        "undefined)."
    )
    assert automations["anniversary"] == (
        "Template: there is no template with key 'anniversary-typo' in Templates."
    )
    assert automations["follow-up"].startswith(
        "Template: the template 'nudge' in language en cannot be rendered, so customers who get "
        "it in that language are not sent this email (Templates row 4, Body: line 1: "
    )
    campaigns = problems(path, "Campaigns", "Name")
    assert campaigns["Black Friday"] == (
        "Template: the template 'bday' cannot be rendered, so this campaign sent nothing "
        "(Templates row 3, Body: 'customer.nick' is undefined)."
    )
    templates = problems(path, "Templates", "Key")
    assert templates["welcome"] == ""
    assert "'customer.nick' is undefined" in templates["bday"]
    # Said once, though the follow-up due today tried it too.
    assert templates["nudge"] == (
        "Body: the template does not compile (line 1): Expected an expression, got 'end of "
        "statement block'."
    )
    assert list(problems(path, "Mail log", "Key")) == [f"welcome:{ana_id(path)}"]


def ana_id(path: Path) -> str:
    """The ID the bot gave Ana's row."""
    sheet = load_workbook(path)["Customers"]
    return str(
        next(r[0] for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "Ana Pérez")
    )


def test_a_broken_row_in_one_language_is_named_with_its_language_and_the_others_still_go(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    # A Spanish clinic: its birthday greeting is fine in Spanish; someone added an English row
    # with a typo. Elena (no Language: the workbook's, es) must get hers; Tom (en) cannot; the
    # Automations row must not say the greeting goes to nobody.
    path = tmp_path / "clinica.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    settings = book["Settings"]
    typed = {"Time zone": "Europe/Madrid", "Sender email": "hola@clinica.es", "Language": "es"}
    for row in range(2, settings.max_row + 1):
        settings.cell(row, 2).value = typed.get(
            settings.cell(row, 1).value, settings.cell(row, 2).value
        )
    customers = book["Customers"]
    header = [c.value for c in customers[1]]
    for cells in (
        {"Name": "Elena Sanz", "Email": "elena@example.es", "Birthday": "24/11/1992"},
        {
            "Name": "Tom Reed",
            "Email": "tom@example.com",
            "Birthday": "24/11/1980",
            "Language": "en",
        },
    ):
        cells = {**cells, "Created": "01/03/2025", "Marketing consent": "Sí"}
        customers.append([cells.get(h) for h in header])
    templates = book["Templates"]
    templates.append(
        [None, "cumple", "es", "¡Feliz cumpleaños, {{ customer.first_name }}!", "Hola"]
    )
    templates.append([None, "cumple", "en", "Happy birthday", "Hi {{ customer.first_name }"])
    book["Automations"].append([None, "birthday", "cumple", 0, "Sí"])
    book.save(path)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=mailer)

    delivered = [(m.rcpt_tos, m.message()["Subject"]) for m in smtp_server.received()]
    assert delivered == [(("elena@example.es",), "¡Feliz cumpleaños, Elena!")]
    said = problems(path, "Automations", "Kind")["birthday"]
    assert said.startswith("Template: la plantilla 'cumple' en el idioma en no se puede generar")
    assert "fila 3 de Templates" in said
