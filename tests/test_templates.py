"""Rendering the Templates tab: language choice, escaping, header safety, sandbox, errors."""

from __future__ import annotations

import email
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest

from automations.demo.generate import SETTINGS_OVERRIDES, generate_demo
from automations.mail.templates import (
    RenderedEmail,
    TemplateBook,
    TemplateError,
    email_context,
)
from sheet_schema.model import Row, Snapshot
from tests.fixtures_rules import TODAY, make_snapshot


def snapshot_with(
    templates: list[dict[str, object]],
    customers: list[dict[str, object]] | None = None,
    deals: list[dict[str, object]] | None = None,
    language: str = "en",
) -> Snapshot:
    """A workbook holding these rows, with the Settings language given."""
    records = {"Templates": templates, "Customers": customers or [], "Deals": deals or []}
    return make_snapshot(records, {"Language": language, "Sender name": "Costa & Co"})


def book_of(*templates: dict[str, object], language: str = "en") -> TemplateBook:
    """A TemplateBook of these Templates rows (first data row is sheet row 2)."""
    return TemplateBook.from_snapshot(snapshot_with(list(templates), language=language))


def tpl(key: str, language: str | None, subject: str, body: str = "Body") -> dict[str, object]:
    """One Templates row."""
    return {"key": key, "language": language, "subject": subject, "body": body}


def customer(**cells: object) -> tuple[Row, Snapshot]:
    """One customer row (ID C-0001) read through the real reading path, and its snapshot."""
    snapshot = snapshot_with([], customers=[{"id": "C-0001", "name": "Ana López", **cells}])
    return snapshot.tab("Customers")[0], snapshot


def render_one(
    subject: str, body: str, context: Mapping[str, object], language: str = "en"
) -> RenderedEmail:
    """Render a single template row."""
    return book_of(tpl("t", language, subject, body)).render("t", language, context)


# --- choosing the row ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "workbook", "asked", "chosen"),
    [
        # The customer's language when it exists.
        (["en", "es", "el"], "el", "es", "es"),
        # Else the workbook's language.
        (["en", "es", "el"], "el", "pt", "el"),
        (["en", "es", "el"], "es", None, "es"),
        # Else English.
        (["es", "en", "el"], "pt", "pt", "en"),
        # Else the first row for the key, by sheet order.
        (["el", "es"], "pt", "pt", "el"),
        (["el", "es"], "en", None, "el"),
    ],
)
def test_language_fallback_chain(
    rows: list[str], workbook: str, asked: str | None, chosen: str
) -> None:
    book = book_of(*(tpl("welcome", lang, f"subject {lang}") for lang in rows), language=workbook)
    assert book.render("welcome", asked, {}).subject == f"subject {chosen}"


def test_language_is_matched_ignoring_case_and_spaces() -> None:
    book = book_of(tpl("welcome", "en", "english"), tpl("welcome", " ES ", "spanish"))
    assert book.render("welcome", " Es ", {}).subject == "spanish"
    assert book.languages("welcome") == ("en", "es")


def test_unreadable_or_empty_language_is_only_the_last_resort() -> None:
    book = book_of(
        tpl("birthday", "Klingon", "unreadable"),
        tpl("birthday", None, "empty"),
        tpl("birthday", "es", "spanish"),
    )
    # No English row and no Portuguese row: the first row, whatever its language cell says.
    assert book.render("birthday", "pt", {}).subject == "unreadable"
    assert book.render("birthday", "es", {}).subject == "spanish"
    assert book.languages("birthday") == ("es",)


def test_keys_ignore_case_and_spaces_and_the_top_duplicate_wins() -> None:
    book = book_of(
        tpl("  Birthday ", "en", "top"),
        tpl("birthday", "en", "second"),
        tpl("", "en", "no key"),
        tpl("dormant", "es", "dormant"),
    )
    assert book.has("BIRTHDAY ")
    assert book.render(" birthDAY", "en", {}).subject == "top"
    assert book.languages("Birthday") == ("en",)
    assert not book.has("")
    assert not book.has("welcome")
    assert book.languages("welcome") == ()


def test_unknown_key_is_a_template_error() -> None:
    book = book_of(tpl("welcome", "en", "Hi"))
    with pytest.raises(TemplateError, match="No row of the Templates tab has the key 'promo'"):
        book.render("promo", "en", {})


# --- what the email says ------------------------------------------------------------------


def test_spanish_and_greek_text_is_kept_as_typed() -> None:
    row, snapshot = customer(name="Ñandú Pérez-Añorga")
    book = TemplateBook.from_snapshot(
        snapshot_with(
            [
                tpl("birthday", "es", "¡Feliz cumpleaños, {{ customer.first_name }}!", "¿Qué tal?"),
                tpl(
                    "birthday",
                    "el",
                    "Χρόνια πολλά, {{ customer.name }}!",
                    "Όλη η ομάδα σας εύχεται.",
                ),
            ]
        )
    )
    context = email_context(row, snapshot.settings)
    spanish = book.render("birthday", "es", context)
    assert spanish.subject == "¡Feliz cumpleaños, Ñandú!"
    assert spanish.text == "¿Qué tal?"
    greek = book.render("birthday", "el", context)
    assert greek.subject == "Χρόνια πολλά, Ñandú Pérez-Añorga!"
    assert "<p>Όλη η ομάδα σας εύχεται.</p>" in greek.html
    assert '<html lang="el">' in greek.html


