"""Plotly figures drawn from the metric frames (no data loading, no Streamlit)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import Translator

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def funnel_chart(table: pd.DataFrame, tr: Translator) -> go.Figure:
    """Deals that reached each stage, as a funnel with the share of the first stage."""
    figure = go.Figure(
        go.Funnel(
            y=[tr.label("stage", stage) for stage in table["stage"]],
            x=table["reached"].tolist(),
            textinfo="value+percent initial",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    figure.update_layout(title=tr("page.funnel"), margin=_MARGIN, height=360)
    return figure


def bar_chart(
    labels: pd.Series, values: pd.Series, title: str, horizontal: bool = True
) -> go.Figure:
    """A simple bar chart of counts or amounts per label."""
    bar = (
        go.Bar(y=labels.tolist(), x=values.tolist(), orientation="h")
        if horizontal
        else go.Bar(x=labels.tolist(), y=values.tolist())
    )
    figure = go.Figure(bar)
    figure.update_layout(title=title, margin=_MARGIN, height=max(240, 40 + 28 * len(labels)))
    if horizontal:
        figure.update_yaxes(autorange="reversed")
    return figure


def revenue_cost_chart(totals: pd.DataFrame, tr: Translator) -> go.Figure:
    """Revenue beside cost for each source (sources without cost data show no cost bar)."""
    figure = go.Figure(
        [
            go.Bar(
                name=tr("col.revenue"),
                x=totals["source"].map(tr.value).tolist(),
                y=totals["revenue"].tolist(),
            ),
            go.Bar(
                name=tr("col.cost"),
                x=totals["source"].map(tr.value).tolist(),
                y=totals["cost"].tolist(),
            ),
        ]
    )
    figure.update_layout(
        title=tr("sources.revenue_cost_chart"), barmode="group", margin=_MARGIN, height=360
    )
    return figure


def monthly_chart(months: pd.Series, values: pd.Series, title: str) -> go.Figure:
    """An amount per month as bars."""
    figure = go.Figure(go.Bar(x=months.tolist(), y=values.tolist()))
    figure.update_layout(title=title, margin=_MARGIN, height=300)
    figure.update_xaxes(dtick="M1", tickformat="%b %Y")
    return figure
