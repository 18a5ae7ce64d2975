"""Validation as a person reading the Problems column sees it: one clear sentence per problem."""

from __future__ import annotations

import csv
import random
import string
from datetime import date, datetime, timedelta

import pytest

from automations import messages
from automations.rules.incremental import RowMemo
from automations.rules.row_checks import RowFacts
from sheet_schema.translation import translated
from tests.fixtures_rules import (
    NOW,
    apply_to_records,
    naughty_strings,
    plan_for,
    problems_of,
    shared_dataset,
    writes_of,
)


def customer_problems(customers: list[dict[str, object]], **settings: str) -> dict[str, str]:
    plan, _ = plan_for({"Customers": customers}, settings or None)
    return problems_of(plan, "Customers")


def test_phone_with_a_digit_missing_says_how_many_digits_are_expected() -> None:
    found = customer_problems([{"name": "Ana", "phone": "+34 612 34 56 7"}])
    assert found == {"C-0001": "Phone: +34 612 34 56 7 has 8 digits after +34; expected 9."}


def test_phone_without_code_is_read_with_the_customers_country_in_any_language() -> None:
    # 691 234 5678 is a Greek mobile; read with the default country (ES) it has a digit too many.
    for country in ("GR", "gr", "Greece", "Grecia", "Grécia", "ΕΛΛΆΔΑ", "Ελλάδα", "Griechenland"):
        found = customer_problems(
            [{"name": "Eleni", "phone": "691 234 5678", "country": country}], Language="pt"
        )
        assert found == {}, (country, found)
    wrong = customer_problems([{"name": "Eleni", "phone": "691 234 5678"}])
    assert wrong == {"C-0001": "Phone: 691 234 5678 has 10 digits after +34; expected 9."}


def test_unknown_country_is_reported_and_the_default_country_used() -> None:
    found = customer_problems([{"name": "Ana", "phone": "612 345 678", "country": "Narnia"}])
    assert found == {
        "C-0001": "Country: 'Narnia' is not a country name or two-letter code; phone numbers "
        "without +code are read as ES."
    }


KEY_MISSING = (
    "{} is empty: until it is filled, the bot does not check this row, remind about it or email it."
)


def test_half_typed_row_is_told_its_key_column_is_empty_and_not_checked_further() -> None:
    # Customers' key column is Name: a row with an ID and an email but no name is told that
    # much, and its cells are not checked until the name is there (even a bad email).
    assert customer_problems([{"email": "not-an-email", "phone": "12"}]) == {
        "C-0001": KEY_MISSING.format("Name")
    }
    # A deal needs Customer ID and Stage before it is checked; then Stage is required, etc.
    plan, _ = plan_for({"Deals": [{"customer_id": "C-0001", "value": "abc"}]})
    assert problems_of(plan, "Deals") == {"D-0001": KEY_MISSING.format("Stage")}
    plan, _ = plan_for({"Interactions": [{"date": "2026-11-01", "customer_id": "C-0001"}]})
    assert problems_of(plan, "Interactions") == {
        "I-0001": "Customer ID: C-0001 is not the ID of any row in Customers.\n"
        "Kind is empty; this column is required."
    }


def test_dates_impossible_unreadable_and_ambiguous() -> None:
    found = customer_problems(
        [
            {"name": "A", "birthday": "31/02/2024"},
            {"name": "B", "birthday": "someday"},
            {"name": "C", "birthday": "03/04/1990"},
            {"name": "D", "birthday": "25/04/1990"},
            {"name": "E", "birthday": "1990-04-03"},
            {"name": "F", "birthday": "5/13/1990"},
        ]
    )
    assert found == {
        "C-0001": "Birthday: '31/02/2024' is not a real date: February 2024 has no day 31.",
        "C-0002": "Birthday: 'someday' is not a date; type it like 2024-12-31.",
        "C-0003": "Birthday: '03/04/1990' can be read two ways; it was read as 3 April 1990 "
        "(Settings, Date order DMY). Type 1990-04-03 to be sure.",
        "C-0006": "Birthday: '5/13/1990' is not a real date: there is no month 13.",
    }
    us = customer_problems([{"name": "C", "birthday": "03/04/1990"}], **{"Date order": "MDY"})
    assert "it was read as 4 March 1990" in us["C-0001"]


