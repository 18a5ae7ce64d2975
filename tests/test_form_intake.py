"""Form intake (issue 11, point 4) on an .xlsx workbook: a Google Form's answers tab, read each
cycle; each new answer becomes a customer (or fills a known one) and a Form interaction, and its
row is marked in the bot's SheetCRM column so nothing is imported twice.

The workbook is made by `sheetcrm init`; the form's tab is added with openpyxl the way Google
Forms lays it out (its own headers, the questions as their author wrote them), with the mistakes
real answers have: a form sent twice, an email typed wrong, an answer with nothing to contact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from automations.cli import main
from automations.cycle import run_cycle
from automations.mail.smtp import SmtpMailer
from sheet_schema.backends.base import WorkbookError
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.cells import datetime_to_serial
from sheet_schema.schema import Schema, load_schema
from tests.fixtures_google import (
    FakeTime,
    backend_for,
    column_of,
    crm_workbook,
    fake_time,
    headers,
    schema,
    service_account_file,
    sheets_emulator,
    tab_values,
)
from tests.sheets_emulator import EmulatorServer
from tests.smtp_server import SmtpTestServer, smtp_server

__all__ = ["fake_time", "schema", "service_account_file", "sheets_emulator", "smtp_server"]

SCHEMA = load_schema()
NOW = datetime(2026, 11, 24, 11, 30, tzinfo=UTC)  # 12:30 in Madrid
STAMP = "2026-11-24 12:30"
FORM = "Form responses 1"
QUESTIONS = [
    "Timestamp",
    "Email address",
    "Your name",
    "Phone number",
    "Message",
    "How did you hear about us?",
]
ANSWERS: list[list[Any]] = [
    # Ana, then Ana again 38 seconds later: the form sent twice.
    [datetime(2026, 11, 20, 9, 15, 3), "ana@example.com", "Ana Pérez", "+34 611 222 333",
     "Do you deliver to Porto?", "Instagram"],
    [datetime(2026, 11, 20, 9, 15, 41), "ana@example.com", "Ana Pérez", "+34 611 222 333",
     "Do you deliver to Porto?", "Instagram"],
    [datetime(2026, 11, 21, 18, 2), "john@@example", "John", None, "Call me", "A friend"],
    # Marta is a customer already (typed in Customers, email in lower case, no phone).
    [datetime(2026, 11, 22, 10, 0), "MARTA@Example.es ", "Marta G.", "+34 600 123 456",
     "Need a quote for 40 units", "Google"],
    [datetime(2026, 11, 23, 11, 30), None, None, None, "hello?", None],
    [datetime(2026, 11, 24, 8, 0), "bo@example.com", "Bo", None, "Price list please", "TikTok"],
]  # fmt: skip


def settings_row(book: Any, key: str) -> int:
    """The Settings row holding a key (as `sheetcrm init` wrote it)."""
    sheet = book["Settings"]
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == key)


def form_workbook(
    tmp_path: Path,
    answers: list[list[Any]] = ANSWERS,
    questions: list[str] = QUESTIONS,
    tab: str = FORM,
    typed_name: str = "form responses 1",
    settings: dict[str, str] | None = None,
    marta_id: str | None = "C-0001",
) -> Path:
    """`sheetcrm init`, Marta in Customers (from an earlier cycle: her ID is there), the form's
    tab with its answers, and the tab's name typed into Settings (in lower case, as people do)."""
    path = tmp_path / "crm.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    book = load_workbook(path)
    wanted = {"Time zone": "Europe/Madrid", "Form tab": typed_name, **(settings or {})}
    for key, value in wanted.items():
        book["Settings"].cell(settings_row(book, key), 2).value = value
    customers = book["Customers"]
    customers["A2"], customers["B2"], customers["D2"] = marta_id, "Marta Gómez", "marta@example.es"
    form = book.create_sheet(tab)
    form.append(questions)
    for answer in answers:
        form.append(answer)
    book.save(path)
    return path


def rows(path: Path, tab: str) -> list[dict[str, Any]]:
    """A tab's rows as header -> value (what a person sees)."""
    sheet = load_workbook(path)[tab]
    header = [c.value for c in sheet[1]]
    found = []
    for line in sheet.iter_rows(min_row=2, values_only=True):
        if any(v not in (None, "") for v in line):
            found.append({h: v for h, v in zip(header, line, strict=False) if h})
    return found


def marks(path: Path, tab: str = FORM) -> list[str]:
    """The SheetCRM column of the form's tab, one entry per answer row."""
    return [str(row.get("SheetCRM") or "") for row in rows(path, tab)]


