"""Overview: headline numbers for the period, each compared with the period before."""

from __future__ import annotations

import math

import streamlit as st

from dashboard import charts, metrics
from dashboard.group_by import render_group_by
from dashboard.metrics.summaries import NO_DATE
from dashboard.unknown_view import note_undated, warn_unknown_of
from dashboard.unreadable import DEPENDS, PIPELINE
from dashboard.view import View, current_view

_MONEY = {"won_revenue", "marketing_cost"}
# A rise in these is bad news, so Streamlit colours it red.
_INVERSE = {"marketing_cost"}


def _value(view: View, key: str, value: float) -> str:
    if key in _MONEY:
        return view.tr.money(value)
    if key == "win_rate":
        return view.tr.percent(value)
    return view.tr.number(value)


def render(view: View) -> None:
    """Draw the page."""
    tr = view.tr
    st.title(tr("page.overview"))
    st.caption(tr("basis.overview"))
    unknown = warn_unknown_of(view, {**DEPENDS["overview"], "pipeline": PIPELINE})
    note_undated(view, ("Customers", "Deals"))
    sales = view.sales()
    table = metrics.kpis(view.frames, view.period, sales)
    known = metrics.revenue(metrics.sales_in_period(sales, view.period))
    columns = st.columns(4)
    rows = zip(
        table["kpi"], table["current"].astype(float), table["change"].astype(float), strict=True
    )
    for index, (kpi, current, change) in enumerate(rows):
        delta = None if math.isnan(change) else f"{'+' if change >= 0 else ''}{tr.percent(change)}"
        help_text = None
        if kpi == "won_revenue" and not known.complete:
            # A sale without an amount is unknown money: the figure says so instead of a change.
            help_text = tr.incomplete(known.deals_without_value, known.purchases_without_amount)
            delta = help_text
        if kpi in unknown:  # a tab or column it needs cannot be read: the warning says which
            shown, delta, help_text = tr("value.unknown"), None, None
        else:
            shown = _value(view, str(kpi), float(current))
        columns[index % 4].metric(
            tr(f"kpi.{kpi}"),
            shown,
            delta=delta,
            delta_color="off" if help_text else "inverse" if kpi in _INVERSE else "normal",
            help=help_text,
            border=True,
        )
    totals = metrics.deal_totals(view.frames.deals, metrics.Period())
    columns[len(table) % 4].metric(
        tr("overview.pipeline"),
        tr("value.unknown") if "pipeline" in unknown else tr.money(totals.open_value),
        border=True,
    )
    previous = view.period.previous()
    if previous is not None and previous.start and previous.end:
        st.caption(tr("kpi.vs_previous", start=tr.date(previous.start), end=tr.date(previous.end)))
    else:
        st.caption(tr("kpi.no_previous"))
    # Over all time, with the report's "(no date)" month: a date axis has no place for it, so
    # the sentence under the chart says it, and the chart and the sentence add up to the KPI.
    months = metrics.revenue_by_month_with_undated(sales, view.period)
    monthly, undated = months[months["month"].notna()], months[months["month"].isna()]
    if "revenue" in unknown:
        pass  # no chart of revenue that cannot be read
    elif months.empty:
        st.info(tr("empty.period"))
    else:
        if not monthly.empty:
            st.plotly_chart(
                charts.monthly_chart(
                    monthly["month"], monthly["revenue"], tr("overview.revenue_by_month")
                ),
                key="revenue_by_month",
            )
        if not undated.empty:
            # The sales of the report's "(no date)" month, with what their amount misses.
            without = metrics.revenue(metrics.sales_in_period(sales, metrics.Period(undated=True)))
            missing = tr.incomplete(without.deals_without_value, without.purchases_without_amount)
            sentence = tr(
                "overview.revenue_no_date",
                count=int(undated["sales"].iloc[0]),
                amount=tr.money(undated["revenue"].iloc[0]),
                no_date=tr.value(NO_DATE),
            )
            st.caption(f"{sentence} ({missing})" if missing else sentence)

    render_group_by(view, "overview")


if __name__ == "__main__":
    render(current_view())