def test_amounts_in_local_formats_and_bad_amounts() -> None:
    plan, _ = plan_for(
        {
            "Customers": [{"id": "C-0001", "name": "Ana"}],
            "Deals": [
                {"customer_id": "C-0001", "stage": "Lead", "value": "1.234,50"},
                {"customer_id": "C-0001", "stage": "Lead", "value": "$1,234.50"},
                {"customer_id": "C-0001", "stage": "Lead", "value": "12 euros y pico"},
                {"customer_id": "C-0001", "stage": "Lead", "value": -5},
            ],
        },
        {"Language": "es"},
    )
    assert problems_of(plan, "Deals") == {
        "D-0003": "Value: '12 euros y pico' no es un importe; escríbalo como 1.234,50.",
        "D-0004": "Value: -5 es negativo; se espera 0 o más.",
    }


def test_nan_infinity_and_huge_amounts_are_problems_not_a_stopped_cycle() -> None:
    typed = ["NaN", "nan", "sNaN", "-NaN", "Infinity", "1e999999"]
    plan, _ = plan_for(
        {
            "Customers": [{"id": "C-0001", "name": "Ana"}],
            "Deals": [{"customer_id": "C-0001", "stage": "Lead", "value": t} for t in typed],
            "Interactions": [
                {"date": "2026-10-01", "customer_id": "C-0001", "kind": "Purchase", "amount": t}
                for t in typed
            ],
        }
    )
    deals = problems_of(plan, "Deals")
    assert deals["D-0001"] == "Value: 'NaN' is not an amount; type it like 1,234.50."
    assert deals["D-0005"] == "Value: 'Infinity' is not an amount; type it like 1,234.50."
    assert deals["D-0006"] == (
        "Value: '1e999999' is too large; numbers here must be below 1,000,000,000,000,000."
    )
    assert len(deals) == len(typed)
    amounts = problems_of(plan, "Interactions")
    assert len(amounts) == len(typed)
    assert all(text.startswith("Amount: '") for text in amounts.values())


def test_choices_accept_case_accents_and_aliases_and_suggest_a_fix() -> None:
    plan, _ = plan_for(
        {
            "Customers": [{"id": "C-0001", "name": "Ana"}],
            "Deals": [
                {"customer_id": "C-0001", "stage": "won", "closed": "2026-10-01"},
                {"customer_id": "C-0001", "stage": "Negociación"},
                {"customer_id": "C-0001", "stage": "NEGOCIACION"},
                {"customer_id": "C-0001", "stage": "Porposal"},
            ],
        }
    )
    assert problems_of(plan, "Deals") == {
        "D-0004": "Stage: 'Porposal' is not one of Lead, Qualified, Proposal, Negotiation, Won "
        "or Lost. Did you mean Proposal?"
    }


def test_references_must_exist_and_an_interactions_deal_must_be_its_customers() -> None:
    plan, _ = plan_for(
        {
            "Customers": [{"id": "C-0001", "name": "Ana"}, {"id": "C-0002", "name": "Bea"}],
            "Deals": [
                {"id": "D-0001", "customer_id": "C-0001", "stage": "Lead"},
                {"id": "D-0002", "customer_id": "c-0009", "stage": "Lead"},
            ],
            "Interactions": [
                {
                    "date": "2026-11-01",
                    "customer_id": " c-0001 ",
                    "kind": "Call",
                    "deal_id": "D-0001",
                },
                {
                    "date": "2026-11-01",
                    "customer_id": "C-0001",
                    "kind": "Call",
                    "deal_id": "D-0077",
                },
                {
                    "date": "2026-11-01",
                    "customer_id": "C-0002",
                    "kind": "Call",
                    "deal_id": "D-0001",
                },
            ],
        }
    )
    assert problems_of(plan, "Deals") == {
        "D-0002": "Customer ID: c-0009 is not the ID of any row in Customers."
    }
    assert problems_of(plan, "Interactions") == {
        "I-0002": "Deal ID: D-0077 is not the ID of any row in Deals.",
        "I-0003": "Deal ID: deal D-0001 belongs to customer C-0001, not to C-0002.",
    }


