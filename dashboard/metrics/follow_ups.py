"""Reminders: follow-ups that are overdue or coming up, and how many each manager has."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dashboard.metrics.counts import NOT_SET
from dashboard.metrics.deals import MEANING
from sheet_schema.lists import LOST, WON

OVERDUE, UPCOMING = "overdue", "upcoming"
REMINDER_COLUMNS = ["status", "due", "days", "kind", "id", "name", "manager", "note"]


def reminders(
    customers: pd.DataFrame, deals: pd.DataFrame, today: date, window_days: int
) -> pd.DataFrame:
    """Follow-ups that are overdue (due before today) or upcoming (today to today + window).

    From open deals' ``Follow-up due`` and customers' ``Next action date`` (with their
    ``Reminder`` text). ``days`` counts days late for an overdue row and days left for an
    upcoming one, never negative (the status says which). Each follow-up is listed once: a
    customer whose Next action date is one of her listed deals' follow-ups is not listed again.
    Sorted by due date.
    """
    start = pd.Timestamp(today)
    horizon = start + pd.Timedelta(days=window_days)
    open_deals = deals[~deals[MEANING].isin([WON, LOST]) & deals["follow_up_due"].notna()]
    open_deals = open_deals[open_deals["follow_up_due"] <= horizon]
    due_customers = customers[customers["next_action_date"].notna()]
    # A customer's Next action date is often one of her deals' follow-ups, and her Reminder
    # then names that deal: the deal is listed once, with the customer's sentence as its note.
    reminder_of = due_customers.dropna(subset=["id"]).drop_duplicates("id").set_index("id")
    texts = open_deals["customer_id"].map(reminder_of["reminder"])
    names_deal = pd.Series(
        [
            isinstance(text, str) and isinstance(deal, str) and deal in text
            for text, deal in zip(texts, open_deals["id"], strict=True)
        ],
        index=open_deals.index,
        dtype=bool,
    )
    own_note = open_deals["title"].fillna("") + " (" + open_deals["stage"].fillna("") + ")"
    deal_rows = pd.DataFrame(
        {
            "due": open_deals["follow_up_due"],
            "kind": "deal",
            "id": open_deals["id"],
            "name": open_deals["customer_name"].fillna(open_deals["customer_id"]),
            "manager": open_deals["manager"],
            "note": texts.where(names_deal, own_note),
        }
    )
    listed = set(zip(open_deals["customer_id"], open_deals["follow_up_due"], strict=True))
    also_a_deal = pd.Series(
        [
            (customer, due) in listed
            for customer, due in zip(
                due_customers["id"], due_customers["next_action_date"], strict=True
            )
        ],
        index=due_customers.index,
        dtype=bool,
    )
    due_customers = due_customers[~also_a_deal]
    customer_rows = pd.DataFrame(
        {
            "due": due_customers["next_action_date"],
            "kind": "customer",
            "id": due_customers["id"],
            "name": due_customers["name"],
            "manager": due_customers["manager"],
            "note": due_customers["reminder"].fillna(""),
        }
    )
    rows = pd.concat([deal_rows, customer_rows], ignore_index=True)
    rows = rows[rows["due"] <= horizon]
    rows["days"] = ((rows["due"].dt.normalize() - start).dt.days).abs().astype(int)
    rows["status"] = np.where(rows["due"] < start, OVERDUE, UPCOMING)
    return rows.sort_values(["due", "kind", "id"], kind="stable").reset_index(drop=True)[
        REMINDER_COLUMNS
    ]


def reminders_by_manager(rows: pd.DataFrame) -> pd.DataFrame:
    """Overdue and upcoming counts per manager (``manager``, ``overdue``, ``upcoming``)."""
    managers = rows["manager"].fillna(NOT_SET)
    table = pd.crosstab(managers, rows["status"]).reindex(columns=[OVERDUE, UPCOMING], fill_value=0)
    table = table.rename_axis(index="manager", columns=None).reset_index()
    return table.sort_values(
        [OVERDUE, UPCOMING, "manager"], ascending=[False, False, True]
    ).reset_index(drop=True)
