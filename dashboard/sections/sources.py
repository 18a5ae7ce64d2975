"""Marketing sources: leads, customers, revenue and cost per source, and the ROI."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, metrics
from dashboard.group_by import render_group_by
from dashboard.i18n import Translator, is_missing
from dashboard.tables import Column, display_table
from dashboard.unknown_view import warn_unknown
from dashboard.view import View, current_view


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


def render(view: View) -> None:
    """Draw the page."""
    tr, frames, period = view.tr, view.frames, view.period
    st.title(tr("page.sources"))
    st.caption(tr("basis.sources"))
    st.caption(tr("sources.explain"))
    unknown = warn_unknown(view, "sources")
    sales = metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    args = (frames.customers, sales, frames.sources, period)
    totals = metrics.source_totals(*args)
    for column in unknown & set(totals.columns):
        totals[column] = float("nan")  # shown "–": the warning above says why
    if totals.empty:
        st.info(tr("empty.period"))
        return
    st.subheader(tr("sources.by_source"))
    st.dataframe(
        display_table(totals, [("source", tr("col.source"), tr.value), *_columns(tr, totals)]),
        hide_index=True,
        key="source_totals",
    )
    left, right = st.columns(2)
    left.plotly_chart(charts.revenue_cost_chart(totals, tr), key="revenue_cost")
    with_roi = totals.dropna(subset=["roi"])
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
    months = metrics.source_months(*args)
    st.dataframe(
        display_table(
            months,
            [
                ("month", tr("col.month"), tr.month),
                ("source", tr("col.source"), tr.value),
                *_columns(tr, months),
            ],
        ),
        hide_index=True,
        key="source_months",
    )

    render_group_by(view, "sources")


if __name__ == "__main__":
    render(current_view())
