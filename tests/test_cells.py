"""Reading cells as typed values the way people actually type them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from sheet_schema.cells import (
    CellContext,
    datetime_to_serial,
    is_ambiguous_numeric_date,
    read_cell,
    serial_to_datetime,
)
from sheet_schema.schema import Column, load_schema

SCHEMA = load_schema()
DMY = CellContext(date_order="DMY", language="es")
MDY = CellContext(date_order="MDY", language="en")


def col(tab: str, key: str) -> Column:
    return SCHEMA.tab(tab).column(key)


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("2024-03-05", DMY, date(2024, 3, 5)),
        ("05/03/2024", DMY, date(2024, 3, 5)),  # Spain, Portugal, Greece: day first
        ("5.3.2024", DMY, date(2024, 3, 5)),
        ("05-03-24", DMY, date(2024, 3, 5)),
        ("03/05/2024", MDY, date(2024, 3, 5)),
        ("2024-03-05", MDY, date(2024, 3, 5)),  # ISO wins whatever the order setting
        ("5 March 2024", DMY, date(2024, 3, 5)),
        ("29/02/2024", DMY, date(2024, 2, 29)),
    ],
)
def test_dates_typed_as_text(text: str, context: CellContext, expected: date) -> None:
    cell = read_cell(col("Customers", "birthday"), text, context)
    assert cell.issue is None
    assert cell.value == expected
    assert cell.text == text


def test_impossible_and_unreadable_dates_are_issues_not_crashes() -> None:
    impossible = read_cell(col("Customers", "birthday"), "31/02/2024", DMY)
    assert impossible.value is None and impossible.issue is not None
    assert impossible.issue.code == "date.impossible"
    assert impossible.issue.column == "birthday"
    garbage = read_cell(col("Customers", "birthday"), "next tuesday-ish", DMY)
    assert garbage.issue is not None and garbage.issue.code in {"date.invalid", "date.no_year"}


def test_sheets_serial_numbers_and_real_date_cells() -> None:
    birthday = col("Customers", "birthday")
    assert read_cell(birthday, 45356, DMY).value == date(2024, 3, 5)
    assert read_cell(birthday, datetime(2024, 3, 5, 0, 0), DMY).value == date(2024, 3, 5)
    when = col("Interactions", "date")
    assert read_cell(when, 45356.5625, DMY).value == datetime(2024, 3, 5, 13, 30)
    assert read_cell(when, "05/03/2024 13:30", DMY).value == datetime(2024, 3, 5, 13, 30)
    assert serial_to_datetime(datetime_to_serial(datetime(2031, 12, 31, 23, 59))) == datetime(
        2031, 12, 31, 23, 59
    )


def test_ambiguous_day_month_is_detectable() -> None:
    assert is_ambiguous_numeric_date("03/04/2024")
    assert not is_ambiguous_numeric_date("13/04/2024")
    assert not is_ambiguous_numeric_date("2024-03-04")
    assert not is_ambiguous_numeric_date("04/04/2024")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("1.234,50", "es", Decimal("1234.50")),
        ("1.234,50 €", "pt", Decimal("1234.50")),
        ("1 234,50", "pt", Decimal("1234.50")),
        ("$1,234.50", "en", Decimal("1234.50")),
        ("1234.5", "es", Decimal("1234.5")),
        ("1.234.567", "en", Decimal("1234567")),  # a repeated separator only groups
        ("1,234,567", "es", Decimal("1234567")),
        ("0,500", "en", Decimal("0.5")),  # no thousand starts with 0
        ("(250)", "en", Decimal("-250")),
        (1234.5, "en", Decimal("1234.5")),
    ],
)
def test_money_in_local_formats(text: object, language: str, expected: Decimal) -> None:
    cell = read_cell(col("Deals", "value"), text, CellContext(language=language))
    assert cell.issue is None
    assert cell.value == expected


@pytest.mark.parametrize(
    ("typed", "grouped", "decimal"),
    [
        ("1.500", "1500", "1.5"),
        ("1,500", "1500", "1.5"),
        ("12,000", "12000", "12"),
        ("€1.500", "1500", "1.5"),
        ("€ 2.000", "2000", "2"),
        ("2.000 EUR", "2000", "2"),
        ("(1.500)", "-1500", "-1.5"),
        ("-999,999", "-999999", "-999.999"),
    ],
)
def test_an_amount_both_conventions_read_is_not_read_in_any_language(
    typed: str, grouped: str, decimal: str
) -> None:
    for language in ("en", "es", "pt", "el"):
        for column in (col("Deals", "value"), col("Interactions", "amount")):
            cell = read_cell(column, typed, CellContext(language=language))
            assert cell.value is None and cell.issue is not None
            assert cell.issue.code == "number.ambiguous"
            assert Decimal(cell.issue.params["grouped"]) == Decimal(grouped)
            assert Decimal(cell.issue.params["decimal"]) == Decimal(decimal)


@pytest.mark.parametrize(
    ("typed", "decimal", "expected"),
    [
        ("1.500", ",", Decimal("1500")),
        ("1.500", ".", Decimal("1.5")),
        ("1,500", ",", Decimal("1.5")),
        ("1,500", ".", Decimal("1500")),
        ("€ 2.000", ",", Decimal("2000")),
        ("1.500,00", ".", Decimal("1500")),  # unambiguous text reads the same whatever is set
    ],
)
def test_the_teams_decimal_separator_reads_an_amount_like_1_500(
    typed: str, decimal: str, expected: Decimal
) -> None:
    cell = read_cell(col("Deals", "value"), typed, CellContext(decimal=decimal))
    assert cell.issue is None and cell.value == expected


@pytest.mark.parametrize(
    "typed", [1500, 1500.0, 1.5, "1.5", "1.50", "1.500,00", "1,500.00", "1.500.000", "1500"]
)
def test_numbers_and_amounts_with_one_reading_are_not_ambiguous(typed: object) -> None:
    cell = read_cell(col("Deals", "value"), typed, CellContext(language="en"))
    assert cell.issue is None and cell.value is not None


def test_unreadable_money_is_an_issue() -> None:
    cell = read_cell(col("Deals", "value"), "about 3k", DMY)
    assert cell.value is None and cell.issue is not None and cell.issue.code == "number.invalid"


@pytest.mark.parametrize(
    "typed", ["NaN", "nan", "sNaN", "-NaN", "Infinity", "-inf", float("nan"), float("inf")]
)
def test_not_a_number_words_are_issues_in_money_and_number_columns(typed: object) -> None:
    for column in (col("Deals", "value"), col("Interactions", "amount")):
        cell = read_cell(column, typed, DMY)
        assert cell.value is None
        assert cell.issue is not None and cell.issue.code == "number.invalid"


@pytest.mark.parametrize("typed", ["1e999999", "-1e999999", "1E+20", 10.0**300])
def test_absurdly_large_numbers_are_issues(typed: object) -> None:
    cell = read_cell(col("Deals", "value"), typed, DMY)
    assert cell.value is None
    assert cell.issue is not None and cell.issue.code == "number.too_large"


def test_numbers_stored_as_text_keep_their_text() -> None:
    assert read_cell(col("Customers", "phone"), "00123", DMY).value == "00123"
    assert read_cell(col("Customers", "phone"), "+34 612 345 678", DMY).value == "+34 612 345 678"
    # A phone that the spreadsheet already turned into a number keeps all its digits.
    assert read_cell(col("Customers", "phone"), 34612345678.0, DMY).value == "34612345678"
    assert read_cell(col("Customers", "id"), 7.0, DMY).value == "7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("won", "Won"),
        (" CLOSED WON ", "Won"),
        ("negociación", "Negotiation"),
        ("Negociacao", "Negotiation"),
        ("Ganado", "Won"),
    ],
)
def test_choices_ignore_case_accents_and_know_other_spellings(text: str, expected: str) -> None:
    assert read_cell(col("Deals", "stage"), text, DMY).value == expected


def test_unknown_choice_suggests_the_closest_value() -> None:
    cell = read_cell(col("Deals", "stage"), "Wonn", DMY)
    assert cell.value is None and cell.issue is not None
    assert cell.issue.code == "choice.unknown"
    assert cell.issue.params["suggestion"] == "Won"
    assert "Negotiation" in cell.issue.params["allowed"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("yes", True),
        ("Sí", True),
        ("ναι", True),
        ("x", True),
        ("no", False),
        ("Não", False),
        (False, False),
    ],
)
def test_booleans_in_several_languages(value: object, expected: bool) -> None:
    assert read_cell(col("Customers", "marketing_consent"), value, DMY).value is expected


def test_unreadable_boolean_is_an_issue() -> None:
    cell = read_cell(col("Customers", "marketing_consent"), "maybe", DMY)
    assert cell.issue is not None and cell.issue.code == "boolean.invalid"


def test_empty_cells_are_none_without_issue() -> None:
    for value in (None, "", "   "):
        cell = read_cell(col("Deals", "value"), value, DMY)
        assert cell.value is None and cell.issue is None
