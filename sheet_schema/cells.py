"""One cell <-> one typed value.

Backends hand over what the spreadsheet holds (a string, a number, a boolean, a date cell, or a
serial number for a date, as the Sheets API sends them); :func:`read_cell` returns the typed value,
the text a person would see, and a :class:`CellIssue` when the text cannot be read as the
column's type. Unreadable cells never raise: a bad cell must not stop a cycle.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal
from dateutil import parser as date_parser

from sheet_schema.model import CellIssue
from sheet_schema.schema import Column, ColumnType, fold
from sheet_schema.settings import Settings

# Spreadsheet serial dates count days from 1899-12-30 (Lotus 1-2-3's leap-year bug included).
SERIAL_EPOCH = datetime(1899, 12, 30)
# The serial of 10000-01-01: spreadsheets have no later date.
_MAX_SERIAL = 2958466
# The serial of 1920-01-01. A bare number in a date column is read as a date that lost its
# format only from here on: before, it is almost surely something else, most often a year typed
# alone ("1899" would silently become 13 March 1905). No customer, deal or interaction of a
# small business today has an earlier date.
_FIRST_PLAUSIBLE_SERIAL = 7306
_LOCALES = {"en": "en_US", "es": "es_ES", "pt": "pt_PT", "el": "el_GR"}
_TRUE = {"true", "yes", "y", "si", "sim", "ναι", "x", "1", "✓", "✔", "verdadero", "verdadeiro"}
_FALSE = {"false", "no", "n", "nao", "οχι", "0", "falso", "-"}
_CURRENCY = re.compile(r"[€$£¥₹]|\b(?:EUR|USD|GBP|BRL|CHF)\b", re.IGNORECASE)
# Spreadsheets keep 15 significant digits: anything this large is a typing accident, and a
# number like 1e999999 would cost seconds (and a million digits) in every sum that meets it.
NUMBER_LIMIT = Decimal(10) ** 15
# A month typed alone, year first or last: "2026-03", "2026/3", "03/2026", "3.2026".
_NUMERIC_MONTH = re.compile(r"^(?:(\d{4})[./\-](\d{1,2})|(\d{1,2})[./\-](\d{4}))$")
# An amount whose only separator is one "." or "," before exactly three digits ("1.500",
# "12,000"): a thousands separator in one convention, the decimal sign in the other, so its two
# readings are a thousand times apart. A leading 0 ("0.500") or more than three digits before
# the separator ("1234.500") cannot be a grouped thousand, so those are not ambiguous.
_AMBIGUOUS_AMOUNT = re.compile(r"([-+]?)([1-9]\d{0,2})([.,])(\d{3})")
_NUMERIC_DATE = re.compile(
    r"^(\d{1,4})[./\-](\d{1,2})[./\-](\d{1,4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


@dataclass(frozen=True)
class CellContext:
    """Workbook conventions needed to read text: day/month order and number locale.

    ``decimal`` is the decimal sign the team chose in Settings (``"."`` or ``","``); empty when
    it chose none, and then an amount like "1.500" is not read (see :func:`ambiguous_amount`).
    """

    date_order: str = "DMY"
    language: str = "en"
    decimal: str = ""

    @classmethod
    def of(cls, settings: Settings) -> CellContext:
        """The conventions a workbook's Settings state."""
        return cls(settings.date_order, settings.language, settings.decimal_separator)


@dataclass(frozen=True)
class ReadCell:
    """The result of reading one cell."""

    value: object
    text: str
    issue: CellIssue | None = None


def cell_text(value: object) -> str:
    """What a person sees in a cell, as plain text (numbers without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def serial_to_datetime(serial: float) -> datetime:
    """A spreadsheet serial number (days since 1899-12-30) as a naive datetime."""
    # Round to the second: serials carry float noise (0.5416666 for 13:00).
    return SERIAL_EPOCH + timedelta(seconds=round(serial * 86400))


def datetime_to_serial(moment: date | datetime) -> float:
    """A date or naive datetime as a spreadsheet serial number."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0))
    return (moment - SERIAL_EPOCH).total_seconds() / 86400


def _issue(column: Column, text: str, code: str, **params: str) -> CellIssue:
    return CellIssue(column=column.key, raw=text, code=code, params=params)


def split_numeric_date(text: str, order: str) -> tuple[int, int, int] | None:
    """Year, month, day of a numeric date typed as text, in the workbook's order (None if not one).

    ISO order (a four-digit first part) always wins, whatever the setting.
    """
    match = _NUMERIC_DATE.match(text.strip())
    if not match:
        return None
    a, b, c = (int(g) for g in match.groups()[:3])
    if len(match.group(1)) == 4:
        return a, b, c
    year = c + 2000 if c < 100 and len(match.group(3)) <= 2 else c
    if order == "MDY":
        return year, a, b
    return year, b, a


def is_ambiguous_numeric_date(text: str) -> bool:
    """True for text like 03/04/2024, which is a valid date read day-first or month-first."""
    match = _NUMERIC_DATE.match(text.strip())
    if not match or len(match.group(1)) == 4:
        return False
    first, second = int(match.group(1)), int(match.group(2))
    return first != second and first <= 12 and second <= 12