def test_each_answer_becomes_one_customer_and_one_interaction_and_is_marked(
    tmp_path: Path,
) -> None:
    path = form_workbook(tmp_path)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    customers = {row["Name"] or row["Email"]: row for row in rows(path, "Customers")}
    # Marta (C-0001), then Ana and Bo from the form; the two rows with nothing or a
    # bad email bring nobody, and Ana's second sending is the same person.
    assert sorted(customers) == ["Ana Pérez", "Bo", "Marta Gómez"]
    ana, bo, marta = customers["Ana Pérez"], customers["Bo"], customers["Marta Gómez"]
    assert (ana["ID"], bo["ID"], marta["ID"]) == ("C-0002", "C-0003", "C-0001")
    assert ana["Email"] == "ana@example.com" and ana["Phone"] == "+34 611 222 333"
    assert ana["Created"].date() == date(2026, 11, 20) and ana["Source"] == "Instagram"
    assert bo["Source"] == "TikTok"  # not in the list: kept as typed, flagged by the validator
    # Marta's empty cells are filled; what she had is kept.
    assert marta["Name"] == "Marta Gómez" and marta["Email"] == "marta@example.es"
    assert marta["Phone"] == "+34 600 123 456"
    assert marta["Source"] == "Google"  # organic or paid? kept as typed, not Google Ads

    interactions = rows(path, "Interactions")
    assert [(i["Customer ID"], i["Kind"]) for i in interactions] == [
        ("C-0002", "Form"),
        ("C-0001", "Form"),
        ("C-0003", "Form"),
    ]
    assert interactions[0]["Date"] == datetime(2026, 11, 20, 9, 15, 3)
    assert interactions[0]["Summary"] == "Do you deliver to Porto?"
    # Nothing Marta typed is lost: the name that differs from her row is kept with the message.
    assert interactions[1]["Summary"] == (
        "Need a quote for 40 units\nYour name: Marta G. (the customer's row has Marta Gómez)"
    )
    assert marks(path) == [
        f"C-0002 · {STAMP}",
        f"C-0002: already imported (I-0001) · {STAMP}",
        "Not imported: Email address: 'john@@example' is not an email address: it needs "
        f"exactly one @. · {STAMP}",
        f"C-0001 · {STAMP}",
        f"Not imported: no name, email or phone · {STAMP}",
        f"C-0003 · {STAMP}",
    ]
    assert report.rows_marked == 6
    status = {row["Item"]: row["Value"] for row in rows(path, "Bot status")}
    assert status["Form intake"] == (
        f"{FORM}: 2 new customers, 1 answer from a known customer, 1 already imported, "
        "2 not imported, 0 waiting for a customer's ID"
    )
    assert any("2 new customers, 1 answer from a known customer" in n for n in report.notes)

    # The next cycle reads nothing new: no row added, no mark changed.
    again, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)
    assert again.rows_appended == 0 and again.rows_marked == 0
    status = {row["Item"]: row["Value"] for row in rows(path, "Bot status")}
    assert status["Form intake"] == f"{FORM}: no new answers"
    assert len(rows(path, "Customers")) == 3 and len(rows(path, "Interactions")) == 3
    problems = {row["Name"]: row.get("Problems") or "" for row in rows(path, "Customers")}
    assert "TikTok" in problems["Bo"]


def test_answers_added_later_are_read_next_cycle_and_a_cleared_mark_imports_nothing_twice(
    tmp_path: Path,
) -> None:
    path = form_workbook(tmp_path, answers=ANSWERS[:2])
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)
    assert marks(path) == [f"C-0002 · {STAMP}", f"C-0002: already imported (I-0001) · {STAMP}"]
    # Google Forms adds two answers; someone clears the first mark (or its write was lost).
    book = load_workbook(path)
    form = book[FORM]
    form.append([datetime(2026, 11, 24, 9, 0), "cy@example.com", "Cy", None, "Hi", None])
    form.append([datetime(2026, 11, 24, 9, 5), None, "Dee", "611 999 888", None, "Referral"])
    form["G2"] = None
    book.save(path)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    names = [row["Name"] for row in rows(path, "Customers")]
    assert names == ["Marta Gómez", "Ana Pérez", "Cy", "Dee"]
    assert len(rows(path, "Interactions")) == 3  # Ana once, Cy, Dee
    assert marks(path) == [
        f"C-0002: already imported (I-0001) · {STAMP}",
        f"C-0002: already imported (I-0001) · {STAMP}",
        f"C-0003 · {STAMP}",
        f"C-0004 · {STAMP}",
    ]
    dee = rows(path, "Customers")[3]
    # No source question answered: the Settings default (Website) is used, Dee said Referral.
    assert dee["Source"] == "Referral" and rows(path, "Customers")[2]["Source"] == "Website"
    assert report.rows_marked == 3


