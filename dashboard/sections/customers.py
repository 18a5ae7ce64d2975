"""Customers: lifecycle and RFM segments, a searchable list, and one customer's history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, metrics
from dashboard.group_by import render_group_by
from dashboard.tables import Column, display_table, plain, text_or_blank
from dashboard.view import View, current_view
from sheet_schema.labels import canonical_values

LIFECYCLES = canonical_values("lifecycle")
SHOWN = 500  # rows drawn at once; the search narrows the rest


def _counts(view: View, counts: pd.DataFrame, title: str, key: str) -> None:
    tr = view.tr
    st.subheader(title)
    filled = counts[counts["value"] != metrics.NOT_SET]
    if filled.empty:
        st.info(tr("customers.not_filled"))
        return
    shown = counts["value"].map(lambda value: tr.label(key, value))
    st.plotly_chart(charts.bar_chart(shown, counts["customers"], ""), key=f"{key}_chart")


def _history(view: View, customer_id: str) -> None:
    tr = view.tr
    history = metrics.customer_history(view.frames, customer_id)
    if history is None:
        return
    person = history.customer
    st.markdown(f"**{plain(person['name'])}** · {plain(person['id'])} · {plain(person['email'])}")
    paid = history.revenue
    st.metric(
        tr("col.revenue"),
        tr.money(paid.amount),
        delta=tr.incomplete(paid.deals_without_value, paid.purchases_without_amount) or None,
        delta_color="off",
        border=True,
    )
    tabs = st.tabs([tr("customers.deals"), tr("customers.interactions"), tr("customers.emails")])
    parts: list[tuple[pd.DataFrame, list[Column]]] = [
        (
            history.deals,
            [
                ("id", tr("col.id"), None),
                ("title", tr("col.title"), text_or_blank),
                ("stage", tr("col.stage"), lambda v: tr.label("stage", v)),
                ("value", tr("col.value"), tr.money),
                ("created", tr("col.created"), tr.date),
                ("closed", tr("col.closed"), tr.date),
                ("manager", tr("col.manager"), text_or_blank),
            ],
        ),
        (
            history.interactions,
            [
                ("date", tr("col.date"), tr.datetime),
                ("kind", tr("col.kind"), text_or_blank),
                ("summary", tr("col.summary"), text_or_blank),
                ("amount", tr("col.amount"), tr.money),
                ("manager", tr("col.manager"), text_or_blank),
            ],
        ),
        (
            history.emails,
            [
                ("when", tr("col.when"), tr.datetime),
                ("subject", tr("col.subject"), text_or_blank),
                ("status", tr("col.status"), text_or_blank),
                ("template", tr("col.template"), text_or_blank),
                ("error", tr("col.error"), text_or_blank),
            ],
        ),
    ]
    for index, (tab, (frame, columns)) in enumerate(zip(tabs, parts, strict=True)):
        with tab:
            if frame.empty:
                st.caption(tr("customers.nothing"))
            else:
                st.dataframe(display_table(frame, columns), hide_index=True, key=f"history_{index}")


def render(view: View) -> None:
    """Draw the page."""
    tr, customers = view.tr, view.frames.customers
    st.title(tr("page.customers"))
    left, right = st.columns(2)
    with left:
        _counts(
            view,
            metrics.lifecycle_counts(customers, LIFECYCLES),
            tr("customers.lifecycle"),
            "lifecycle",
        )
    with right:
        _counts(view, metrics.segment_counts(customers), tr("customers.segments"), "segment")
    render_group_by(view, "customers")

    query = st.text_input(
        tr("customers.search"), placeholder=tr("customers.search_help"), key="customer_query"
    )
    found = metrics.search_customers(customers, query)
    if found.empty:
        st.info(tr("customers.none"))
        return
    shown = found.head(SHOWN)
    if len(found) > SHOWN:
        st.caption(tr("customers.matches", count=len(found), shown=SHOWN))
    st.dataframe(
        display_table(
            shown,
            [
                ("id", tr("col.id"), None),
                ("name", tr("col.name"), text_or_blank),
                ("company", tr("col.company"), text_or_blank),
                ("email", tr("col.email"), text_or_blank),
                ("phone", tr("col.phone"), text_or_blank),
                ("source", tr("col.source"), text_or_blank),
                ("manager", tr("col.manager"), text_or_blank),
                ("created", tr("col.created"), tr.date),
                ("lifecycle", tr("col.lifecycle"), lambda v: tr.label("lifecycle", v)),
                ("segment", tr("col.segment"), lambda v: tr.label("segment", v)),
                ("last_contact", tr("col.last_contact"), tr.date),
            ],
        ),
        hide_index=True,
        key="customer_list",
    )
    with_ids = shown.dropna(subset=["id"])
    if with_ids.empty:
        return
    labels = dict(zip(with_ids["id"], with_ids["name"].fillna(""), strict=True))
    st.subheader(tr("customers.pick"))
    chosen = st.selectbox(
        tr("customers.pick"),
        list(labels),
        format_func=lambda cid: f"{cid} · {labels[cid]}",
        key="customer_pick",
        label_visibility="collapsed",
    )
    if chosen:
        _history(view, str(chosen))


if __name__ == "__main__":
    render(current_view())
