"""``sheetcrm report overview|funnel|sources|customers``: the dashboard's numbers on the command
line, for a period, cut by any column, as a table, JSON or CSV.

The figures come from the same :mod:`dashboard.metrics` functions the pages use, so a script can
check or export exactly what the owner sees. Every report says which date its period filters on
(:data:`~dashboard.metrics.summaries.FILTERS_ON`); times are in the workbook's time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import pandas as pd

from dashboard import metrics
from dashboard.frames import DASHBOARD_TABS, INTERACTIONS, Frames, build_frames
from dashboard.i18n import Translator
from dashboard.metrics.cuts import resolve_cut
from dashboard.metrics.summaries import (
    COUNTS,
    NO_DATE,
    ReportKind,
    by_table,
    summary,
)
from dashboard.report_format import mark_unknown, plain, records
from dashboard.report_text import Format, render
from dashboard.unreadable import (
    fallback_columns,
    fallback_warnings,
    table_unknowns,
    unknown_figures,
    warnings,
)
from sheet_schema.lists import PURCHASE
from sheet_schema.model import Snapshot
from sheet_schema.reading import RowFilter
from sheet_schema.schema import load_schema

__all__ = ["ReportRequest", "funnel_report", "records", "render_report", "sources_report"]

REPORT_KINDS: tuple[ReportKind, ...] = ("overview", "funnel", "sources", "customers")
# The report is English; the same sentences as the dashboard's captions.
_EN = Translator("en")


@dataclass(frozen=True)
class ReportRequest:
    """What ``sheetcrm report`` was asked for beyond the kind."""

    period: metrics.Period = field(default_factory=metrics.Period)
    by: str | None = None
    fmt: Format = "table"
    as_of: date | None = None
    # Customer ID -> (lifecycle, segment) computed as of ``as_of`` by the bot's rules.
    lifecycles: Mapping[str, tuple[str, str]] | None = None
    # The tabs the snapshot was read for (:func:`report_tabs`); None: every dashboard tab.
    tabs: tuple[str, ...] | None = None


def report_tabs(kind: ReportKind, as_of: bool = False) -> tuple[str, ...]:
    """The tabs a report needs, so the command reads only those: the funnel needs no
    Interactions, only the overview needs the Mail log, only the funnel Stage history; sales
    (revenue) and ``--as-of`` need Interactions."""
    tabs = ["Customers", "Deals"]
    if kind in ("overview", "sources"):
        tabs += ["Sources", "Interactions"]
    elif as_of:
        tabs.append("Interactions")
    if kind == "funnel":
        tabs.append("Stage history")
    if kind == "overview":
        tabs.append("Mail log")
    return tuple(tabs)


def report_rows(kind: ReportKind, as_of: bool = False) -> dict[str, RowFilter]:
    """The rows a report needs of the tabs it reads: of Interactions, the overview and the
    sources count only the Purchases (their sales), so the command reads only those (on 50,000
    customers, 27,000 of 167,000 rows); with ``--as-of`` every row, as each contact counts for
    the lifecycle."""
    if as_of or kind not in ("overview", "sources"):
        return {}
    return {INTERACTIONS: RowFilter("kind", frozenset({PURCHASE}))}


def _head(frames: Frames, kind: ReportKind, period: metrics.Period) -> dict[str, object]:
    zone = frames.settings.zone
    return {
        "report": kind,
        "source": frames.source,
        "read_at": frames.read_at.astimezone(zone).isoformat(),
        "time_zone": frames.settings.time_zone,
        "period": period.to_json(),
        "period_basis": _EN(f"basis.{kind}"),
        "currency": frames.settings.currency,
    }


def _revenue(known: metrics.Revenue) -> dict[str, object]:
    """A revenue figure with what it misses ("incomplete" says it in words, "" when complete)."""
    return {
        "won_revenue": known.amount,
        "deals_without_value": known.deals_without_value,
        "purchases_without_amount": known.purchases_without_amount,
        "incomplete": _EN.incomplete(known.deals_without_value, known.purchases_without_amount),
    }


def read_day(frames: Frames) -> date:
    """The day the workbook was read, in its time zone: "now" for a report without --as-of."""
    return frames.read_at.astimezone(frames.settings.zone).date()


def funnel_report(
    frames: Frames, period: metrics.Period, as_of: date | None = None
) -> dict[str, object]:
    """The funnel page's numbers as one JSON-ready dict (win rate = won / (won + lost)).

    ``won_value`` is the Value of the won deals among those opened in the period (the funnel's
    cohort); it is not ``won_revenue``, which the overview report counts by close date. Days
    open deals have spent in their stage are counted to ``as_of`` (default: the day read).
    """
    totals = metrics.deal_totals(frames.deals, period)
    decided = totals.won + totals.lost
    day = as_of or read_day(frames)
    stages, stays = metrics.funnel_and_stays(
        frames.deals, frames.stage_history, frames.stages, period, day, frames.open_stages
    )
    return {
        **_head(frames, "funnel", period),
        "stages": records(stages),
        "deals": totals.deals,
        "won": totals.won,
        "lost": totals.lost,
        "open": totals.open,
        "win_rate": totals.won / decided if decided else None,
        "won_value": totals.won_value,
        "won_without_value": totals.won_without_value,
        "lost_at_unknown": _lost_at_unknown(frames, period),
        "cycle_time": _cycle_time(frames, period, stays),
        "lost_reasons": records(metrics.lost_reasons(frames.deals, period)),
        "competitors": records(metrics.competitors(frames.deals, period)),
    }


def _lost_at_unknown(frames: Frames, period: metrics.Period) -> int:
    cohort = metrics.deals_in_period(frames.deals, period)
    reached = metrics.reached_stage(cohort, frames.stage_history, frames.stages)
    lost = cohort["stage_meaning"] == metrics.LOST
    return int((lost.to_numpy() & reached["lost_at"].isna().to_numpy()).sum())


def _cycle_time(
    frames: Frames, period: metrics.Period, stays: metrics.StaySources
) -> dict[str, object]:
    """Days from Created to Won/Lost of the period's decided deals, and how many of them were
    dated by Stage history and how many by the deals' own dates (Closed, Stage since), for all
    decided deals (``deals``, ``sources``) and for the won ones the mean and median are about
    (``won_deals``, ``won_sources``); and where
    the start of each open deal's current stay came from (Stage history, Stage since, Created)."""
    cohort = metrics.deals_in_period(frames.deals, period)
    times = metrics.cycle_times(cohort, frames.stage_history)
    won_times = times[times["meaning"] == metrics.WON]
    won = won_times["days"]
    won_sources = won_times["source"].value_counts()
    return {
        "deals": len(times),
        "sources": {str(k): int(v) for k, v in times["source"].value_counts().items()},
        # The mean and median are of the won deals only: say how many, and how each was dated.
        "won_deals": len(won),
        "won_sources": {str(k): int(v) for k, v in won_sources.items()},
        "won_mean_days": float(won.mean()) if len(won) else None,
        "won_median_days": float(won.median()) if len(won) else None,
        "finished_stays_from_history": stays.finished,
        "open_stays": dict(stays.open_by_source),
        "open_stays_as_of": stays.as_of.isoformat(),
    }


