"""Marketing sources: leads, customers won, revenue and cost per source, by month and in total.

Sources are cohorts: the customers *created* in a month, by ``Customers.Source``; their won
deals' value is that month's revenue for the source, set against that month's cost.
"""

from __future__ import annotations

import pandas as pd

from dashboard.metrics.deals import WON
from dashboard.metrics.period import Period, month_start

NO_SOURCE = "(no source)"
SOURCE_COLUMNS = [
    "leads",
    "customers_won",
    "revenue",
    "cost",
    "has_cost",
    "cost_per_lead",
    "cost_per_customer",
    "roi",
]


def _ratios(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    cost = table["cost"]
    table["has_cost"] = cost.notna()
    table["cost_per_lead"] = (cost / table["leads"]).where(table["leads"] > 0)
    table["cost_per_customer"] = (cost / table["customers_won"]).where(table["customers_won"] > 0)
    table["roi"] = ((table["revenue"] - cost) / cost).where(cost > 0)
    return table


def _source_cohorts(customers: pd.DataFrame, deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    cohort = customers[period.mask(customers["created"])]
    won = deals[deals["stage"] == WON].groupby("customer_id")["value"].agg(["size", "sum"])
    return pd.DataFrame(
        {
            "source": cohort["source"].fillna(NO_SOURCE),
            "month": month_start(cohort["created"]),
            "won": cohort["id"].isin(won.index),
            "revenue": cohort["id"].map(won["sum"]).fillna(0.0),
        }
    )


def costs_in_period(costs: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The Sources tab's cost rows of the months that overlap the period (``source``, ``month``,
    ``cost``; rows without a month or a source are left out)."""
    known = costs.dropna(subset=["month", "source"])
    months = month_start(known["month"])
    known = pd.DataFrame({"source": known["source"], "month": months, "cost": known["cost"]})
    return known[period.month_mask(known["month"])]


def source_months(
    customers: pd.DataFrame, deals: pd.DataFrame, costs: pd.DataFrame, period: Period
) -> pd.DataFrame:
    """Per source and month: leads, customers won, revenue, cost and the ratios.

    ``leads`` are customers created in the month with that Source; ``customers_won`` those of
    them with a Won deal; ``revenue`` the value of those won deals; ``cost`` the Sources tab's
    cost for that month and source (NaN when there is no cost row: "no cost data", never zero);
    ``cost_per_lead``, ``cost_per_customer`` and ``roi`` = (revenue - cost) / cost are NaN when
    undefined. Customers without a Created date have no month and appear only in
    :func:`source_totals`.
    """
    cohorts = _source_cohorts(customers, deals, period)
    people = (
        cohorts.dropna(subset=["month"])
        .groupby(["source", "month"])
        .agg(leads=("won", "size"), customers_won=("won", "sum"), revenue=("revenue", "sum"))
    )
    spend = costs_in_period(costs, period).groupby(["source", "month"])["cost"].sum(min_count=1)
    table = people.join(spend, how="outer").reset_index()
    table[["leads", "customers_won"]] = table[["leads", "customers_won"]].fillna(0).astype(int)
    table["revenue"] = table["revenue"].fillna(0.0)
    table = _ratios(table)
    return table.sort_values(["month", "source"], kind="stable").reset_index(drop=True)[
        ["source", "month", *SOURCE_COLUMNS]
    ]


def source_totals(
    customers: pd.DataFrame, deals: pd.DataFrame, costs: pd.DataFrame, period: Period
) -> pd.DataFrame:
    """The same figures as :func:`source_months`, per source over the whole period.

    ``cost`` is the sum of the source's cost rows in the period (NaN when it has none).
    """
    cohorts = _source_cohorts(customers, deals, period)
    people = cohorts.groupby("source").agg(
        leads=("won", "size"), customers_won=("won", "sum"), revenue=("revenue", "sum")
    )
    spend = costs_in_period(costs, period).groupby("source")["cost"].sum(min_count=1)
    table = people.join(spend, how="outer").reset_index()
    table[["leads", "customers_won"]] = table[["leads", "customers_won"]].fillna(0).astype(int)
    table["revenue"] = table["revenue"].fillna(0.0)
    table = _ratios(table)
    return table.sort_values(
        ["revenue", "source"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)[["source", *SOURCE_COLUMNS]]
