"""Customers: counts by lifecycle and segment, search, and one customer's whole history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dashboard.frames import Frames
from dashboard.metrics.counts import value_counts
from dashboard.metrics.revenue import Revenue, revenue, sales_frame
from sheet_schema.schema import fold


def lifecycle_counts(customers: pd.DataFrame, lifecycles: Sequence[str]) -> pd.DataFrame:
    """Customers per Lifecycle value (as the bot filled it)."""
    return value_counts(customers["lifecycle"], lifecycles)


def segment_counts(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers per RFM Segment (as the bot filled it), largest first."""
    return value_counts(customers["segment"])


def search_customers(customers: pd.DataFrame, query: str) -> pd.DataFrame:
    """Customers whose ID, name, company, email or phone contains the query (any case/accents)."""
    wanted = fold(query)
    if not wanted:
        return customers
    text = customers[["id", "name", "company", "email", "phone"]].fillna("").astype(str)
    haystack = text.agg(" ".join, axis=1).map(fold)
    return customers[haystack.str.contains(wanted, regex=False)]


@dataclass(frozen=True)
class CustomerHistory:
    """One customer's deals, interactions and emails, newest first, and what they paid."""

    customer: pd.Series
    revenue: Revenue
    deals: pd.DataFrame
    interactions: pd.DataFrame
    emails: pd.DataFrame


def customer_history(frames: Frames, customer_id: str) -> CustomerHistory | None:
    """Everything about one customer, or None when the ID is unknown."""
    match = frames.customers[frames.customers["id"] == customer_id]
    if match.empty:
        return None
    deals = frames.deals[frames.deals["customer_id"] == customer_id]
    interactions = frames.interactions[frames.interactions["customer_id"] == customer_id]
    emails = frames.mail_log[frames.mail_log["customer_id"] == customer_id]
    return CustomerHistory(
        customer=match.iloc[0],
        revenue=revenue(sales_frame(match, deals, interactions)),
        deals=deals.sort_values("created", ascending=False, na_position="last"),
        interactions=interactions.sort_values("date", ascending=False, na_position="last"),
        emails=emails.assign(when=emails["sent_at"].fillna(emails["planned_at"])).sort_values(
            "when", ascending=False, na_position="last"
        ),
    )