def test_a_spanish_google_form_with_its_own_headers(tmp_path: Path) -> None:
    questions = [
        "Marca temporal",
        "Dirección de correo electrónico",
        "Nombre",
        "Teléfono",
        "¿Cómo nos conociste?",
        "Mensaje",
        "¿Qué producto te interesa?",
    ]
    answers: list[list[Any]] = [
        [datetime(2026, 11, 23, 17, 45, 10), "lucia@ejemplo.es", "Lucía Fernández",
         "612 345 678", "Feria", "¿Hacéis envíos a Canarias?", "Sillas"],
    ]  # fmt: skip
    path = form_workbook(
        tmp_path,
        answers,
        questions,
        tab="Respuestas de formulario 1",
        typed_name="Respuestas de formulario 1",
        settings={"Language": "es", "Default country": "ES", "Form lead source": "Facebook"},
    )

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    lucia = rows(path, "Customers")[1]
    assert lucia["Name"] == "Lucía Fernández" and lucia["Email"] == "lucia@ejemplo.es"
    assert lucia["Phone"] == "612 345 678" and lucia["Source"] == "Event"  # "Feria" is Event
    assert lucia["Created"].date() == date(2026, 11, 23)
    (interaction,) = rows(path, "Interactions")
    assert (
        interaction["Summary"] == "¿Hacéis envíos a Canarias?\n¿Qué producto te interesa?: Sillas"
    )
    assert marks(path, "Respuestas de formulario 1") == [f"C-0002 · {STAMP}"]


def test_a_form_tab_that_is_not_there_is_reported_and_the_cycle_runs(tmp_path: Path) -> None:
    path = form_workbook(tmp_path, typed_name="Website answers", marta_id=None)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    assert any("no tab named 'Website answers'" in issue for issue in report.tab_issues)
    assert report.ids_assigned == 1  # Marta still gets her ID
    assert marks(path) == ["", "", "", "", "", ""]
    assert [row["Name"] for row in rows(path, "Customers")] == ["Marta Gómez"]
    status = {row["Item"]: row["Value"] for row in rows(path, "Bot status")}
    assert "no tab named 'Website answers'" in status["Form intake"]


@pytest.mark.parametrize("blank", ["", "   "])
def test_form_intake_is_off_while_the_setting_is_empty(tmp_path: Path, blank: str) -> None:
    path = form_workbook(tmp_path, typed_name=blank)

    report, _ = run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    assert report.rows_marked == 0 and report.tab_issues == []
    assert "SheetCRM" not in [c.value for c in load_workbook(path)[FORM][1]]
    assert "Form intake" not in {row["Item"] for row in rows(path, "Bot status")}


def test_a_customer_from_the_form_gets_one_welcome_even_when_the_form_was_sent_twice(
    tmp_path: Path, smtp_server: SmtpTestServer
) -> None:
    # Ana sends the form twice yesterday, Bo this morning; the welcome automation is on.
    answers = [
        [datetime(2026, 11, 23, 9, 15, 3), *ANSWERS[0][1:]],
        [datetime(2026, 11, 23, 9, 15, 41), *ANSWERS[1][1:]],
        ANSWERS[5],
    ]
    path = form_workbook(tmp_path, answers, settings={"Sender email": "shop@example.com"})
    book = load_workbook(path)
    book["Templates"].append([None, "welcome", "en", "Welcome, {{ customer.name }}", "Hello"])
    book["Automations"].append([None, "welcome", "welcome", 0, True])
    book.save(path)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port, security="none", timeout=2.0)

    for _ in range(3):
        run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW, mailer=mailer)

    welcomed = sorted(message.rcpt_tos[0] for message in smtp_server.received())
    assert welcomed == ["ana@example.com", "bo@example.com"]


# -- the same on Google Sheets (the emulator, through gspread) --------------------------------


def google_answers(answers: list[list[Any]]) -> list[list[Any]]:
    """Answers as Google Forms stores them: the timestamp a date-time serial, empty cells ""."""
    return [[datetime_to_serial(a[0]), *("" if v is None else v for v in a[1:])] for a in answers]