def _parse_datetime_text(column: Column, text: str, context: CellContext) -> ReadCell:
    stripped = text.strip()
    alone = _NUMERIC_MONTH.match(stripped) if column.months else None
    if alone is not None:
        year, number = int(alone.group(1) or alone.group(4)), int(alone.group(2) or alone.group(3))
        if not 1 <= number <= 12:
            return ReadCell(None, text, _issue(column, text, "date.invalid"))
        return ReadCell(_as_column_time(column, datetime(year, number, 1)), text)
    parts = split_numeric_date(stripped, context.date_order)
    if parts is not None:
        year, month, day = parts
        try:
            moment = datetime(year, month, day)
        except ValueError:
            return ReadCell(
                None,
                text,
                _issue(
                    column, text, "date.impossible", day=str(day), month=str(month), year=str(year)
                ),
            )
        match = _NUMERIC_DATE.match(stripped)
        assert match is not None
        if match.group(4) is not None:
            try:
                moment = moment.replace(
                    hour=int(match.group(4)),
                    minute=int(match.group(5)),
                    second=int(match.group(6) or 0),
                )
            except ValueError:
                return ReadCell(None, text, _issue(column, text, "time.invalid"))
        return ReadCell(_as_column_time(column, moment), text)
    if re.search(r"[^\W\d_]", stripped):
        # Month names ("5 March 2024", "Mar 5, 2024") are left to dateutil, which knows them.
        try:
            moment = date_parser.parse(
                stripped, dayfirst=context.date_order == "DMY", default=datetime(1900, 1, 1)
            )
        except (ValueError, OverflowError):
            return ReadCell(None, text, _issue(column, text, "date.invalid"))
        if moment.year == 1900:
            return ReadCell(None, text, _issue(column, text, "date.no_year"))
        return ReadCell(_as_column_time(column, moment.replace(tzinfo=None)), text)
    try:
        serial = float(stripped.replace(",", "."))
    except ValueError:
        return ReadCell(None, text, _issue(column, text, "date.invalid"))
    # A bare number in a date column is a serial that lost its date format.
    return _read_serial(column, serial, text)


def _read_serial(column: Column, serial: float, text: str) -> ReadCell:
    """A spreadsheet serial as a date, when it is one that can be meant (see above)."""
    # Outside the calendar's serials (e.g. 10**12) there is no date, and no crash either.
    if not 1 <= serial < _MAX_SERIAL:
        return ReadCell(None, text, _issue(column, text, "date.invalid"))
    if serial < _FIRST_PLAUSIBLE_SERIAL:
        as_date = serial_to_datetime(serial).date().isoformat()
        year_alone = serial.is_integer() and 1000 <= serial <= 2999
        code = "date.year_alone" if year_alone else "date.implausible"
        return ReadCell(None, text, _issue(column, text, code, as_date=as_date))
    return ReadCell(_as_column_time(column, serial_to_datetime(serial)), text)


def _as_column_time(column: Column, moment: datetime) -> date | datetime:
    return moment if column.type is ColumnType.DATETIME else moment.date()


def _bare_amount(text: str) -> tuple[str, bool]:
    """An amount's text without currency, spaces and accounting parentheses; True if negative."""
    cleaned = _CURRENCY.sub("", text)
    # Spaces (also no-break and narrow no-break) only ever group thousands.
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", cleaned)
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    return cleaned.strip("()"), negative


def parse_amount(text: str, language: str = "en") -> Decimal | None:
    """Read an amount typed as text in any common convention ("1.234,50", "$1,234.50", "12")."""
    cleaned, negative = _bare_amount(text)
    if not cleaned:
        return None
    # The workbook's own convention first, then the two common ones. Text that reads both ways
    # ("1.500", see ambiguous_amount) is sorted out before a cell gets here.
    for locale in dict.fromkeys((_LOCALES.get(language, "en_US"), "en_US", "de_DE")):
        try:
            amount = parse_decimal(cleaned, locale=locale, strict=True)
        except NumberFormatError:
            continue
        return -amount if negative else amount
    return None


@dataclass(frozen=True)
class TwoReadings:
    """The two amounts an ambiguous text stands for, and the separator it was typed with."""

    grouped: Decimal  # the separator groups thousands: "1.500" is 1500
    decimal: Decimal  # the separator is the decimal sign: "1.500" is 1.5
    separator: str

    def read_with(self, decimal_sign: str) -> Decimal:
        """The reading a team's chosen decimal sign gives."""
        return self.decimal if self.separator == decimal_sign else self.grouped