def test_duplicates_compare_normalised_email_and_phone_and_name_each_other() -> None:
    found = customer_problems(
        [
            {"name": "Ana", "email": "Ana@Example.com", "phone": "612 345 678"},
            {"name": "Ana P.", "email": "ana@example.com"},
            {"name": "Ana Pérez", "phone": "+34 612-34-56-78"},
            {"name": "Bea", "email": "bea@example.com", "phone": "+34 699 999 999"},
        ]
    )
    assert found == {
        "C-0001": "Email: Ana@Example.com is also the email of C-0002; is this the same "
        "customer?\nPhone: 612 345 678 is the same number as C-0003 (+34612345678); is this the "
        "same customer?",
        "C-0002": "Email: ana@example.com is also the email of C-0001; is this the same customer?",
        "C-0003": "Phone: +34 612-34-56-78 is the same number as C-0001 (+34612345678); is this "
        "the same customer?",
    }


def test_birthday_and_interaction_in_the_future() -> None:
    plan, _ = plan_for(
        {
            "Customers": [
                {"id": "C-0001", "name": "Ana", "birthday": date(2062, 1, 1)},
                {"id": "C-0002", "name": "Bea", "birthday": date(1990, 1, 1)},
            ],
            "Interactions": [
                {"date": datetime(2027, 1, 5, 10), "customer_id": "C-0001", "kind": "Call"}
            ],
        }
    )
    assert problems_of(plan, "Customers") == {"C-0001": "Birthday: 2062-01-01 is in the future."}
    assert problems_of(plan, "Interactions") == {"I-0001": "Date: 2027-01-05 is in the future."}


def test_templates_automations_campaigns_and_sources() -> None:
    plan, _ = plan_for(
        {
            "Templates": [
                {"key": "welcome", "language": "en", "subject": "Hi {{ name }}", "body": "Hello"},
                {"key": "broken", "language": "en", "subject": "Hi", "body": "{% if x %}open"},
                {"key": "filter", "language": "english", "subject": "{{ x | nope }}", "body": "."},
            ],
            "Automations": [
                {"kind": "birthday", "template": "Welcome"},
                {"kind": "birthday", "template": "bday"},
            ],
            "Campaigns": [{"name": "Spring", "template": "nothing", "send_on": "2026-12-01"}],
            "Sources": [
                {"month": "2026-10-01", "source": "Google Ads", "cost": 120},
                {"month": "2026-10-01", "source": "Facebook", "cost": "-30"},
            ],
        }
    )
    templates = problems_of(plan, "Templates")
    assert set(templates) == {"T-0002", "T-0003"}
    assert templates["T-0002"].startswith("Body: the template does not compile (line 1): ")
    assert (
        "Subject: the template does not compile (line 1): No filter named 'nope'"
        in (templates["T-0003"])
    )
    assert "Language: 'english' is not one of en, es, pt or el." in templates["T-0003"]
    assert problems_of(plan, "Automations") == {
        "A-0002": "Template: there is no template with key 'bday' in Templates."
    }
    assert problems_of(plan, "Campaigns") == {
        "M-0001": "Template: there is no template with key 'nothing' in Templates."
    }
    assert problems_of(plan, "Sources") == {"S-0002": "Cost: -30 is negative; expected 0 or more."}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "Phone: +34 612 34 56 7 tiene 8 dígitos después de +34; se esperan 9."),
        ("pt", "Phone: +34 612 34 56 7 tem 8 dígitos depois de +34; esperam-se 9."),
        ("el", "Phone: το +34 612 34 56 7 έχει 8 ψηφία μετά το +34· αναμένονται 9."),
    ],
)
def test_problems_are_written_in_the_workbook_language(language: str, expected: str) -> None:
    found = customer_problems([{"name": "Ana", "phone": "+34 612 34 56 7"}], Language=language)
    assert found == {"C-0001": expected}


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    import string as strings

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in strings.Formatter().parse(text) if f}

    assert set(messages.LANGUAGES) >= {"en", "es", "pt", "el"}
    for code, text in messages.MESSAGES.items():
        english = fields(text.plural or text.msgid)
        for language in messages.LANGUAGES:
            for count in (1, 5):
                sentence = translated(text, language, {text.count or "count": count})
                assert fields(sentence) == english, (code, language, count)
                if language != "en":
                    assert sentence not in (text.msgid, text.plural), (code, language)


