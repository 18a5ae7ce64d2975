"""Funnel: how far the period's deals got, where they were lost, and how long stages take."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, metrics
from dashboard.group_by import render_group_by
from dashboard.tables import display_table
from dashboard.unknown_view import note_undated, unknown_cells, warn_unknown_of
from dashboard.unreadable import DEPENDS
from dashboard.view import View, current_view


def _stay_sources(view: View, stays: metrics.StaySources) -> str:
    """Where the funnel's days in stage come from, in the reader's words."""
    tr = view.tr
    counts = stays.open_by_source.items()
    sources = ", ".join(f"{tr.number(n)} × {name}" for name, n in counts)
    return tr(
        "funnel.stays",
        finished=tr.number(stays.finished),
        day=tr.date(view.today),
        sources=sources or tr("funnel.stays_none"),
    )


def render(view: View) -> None:
    """Draw the page."""
    tr, frames, period = view.tr, view.frames, view.period
    st.title(tr("page.funnel"))
    st.caption(tr("basis.funnel"))
    # The lost deals' and competitors' Value too (the funnel report has them under lost_reasons).
    unknown = warn_unknown_of(view, {**DEPENDS["funnel"], "value": (("Deals", "value"),)})
    note_undated(view, ("Deals",))
    totals = metrics.deal_totals(frames.deals, period)

    def count(key: str, value: int) -> str:
        return tr("value.unknown") if key in unknown else tr.number(value)

    cells = st.columns(5)
    cells[0].metric(tr("funnel.deals"), count("deals", totals.deals), border=True)
    cells[1].metric(tr("funnel.won"), count("won", totals.won), border=True)
    cells[2].metric(tr("funnel.lost"), count("lost", totals.lost), border=True)
    cells[3].metric(tr("funnel.open"), count("open", totals.open), border=True)
    missing = 0 if "won_value" in unknown else totals.won_without_value
    cells[4].metric(
        tr("funnel.won_value"),
        tr("value.unknown") if "won_value" in unknown else tr.money(totals.won_value),
        delta=tr("revenue.incomplete", count=missing) if missing else None,
        delta_color="off",
        border=True,
    )
    st.caption(tr("funnel.explain"))
    if "stages" in unknown:  # no funnel drawn from stages that cannot be read
        render_group_by(view, "funnel")
        return

    table, stays = metrics.funnel_and_stays(
        frames.deals,
        frames.stage_history,
        frames.stages,
        period,
        view.today,
        frames.open_stages,
    )
    left, right = st.columns([2, 3])
    left.plotly_chart(charts.funnel_chart(table, tr), key="funnel_chart")
    right.subheader(tr("funnel.table"))
    right.dataframe(
        display_table(
            table,
            [
                ("stage", tr("col.stage"), lambda v: tr.label("stage", v)),
                ("reached", tr("col.reached"), tr.number),
                ("conversion", tr("col.conversion"), tr.percent),
                ("overall", tr("col.overall"), tr.percent),
                ("lost_here", tr("col.lost_here"), tr.number),
                ("median_days", tr("col.median_days"), lambda v: tr.number(v, 1)),
                ("open_now", tr("col.open_now"), tr.number),
                ("open_median_days", tr("col.open_median_days"), lambda v: tr.number(v, 1)),
            ],
        ),
        hide_index=True,
        key="funnel_table",
    )
    right.caption(_stay_sources(view, stays))

    left, right = st.columns(2)
    left.subheader(tr("funnel.lost_reasons"))
    reasons = metrics.lost_reasons(frames.deals, period)
    if reasons.empty:
        left.info(tr("funnel.no_lost"))
    else:
        left.dataframe(
            display_table(
                reasons,
                unknown_cells(
                    view,
                    [
                        ("reason", tr("col.reason"), tr.value),
                        ("deals", tr("col.deals"), tr.number),
                        ("value", tr("col.value"), tr.money),
                    ],
                    unknown,
                ),
            ),
            hide_index=True,
            key="lost_reasons",
        )
    right.subheader(tr("funnel.competitors"))
    rivals = metrics.competitors(frames.deals, period)
    if rivals.empty:
        right.info(tr("funnel.no_competitors"))
    else:
        right.dataframe(
            display_table(
                rivals,
                unknown_cells(
                    view,
                    [
                        ("competitor", tr("col.competitor"), None),
                        ("deals", tr("col.deals"), tr.number),
                        ("value", tr("col.value"), tr.money),
                    ],
                    unknown,
                ),
            ),
            hide_index=True,
            key="competitors",
        )

    render_group_by(view, "funnel")


if __name__ == "__main__":
    render(current_view())
