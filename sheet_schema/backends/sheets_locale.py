"""The spreadsheet's locale against Settings *Date order*: Google reads typed dates first.

In Google Sheets a date a person types is read by the spreadsheet's locale (File > Settings),
before the bot sees anything: in a spreadsheet whose locale is United States, `10/11/2026` typed
by a team that means 10 November becomes the date 11 October, while `26/11/2026` (no month 26)
stays text and the bot reads it day first. The bot then gets a real date cell and cannot know it
was typed the other way round, so no Problem can say so. What it can say is that the locale and
the team's Date order disagree: :func:`with_locale_issue` adds that sentence to the snapshot's
Settings issues (run output, Bot status Settings row), in the workbook's language.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from babel import Locale, UnknownLocaleError

from sheet_schema.formatting import long_date
from sheet_schema.model import Snapshot, TabIssue
from sheet_schema.translation import N_, translated

LOCALE_ISSUE = "setting.locale_date_order"
# Both ways out: a US team whose Date order was left at the default DMY only needs MDY.
_SENTENCE = N_(
    "Settings, Date order: {order}, but this spreadsheet's locale is {locale} (File > "
    "Settings), so Google Sheets reads a date typed as {typed} as {read_as}, a real date the bot "
    "cannot tell was meant otherwise. If your team types dates that way, set Date order to "
    "{locale_order}; if not, set the spreadsheet's locale to your country, or type dates like "
    "{iso}."
)
# The example: 3 April 2025 typed day first, or 4 March 2025 typed month first (never today).
_TYPED = "03/04/2025"
_READ = {"MDY": date(2025, 3, 4), "DMY": date(2025, 4, 3)}


def locale_date_order(locale: str) -> str | None:
    """DMY or MDY: how a locale reads a numeric date such as 03/04/2025; None for a locale that
    puts the year first, or one Babel does not know."""
    try:
        pattern = Locale.parse(locale.replace("-", "_")).date_formats["short"].pattern
    except (UnknownLocaleError, ValueError, TypeError, KeyError):
        return None
    at = {part: pattern.find(part) for part in "dMy"}
    if min(at.values()) < 0 or at["y"] < min(at["d"], at["M"]):
        return None
    return "DMY" if at["d"] < at["M"] else "MDY"


def with_locale_issue(snapshot: Snapshot, locale: str) -> Snapshot:
    """The snapshot with a Settings issue when ``locale`` reads typed dates in the other order
    than Settings *Date order* (unchanged when they agree, or either is not DMY/MDY)."""
    order = snapshot.settings.date_order
    read_by = locale_date_order(locale) if locale else None
    if read_by is None or order not in _READ or read_by == order:
        return snapshot
    language = snapshot.settings.language
    params = {
        "order": order,
        "locale": locale,
        "typed": _TYPED,
        "read_as": long_date(_READ[read_by], language),
        "iso": "2025-04-03" if order == "DMY" else "2025-03-04",
        "locale_order": read_by,
    }
    sentence = translated(_SENTENCE, language, params).format_map(params)
    issue = TabIssue("Settings", LOCALE_ISSUE, sentence, "Date order")
    return replace(snapshot, tab_issues=(*snapshot.tab_issues, issue))
