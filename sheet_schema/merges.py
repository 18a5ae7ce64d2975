"""The vocabulary of merged customers, shared by the bot (which merges) and the dashboard.

A customer row merged into another is never deleted: the bot fills its *Merged into* cell with
the kept row's ID and the day ("C-0007 (2026-11-27)"). Such a row is history only: the bot's
rules, mailings and the dashboard's counts leave it out (:func:`is_merged`).
"""

from __future__ import annotations

from sheet_schema.model import Row

MERGES = "Merges"  # the log tab: one row per merge (append only, the bot's)
MERGED_INTO = "merged_into"  # bot column of Customers: the kept ID, once merged
MERGE_INTO = "merge_into"  # team column of Customers: the ID a person chose to keep
POSSIBLE_DUPLICATE = "possible_duplicate_of"  # bot column of Customers: the proposal


def is_merged(row: Row) -> bool:
    """True for a customer row the bot merged into another (its Merged into cell is filled)."""
    return bool(row.raw.get(MERGED_INTO, "").strip())


def merged_into(row: Row) -> str:
    """The ID a merged row was merged into, upper case ("" for a row that was not merged)."""
    text = row.raw.get(MERGED_INTO, "").strip()
    return text.split()[0].upper() if text else ""
