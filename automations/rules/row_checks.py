"""The checks of one row alone: each cell read as its column's type, and the tab's own rules.

- cells that cannot be read as their column's type (dates, amounts, choices, yes/no), with a
  suggestion where one exists; a day/month date typed as text that reads both ways (03/04/2024)
  is a warning saying how it was read; an amount typed as text that reads both ways ("1.500")
  is not read, and its Problem says both readings (unless Settings *Decimal separator* says);
- required columns left empty; negative amounts;
- emails (:func:`~automations.rules.addresses.check_address`, the mailer's own verdict: syntax
  only, no network) and phones (phonenumbers, read with the
  customer's Country, by name in several languages or two-letter code, else Settings
  ``Default country``);
- per tab: a deal closed before it was created, a template that does not compile in Jinja2's
  sandbox.

What a row's checks find depends on the row and the settings alone, so it is remembered by row
fingerprint (:class:`RowFacts`, see :mod:`automations.rules.incremental`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from babel import Locale
from jinja2 import TemplateSyntaxError

from automations import messages
from automations.rules.activity import as_date
from automations.rules.addresses import check_address
from automations.rules.template_budget import (
    BudgetedEnvironment,
    BudgetExceeded,
    message_params,
)
from sheet_schema.cells import NUMBER_LIMIT, is_ambiguous_numeric_date
from sheet_schema.formatting import exact_number, number
from sheet_schema.lists import LOST, WON, lists_signature
from sheet_schema.model import CellIssue, Row, Snapshot
from sheet_schema.schema import Column, ColumnType, Tab, fold

# Country names are also read in these languages, besides the workbook's own.
_COUNTRY_LANGUAGES = ("en", "es", "pt", "el", "fr", "de", "it")
_COUNTRY_ALIASES = {"uk": "GB", "usa": "US", "eeuu": "US", "ee uu": "US", "eua": "US"}
# Column types whose cells get a check of their own (others are fully checked by reading).
_CELL_CHECKED = frozenset(
    {ColumnType.DATE, ColumnType.DATETIME, ColumnType.MONEY, ColumnType.EMAIL, ColumnType.PHONE}
)


@dataclass(frozen=True)
class Problem:
    """One problem of one row: the column it is about, a message code and its facts."""

    column: str
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowFacts:
    """What the single-row checks found; remembered by row fingerprint between cycles."""

    problems: tuple[Problem, ...] = ()
    email: str | None = None  # casefolded normalised address, for duplicate checks
    phone: str | None = None  # E.164, for duplicate checks


# Problems per tab and row ID; the ready rows (key columns filled) per tab and row ID.
RowProblems = dict[str, dict[str, list[Problem]]]
ReadyRows = dict[str, dict[str, Row]]


class Checker:
    """The per-cycle context of the single-row checks (settings, country names, sandbox)."""

    def __init__(self, snapshot: Snapshot) -> None:
        settings = snapshot.settings
        self.language = messages.language_of(settings.language)
        self.date_order = settings.date_order
        self.decimal_separator = settings.decimal_separator
        self.default_country = settings.default_country
        self.countries = country_names(self.language)
        self.country_display = Locale.parse(messages.locale_of(self.language)).territories
        # Built per cycle, never at import; autoescape matches how templates.py renders HTML.
        # Budgeted: Jinja evaluates constant parts while compiling, and `{{ 'x' * 10**9 }}`
        # would otherwise take a gigabyte here, in a syntax check.
        self.jinja = BudgetedEnvironment(autoescape=True)
        self._columns: dict[str, tuple[Column, ...]] = {}
        # The team's lists decide which choices are "not in the list": a changed Lists tab
        # changes what an unchanged row's checks say.
        self.lists = lists_signature(snapshot.schema) if snapshot.schema is not None else ""

    def _team_columns(self, tab: Tab) -> tuple[Column, ...]:
        """The team columns whose cells need a check beyond reading (the rest cost nothing)."""
        columns = self._columns.get(tab.name)
        if columns is None:
            columns = self._columns[tab.name] = tuple(
                c
                for c in tab.columns
                if not c.bot_owned and (c.required or c.type in _CELL_CHECKED)
            )
        return columns

    @property
    def signature(self) -> tuple[str, str, str, str, str]:
        """The settings (and lists) that change what a row's checks say; the memo is dropped
        when they do."""
        return (
            self.language,
            self.default_country,
            self.date_order,
            self.decimal_separator,
            self.lists,
        )

    def e164(self, column: Column, phone: str, country: str) -> str | None:
        """A phone cell of ``column`` in E.164, read as :meth:`check` reads it (with the Country
        cell's text, else Settings ``Default country``); None when it is not a valid number."""
        text = phone.strip()
        if not text:
            return None
        region = self.countries.get(fold(country), self.default_country)
        return self._check_phone(column, text, region)[1]

    def check(self, tab: Tab, row: Row) -> RowFacts:
        """Every check that depends on this row alone."""
        problems: list[Problem] = [self._cell_issue(tab.column(i.column), i) for i in row.issues]
        email: str | None = None
        phone: str | None = None
        region = self.default_country
        if tab.has_column("country") and row.text("country").strip():
            found = self.countries.get(fold(row.text("country")))
            if found is None:
                problems.append(
                    Problem(
                        "country",
                        "country.unknown",
                        {"value": row.text("country"), "default": self.default_country},
                    )
                )
            else:
                region = found
        issue_columns = {i.column for i in row.issues} if row.issues else ()
        raw, values = row.raw, row.values
        for column in self._team_columns(tab):
            key = column.key
            text = raw.get(key, "").strip()
            if not text:
                if column.required:
                    problems.append(Problem(key, "required.missing"))
                continue
            if key in issue_columns:
                continue
            kind = column.type
            if kind is ColumnType.DATE or kind is ColumnType.DATETIME:
                # ISO text (what date cells read as) is never ambiguous: skip the regex.
                if not text[:4].isdigit():
                    problems.extend(self._ambiguous(column, text, values.get(key)))
            elif kind is ColumnType.MONEY:
                value = values.get(key)
                if isinstance(value, Decimal) and value < 0:
                    problems.append(Problem(key, "number.negative", {"value": text}))
            elif kind is ColumnType.EMAIL:
                # As typed: a line break around the address is a Problem, not trimmed away.
                found_problem, email = _check_email(column, raw.get(key, ""))
                problems.extend(found_problem)
            elif kind is ColumnType.PHONE:
                found_problem, phone = self._check_phone(column, text, region)
                problems.extend(found_problem)
        problems.extend(self._tab_checks(tab, row))
        return RowFacts(tuple(problems), email, phone)

    def cell_problem(self, column: Column, issue: CellIssue) -> Problem:
        """What the bot says of a cell that cannot be read (``sheetcrm import`` says the same)."""
        return self._cell_issue(column, issue)

    def _cell_issue(self, column: Column, issue: CellIssue) -> Problem:
        params = dict(issue.params)
        value = issue.raw
        if issue.code == "date.impossible":
            month = int(params.get("month", "0"))
            if 1 <= month <= 12:
                return Problem(
                    column.key,
                    "date.impossible_day",
                    {
                        "value": value,
                        "day": params.get("day", ""),
                        "month": messages.month_name(month, self.language),
                        "year": params.get("year", ""),
                    },
                )
            return Problem(
                column.key, "date.impossible_month", {"value": value, "month": str(month)}
            )
        if issue.code in ("date.invalid", "date.no_year", "date.year_alone"):
            return Problem(column.key, issue.code, {"value": value, "example": "2024-12-31"})
        if issue.code == "date.implausible":
            return Problem(
                column.key,
                issue.code,
                {"value": value, "as_date": params.get("as_date", ""), "example": "2024-12-31"},
            )
        if issue.code == "number.invalid" and column.type is ColumnType.MONEY:
            return Problem(
                column.key,
                "money.invalid",
                {"value": value, "example": messages.money_example(self.language)},
            )
        if issue.code == "number.ambiguous":
            grouped, decimal = Decimal(params["grouped"]), Decimal(params["decimal"])
            return Problem(
                column.key,
                issue.code,
                {
                    "value": value,
                    "grouped": exact_number(grouped, self.language),
                    "whole": exact_number(grouped, self.language, grouped=False),
                    "decimal": exact_number(decimal, self.language),
                },
            )
        if issue.code == "choice.unknown":
            allowed = messages.or_list(list(column.choices), self.language)
            if params.get("suggestion"):
                return Problem(
                    column.key,
                    "choice.suggest",
                    {"value": value, "allowed": allowed, "suggestion": params["suggestion"]},
                )
            return Problem(column.key, "choice.unknown", {"value": value, "allowed": allowed})
        if issue.code == "boolean.invalid":
            yes, no = messages.yes_no(self.language)
            return Problem(column.key, issue.code, {"value": value, "yes": yes, "no": no})
        if issue.code == "number.too_large":
            limit = number(float(NUMBER_LIMIT), self.language)
            return Problem(column.key, issue.code, {"value": value, "limit": limit})
        if issue.code in ("time.invalid", "number.invalid"):
            return Problem(column.key, issue.code, {"value": value})
        # A code this module does not know yet still yields a sentence naming the cell.
        return Problem(column.key, "cell.unreadable", {"value": value})

    def _ambiguous(self, column: Column, text: str, value: object) -> list[Problem]:
        day = as_date(value)
        if day is None or not is_ambiguous_numeric_date(text):
            return []
        return [
            Problem(
                column.key,
                "date.ambiguous",
                {
                    "value": text,
                    "read_as": messages.long_date(day, self.language),
                    "order": self.date_order,
                    "iso": day.isoformat(),
                },
            )
        ]

    def _check_phone(
        self, column: Column, text: str, region: str
    ) -> tuple[list[Problem], str | None]:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return [Problem(column.key, "phone.unreadable", {"value": text})], None
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return [], e164
        code = number.country_code or 0
        number_region = phonenumbers.region_code_for_country_code(code)
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
            code, number_region
        )
        digits = len(phonenumbers.national_significant_number(number))
        general = metadata.general_desc if metadata is not None else None
        lengths = sorted(set(general.possible_length)) if general is not None else []
        if lengths and digits not in lengths:
            return [
                Problem(
                    column.key,
                    "phone.length",
                    {
                        "value": text,
                        "digits": str(digits),
                        "code": str(code),
                        "expected": messages.or_list([str(n) for n in lengths], self.language),
                    },
                )
            ], None
        country = self.country_display.get(number_region, number_region)
        return [Problem(column.key, "phone.invalid", {"value": text, "country": country})], None

    def _tab_checks(self, tab: Tab, row: Row) -> list[Problem]:
        problems: list[Problem] = []
        if tab.name == "Templates":
            for key in ("subject", "body"):
                source = row.text(key)
                if not source.strip():
                    continue
                try:
                    self.jinja.from_string(source)
                except BudgetExceeded as error:  # a constant part over budget ('x'|center(10**9))
                    params = message_params(error.params, self.language)
                    problems.append(Problem(key, error.code, params))
                except TemplateSyntaxError as error:
                    problems.append(
                        Problem(
                            key,
                            "template.syntax",
                            {"line": str(error.lineno), "error": error.message or str(error)},
                        )
                    )
        if tab.name == "Deals":
            problems.extend(_closing_problems(tab, row))
            created, closed = as_date(row.get("created")), as_date(row.get("closed"))
            if created is not None and closed is not None and closed < created:
                problems.append(
                    Problem(
                        "closed",
                        "date.before",
                        {
                            "value": closed.isoformat(),
                            "other": tab.column("created").header,
                            "other_value": created.isoformat(),
                        },
                    )
                )
        return problems


