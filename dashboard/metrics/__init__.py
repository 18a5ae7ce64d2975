"""Every number the dashboard shows, as pure functions of the frames (no Streamlit here).

``sheetcrm report funnel|sources`` calls the same functions, so the command line and the pages
always agree. Functions take the frames built by :mod:`dashboard.frames` and plain values (a
:class:`Period`, today's date); none reads a clock or a file.

This package is the one API the pages and the report use (``metrics.funnel(...)``); its
modules hold the functions by subject: :mod:`~dashboard.metrics.period` (period and filters),
:mod:`~dashboard.metrics.deals` (funnel, outcomes, lost reasons), :mod:`~dashboard.metrics.sources`,
:mod:`~dashboard.metrics.customers`, :mod:`~dashboard.metrics.follow_ups` (reminders),
:mod:`~dashboard.metrics.mail`, :mod:`~dashboard.metrics.overview` (KPIs) and
:mod:`~dashboard.metrics.quality`.

Conventions, chosen so the numbers are explainable to an owner:

* The funnel is a cohort: the deals *created* in the period, followed to wherever they are now.
* Marketing sources are cohorts too: the customers *created* in a month, by ``Customers.Source``;
  their won deals' value is that month's revenue for the source, set against that month's cost.
* Overview KPIs count events in the period (created, won, sent) and compare with the period of
  the same length just before it.
"""

from __future__ import annotations

from dashboard.metrics.counts import NOT_SET, value_counts
from dashboard.metrics.customers import (
    CustomerHistory,
    customer_history,
    lifecycle_counts,
    search_customers,
    segment_counts,
)
from dashboard.metrics.deals import (
    LOST,
    WON,
    DealTotals,
    competitors,
    deal_totals,
    deals_in_period,
    funnel,
    funnel_stages,
    lost_reasons,
    reached_stage,
    revenue_by_month,
    stage_durations,
)
from dashboard.metrics.follow_ups import (
    OVERDUE,
    REMINDER_COLUMNS,
    UPCOMING,
    reminders,
    reminders_by_manager,
)
from dashboard.metrics.mail import (
    SENT,
    campaign_results,
    mail_status_counts,
    remaining_quota,
    sent_in_last_day,
)
from dashboard.metrics.overview import KPI_KEYS, kpis
from dashboard.metrics.period import Period, filter_frames, filter_options
from dashboard.metrics.quality import problems_by_tab
from dashboard.metrics.sources import NO_SOURCE, SOURCE_COLUMNS, source_months, source_totals

__all__ = [
    "KPI_KEYS",
    "LOST",
    "NOT_SET",
    "NO_SOURCE",
    "OVERDUE",
    "REMINDER_COLUMNS",
    "SENT",
    "SOURCE_COLUMNS",
    "UPCOMING",
    "WON",
    "CustomerHistory",
    "DealTotals",
    "Period",
    "campaign_results",
    "competitors",
    "customer_history",
    "deal_totals",
    "deals_in_period",
    "filter_frames",
    "filter_options",
    "funnel",
    "funnel_stages",
    "kpis",
    "lifecycle_counts",
    "lost_reasons",
    "mail_status_counts",
    "problems_by_tab",
    "reached_stage",
    "remaining_quota",
    "reminders",
    "reminders_by_manager",
    "revenue_by_month",
    "search_customers",
    "segment_counts",
    "sent_in_last_day",
    "source_months",
    "source_totals",
    "stage_durations",
    "value_counts",
]