def test_html_escapes_every_value_and_the_templates_own_text() -> None:
    row, snapshot = customer(name="<script>alert(1)</script>", company="Smith & Sons")
    rendered = render_one(
        "Hi {{ customer.name }}",
        "Dear {{ customer.name }},\nof {{ customer.company }}.\n\n\nFish & <b>chips</b>",
        email_context(row, snapshot.settings),
    )
    # The plain text keeps what was typed; only HTML needs escaping.
    assert rendered.text == (
        "Dear <script>alert(1)</script>,\nof Smith & Sons.\n\n\nFish & <b>chips</b>"
    )
    assert "<script>" not in rendered.html
    assert "<b>" not in rendered.html
    assert (
        "<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;,<br>\nof Smith &amp; Sons.</p>\n"
        "<p>Fish &amp; &lt;b&gt;chips&lt;/b&gt;</p>"
    ) in rendered.html


def test_a_value_marked_safe_is_still_escaped_in_html() -> None:
    rendered = render_one("Hi", "{{ customer.name|safe }}", {"customer": {"name": "<i>x</i>"}})
    assert "<i>" not in rendered.html
    assert "&lt;i&gt;x&lt;/i&gt;" in rendered.html


def test_subject_cannot_inject_headers() -> None:
    row, snapshot = customer(name="Ana\r\nBcc: x@evil.example")
    rendered = render_one(
        "Hello\t{{ customer.name }}\u2028 \x00 !", "Body", email_context(row, snapshot.settings)
    )
    assert rendered.subject == "Hello Ana Bcc: x@evil.example !"
    message = EmailMessage()
    message["To"] = "ana@example.com"
    message["Subject"] = rendered.subject
    message.set_content(rendered.text)
    parsed = email.message_from_bytes(message.as_bytes(), policy=default_policy)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == rendered.subject


def test_a_subject_typed_over_several_lines_becomes_one() -> None:
    rendered = render_one("Hello\n  {{ customer.name }}\r\n", "Body", {"customer": {"name": "Ana"}})
    assert rendered.subject == "Hello Ana"


def test_body_line_endings_are_normalised_and_paragraphs_made() -> None:
    rendered = render_one("S", "{{ a }}", {"a": "one\r\ntwo\rthree\n \nfour"})
    assert rendered.text == "one\ntwo\nthree\n \nfour"
    assert "<p>one<br>\ntwo<br>\nthree</p>\n<p>four</p>" in rendered.html


def test_empty_subject_or_body_once_rendered_is_an_error() -> None:
    context = {"customer": {"company": ""}}
    with pytest.raises(TemplateError, match=r"row 2 \(t, en\), Subject: the subject is empty"):
        render_one("{{ customer.company }}", "Body", context)
    with pytest.raises(TemplateError, match=r"row 2 \(t, en\), Body: the body is empty"):
        render_one("Subject", "  {{ customer.company }}\n", context)


# --- mistakes in templates ----------------------------------------------------------------


def test_undefined_variable_names_row_key_language_column_and_variable() -> None:
    row, snapshot = customer()
    book = book_of(
        tpl("birthday", "en", "Happy birthday"),
        tpl("birthday", "es", "Feliz cumpleaños", "Hola {{ customer.nickname }}"),
        tpl("welcome", "pt", "Olá {{ coupon }}"),
    )
    context = email_context(row, snapshot.settings)
    with pytest.raises(TemplateError) as caught:
        book.render("birthday", "es", context)
    assert str(caught.value) == (
        "Templates row 3 (birthday, es), Body: 'customer.nickname' is undefined"
    )
    assert (caught.value.row, caught.value.column) == (3, "Body")
    with pytest.raises(TemplateError) as caught:
        book.render("welcome", "pt", context)
    assert str(caught.value) == "Templates row 4 (welcome, pt), Subject: 'coupon' is undefined"


def test_testing_an_undefined_variable_in_if_is_an_error_too() -> None:
    with pytest.raises(TemplateError, match=r"'customer\.nickname' is undefined"):
        render_one("S", "{% if customer.nickname %}x{% endif %}", {"customer": {"name": "A"}})


def test_missing_deal_is_named() -> None:
    row, snapshot = customer()
    with pytest.raises(TemplateError, match="'deal' is undefined"):
        render_one("About {{ deal.title }}", "Body", email_context(row, snapshot.settings))