def _closing_problems(tab: Tab, row: Row) -> list[Problem]:
    """A won deal needs the day it was won; a lost deal the reason it was lost (whatever the
    team calls its won and lost stages).

    Without them revenue falls in no month and the lost-reasons report has a hole. A cell that
    holds something unreadable is reported by the cell check instead.
    """
    stage = tab.column("stage").meaning(row.get("stage"))
    problems: list[Problem] = []
    if stage == WON and tab.has_column("closed") and not row.text("closed").strip():
        problems.append(Problem("closed", "deal.won_without_closed", {}))
    if stage == LOST and tab.has_column("lost_reason") and not row.text("lost_reason").strip():
        problems.append(Problem("lost_reason", "deal.lost_without_reason", {}))
    return problems


def phone_e164(text: str, region: str) -> str | None:
    """A valid phone number in E.164 (+34600123456), typed in any format and read with
    ``region`` when it has no country code (the Phone check's reading); None when it is not."""
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=8)
def country_names(language: str) -> Mapping[str, str]:
    """Folded country name or code -> ISO code, in the workbook's language and a few others
    (how a Country cell is read for phones). Built once per language (Babel's tables)."""
    names: dict[str, str] = {}
    for code in phonenumbers.SUPPORTED_REGIONS:
        names[code.lower()] = code
    for lang in (*_COUNTRY_LANGUAGES, language):
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(fold(name), code)
    names.update(_COUNTRY_ALIASES)
    return names


def _check_email(column: Column, text: str) -> tuple[list[Problem], str | None]:
    """The Problems sentence for an Email cell (as typed), and its address for duplicate checks.

    The verdict is :func:`~automations.rules.addresses.check_address`, the one the mailer uses.
    """
    verdict = check_address(text)
    problems = (
        [] if verdict.mailable else [Problem(column.key, verdict.code or "", {"value": text})]
    )
    email = verdict.normalized.casefold() if verdict.normalized is not None else None
    return problems, email
