"""The Settings rows a new workbook starts with: each key, its default value and a note for the
person reading the tab. ``sheetcrm init`` writes them (:mod:`sheet_schema.layout`) and the demo
workbook starts from them; what each setting means when read is :mod:`sheet_schema.settings`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from sheet_schema.translation import LANGUAGES


@dataclass(frozen=True)
class DefaultSetting:
    """A row of the Settings tab in a new workbook."""

    key: str
    value: str
    note: str


DEFAULT_SETTINGS: tuple[DefaultSetting, ...] = (
    DefaultSetting("Time zone", "UTC", "IANA name, e.g. Europe/Madrid. Dates are computed here."),
    DefaultSetting("Default country", "US", "Two letters; used for phone numbers without +code."),
    DefaultSetting(
        "Language",
        "en",
        f"{', '.join(LANGUAGES[:-1])} or {LANGUAGES[-1]}: messages, emails and the dashboard.",
    ),
    DefaultSetting("Currency", "EUR", "Three letters."),
    DefaultSetting("Date order", "DMY", "How dates typed as text are read: DMY, MDY or YMD."),
    DefaultSetting(
        "Decimal separator",
        "",
        "The sign before the cents: . (1,234.56) or , (1.234,56). Decides how an amount typed "
        "as text like 1.500 reads; empty: such amounts count as unknown, and Problems asks.",
    ),
    DefaultSetting("Sender email", "", "The From: address of emails the bot sends."),
    DefaultSetting("Sender name", "SheetCRM", "The From: name."),
    DefaultSetting("Daily send cap", "450", "Emails a day at most (Gmail allows 500)."),
    DefaultSetting("Dormant after days", "90", "A customer with no purchase or contact since."),
    DefaultSetting("Churned after days", "365", "A dormant customer becomes churned after."),
    DefaultSetting("Reminder window days", "7", "Birthdays and anniversaries this close."),
    DefaultSetting("SLA Lead days", "2", "Follow up a deal in this stage within N days."),
    DefaultSetting("SLA Qualified days", "5", ""),
    DefaultSetting("SLA Proposal days", "7", ""),
    DefaultSetting("SLA Negotiation days", "7", ""),
    DefaultSetting("Cache TTL seconds", "300", "How long the dashboard keeps data."),
    DefaultSetting(
        "Digest hour",
        "8",
        "Local hour (0-23) from which managers' daily digests go out. Add a row "
        "'Manager email NAME' (NAME as in the Manager column) to send NAME a digest.",
    ),
    DefaultSetting(
        "Unsubscribe email", "", "Where unsubscribe requests go; empty: the Sender email."
    ),
    DefaultSetting(
        "Form tab",
        "",
        "The tab a Google Form writes its answers into (e.g. Form responses 1); each new answer "
        "becomes a customer and an interaction. Empty: off.",
    ),
    DefaultSetting(
        "Form lead source", "Website", "Source of form customers when the form does not ask it."
    ),
    DefaultSetting(
        "Sheets retry attempts", "5", "Google Sheets: retries after a quota or server error."
    ),
    DefaultSetting(
        "Sheets retry seconds", "60", "Google Sheets: total time allowed for those retries."
    ),
)