@pytest.mark.parametrize(
    "source",
    [
        "{{ customer.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'].popen('echo pwned').read() }}",
        "{{ customer.update(name='x') }}",
        "{% set _ = customer.clear() %}done",
    ],
)
def test_sandbox_escape_attempts_raise_and_change_nothing(source: str) -> None:
    context: dict[str, object] = {"customer": {"name": "Ana"}}
    with pytest.raises(TemplateError, match=r"^Templates row 2 \(t, en\), Body: ") as caught:
        render_one("Subject", source, context)
    assert "pwned" not in str(caught.value)
    assert context == {"customer": {"name": "Ana"}}


def test_sandbox_refusal_names_the_variable() -> None:
    with pytest.raises(TemplateError, match=r"'customer\.__class__' is not allowed in a template"):
        render_one("S", "{{ customer.__class__ }}", {"customer": {"name": "Ana"}})


def test_syntax_error_is_a_template_error_and_other_templates_still_render() -> None:
    book = book_of(tpl("welcome", "en", "Hi", "Hello {{ customer.name }"), tpl("other", "en", "Ok"))
    for _ in range(2):  # compiled once, reported every time
        with pytest.raises(
            TemplateError, match=r"^Templates row 2 \(welcome, en\), Body: line 1: "
        ):
            book.render("welcome", "en", {"customer": {"name": "Ana"}})
    assert book.render("other", "en", {}).subject == "Ok"


@pytest.mark.parametrize("depth", [150, 5000])
def test_absurdly_nested_template_is_a_template_error(depth: int) -> None:
    source = "{{ " + "(" * depth + "1" + ")" * depth + " }}"
    with pytest.raises(TemplateError, match=r"^Templates row 2 \(t, en\), Body: "):
        render_one("Subject", source, {})


def test_runtime_error_in_a_template_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match=r"Templates row 2 \(t, en\), Subject: .*zero"):
        render_one("{{ 1 // 0 }}", "Body", {})


# --- the context --------------------------------------------------------------------------


def test_email_context_gives_plain_text_and_empty_strings() -> None:
    snapshot = snapshot_with(
        [],
        customers=[
            {
                "id": "C-0007",
                "name": "  María José Ruiz ",
                "email": "mj@example.com",
                "city": "Málaga",
                "country": "ES",
                "language": "Español",
            }
        ],
        deals=[{"id": "D-0003", "customer_id": "C-0007", "stage": "closed won", "value": 3500}],
    )
    row, deal = snapshot.tab("Customers")[0], snapshot.tab("Deals")[0]
    context = email_context(row, snapshot.settings, deal, extra={"today": "2026-11-04"})
    assert context == {
        "customer": {
            "id": "C-0007",
            "name": "María José Ruiz",
            "first_name": "María",
            "company": "",
            "email": "mj@example.com",
            "city": "Málaga",
            "country": "ES",
            "language": "es",
        },
        "sender": {"name": "Costa & Co", "email": ""},
        "deal": {"id": "D-0003", "title": "", "stage": "Won", "value": "3500.00"},
        "today": "2026-11-04",
    }
    assert "deal" not in email_context(row, snapshot.settings)


def test_empty_company_skips_an_if_block() -> None:
    row, snapshot = customer()
    rendered = render_one(
        "Hi",
        "Thanks{% if customer.company %} for {{ customer.company }}{% endif %}.",
        email_context(row, snapshot.settings),
    )
    assert rendered.text == "Thanks."


# --- the demo workbook's templates --------------------------------------------------------


def test_demo_templates_render_in_every_language_they_exist_in() -> None:
    demo = generate_demo(seed=7, customers=30, today=TODAY)
    snapshot = make_snapshot(
        {"Templates": demo["Templates"], "Customers": demo["Customers"], "Deals": demo["Deals"]},
        SETTINGS_OVERRIDES,
    )
    book = TemplateBook.from_snapshot(snapshot)
    customers = snapshot.by_id("Customers")
    with_company = next(c for c in customers.values() if c.get("company"))
    without_company = next(c for c in customers.values() if not c.get("company"))
    deal = next(d for d in snapshot.tab("Deals") if d.get("title"))
    keys = {str(t["key"]) for t in demo["Templates"]}
    assert keys == {"welcome", "birthday", "follow_up", "anniversary", "dormant", "newsletter"}
    assert all(book.languages(key) == ("en", "es", "pt", "el") for key in keys)
    for template in demo["Templates"]:
        key, language, body = str(template["key"]), str(template["language"]), template["body"]
        for person in (with_company, without_company):
            rendered = book.render(key, language, email_context(person, snapshot.settings, deal))
            assert f'<html lang="{language}">' in rendered.html
            assert "{" not in rendered.subject + rendered.text
            assert "Costa Digital Studio" in rendered.subject + rendered.text
            assert str(person.get("name")) in rendered.text
            if key == "follow_up":
                assert str(deal.get("title")) in rendered.subject
            if person is with_company and "customer.company" in str(body):
                assert str(person.get("company")) in rendered.text
