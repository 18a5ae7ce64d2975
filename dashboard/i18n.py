"""The dashboard's words in the reader's language, and its localised figures.

:class:`Translator` gives the text of a key of :data:`dashboard.strings.STRINGS` (English is the
gettext message id; the other languages are the ``sheetcrm`` catalogs in ``sheet_schema/locales``,
see sheet_schema.translation). Numbers, amounts and dates follow each language's conventions
through sheet_schema.formatting. Text that came from the sheet (names, notes, sources) is data
and is not translated; canonical stage, lifecycle and segment values are
(:meth:`Translator.label`).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Final

import pandas as pd
from babel import Locale

from dashboard.frames import NOT_IN_LIST
from dashboard.metrics.counts import NOT_SET
from dashboard.metrics.revenue import NO_CUSTOMER
from dashboard.metrics.sources import NO_SOURCE
from dashboard.metrics.summaries import NO_DATE
from dashboard.strings import STRINGS
from dashboard.unreadable import UNKNOWN
from sheet_schema import formatting
from sheet_schema.labels import choice_label
from sheet_schema.translation import LANGUAGES, language_of, translated

__all__ = ["DASH", "LANGUAGES", "LANGUAGE_NAMES", "Translator", "is_missing"]

DASH = "–"
# From this amount on, money is shown in whole units (its cents are noise to a reader).
_WHOLE_FROM = 1_000_000


def _own_name(code: str) -> str:
    """A language's name as its speakers write it, capitalised for a menu ("Español")."""
    name = str(Locale.parse(code).get_display_name(code))
    return name[:1].upper() + name[1:]


LANGUAGE_NAMES: Final = {code: _own_name(code) for code in LANGUAGES}


def is_missing(value: object) -> bool:
    """True for None, NaN and NaT."""
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


class Translator:
    """Interface words and locale-aware formatting for one language and currency."""

    def __init__(self, language: str, currency: str = "EUR") -> None:
        self.language = language_of(language)
        self.locale = formatting.locale_of(self.language)
        self.currency = currency

    def __call__(self, key: str, **params: object) -> str:
        """The interface text for ``key`` in this language, with ``{params}`` filled in.

        A plural text picks its form by its count parameter, which must be a whole number; whole
        numbers are shown with this locale's separators ("1.234").
        """
        entry = STRINGS.get(key)
        text = translated(entry, self.language, params) if entry else key
        if not params:
            return text
        shown = {
            name: self.number(value) if type(value) is int else value
            for name, value in params.items()
        }
        return text.format(**shown)

    def label(self, kind: str, value: object) -> str:
        """A stage, lifecycle stage or segment value for display (typed values shown as typed)."""
        if is_missing(value):
            return ""
        return choice_label(kind, str(value), self.language)

    def value(self, value: object) -> str:
        """A value from the sheet (a source, a reason) for display: as typed, with the
        dashboard's own markers ("(no source)", "… (not in the list)") in this language."""
        if is_missing(value):
            return ""
        text = str(value)
        if text == NO_SOURCE:
            return self("value.no_source")
        if text == NO_CUSTOMER:
            return self("value.no_customer")
        if text == NOT_SET:
            return self("value.not_set")
        if text == NO_DATE:
            return self("value.no_date")
        if text == UNKNOWN:  # a cut's group of rows whose column cannot be read
            return self("value.unknown")
        if text.endswith(NOT_IN_LIST):
            return self("value.not_in_list", value=text[: -len(NOT_IN_LIST)])
        return text

    def incomplete(self, deals: int, purchases: int) -> str:
        """ "incomplete: N deals without a value" (and purchases without an amount); "" when
        every amount is known."""
        if deals and purchases:
            return ", ".join(
                [
                    self("revenue.incomplete", count=deals),
                    self("revenue.and_no_amount", count=purchases),
                ]
            )
        if deals:
            return self("revenue.incomplete", count=deals)
        return self("revenue.no_amount", count=purchases) if purchases else ""

    def money(self, value: object, digits: int | None = None) -> str:
        """An amount in the workbook's currency, e.g. "€1,200", "€5,200.50" or "1.200 €".

        By default cents are shown when the amount has them ("€5,200.50", never rounded to
        "€5,200"), up to a million; a bigger amount is shown in whole units to stay readable.
        """
        if is_missing(value):
            return DASH
        amount = float(value)  # type: ignore[arg-type]
        if digits is None:
            has_cents = round(abs(amount) * 100) % 100 != 0
            digits = 2 if has_cents and abs(amount) < _WHOLE_FROM else 0
        return formatting.money(amount, self.currency, self.language, digits)

    def number(self, value: object, digits: int = 0) -> str:
        """A number with this locale's separators."""
        if is_missing(value):
            return DASH
        return formatting.number(float(value), self.language, digits)  # type: ignore[arg-type]

    def percent(self, value: object, digits: int = 0) -> str:
        """A share (0.25) as a percentage ("25%")."""
        if is_missing(value):
            return DASH
        return formatting.percent(float(value), self.language, digits)  # type: ignore[arg-type]

    def date(self, value: object) -> str:
        """A date in this locale's medium form, e.g. "5 Mar 2024"."""
        if is_missing(value):
            return ""
        moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        if isinstance(moment, datetime):
            moment = moment.date()
        assert isinstance(moment, date)
        return formatting.medium_date(moment, self.language)

    def datetime(self, value: object) -> str:
        """A date and time in this locale's short form."""
        if is_missing(value):
            return ""
        moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        assert isinstance(moment, datetime)
        return formatting.short_datetime(moment, self.language)

    def month(self, value: object) -> str:
        """A month, e.g. "Mar 2024"."""
        if is_missing(value):
            return ""
        moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        assert isinstance(moment, date)
        return formatting.month_year(moment, self.language)

    def issue(self, code: str, raw: str, detail: str) -> str:
        """A sentence for an unreadable cell (code from the cells layer)."""
        key = f"issue.{code}"
        if key not in STRINGS:
            return self("issue.other", raw=raw)
        return self(key, raw=raw, detail=detail)