def google_form_workbook(emu: EmulatorServer, schema: Schema) -> str:
    """Marta typed in Customers (no ID yet), the form's tab with the first four answers, and
    the tab's name in Settings."""
    marta = [""] * len(headers(schema, "Customers"))
    marta[column_of(schema, "Customers", "name")] = "Marta Gómez"
    marta[column_of(schema, "Customers", "email")] = "marta@example.es"
    sheets = crm_workbook(schema, [marta], {FORM: [QUESTIONS, *google_answers(ANSWERS[:4])]})
    sheets["Settings"] += [["Form tab", FORM]]
    return emu.create_spreadsheet("CRM", sheets)


def test_google_two_cycles_with_answers_arriving_in_between_and_during_the_write(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
) -> None:
    emu = sheets_emulator
    sid = google_form_workbook(emu, schema)
    backend = backend_for(emu, sid, service_account_file, schema, fake_time)
    # Google Forms adds Bo's answer while the bot works: after its read, before its write.
    late = google_answers([ANSWERS[5]])
    emu.edits.before(
        "values.batchUpdateByDataFilter",
        lambda s: emu.edits.set_values(s, f"'{FORM}'!A6:F6", late, value_input="RAW"),
    )

    first, _ = run_cycle(backend, schema, NOW)

    form = tab_values(emu, sid, FORM)
    assert form[0][6] == "SheetCRM"
    assert [row[6] if len(row) > 6 else "" for row in form[1:]] == [
        f"C-0002 · {STAMP}",
        f"C-0002: already imported (I-0001) · {STAMP}",
        "Not imported: Email address: 'john@@example' is not an email address: it needs "
        f"exactly one @. · {STAMP}",
        "",  # Marta's row gets its ID in this write: her answer is read next cycle
        "",  # Bo's answer came after the read: left for the next cycle
    ]
    customers = tab_values(emu, sid, "Customers")[1:]
    assert first.skipped == []
    assert [(r[0], r[1]) for r in customers] == [("C-0001", "Marta Gómez"), ("C-0002", "Ana Pérez")]
    assert first.rows_marked == 3

    # Between the cycles two more answers arrive: the empty one, and Ana again with a new message.
    more = [
        ANSWERS[4],
        [datetime(2026, 11, 24, 10, 0), "Ana@Example.com", "Ana", None, "And to Faro?", None],
    ]
    emu.edits.set_values(sid, f"'{FORM}'!A7:F8", google_answers(more), value_input="RAW")

    second, _ = run_cycle(backend, schema, NOW)

    form = tab_values(emu, sid, FORM)
    assert [row[6] for row in form[4:]] == [
        f"C-0001 · {STAMP}",
        f"C-0003 · {STAMP}",
        f"Not imported: no name, email or phone · {STAMP}",
        f"C-0002 · {STAMP}",
    ]
    assert form[1][6] == f"C-0002 · {STAMP}"  # the first marks stay
    customers = tab_values(emu, sid, "Customers")[1:]
    assert [r[1] for r in customers] == ["Marta Gómez", "Ana Pérez", "Bo"]
    interactions = tab_values(emu, sid, "Interactions")[1:]
    kind, summary = (
        column_of(schema, "Interactions", "kind"),
        column_of(schema, "Interactions", "summary"),
    )
    assert [(r[2], r[kind], r[summary]) for r in interactions] == [
        ("C-0002", "Form", "Do you deliver to Porto?"),
        (
            "C-0001",
            "Form",
            "Need a quote for 40 units\nYour name: Marta G. (the customer's row has Marta Gómez)",
        ),
        ("C-0003", "Form", "Price list please"),
        ("C-0002", "Form", "And to Faro?\nYour name: Ana (the customer's row has Ana Pérez)"),
    ]
    assert second.rows_marked == 4
    # The first read learnt the tab's name from Settings (one more batchGet); later reads fetch
    # it with the other tabs.
    assert first.api_calls["values.batchGet"] == 2 and second.api_calls["values.batchGet"] == 1
    phone = column_of(schema, "Customers", "phone")
    assert customers[0][phone] == "+34 600 123 456"  # Marta's empty Phone filled

    third, _ = run_cycle(backend, schema, NOW)
    assert third.rows_marked == 0 and len(tab_values(emu, sid, "Interactions")) == 5


