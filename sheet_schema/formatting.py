"""Numbers, amounts, dates and lists written the way each language writes them (Babel, CLDR).

The bot's sentences and the dashboard's figures both come through here, so "1.234,50" and
"3 de abril de 2024" read the same in an email, a Problems cell and a chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Final

from babel import Locale
from babel.dates import format_date, format_datetime, get_month_names
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent

from sheet_schema.translation import language_of

# The region whose conventions a language is written with, where CLDR's default for the bare
# language is not the one wanted (English: British dates; Portuguese: Portugal's, not Brazil's).
# A language not listed here uses CLDR's default for it.
_REGIONS: Final = {"en": "en_GB", "es": "es_ES", "pt": "pt_PT", "el": "el_GR"}


def locale_of(language: str) -> str:
    """The Babel locale used for numbers, dates and lists in a language."""
    code = language_of(language)
    return _REGIONS.get(code, code)


def or_list(items: Sequence[str], language: str) -> str:
    """ "8, 9 or 10" in the language."""
    return str(format_list(list(items), style="or", locale=locale_of(language)))


def and_list(items: Sequence[str], language: str) -> str:
    """ "C-0001, C-0002 and C-0003" in the language."""
    return str(format_list(list(items), locale=locale_of(language)))


def long_date(day: date, language: str) -> str:
    """A date spelled out so that it cannot be misread ("3 April 2024")."""
    return str(format_date(day, format="long", locale=locale_of(language)))


def medium_date(day: date, language: str) -> str:
    """A date in the language's medium form, e.g. "5 Mar 2024"."""
    return str(format_date(day, format="medium", locale=locale_of(language)))


def short_datetime(moment: datetime, language: str) -> str:
    """A date and time in the language's short form."""
    return str(format_datetime(moment, format="short", locale=locale_of(language)))


def month_year(day: date, language: str) -> str:
    """A month with its year, e.g. "Mar 2024"."""
    return str(format_date(day, format="LLL yyyy", locale=locale_of(language)))


def month_name(month: int, language: str) -> str:
    """The name of a month (1-12) as it stands alone in the language."""
    names = get_month_names("wide", context="stand-alone", locale=locale_of(language))
    return str(names[month])


def money_example(language: str) -> str:
    """1234.5 as an amount is typed in the language's convention ("1.234,50" in Spanish)."""
    return str(format_decimal(1234.5, format="#,##0.00", locale=locale_of(language)))


def money(value: float, currency: str, language: str, digits: int = 0) -> str:
    """An amount in a currency, e.g. "€1,200" in English or "1.200 €" in Spanish.

    Whole amounts put the symbol where the language's readers expect it; with ``digits`` the
    locale's own currency pattern is used.
    """
    pattern = None
    if not digits:
        pattern = "¤#,##0" if language_of(language) == "en" else "#,##0 ¤"
    return str(
        format_currency(
            value,
            currency,
            format=pattern,
            locale=locale_of(language),
            currency_digits=digits != 0,
        )
    )


def number(value: float, language: str, digits: int = 0) -> str:
    """A number with the language's separators and ``digits`` decimals."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=locale_of(language)))


def counted(count: float, singular: str, plural: str | None = None) -> str:
    """A count and its words in an English sentence of the console: "1 row", "2 rows",
    "1,234 rows"; ``plural`` when it is not ``singular`` + "s" ("1 email was", "2 emails were").

    The form is CLDR's English plural rule and the number has its thousands separators. Text
    written into the workbook is translated instead, with the catalogs' own plural forms
    (:func:`sheet_schema.translation.Nn_`).
    """
    words = singular if _english().plural_form(count) == "one" else plural or singular + "s"
    return f"{format_decimal(count, locale=_english())} {words}"


@cache
def _english() -> Locale:
    return Locale.parse(locale_of("en"))


def exact_number(value: Decimal, language: str, grouped: bool = True) -> str:
    """A number with each of its (up to three) decimals, in the language's signs: "1,500",
    "1.05"; ungrouped ("1500") for a number a person should type as it is."""
    pattern = ("#,##0" if grouped else "0") + ".###"
    return str(format_decimal(value, format=pattern, locale=locale_of(language)))


def percent(value: float, language: str, digits: int = 0) -> str:
    """A share (0.25) as a percentage ("25%")."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return str(format_percent(value, format=pattern, locale=locale_of(language)))
