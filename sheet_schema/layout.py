"""What ``sheetcrm init`` lays out in a workbook, independent of where the workbook lives.

Each backend turns this description into its own calls (openpyxl styles, or one Sheets
``batchUpdate``), so an xlsx file and a Google spreadsheet look the same to the team.
"""

from __future__ import annotations

from dataclasses import dataclass

from sheet_schema.schema import Column, ColumnType
from sheet_schema.translation import LANGUAGES

# Light grey: "the bot fills this; do not type here".
BOT_COLUMN_COLOUR = "E7E6E6"
BOT_COLUMN_NOTE = "Filled by SheetCRM. Edits here are overwritten by the bot."


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
)


def dropdown_values(column: Column) -> tuple[str, ...]:
    """The values a choice column's dropdown offers (empty for other columns)."""
    return column.choices if column.type is ColumnType.CHOICE else ()


def is_date_column(column: Column) -> bool:
    """True for columns that get date validation."""
    return column.type in (ColumnType.DATE, ColumnType.DATETIME)


def column_width(column: Column) -> int:
    """A comfortable width in characters for a new column."""
    if column.type in (ColumnType.TEXT,) and column.key in {
        "notes",
        "summary",
        "body",
        "problems",
        "reminder",
        "lifecycle_reason",
    }:
        return 40
    if column.type is ColumnType.EMAIL:
        return 28
    return max(12, len(column.header) + 4)