def test_google_a_cycle_that_crashes_after_google_wrote_imports_nothing_twice_when_run_again(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
) -> None:
    emu = sheets_emulator
    sid = google_form_workbook(emu, schema)
    backend = backend_for(emu, sid, service_account_file, schema, fake_time)
    # Google carries out the cycle's write every time, but its answer never arrives: from the
    # bot's side the cycle fails, whatever is in the sheet.
    emu.faults.lose_answer(count=50, endpoint="values.batchUpdateByDataFilter")
    with pytest.raises(WorkbookError):
        run_cycle(backend, schema, NOW)
    emu.faults.clear()
    landed = tab_values(emu, sid, "Customers"), tab_values(emu, sid, "Interactions")

    report, _ = run_cycle(backend, schema, NOW)

    customers = tab_values(emu, sid, "Customers")[1:]
    assert [r[1] for r in customers] == ["Marta Gómez", "Ana Pérez"]
    # Ana's one interaction (from the write that landed), then Marta's, now her ID is in place.
    assert [r[2] for r in tab_values(emu, sid, "Interactions")[1:]] == ["C-0002", "C-0001"]
    assert len(landed[0]) == 3 and len(landed[1]) == 2  # the lost write had landed, once
    marks = [row[6] if len(row) > 6 else "" for row in tab_values(emu, sid, FORM)[1:]]
    assert marks[:3] == [
        f"C-0002 · {STAMP}",
        f"C-0002: already imported (I-0001) · {STAMP}",
        "Not imported: Email address: 'john@@example' is not an email address: it needs "
        f"exactly one @. · {STAMP}",
    ]
    assert report.rows_marked == 1  # Marta's answer, now that her ID is in place


def test_an_answer_from_a_merged_row_goes_to_the_kept_customer_and_close_names_are_proposed(
    tmp_path: Path,
) -> None:
    answers: list[list[Any]] = [
        # The address of a row the team merged into Marta's.
        [datetime(2026, 11, 22, 10, 0), "marta.g@old.es", "Marta G.", None, "Quote?", None],
        # The same person as a customer already there, another address: a close name, same company.
        [datetime(2026, 11, 23, 10, 0), "lf@sol.es", "Lucia Fernandez", None, "Hola", None],
    ]
    questions = [*QUESTIONS[:5], "Company"]
    path = form_workbook(tmp_path, answers, questions)
    book = load_workbook(path)
    customers = book["Customers"]
    column = {c.value: c.column for c in customers[1]}
    for row, values in (
        (3, {"ID": "C-0002", "Name": "Marta G", "Email": "marta.g@old.es",
             "Merged into": "C-0001 (2026-11-01)"}),
        (4, {"ID": "C-0003", "Name": "Lucía Fernández", "Company": "Muebles Sol",
             "Email": "lucia@sol.es"}),
    ):  # fmt: skip
        for header, value in values.items():
            customers.cell(row, column[header]).value = value
    book.save(path)
    book = load_workbook(path)
    book[FORM]["F3"] = "Muebles Sol"
    book.save(path)

    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)
    run_cycle(XlsxBackend(path, SCHEMA), SCHEMA, NOW)

    interactions = rows(path, "Interactions")
    assert [i["Customer ID"] for i in interactions] == ["C-0001", "C-0004"]
    lucia = next(r for r in rows(path, "Customers") if r["ID"] == "C-0004")
    assert lucia["Company"] == "Muebles Sol"
    assert str(lucia["Possible duplicate of"]).startswith("C-0003 (")
    assert marks(path) == [f"C-0001 · {STAMP}", f"C-0004 · {STAMP}"]


def test_google_a_question_added_to_the_form_during_the_cycle_does_not_move_the_marks(
    sheets_emulator: EmulatorServer,
    service_account_file: Path,
    schema: Schema,
    fake_time: FakeTime,
) -> None:
    emu = sheets_emulator
    sid = google_form_workbook(emu, schema)
    backend = backend_for(emu, sid, service_account_file, schema, fake_time)

    # The form's owner adds a question while the bot works: Google inserts its column after
    # "Phone number", between the bot's read and its re-read before writing.
    def new_question(spreadsheet: str) -> None:
        emu.edits.insert_columns(spreadsheet, FORM, 4)
        emu.edits.set_values(spreadsheet, f"'{FORM}'!E1", [["Company"]], value_input="RAW")

    emu.edits.before("values.batchGetByDataFilter", new_question)

    run_cycle(backend, schema, NOW)

    form = tab_values(emu, sid, FORM)
    assert form[0] == [*QUESTIONS[:4], "Company", *QUESTIONS[4:], "SheetCRM"]
    assert [row[7] if len(row) > 7 else "" for row in form[1:]] == [
        f"C-0002 · {STAMP}",
        f"C-0002: already imported (I-0001) · {STAMP}",
        "Not imported: Email address: 'john@@example' is not an email address: it needs "
        f"exactly one @. · {STAMP}",
        "",  # Marta's row gets its ID in this write: her answer is read next cycle
    ]
    assert all(row[4] == "" for row in form[1:] if len(row) > 4)  # the new question untouched
