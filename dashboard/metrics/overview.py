"""The overview's headline numbers for the period, compared with the period just before it.

KPIs count events in the period, each on its own date: leads by the customer's Created date,
deals opened by the deal's Created date, deals won/lost by the day they closed
(:func:`closed_on`), revenue and customers won by the sale's date (the deal's close or the
purchase's Date, :mod:`dashboard.metrics.revenue`), emails by when they were sent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.frames import Frames
from dashboard.metrics.deals import MEANING
from dashboard.metrics.mail import SENT
from dashboard.metrics.period import Period
from dashboard.metrics.revenue import first_sales, revenue, sales_frame, sales_in_period
from dashboard.metrics.sources import costs_in_period
from sheet_schema.lists import LOST, WON

KPI_KEYS = (
    "new_leads",
    "new_deals",
    "deals_won",
    "customers_won",
    "won_revenue",
    "win_rate",
    "marketing_cost",
    "emails_sent",
)


def closed_on(deals: pd.DataFrame) -> pd.Series:
    """The day each deal counts as closed: Closed, else Stage since, else Created (the same
    rule as sheet_schema.revenue.close_date)."""
    return pd.Series(deals["closed"].fillna(deals["stage_since"]).fillna(deals["created"]))


def kpi_values(
    frames: Frames, sales: pd.DataFrame, period: Period, first: pd.DataFrame | None = None
) -> dict[str, float]:
    """The period's headline numbers (:data:`KPI_KEYS`, and ``missing``: the sales without an
    amount), without the period before it; ``sales`` is the frames'
    :func:`~dashboard.metrics.revenue.sales_frame` and ``first`` its :func:`first_sales`, when
    the caller has them (a month cut computes twenty periods from the same ones)."""
    deals = frames.deals
    # Counted on masks, not on copies of the deals (twenty columns, for every period of a cut).
    closed = period.mask(closed_on(deals))
    won = int((closed & (deals[MEANING] == WON)).sum())
    decided = won + int((closed & (deals[MEANING] == LOST)).sum())
    costs = costs_in_period(frames.sources, period)["cost"]
    mail = frames.mail_log
    sent = (mail["status"] == SENT) & period.mask(mail["sent_at"].fillna(mail["planned_at"]))
    sold = revenue(sales_in_period(sales, period))
    won_first = first_sales(sales) if first is None else first
    return {
        "missing": float(sold.deals_without_value + sold.purchases_without_amount),
        "new_leads": float(period.mask(frames.customers["created"]).sum()),
        "new_deals": float(period.mask(deals["created"]).sum()),
        "deals_won": float(won),
        "customers_won": float(period.mask(won_first["date"]).sum()),
        "won_revenue": sold.amount,
        "win_rate": won / decided if decided else np.nan,
        "marketing_cost": float(costs.sum()) if costs.notna().any() else np.nan,
        "emails_sent": float(sent.sum()),
    }


def kpis(frames: Frames, period: Period, sales: pd.DataFrame | None = None) -> pd.DataFrame:
    """Headline numbers for the period and the one before it.

    Columns: ``kpi`` (one of :data:`KPI_KEYS`), ``current``, ``previous`` (NaN for all time) and
    ``change`` (relative change; NaN when the previous value is 0 or unknown) and
    ``missing`` (for ``won_revenue``: how many of the period's sales have no amount, so the
    figure is incomplete; 0 elsewhere). Dates as the module says. ``sales`` is
    :func:`~dashboard.metrics.revenue.sales_frame` of these frames, when the caller has it.
    """
    if sales is None:
        sales = sales_frame(frames.customers, frames.deals, frames.interactions)
    first = first_sales(sales)
    current = kpi_values(frames, sales, period, first)
    before = period.previous()
    previous = (
        kpi_values(frames, sales, before, first) if before else dict.fromkeys(KPI_KEYS, np.nan)
    )
    table = pd.DataFrame(
        {
            "kpi": list(KPI_KEYS),
            "current": [current[k] for k in KPI_KEYS],
            "previous": [previous[k] for k in KPI_KEYS],
            "missing": [int(current["missing"]) if k == "won_revenue" else 0 for k in KPI_KEYS],
        }
    )
    table["change"] = ((table["current"] - table["previous"]) / table["previous"]).where(
        table["previous"].abs() > 0
    )
    return table
