"""One row of headline figures per report, and the same row for every group of a cut.

``sheetcrm report KIND --by CUT`` and the pages' "Group by" both call :func:`by_table`; each
row is :func:`summary` of the group's rows or period, computed by the functions of the whole
report (:func:`~dashboard.metrics.deals.deal_totals`, :func:`~dashboard.metrics.overview.kpis`,
:func:`~dashboard.metrics.sources.source_totals`), so a group's figure is the report's figure
for that slice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from dashboard.frames import Frames
from dashboard.metrics.counts import NOT_SET
from dashboard.metrics.cuts import Cut, group_frames, unit_periods
from dashboard.metrics.deals import deal_totals
from dashboard.metrics.overview import KPI_KEYS, closed_on, kpi_values
from dashboard.metrics.period import Period
from dashboard.metrics.revenue import first_sales, sales_frame
from dashboard.metrics.sources import source_totals

ReportKind = Literal["overview", "funnel", "sources", "customers"]
REPORTS: tuple[ReportKind, ...] = ("overview", "funnel", "sources", "customers")

# The group of a month or quarter cut that holds the rows without a date.
NO_DATE = "(no date)"

# Figures that count things: whole numbers in JSON, tables and CSV.
COUNTS = frozenset(
    {"new_leads", "new_deals", "deals_won", "customers_won", "emails_sent", "missing"}
)

# The overview's figures per group: the KPIs, with beside the revenue how many of its sales have
# no amount (a group whose only sale has none shows 0.00, and this says 0.00 is not the story).
_AT = KPI_KEYS.index("won_revenue") + 1
OVERVIEW_SUMMARY = (*KPI_KEYS[:_AT], "missing", *KPI_KEYS[_AT:])

# Per report, its revenue figure and the count of the sales it could not add (no amount).
INCOMPLETE = {
    "overview": ("won_revenue", "missing"),
    "sources": ("revenue", "missing"),
    "funnel": ("won_value", "won_without_value"),
}

# Columns that hold a share (0..1): shown as % in tables and CSV.
SHARE_COLUMNS = frozenset({"win_rate", "conversion", "overall", "roi", "share"})


def _win_rate(won: int, lost: int) -> float:
    return won / (won + lost) if won + lost else np.nan


def summary(
    kind: ReportKind,
    frames: Frames,
    period: Period,
    lifecycles: Sequence[str] = (),
    sales: pd.DataFrame | None = None,
    first: pd.DataFrame | None = None,
) -> dict[str, float]:
    """The report's headline figures for the frames and period (NaN: unknown, never 0).

    ``sales`` is :func:`~dashboard.metrics.revenue.sales_frame` of these frames when the caller
    already has it (a month or quarter cut reuses one for every period), ``first`` its
    :func:`~dashboard.metrics.revenue.first_sales` (the same way, for the overview)."""
    if kind == "funnel":
        totals = deal_totals(frames.deals, period)
        return {
            "deals": totals.deals,
            "won": totals.won,
            "lost": totals.lost,
            "open": totals.open,
            "win_rate": _win_rate(totals.won, totals.lost),
            "won_value": totals.won_value,
            "won_without_value": totals.won_without_value,
        }
    if kind == "overview":
        if sales is None:
            sales = sales_frame(frames.customers, frames.deals, frames.interactions)
        # The summary is the period's figures only (kpis also computes the period before).
        current = kpi_values(frames, sales, period, first)
        return {
            key: int(current[key]) if key in COUNTS else float(current[key])
            for key in OVERVIEW_SUMMARY
        }
    if kind == "sources":
        if sales is None:
            sales = sales_frame(frames.customers, frames.deals, frames.interactions)
        table = source_totals(frames.customers, sales, frames.sources, period)
        cost = float(table["cost"].sum(min_count=1))
        missing = int(table["missing"].sum()) if "missing" in table.columns else 0
        revenue = float(table["revenue"].sum())
        return {
            "leads": int(table["leads"].sum()),
            "customers_won": int(table["customers_won"].sum()),
            "revenue": revenue,
            "missing": missing,
            "cost": cost,
            "roi": (revenue - cost) / cost if cost > 0 and not missing else np.nan,
        }
    customers = frames.customers[period.mask(frames.customers["created"])]
    stages = customers["lifecycle"].fillna(NOT_SET).astype(str)
    row: dict[str, float] = {"customers": len(customers)}
    for stage in [*lifecycles, NOT_SET]:
        row[stage] = int((stages == stage).sum())
    return row


def cut_dates(kind: ReportKind, frames: Frames, sales: pd.DataFrame | None = None) -> pd.Series:
    """Every date a figure of the report counts on (its period basis), so a month/quarter cut
    spans all of them: a sale dated after the last customer's Created still has its month.

    ``sales`` is :func:`~dashboard.metrics.revenue.sales_frame` (overview and sources)."""
    deals, customers = frames.deals, frames.customers
    if kind == "funnel":
        return pd.Series(deals["created"])
    if kind == "customers":
        return pd.Series(customers["created"])
    parts = [customers["created"]]
    if sales is not None:
        parts.append(sales["date"])
    parts.append(frames.sources["month"])
    if kind == "overview":
        mail = frames.mail_log
        parts += [deals["created"], closed_on(deals), mail["sent_at"].fillna(mail["planned_at"])]
    return pd.concat([pd.to_datetime(p) for p in parts], ignore_index=True)


def by_table(
    kind: ReportKind,
    frames: Frames,
    period: Period,
    cut: Cut,
    lifecycles: Sequence[str] = (),
    sales: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per group of the cut: ``group`` then the :func:`summary` figures.

    ``sales`` is :func:`~dashboard.metrics.revenue.sales_frame` of ``frames`` when the caller
    has it; a column cut builds each group's own."""
    rows: list[dict[str, object]] = []
    if cut.unit is not None:
        if sales is None and kind in ("overview", "sources"):
            sales = sales_frame(frames.customers, frames.deals, frames.interactions)
        dates = cut_dates(kind, frames, sales)
        first = first_sales(sales) if sales is not None else None
        parts = list(unit_periods(dates, cut.unit, period))
        # Rows without a date count in all time only: their own group, so the groups add up.
        if period.is_all_time and dates.isna().any():
            parts.append((NO_DATE, Period(undated=True)))
        for label, part in parts:
            rows.append({"group": label, **summary(kind, frames, part, lifecycles, sales, first)})
    else:
        assert cut.column is not None
        for label, part_frames in group_frames(frames, cut.column):
            rows.append({"group": label, **summary(kind, part_frames, period, lifecycles)})
    if not rows:
        columns = ["group", *summary(kind, frames.replace_tables(), period, lifecycles)]
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(rows)
