"""Customers: lifecycle and RFM segments, a searchable list, and one customer's history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, metrics
from dashboard.group_by import render_group_by
from dashboard.tables import Column, display_table, plain, text_or_blank
from dashboard.unknown_view import unknown_cells, warn_unknown_of
from dashboard.unreadable import CUSTOMERS_PAGE, column_gaps
from dashboard.view import View, current_view
from sheet_schema.labels import canonical_values

LIFECYCLES = canonical_values("lifecycle")
SHOWN = 500  # rows drawn at once; the search narrows the rest
# The sheet tabs the history's tabs are read from.
HISTORY = ("Deals", "Interactions", "Mail log")


def _counts(view: View, counts: pd.DataFrame, title: str, key: str, unknown: bool) -> None:
    tr = view.tr
    st.subheader(title)
    if unknown:  # the column cannot be read: the warning above says why
        st.caption(tr("value.unknown"))
        return
    filled = counts[counts["value"] != metrics.NOT_SET]
    if filled.empty:
        st.info(tr("customers.not_filled"))
        return
    shown = counts["value"].map(lambda value: tr.label(key, value))
    st.plotly_chart(charts.bar_chart(shown, counts["customers"], ""), key=f"{key}_chart")


def _history(view: View, customer_id: str, unknown: set[str]) -> None:
    tr = view.tr
    history = metrics.customer_history(view.frames, customer_id)
    if history is None:
        return
    person = history.customer
    st.markdown(f"**{plain(person['name'])}** · {plain(person['id'])} · {plain(person['email'])}")
    paid = history.revenue
    st.metric(
        tr("col.revenue"),
        tr("value.unknown") if "revenue" in unknown else tr.money(paid.amount),
        delta=None
        if "revenue" in unknown
        else tr.incomplete(paid.deals_without_value, paid.purchases_without_amount) or None,
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
    unreadable = {gap.tab for gap in view.frames.gaps if gap.column is None}
    shown = zip(tabs, HISTORY, parts, strict=True)
    for index, (tab, name, (frame, columns)) in enumerate(shown):
        with tab:
            if name in unreadable:  # the tab cannot be read: unknown, not "nothing recorded"
                st.caption(tr("value.unknown"))
            elif frame.empty:
                st.caption(tr("customers.nothing"))
            else:
                missing = column_gaps(name, view.frames.gaps)
                st.dataframe(
                    display_table(frame, unknown_cells(view, columns, missing)),
                    hide_index=True,
                    key=f"history_{index}",
                )


def _list_columns(view: View) -> list[Column]:
    tr = view.tr
    return [
        ("id", tr("col.id"), None),
        ("name", tr("col.name"), text_or_blank),
        ("company", tr("col.company"), text_or_blank),
        ("email", tr("col.email"), text_or_blank),
        ("phone", tr("col.phone"), text_or_blank),
        ("source", tr("col.source"), tr.value),  # "Google (not in the list)", translated
        ("manager", tr("col.manager"), text_or_blank),
        ("created", tr("col.created"), tr.date),
        ("lifecycle", tr("col.lifecycle"), lambda v: tr.label("lifecycle", v)),
        ("segment", tr("col.segment"), lambda v: tr.label("segment", v)),
        ("last_contact", tr("col.last_contact"), tr.date),
    ]


def render(view: View) -> None:
    """Draw the page."""
    tr, customers = view.tr, view.frames.customers
    st.title(tr("page.customers"))
    # A column missing from the Customers header row is unknown in the list, never blank.
    missing = column_gaps("Customers", view.frames.gaps)
    unknown = warn_unknown_of(
        view, {**CUSTOMERS_PAGE, **{key: (("Customers", key),) for key in missing}}
    )
    left, right = st.columns(2)
    with left:
        _counts(
            view,
            metrics.lifecycle_counts(customers, LIFECYCLES),
            tr("customers.lifecycle"),
            "lifecycle",
            "lifecycle" in unknown,
        )
    with right:
        _counts(
            view,
            metrics.segment_counts(customers),
            tr("customers.segments"),
            "segment",
            "segment" in unknown,
        )
    render_group_by(view, "customers")
    if "customers" in unknown:  # the tab cannot be read: who the customers are is unknown
        return

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
        display_table(shown, unknown_cells(view, _list_columns(view), unknown)),
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
        _history(view, str(chosen), unknown)


if __name__ == "__main__":
    render(current_view())