def test_fixed_row_is_cleared_and_unchanged_text_is_not_rewritten() -> None:
    records = {
        "Customers": [
            {"id": "C-0001", "name": "Ana", "email": "ana@example.com", "problems": "Email: old"},
            {"id": "C-0002", "name": "Bea", "email": "bea@@example.com"},
            {"id": "C-0003", "name": "Cid"},
        ]
    }
    plan, _ = plan_for(records)
    assert writes_of(plan, "Customers", "problems") == {
        "C-0001": "",
        "C-0002": "Email: 'bea@@example.com' is not an email address: it needs exactly one @.",
    }
    again, _ = plan_for(apply_to_records(records, plan))
    assert writes_of(again, "Customers", "problems") == {}


def test_unchanged_rows_are_not_checked_again_but_cross_row_checks_stay_right() -> None:
    memo: RowMemo[RowFacts] = RowMemo()
    records = {
        "Customers": [
            {"id": f"C-{n:04d}", "name": f"N{n}", "email": f"p{n}@example.com"}
            for n in range(1, 51)
        ]
    }
    first, _ = plan_for(records, memo=memo)
    assert memo.stats.checked == 50
    assert problems_of(first, "Customers") == {}
    # One row changes to the email of another, unchanged row: both must be told.
    changed = apply_to_records(records, first)
    changed["Customers"][9]["email"] = "p3@example.com"
    second, _ = plan_for(changed, memo=memo)
    assert memo.stats.checked == 1
    assert memo.stats.reused == 49
    assert set(problems_of(second, "Customers")) == {"C-0003", "C-0010"}
    assert "C-0010" in problems_of(second, "Customers")["C-0003"]
    # The same result as a cycle without memory.
    fresh, _ = plan_for(changed)
    assert problems_of(fresh, "Customers") == problems_of(second, "Customers")
    # A settings change that alters sentences drops the memory.
    third, _ = plan_for(changed, {"Language": "es"}, memo=memo)
    assert memo.stats.checked == 50
    assert "también" in problems_of(third, "Customers")["C-0003"]


