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

* Revenue is every sale once (won deals and Purchase interactions, by the rule of
  :mod:`sheet_schema.revenue`), dated by the day the deal closed or the purchase happened, and
  attributed to the deal's own Source and Manager, else its customer's
  (:mod:`~dashboard.metrics.revenue`). "Won revenue" is this figure on every page and report.
  A sale with no amount is counted as missing ("incomplete"), never as zero.
* The funnel is a cohort: the deals *opened* (created) in the period, followed to wherever they
  are now; the value of those of them that are won is "won value of the deals opened".
* Marketing sources count each figure on its own date: leads by the month the customer was
  created, revenue and customers won by the month of the sale, set against that month's cost.
* Overview KPIs count events in the period (created, closed, sold, sent) and compare with the
  period of the same length just before it.
* Each page and report says which date its period filters on (``basis.*`` in
  :mod:`dashboard.strings`).
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
    DealTotals,
    StaySources,
    competitors,
    cycle_times,
    deal_totals,
    deals_in_period,
    funnel,
    funnel_and_stays,
    funnel_stages,
    lost_reasons,
    reached_stage,
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
from dashboard.metrics.overview import KPI_KEYS, closed_on, kpis
from dashboard.metrics.period import Period, filter_frames, filter_options
from dashboard.metrics.quality import problems_by_tab
from dashboard.metrics.revenue import (
    Revenue,
    first_sales,
    revenue,
    revenue_by_customer,
    revenue_by_month,
    revenue_by_month_with_undated,
    sales_frame,
    sales_in_period,
)
from dashboard.metrics.sources import (
    NO_SOURCE,
    SOURCE_COLUMNS,
    source_months,
    source_months_with_undated,
    source_totals,
)
from dashboard.metrics.velocity import current_stays
from sheet_schema.lists import LOST, WON

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
    "Revenue",
    "StaySources",
    "campaign_results",
    "closed_on",
    "competitors",
    "current_stays",
    "customer_history",
    "cycle_times",
    "deal_totals",
    "deals_in_period",
    "filter_frames",
    "filter_options",
    "first_sales",
    "funnel",
    "funnel_and_stays",
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
    "revenue",
    "revenue_by_customer",
    "revenue_by_month",
    "revenue_by_month_with_undated",
    "sales_frame",
    "sales_in_period",
    "search_customers",
    "segment_counts",
    "sent_in_last_day",
    "source_months",
    "source_months_with_undated",
    "source_totals",
    "stage_durations",
    "value_counts",
]
