"""Marketing sources: leads, customers won, revenue and cost per source, by month and in total.

Each figure is counted on its own date, so a month's row says what happened in that month:

* ``leads``: customers *created* in the month (Customers "Created"), by the customer's Source;
* ``revenue``: sales (won deals and purchases, :mod:`dashboard.metrics.revenue`) dated in the
  month (the day the deal closed or the purchase happened), by the *deal's* own Source, else the
  customer's: a deal that came from an Event is Event's revenue whatever brought the customer;
* ``customers_won``: customers whose first sale is dated in the month, by that sale's source;
* ``cost``: the Sources tab's cost for that month and source.
"""

from __future__ import annotations

import pandas as pd

from dashboard.metrics.period import Period, month_start
from dashboard.metrics.revenue import first_sales, missing_amounts, sales_in_period

NO_SOURCE = "(no source)"
SOURCE_COLUMNS = [
    "leads",
    "customers_won",
    "revenue",
    "missing",
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
    # A revenue with unknown amounts in it is not a number to compute a return from.
    table["roi"] = ((table["revenue"] - cost) / cost).where((cost > 0) & (table["missing"] == 0))
    return table


def _source_events(customers: pd.DataFrame, sales: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Leads, first sales and sales of the period, one row each, with ``source`` and ``month``."""
    leads = customers[period.mask(customers["created"])]
    won = sales_in_period(first_sales(sales), period)
    sold = sales_in_period(sales, period)
    parts = [
        pd.DataFrame({"source": leads["source"], "when": leads["created"], "leads": 1}),
        pd.DataFrame({"source": won["source"], "when": won["date"], "customers_won": 1}),
        pd.DataFrame(
            {
                "source": sold["source"],
                "when": sold["date"],
                "revenue": sold["amount"],
                "missing": missing_amounts(sold),
            }
        ),
    ]
    events = pd.concat([p for p in parts if not p.empty] or parts, ignore_index=True)
    for column in ("leads", "customers_won", "missing"):
        if column not in events:
            events[column] = 0
    if "revenue" not in events:
        events["revenue"] = 0.0
    events["source"] = events["source"].fillna(NO_SOURCE)
    events["month"] = month_start(pd.to_datetime(events["when"]))
    return events


def _people(events: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return events.groupby(keys).agg(
        leads=("leads", "sum"),
        customers_won=("customers_won", "sum"),
        revenue=("revenue", "sum"),
        missing=("missing", "sum"),
    )


def costs_in_period(costs: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The Sources tab's cost rows of the months that overlap the period (``source``, ``month``,
    ``cost``; rows without a month or a source are left out)."""
    known = costs.dropna(subset=["month", "source"])
    months = month_start(known["month"])
    known = pd.DataFrame({"source": known["source"], "month": months, "cost": known["cost"]})
    return known[period.month_mask(known["month"])]


def source_months(
    customers: pd.DataFrame, sales: pd.DataFrame, costs: pd.DataFrame, period: Period
) -> pd.DataFrame:
    """Per source and month: leads, customers won, revenue, cost and the ratios.

    ``sales`` is :func:`dashboard.metrics.revenue.sales_frame`. ``leads``, ``customers_won``
    and ``revenue`` are counted as the module says; ``missing`` is how many of the sales have no
    amount (their revenue is unknown, so ``roi`` is NaN); ``cost`` the Sources tab's cost for
    that month and source (NaN when there is no cost row: "no cost data", never zero);
    ``cost_per_lead``, ``cost_per_customer`` and ``roi`` = (revenue - cost) / cost are NaN when
    undefined. Undated leads and sales have no month: :func:`source_months_with_undated` adds
    them.
    """
    events = _source_events(customers, sales, period)
    people = _people(events.dropna(subset=["month"]), ["source", "month"])
    spend = costs_in_period(costs, period).groupby(["source", "month"])["cost"].sum(min_count=1)
    table = people.join(spend, how="outer").reset_index()
    counts = ["leads", "customers_won", "missing"]
    table[counts] = table[counts].fillna(0).astype(int)
    table["revenue"] = table["revenue"].fillna(0.0)
    table = _ratios(table)
    return table.sort_values(["month", "source"], kind="stable").reset_index(drop=True)[
        ["source", "month", *SOURCE_COLUMNS]
    ]


def source_months_with_undated(
    customers: pd.DataFrame, sales: pd.DataFrame, costs: pd.DataFrame, period: Period
) -> pd.DataFrame:
    """:func:`source_months` and, over all time, one row per source for its leads and sales
    without a date (``month`` NaT: the "(no date)" group of ``--by month``), counted by
    :func:`source_totals` of the undated period, so the months add up to the totals. A bounded
    period has no such rows (an undated row is in no bounded period)."""
    months = source_months(customers, sales, costs, period)
    if not period.is_all_time:
        return months
    undated = source_totals(customers, sales, costs, Period(undated=True))
    if undated.empty:
        return months
    undated["month"] = pd.Series(pd.NaT, index=undated.index, dtype="datetime64[ns]")
    undated = undated[months.columns]
    return pd.concat([months, undated], ignore_index=True) if len(months) else undated


def source_totals(
    customers: pd.DataFrame, sales: pd.DataFrame, costs: pd.DataFrame, period: Period
) -> pd.DataFrame:
    """The same figures as :func:`source_months`, per source over the whole period.

    ``cost`` is the sum of the source's cost rows in the period (NaN when it has none).
    """
    people = _people(_source_events(customers, sales, period), ["source"])
    spend = costs_in_period(costs, period).groupby("source")["cost"].sum(min_count=1)
    table = people.join(spend, how="outer").reset_index()
    counts = ["leads", "customers_won", "missing"]
    table[counts] = table[counts].fillna(0).astype(int)
    table["revenue"] = table["revenue"].fillna(0.0)
    table = _ratios(table)
    return table.sort_values(
        ["revenue", "source"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)[["source", *SOURCE_COLUMNS]]