def test_email_corpus_valid_and_invalid_addresses() -> None:
    path = shared_dataset("email_validation_corpus", "email_validator_test_cases.csv")
    if path is None:
        pytest.skip("../shared/datasets is absent: no email corpus")
    with path.open(encoding="utf-8", newline="") as handle:
        cases = [
            r
            for r in csv.DictReader(handle)
            if r["expected_valid"] in ("valid", "invalid")
            # Our policy: a cell holds a plain address, so quoted local parts and display names
            # ("Name" <a@b>) are refused; internationalised mailboxes are accepted but not
            # mailed (SMTPUTF8), with a sentence saying so (tests/test_addresses.py).
            and not ('"' in r["email_input"] or "<" in r["email_input"])
            and r["source_test"] != "test_email_invalid_character_smtputf8_off"
            # Surrounding spaces are not part of a cell's value; control characters are escaped.
            and r["email_input"].strip()
            and r["email_input"] == r["email_input"].strip()
            and r["email_input"] == r["email_input_escaped"]
        ]
    assert len(cases) > 50
    customers = [{"name": f"N{i}", "email": c["email_input"]} for i, c in enumerate(cases)]
    found = customer_problems(customers)
    for index, case in enumerate(cases):
        text = found.get(f"C-{index + 1:04d}", "")
        has_email_problem = text.startswith("Email:") and "is also the email" not in text
        not_mailed = "outside ASCII before the @" in text
        if case["expected_valid"] == "valid" and not case["email_input"].split("@")[0].isascii():
            assert not_mailed, (case, text)
        else:
            assert not not_mailed and has_email_problem == (case["expected_valid"] == "invalid"), (
                case,
                text,
            )


def test_phone_corpus_valid_examples_pass_and_invalid_examples_are_reported() -> None:
    path = shared_dataset("phone_number_examples_libphonenumber", "example_numbers_by_region.csv")
    if path is None:
        pytest.skip("../shared/datasets is absent: no phone examples")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["region"] in {"ES", "PT", "GR", "BR", "US", "GB", "DE", "CN", "RU"}
        ]
    customers = []
    expected_valid = []
    for row in rows:
        for typed in (row["international"], row["national"]):
            customers.append(
                {"name": f"N{len(customers)}", "phone": typed, "country": row["region"]}
            )
            expected_valid.append(row["expected_valid"] == "True")
    found = customer_problems(customers)
    for index, valid in enumerate(expected_valid):
        text = found.get(f"C-{index + 1:04d}", "")
        phone_problem = text.startswith("Phone:") and "same number" not in text
        assert phone_problem != valid, (customers[index], text)


def test_naughty_strings_never_break_a_cycle() -> None:
    strings = naughty_strings()
    if not strings:
        pytest.skip("../shared/datasets is absent: no naughty strings")
    keys = ("name", "company", "email", "phone", "country", "birthday", "source", "notes")
    customers = [
        {key: strings[(i + offset) % len(strings)] for offset, key in enumerate(keys)}
        for i in range(len(strings))
    ]
    plan, snapshot = plan_for({"Customers": customers})
    found = problems_of(plan, "Customers")
    for row in snapshot.tab("Customers"):
        if row.text("name").strip() and (row.issues or row.text("email").strip()):
            assert found.get(row.row_id or "", "").strip(), row


def _garbage(rng: random.Random) -> object:
    pick = rng.random()
    if pick < 0.15:
        return None
    if pick < 0.3:
        return rng.choice([0, -1, 1.5, 10**12, float(rng.randint(-99999, 99999)), True, False])
    if pick < 0.4:
        return date(rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28))
    if pick < 0.5:
        return f"{rng.randint(0, 40)}/{rng.randint(0, 14)}/{rng.randint(0, 3000)}"
    if pick < 0.6:
        return f"+{rng.randint(1, 999)} {rng.randint(0, 10 ** rng.randint(1, 12))}"
    alphabet = string.printable + "ñáéíóúçãõΑΒΓαβγ€@.,;=+-'\"{}%"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))