def _sales(frames: Frames, sales: pd.DataFrame | None) -> pd.DataFrame:
    """The frames' sales table, unless the caller already has it."""
    if sales is None:
        return metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    return sales


def sources_report(
    frames: Frames, period: metrics.Period, sales: pd.DataFrame | None = None
) -> dict[str, object]:
    """The marketing-sources page's numbers as one JSON-ready dict (``sales``: the frames'
    :func:`~dashboard.metrics.revenue.sales_frame`, when the caller has it)."""
    sales = _sales(frames, sales)
    args = (frames.customers, sales, frames.sources, period)
    # Leads and sales without a date are the month "(no date)", as in --by month and on the
    # page, so the months add up to the totals.
    months = records(metrics.source_months_with_undated(*args))
    return {
        **_head(frames, "sources", period),
        "totals": records(metrics.source_totals(*args)),
        "months": _undated_as_no_date(months),
    }


def _undated_as_no_date(months: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows by month with the undated one's month (null) named "(no date)", as ``--by month``
    names its group."""
    for row in months:
        row["month"] = NO_DATE if row["month"] is None else row["month"]
    return months


def overview_report(
    frames: Frames, period: metrics.Period, sales: pd.DataFrame | None = None
) -> dict[str, object]:
    """The overview page's numbers as one JSON-ready dict (``sales`` as for the sources)."""
    sales = _sales(frames, sales)
    kpis = metrics.kpis(frames, period, sales)
    return {
        **_head(frames, "overview", period),
        "kpis": {
            str(k): _count_or_plain(str(k), v)
            for k, v in zip(kpis["kpi"], kpis["current"], strict=True)
        },
        **_revenue(metrics.revenue(metrics.sales_in_period(sales, period))),
        "months": _undated_as_no_date(
            records(metrics.revenue_by_month_with_undated(sales, period))
        ),
    }


def _count_or_plain(kpi: str, value: object) -> object:
    """A KPI as JSON: counts as whole numbers (6, not 6.0), the others as they are."""
    shown = plain(value)
    if kpi in COUNTS and isinstance(shown, float):
        return int(shown)
    return shown


def customers_report(
    frames: Frames, period: metrics.Period, sales: pd.DataFrame | None = None
) -> dict[str, object]:
    """Customers created in the period by lifecycle stage and by RFM segment."""
    customers = frames.customers[period.mask(frames.customers["created"])]
    lifecycles = load_schema().tab("Customers").column("lifecycle").choices
    return {
        **_head(frames, "customers", period),
        "customers": len(customers),
        "lifecycle": records(metrics.lifecycle_counts(customers, lifecycles)),
        "segments": records(metrics.segment_counts(customers)),
    }


# The reports other than the funnel (which takes ``as_of`` instead of the sales table).
Builder = Callable[[Frames, metrics.Period, pd.DataFrame | None], dict[str, object]]
BUILDERS: dict[str, Builder] = {
    "overview": overview_report,
    "sources": sources_report,
    "customers": customers_report,
}


def _as_of(frames: Frames, request: ReportRequest, counting_customers: bool = False) -> Frames:
    """The frames with Lifecycle and Segment replaced by their values as of ``request.as_of``
    (``counting_customers``: the customers report, which also leaves out later customers)."""
    if request.lifecycles is None:
        return frames
    found = request.lifecycles
    customers = frames.customers.copy()
    if counting_customers and request.as_of is not None and "created" in customers:
        # A customer created after the day was not one yet: left out, as the bot's rule leaves
        # them out (lifecycles_as_of), rather than counted under "(not set)". Unknown Created
        # (NaT) compares False: kept.
        customers = customers[~(customers["created"] > pd.Timestamp(request.as_of))]
    ids = customers["id"].astype(str)
    customers["lifecycle"] = ids.map(lambda c: found[c][0] if c in found else None)
    customers["segment"] = ids.map(lambda c: (found[c][1] or None) if c in found else None)
    # Computed, not read: a renamed or missing Lifecycle/Segment column leaves them known.
    computed = [("Customers", "lifecycle"), ("Customers", "segment")]
    gaps = tuple(g for g in frames.gaps if (g.tab, g.column) not in computed)
    return replace(frames.replace_tables(customers=customers), gaps=gaps)


def build_report(
    snapshot: Snapshot, kind: ReportKind, request: ReportRequest
) -> tuple[dict[str, object], pd.DataFrame | None, list[dict[str, object]]]:
    """The report document, with ``request.by`` its table by group, and the funnel's stage
    rows as computed before any figure was found unknown (the team's stages in order: the
    table and CSV show them, each figure unknown, when the deals' stages cannot be read)."""
    # Only the overview and the sources compute from Interactions (their sales); the funnel and
    # the customers report read it for ``--as-of`` lifecycles only. No report shows problems.
    tabs = request.tabs or DASHBOARD_TABS
    if kind not in ("overview", "sources"):
        tabs = tuple(name for name in tabs if name != INTERACTIONS)
    read = build_frames(snapshot, tabs=tabs, problems=False)
    frames = _as_of(read, request, counting_customers=kind == "customers")
    # The overview and the sources report count sales: the whole table is built once, for the
    # report, its summary and a month or quarter cut (50k customers: about 0.5 s each time).
    sales = _sales(frames, None) if kind in ("overview", "sources") else None
    if kind == "funnel":
        data = funnel_report(frames, request.period, request.as_of)
    else:
        data = BUILDERS[kind](frames, request.period, sales)
    data["as_of"] = request.as_of.isoformat() if request.as_of else None
    lifecycles = load_schema().tab("Customers").column("lifecycle").choices
    head = summary(kind, frames, request.period, lifecycles, sales)
    data["summary"] = records(pd.DataFrame([head]))[0]
    stage_rows = data["stages"] if kind == "funnel" else []
    assert isinstance(stage_rows, list)
    table = None
    cut = resolve_cut(frames, request.by) if request.by else None
    if cut is not None:
        table = by_table(kind, frames, request.period, cut, lifecycles, sales)
        data["by"] = {"cut": request.by, "rows": records(table)}
    # What depends on a tab or column that could not be read is unknown (null), never 0; a
    # deal column read from its customer instead is said too.
    used = fallback_columns(kind, cut.column if cut is not None else None)
    data["unreadable"] = [
        *warnings(unknown_figures(kind, frames.gaps)),
        *fallback_warnings(frames.gaps, used),
    ]
    # The summary counts each lifecycle stage of the customers: unknown with them.
    unknown = table_unknowns(kind, frames.gaps, [*lifecycles, metrics.NOT_SET])
    data["unknown"] = sorted(unknown)
    mark_unknown(data, set(unknown), None)
    return data, table, stage_rows


def render_report(
    snapshot: Snapshot,
    kind: ReportKind,
    as_json: bool = False,
    now: datetime | None = None,
    request: ReportRequest | None = None,
) -> str:
    """The report as a text table, one JSON document, or CSV (``request.fmt``; ``as_json`` is
    the older spelling of ``fmt="json"``). CSV is the table by group with ``--by``, else the
    report's main table. ``now`` is not used: the period and ``as_of`` are explicit."""
    del now
    text, _ = render_report_and_warnings(snapshot, kind, as_json, request)
    return text


def render_report_and_warnings(
    snapshot: Snapshot,
    kind: ReportKind,
    as_json: bool = False,
    request: ReportRequest | None = None,
) -> tuple[str, list[str]]:
    """:func:`render_report`'s text, and one line per tab or column that could not be read
    naming the figures it leaves unknown (also in the text: ``unreadable`` in JSON, lines in
    the table; "unknown" in the table's and the CSV's cells)."""
    request = request or ReportRequest()
    fmt: Format = "json" if as_json else request.fmt
    data, table, stage_rows = build_report(snapshot, kind, request)
    lines = list(data["unreadable"])  # type: ignore[call-overload]
    return render(data, kind, table, fmt, stage_rows), lines
