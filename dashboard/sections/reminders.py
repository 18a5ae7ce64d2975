"""Reminders: follow-ups that are overdue or coming up, by manager."""

from __future__ import annotations

import streamlit as st

from dashboard import metrics
from dashboard.tables import display_table, text_or_blank
from dashboard.unknown_view import warn_unknown_of
from dashboard.unreadable import REMINDERS_PAGE
from dashboard.view import View, current_view


def render(view: View) -> None:
    """Draw the page."""
    tr, frames = view.tr, view.frames
    window = frames.settings.reminder_window_days
    st.title(tr("page.reminders"))
    st.caption(tr("reminders.explain"))
    # Without the deals' follow-ups or the customers' next actions the lists are only part of
    # the reminders: their counts are unknown, and an empty list is not "none".
    unknown = warn_unknown_of(view, REMINDERS_PAGE)
    rows = metrics.reminders(frames.customers, frames.deals, view.today, window)
    overdue = rows[rows["status"] == metrics.OVERDUE]
    upcoming = rows[rows["status"] == metrics.UPCOMING]
    none = tr("value.unknown") if unknown else tr("reminders.none")

    def count(key: str, found: int) -> str:
        return tr("value.unknown") if key in unknown else tr.number(found)

    cells = st.columns(2)
    cells[0].metric(tr("col.overdue"), count("overdue", len(overdue)), border=True)
    cells[1].metric(tr("col.upcoming"), count("upcoming", len(upcoming)), border=True)
    st.subheader(tr("reminders.by_manager"))
    by_manager = metrics.reminders_by_manager(rows)
    if by_manager.empty:
        st.info(none)
    else:
        st.dataframe(
            display_table(
                by_manager,
                [
                    ("manager", tr("col.manager"), None),
                    ("overdue", tr("col.overdue"), tr.number),
                    ("upcoming", tr("col.upcoming"), tr.number),
                ],
            ),
            hide_index=True,
            key="by_manager",
        )
    columns = [
        ("due", tr("col.due"), tr.date),
        ("days", tr("col.days"), tr.number),
        ("kind", tr("col.kind"), lambda kind: tr(f"reminders.kind.{kind}")),
        ("id", tr("col.id"), text_or_blank),
        ("name", tr("col.name"), text_or_blank),
        ("manager", tr("col.manager"), text_or_blank),
        ("note", tr("col.note"), text_or_blank),
    ]
    for title, part, key in (
        (tr("reminders.overdue"), overdue, "overdue"),
        (tr("reminders.upcoming", days=window), upcoming, "upcoming"),
    ):
        st.subheader(title)
        if part.empty:
            st.caption(none)
        else:
            st.dataframe(display_table(part, columns), hide_index=True, key=key)


if __name__ == "__main__":
    render(current_view())