def ambiguous_amount(text: str) -> TwoReadings | None:
    """Both readings of an amount typed as text like "1.500", "12,000" or "€ 2.000" (a single
    separator before exactly three digits), else None.

    "1.500,00" and "1,500.00" (both separators), "1.5", "1.50", "1.500.000" (a repeated
    separator only groups) and "0.500" are not ambiguous; neither is a number cell.
    """
    cleaned, negative = _bare_amount(text)
    match = _AMBIGUOUS_AMOUNT.fullmatch(cleaned)
    if match is None:
        return None
    sign, whole, separator, part = match.groups()
    minus = (sign == "-") != negative
    grouped = Decimal(whole + part)
    decimal = Decimal(f"{whole}.{part}")
    return TwoReadings(-grouped if minus else grouped, -decimal if minus else decimal, separator)


def _read_number(column: Column, value: object, text: str, context: CellContext) -> ReadCell:
    if isinstance(value, bool):
        return ReadCell(None, text, _issue(column, text, "number.invalid"))
    if isinstance(value, (int, float)):
        amount = Decimal(str(value))
    elif (both := ambiguous_amount(text)) is not None:
        if not context.decimal:
            # Either reading could be a thousand times wrong: the amount stays unknown (never a
            # guess counted as revenue) until the person types it plainly or the team says in
            # Settings which sign is its decimal sign.
            params = {"grouped": str(both.grouped), "decimal": str(both.decimal)}
            return ReadCell(None, text, _issue(column, text, "number.ambiguous", **params))
        amount = both.read_with(context.decimal)
    else:
        parsed = parse_amount(text, context.language)
        if parsed is None:
            return ReadCell(None, text, _issue(column, text, "number.invalid"))
        amount = parsed
    # NaN, sNaN and Infinity parse as Decimals but compare and add with an exception (NaN) or
    # poison every total (Infinity): they are not numbers a person meant.
    if not amount.is_finite():
        return ReadCell(None, text, _issue(column, text, "number.invalid"))
    if abs(amount) >= NUMBER_LIMIT:
        return ReadCell(None, text, _issue(column, text, "number.too_large"))
    if column.type is ColumnType.MONEY:
        return ReadCell(amount, text)
    try:
        integral = amount == amount.to_integral_value()
    except InvalidOperation:
        return ReadCell(None, text, _issue(column, text, "number.invalid"))
    return ReadCell(int(amount) if integral else float(amount), text)


def match_choice(column: Column, text: str) -> str | None:
    """The allowed value that ``text`` stands for, ignoring case, accents and extra spaces."""
    return column.choice_lookup.get(fold(text))


def _read_choice(column: Column, text: str) -> ReadCell:
    choice = match_choice(column, text)
    if choice is not None:
        return ReadCell(choice, text)
    candidates = {fold(c): c for c in column.choices}
    close = difflib.get_close_matches(fold(text), list(candidates), n=1, cutoff=0.6)
    params = {"allowed": ", ".join(column.choices)}
    if close:
        params["suggestion"] = candidates[close[0]]
    return ReadCell(None, text, _issue(column, text, "choice.unknown", **params))


def _read_boolean(column: Column, value: object, text: str) -> ReadCell:
    if isinstance(value, bool):
        return ReadCell(value, text)
    folded = fold(text)
    if folded in _TRUE:
        return ReadCell(True, text)
    if folded in _FALSE:
        return ReadCell(False, text)
    return ReadCell(None, text, _issue(column, text, "boolean.invalid"))


TEXT_LIKE = frozenset(
    {ColumnType.TEXT, ColumnType.EMAIL, ColumnType.PHONE, ColumnType.ID, ColumnType.REFERENCE}
)


def read_cell(column: Column, value: object, context: CellContext) -> ReadCell:
    """Read one cell as its column's type. Empty cells read as None with no issue."""
    text = cell_text(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return ReadCell(None, text)
    kind = column.type
    if kind in (ColumnType.DATE, ColumnType.DATETIME):
        if isinstance(value, datetime):
            return ReadCell(_as_column_time(column, value.replace(tzinfo=None)), text)
        if isinstance(value, date):
            # A date-and-time cell at midnight arrives from an .xlsx as a date: read it as the
            # serial the same cell gives on Google Sheets, midnight of that day.
            moment = datetime.combine(value, datetime.min.time())
            return ReadCell(value if kind is ColumnType.DATE else moment, text)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _read_serial(column, float(value), text)
        return _parse_datetime_text(column, text, context)
    if kind in (ColumnType.MONEY, ColumnType.NUMBER):
        return _read_number(column, value, text, context)
    if kind is ColumnType.CHOICE:
        return _read_choice(column, text)
    if kind is ColumnType.BOOLEAN:
        return _read_boolean(column, value, text)
    # Text-like columns (text, email, phone, id, reference) keep what was typed, so "00123" and
    # "+34 612 ..." never lose a digit. Surrounding spaces are not part of the value.
    return ReadCell(text.strip(), text)


def write_value(column: Column, value: object) -> object:
    """A typed value as a backend should store it (Decimal -> float; text stays text)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if column.type in (
        ColumnType.TEXT,
        ColumnType.EMAIL,
        ColumnType.PHONE,
        ColumnType.ID,
        ColumnType.REFERENCE,
        ColumnType.CHOICE,
    ) and not isinstance(value, str):
        return cell_text(value)
    return value
