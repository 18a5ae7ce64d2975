"""Mailings: the send budget left today, the mail log by status, and campaign results."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, metrics
from dashboard.tables import display_table, text_or_blank
from dashboard.unknown_view import unknown_cells, warn_unknown_of
from dashboard.unreadable import MAILINGS_PAGE, column_gaps
from dashboard.view import View, current_view

STATUSES = ("Planned", "Sent", "Failed", "Bounced", "Unknown", "Waiting")
LATEST = 200


def render(view: View) -> None:
    """Draw the page."""
    tr, frames = view.tr, view.frames
    st.title(tr("page.mailings"))
    # The send budget is the workbook's, whatever the sidebar filters say.
    log = view.everything.mail_log
    unknown = warn_unknown_of(view, MAILINGS_PAGE)
    word = tr("value.unknown")
    cap = frames.settings.daily_send_cap
    sent = metrics.sent_in_last_day(log, view.now_local)
    budget_known = "mail.quota" not in unknown
    cells = st.columns(2)
    cells[0].metric(
        tr("mail.quota"),
        tr.number(metrics.remaining_quota(log, cap, view.now_local)) if budget_known else word,
        help=tr("mail.quota_help", cap=cap, sent=sent) if budget_known else None,
        border=True,
    )
    cells[1].metric(tr("mail.sent_24h"), tr.number(sent) if budget_known else word, border=True)

    st.subheader(tr("mail.campaigns"))
    campaigns = metrics.campaign_results(frames.campaigns)
    if campaigns.empty:
        st.caption(word if "mail.campaigns" in unknown else tr("mail.no_campaigns"))
    else:
        st.dataframe(
            display_table(
                campaigns,
                unknown_cells(
                    view,
                    [
                        ("name", tr("col.campaign"), text_or_blank),
                        ("segment_filter", tr("col.segment_filter"), text_or_blank),
                        ("template", tr("col.template"), text_or_blank),
                        ("send_on", tr("col.send_on"), tr.date),
                        (
                            "approved",
                            tr("col.approved"),
                            lambda v: tr("yes") if v is True else tr("no"),
                        ),
                        ("status", tr("col.status"), text_or_blank),
                        ("sent", tr("col.sent"), tr.number),
                        ("failed", tr("col.failed"), tr.number),
                    ],
                    column_gaps("Campaigns", frames.gaps),
                ),
            ),
            hide_index=True,
            key="campaigns",
        )

    mail = frames.mail_log
    st.subheader(tr("mail.status"))
    if mail.empty:
        st.caption(word if "mail.status" in unknown else tr("mail.none"))
        return
    counts = metrics.mail_status_counts(mail, STATUSES)
    left, right = st.columns([1, 2])
    left.dataframe(
        display_table(
            counts, [("value", tr("col.status"), None), ("emails", tr("col.emails"), tr.number)]
        ),
        hide_index=True,
        key="mail_status",
    )
    right.plotly_chart(
        charts.bar_chart(counts["value"], counts["emails"], ""), key="mail_status_chart"
    )
    st.subheader(tr("mail.log", count=LATEST))
    latest = mail.assign(when=mail["sent_at"].fillna(mail["planned_at"]))
    latest = latest.sort_values("when", ascending=False, na_position="last").head(LATEST)
    st.dataframe(
        display_table(
            latest,
            [
                ("when", tr("col.when"), tr.datetime),
                ("to", tr("col.to"), text_or_blank),
                ("subject", tr("col.subject"), text_or_blank),
                ("status", tr("col.status"), text_or_blank),
                ("template", tr("col.template"), text_or_blank),
                ("error", tr("col.error"), text_or_blank),
            ],
        ),
        hide_index=True,
        key="mail_log",
    )


if __name__ == "__main__":
    render(current_view())