def test_five_thousand_rows_of_garbage_in_every_column_are_valid_or_explained() -> None:
    from tests.fixtures_rules import SCHEMA

    rng = random.Random(20261104)
    records: dict[str, list[dict[str, object]]] = {}
    for tab_name, count in (("Customers", 2000), ("Deals", 1500), ("Interactions", 1500)):
        tab = SCHEMA.tab(tab_name)
        team = [c.key for c in tab.columns if not c.bot_owned]
        records[tab_name] = [{key: _garbage(rng) for key in team} for _ in range(count)]
        # Some rows reference real IDs so reminders and lifecycle have something to chew on.
        for n, record in enumerate(records[tab_name]):
            if "customer_id" in record and n % 3 == 0:
                record["customer_id"] = f"C-{n % 2000 + 1:04d}"
            if tab_name == "Deals" and n % 4 == 0:
                record["stage"] = rng.choice(["Lead", "Won", "Lost", "Proposal"])
    plan, snapshot = plan_for(records)
    found = {(w.tab, w.row_id): str(w.value) for w in plan.writes if w.column == "problems"}
    rows = sum(len(r) for r in records.values())
    assert rows == 5000
    checked = 0
    for tab_name in records:
        tab = SCHEMA.tab(tab_name)
        for row in snapshot.tab(tab_name):
            ready = all(row.text(k).strip() for k in tab.key_columns)
            text = found.get((tab_name, row.row_id), "")
            if ready and row.issues:
                checked += 1
                assert text.strip(), row  # every unreadable cell of a ready row is explained
            if not ready:  # told which key column is empty, nothing else
                assert text == "" or text.endswith(
                    "the bot does not check this row, remind about it or email it."
                ), row
            for line in filter(None, text.split("\n")):
                assert ":" in line or " is empty" in line, line
    assert checked > 100
    # Every rule ran over the garbage: reminders, lifecycle and history produced something.
    columns = {w.column for w in plan.writes}
    assert {"problems", "lifecycle", "follow_up_due", "stage_since"} <= columns
    assert plan.appends


def test_a_date_text_cell_is_read_in_the_settings_order() -> None:
    # Same text, two workbooks: the warning says which reading was used.
    day_first = customer_problems([{"name": "A", "birthday": "01/02/2000"}])
    assert "1 February 2000" in day_first["C-0001"]
    month_first = customer_problems(
        [{"name": "A", "birthday": "01/02/2000"}], **{"Date order": "MDY"}
    )
    assert "2 January 2000" in month_first["C-0001"]
    assert NOW - timedelta(days=1) < NOW  # the fixed clock is aware UTC


def test_every_unreadable_cell_kind_gets_its_own_sentence() -> None:
    found = customer_problems(
        [
            {
                "name": "Ana",
                "marketing_consent": "maybe",
                "language": "Klingon",
                "created": "5 March",
                "birthday": "12/05/1990 25:61",
            }
        ],
        Language="el",
    )
    assert found["C-0001"].split("\n") == [
        "Language: το 'Klingon' δεν είναι ένα από en, es, pt ή el.",
        "Birthday: το '12/05/1990 25:61' έχει ώρα που δεν υπάρχει.",
        "Created: το '5 March' δεν έχει έτος· γράψτε όλη την ημερομηνία, όπως 2024-12-31.",
        "Marketing consent: το 'maybe' δεν είναι ναι ή όχι· γράψτε ναι ή όχι.",
    ]
    greek_month = customer_problems([{"name": "A", "birthday": "30/02/2001"}], Language="el")
    assert "Φεβρουάριος 2001" in greek_month["C-0001"]


def test_values_quoted_in_sentences_stay_on_one_line_and_short() -> None:
    long_name = "x" * 200
    found = customer_problems([{"name": "Ana", "email": f"line one\nline two {long_name}"}])
    text = found["C-0001"]
    assert "\n" not in text
    assert "line one line two" in text
    assert "…" in text and len(text) < 200


def test_row_keys_tell_apart_cells_whose_text_contains_the_separator() -> None:
    from sheet_schema.model import row_digest as row_key

    keys = ("a", "b")
    assert row_key({"a": "x\x1f", "b": "y"}, keys) != row_key({"a": "x", "b": "\x1fy"}, keys)
    assert row_key({"a": "x", "b": "y"}, keys) == row_key({"b": "y", "a": "x"}, keys)
    assert row_key({"a": "x", "b": ""}, keys) == row_key({"a": "x"}, keys)
