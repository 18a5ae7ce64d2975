"""Marketing sources: leads, customers, revenue and cost per source, and the ROI."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, metrics
from dashboard.group_by import render_group_by
from dashboard.i18n import Translator, is_missing
from dashboard.metrics.summaries import NO_DATE
from dashboard.tables import Column, Formatter, display_table
from dashboard.unknown_view import note_undated, unknown_cells, warn_unknown
from dashboard.view import View, current_view

SourceArgs = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, metrics.Period]


def _columns(tr: Translator, table: pd.DataFrame) -> list[Column]:
    no_cost = tr("sources.no_cost")
    return [
        ("leads", tr("col.leads"), tr.number),
        ("customers_won", tr("col.customers_won"), tr.number),
        ("revenue", tr("col.revenue"), tr.money),
        ("missing", tr("col.missing"), tr.number),
        ("cost", tr("col.cost"), lambda v: no_cost if is_missing(v) else tr.money(v)),
        ("cost_per_lead", tr("col.cost_per_lead"), tr.money),
        ("cost_per_customer", tr("col.cost_per_customer"), tr.money),
        ("roi", tr("col.roi"), tr.percent),
    ]


def _month(tr: Translator) -> Formatter:
    return lambda value: tr.value(NO_DATE) if is_missing(value) else tr.month(value)


def render(view: View) -> None:
    """Draw the page."""
    tr, frames, period = view.tr, view.frames, view.period
    st.title(tr("page.sources"))
    st.caption(tr("basis.sources"))
    st.caption(tr("sources.explain"))
    unknown = warn_unknown(view, "sources")
    note_undated(view, ("Customers",))
    sales = view.sales()
    args: SourceArgs = (frames.customers, sales, frames.sources, period)
    totals = metrics.source_totals(*args)
    if totals.empty:
        if not unknown:  # with figures unknown, an empty table is not "no data"
            st.info(tr("empty.period"))
        return
    st.subheader(tr("sources.by_source"))
    columns = unknown_cells(view, _columns(tr, totals), unknown)
    st.dataframe(
        display_table(totals, [("source", tr("col.source"), tr.value), *columns]),
        hide_index=True,
        key="source_totals",
    )
    # No bar for a figure that cannot be read (a bar at 0 would say it is 0).
    charted = totals.copy()
    for column in unknown & set(charted.columns):
        charted[column] = float("nan")
    left, right = st.columns(2)
    left.plotly_chart(charts.revenue_cost_chart(charted, tr), key="revenue_cost")
    with_roi = charted.dropna(subset=["roi"])
    if not with_roi.empty:
        right.plotly_chart(
            charts.bar_chart(
                with_roi["source"].map(tr.value),
                with_roi["roi"] * 100,
                tr("sources.roi_chart") + " (%)",
            ),
            key="roi",
        )
    st.subheader(tr("sources.by_month"))
    # Over all time, with the "(no date)" rows of the report's months: they add up to the totals.
    months = metrics.source_months_with_undated(*args)
    st.dataframe(
        display_table(
            months,
            [
                ("month", tr("col.month"), _month(tr)),
                ("source", tr("col.source"), tr.value),
                *unknown_cells(view, _columns(tr, months), unknown),
            ],
        ),
        hide_index=True,
        key="source_months",
    )

    render_group_by(view, "sources")


if __name__ == "__main__":
    render(current_view())
