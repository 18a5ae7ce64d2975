"""``sheetcrm report overview|funnel|sources|customers``: the dashboard's numbers on the command
line, for a period, cut by any column, as a table, JSON or CSV.

The figures come from the same :mod:`dashboard.metrics` functions the pages use, so a script can
check or export exactly what the owner sees. Every report says which date its period filters on
(:data:`~dashboard.metrics.summaries.FILTERS_ON`); times are in the workbook's time zone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import pandas as pd

from dashboard import metrics
from dashboard.frames import DASHBOARD_TABS, INTERACTIONS, Frames, build_frames
from dashboard.i18n import Translator
from dashboard.metrics.cuts import resolve_cut
from dashboard.metrics.summaries import COUNTS, SHARE_COLUMNS, ReportKind, by_table, summary
from dashboard.report_format import csv_text, mark_unknown, plain, records, text_table
from dashboard.unreadable import UNKNOWN, table_unknowns, unknown_figures, warnings
from sheet_schema.formatting import counted as count_of
from sheet_schema.lists import PURCHASE
from sheet_schema.model import Snapshot
from sheet_schema.reading import RowFilter
from sheet_schema.schema import load_schema

__all__ = ["ReportRequest", "funnel_report", "records", "render_report", "sources_report"]

Format = Literal["table", "json", "csv"]
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
    return {
        **_head(frames, "funnel", period),
        "stages": records(
            metrics.funnel(
                frames.deals, frames.stage_history, frames.stages, period, day, frames.open_stages
            )
        ),
        "deals": totals.deals,
        "won": totals.won,
        "lost": totals.lost,
        "open": totals.open,
        "win_rate": totals.won / decided if decided else None,
        "won_value": totals.won_value,
        "won_without_value": totals.won_without_value,
        "lost_at_unknown": _lost_at_unknown(frames, period),
        "cycle_time": _cycle_time(frames, period, day),
        "lost_reasons": records(metrics.lost_reasons(frames.deals, period)),
        "competitors": records(metrics.competitors(frames.deals, period)),
    }


def _lost_at_unknown(frames: Frames, period: metrics.Period) -> int:
    cohort = metrics.deals_in_period(frames.deals, period)
    reached = metrics.reached_stage(cohort, frames.stage_history, frames.stages)
    lost = cohort["stage_meaning"] == metrics.LOST
    return int((lost.to_numpy() & reached["lost_at"].isna().to_numpy()).sum())


def _cycle_time(frames: Frames, period: metrics.Period, as_of: date) -> dict[str, object]:
    """Days from Created to Won/Lost of the period's decided deals, and how many of them were
    dated by Stage history and how many by the deals' own dates (Closed, Stage since), for all
    decided deals (``deals``, ``sources``) and for the won ones the mean and median are about
    (``won_deals``, ``won_sources``); and where
    the start of each open deal's current stay came from (Stage history, Stage since, Created)."""
    cohort = metrics.deals_in_period(frames.deals, period)
    times = metrics.cycle_times(cohort, frames.stage_history)
    won_times = times[times["meaning"] == metrics.WON]
    won = won_times["days"]
    stays = metrics.stay_sources(
        frames.deals, frames.stage_history, frames.open_stages, period, as_of
    )
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
    return {
        **_head(frames, "sources", period),
        "totals": records(metrics.source_totals(*args)),
        "months": records(metrics.source_months(*args)),
    }


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
        "months": records(metrics.revenue_by_month(sales, period)),
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
    return frames.replace_tables(customers=customers)


def build_report(
    snapshot: Snapshot, kind: ReportKind, request: ReportRequest
) -> tuple[dict[str, object], pd.DataFrame | None]:
    """The report document and, with ``request.by``, its table by group."""
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
    table = None
    if request.by:
        cut = resolve_cut(frames, request.by)
        table = by_table(kind, frames, request.period, cut, lifecycles, sales)
        data["by"] = {"cut": request.by, "rows": records(table)}
    # What depends on a tab or column that could not be read is unknown (null), never 0.
    data["unreadable"] = warnings(unknown_figures(kind, frames.gaps))
    # The summary counts each lifecycle stage of the customers: unknown with them.
    unknown = table_unknowns(kind, frames.gaps, [*lifecycles, metrics.NOT_SET])
    data["unknown"] = sorted(unknown)
    mark_unknown(data, set(unknown), None)
    return data, table


def _main_rows(
    data: Mapping[str, object], kind: ReportKind
) -> tuple[list[dict[str, object]], list[str]]:
    if kind == "overview":
        kpis = data["kpis"]
        assert isinstance(kpis, dict)
        return [{"kpi": k, "current": v} for k, v in kpis.items()], ["kpi", "current"]
    key = {"funnel": "stages", "sources": "totals", "customers": "lifecycle"}
    rows = data[key[kind]]
    if not isinstance(rows, list):  # unknown: a tab or column it needs cannot be read
        return [], []
    columns = list(rows[0]) if rows else []
    return rows, columns


def _period_text(data: Mapping[str, object]) -> str:
    period = data["period"]
    assert isinstance(period, dict)
    if not period["start"] and not period["end"]:
        span = "all time"
    else:
        span = f"{period['start'] or 'the beginning'} to {period['end'] or 'the end'}"
    as_of = f"; lifecycle and segments as of {data['as_of']}" if data.get("as_of") else ""
    return f"{span}{as_of}.\n{data['period_basis']}"


def _text(data: Mapping[str, object], kind: ReportKind, table: pd.DataFrame | None) -> str:
    head = (
        f"{kind.title()} report for {data['source']} (read {data['read_at']}, "
        f"{data['time_zone']}): {_period_text(data)}"
    )
    parts = [head]
    unreadable = data.get("unreadable")
    if isinstance(unreadable, list) and unreadable:
        parts.append("\n".join(str(line) for line in unreadable))
    if kind == "funnel":
        stages = data["stages"]
        reasons = data["lost_reasons"]
        rivals = data["competitors"]
        if isinstance(stages, list):
            columns = ["stage", "reached", "conversion", "overall", "lost_here", "median_days"]
            parts.append(text_table(stages, columns, SHARE_COLUMNS))
        else:
            parts.append(f"Stages reached: {stages}.")
        rate = data["win_rate"]
        shown = rate if isinstance(rate, str) else _share(rate)
        without = data["won_without_value"]
        missing = without if isinstance(without, int) else 0
        parts.append(
            f"Deals opened {data['deals']}: won {data['won']}, lost {data['lost']}, "
            f"open {data['open']}; win rate {shown}; won value of the deals opened "
            f"{_money(data['won_value'])} {data['currency']}"
            + (f" ({_EN.incomplete(missing, 0)})." if missing else ".")
        )
        cycle = data["cycle_time"]
        if not isinstance(cycle, dict):
            parts.append(f"Days from Created to won: {cycle}.")
            return "\n\n".join(parts)
        counted = ", ".join(f"{n} from {k}" for k, n in sorted(cycle["won_sources"].items()))
        stays = ", ".join(f"{n} from {k}" for k, n in sorted(cycle["open_stays"].items()))
        parts.append(
            f"Days from Created to won: mean {_money(cycle['won_mean_days'])}, median "
            f"{_money(cycle['won_median_days'])} ({count_of(cycle['won_deals'], 'won deal')}: "
            f"{counted or 'none dated'}). Median days in stage: finished stays from Stage "
            f"history ({count_of(cycle['finished_stays_from_history'], 'stay')}); open deals' "
            "current stays "
            f"to {cycle['open_stays_as_of']} ({stays or 'no open deal dated'}). "
            f"Lost at an unknown stage: {data['lost_at_unknown']}."
        )
        if isinstance(reasons, list) and reasons:
            parts += ["Lost reasons:", text_table(reasons, ["reason", "deals", "value"])]
        if isinstance(rivals, list) and rivals:
            parts += ["Competitors:", text_table(rivals, ["competitor", "deals", "value"])]
    elif kind == "sources":
        totals = data["totals"]
        assert isinstance(totals, list)
        shown_rows = [dict(r) for r in totals]
        for row in shown_rows:
            if not row["has_cost"]:
                row["cost"] = "no cost data"
        columns = ["source", "leads", "customers_won", "revenue", "missing", "cost"]
        columns += ["cost_per_lead", "cost_per_customer", "roi"]
        parts.append(text_table(shown_rows, columns, SHARE_COLUMNS))
        parts.append(
            f"Money in {data['currency']}; roi = (revenue - cost) / cost, none when a sale "
            "has no amount (missing)."
        )
    else:
        rows, columns = _main_rows(data, kind)
        shares = set(SHARE_COLUMNS)
        if kind == "overview":
            rows = [{**r, "current": _kpi_cell(r, "current")} for r in rows]
            revenue = f"Won revenue {_money(data['won_revenue'])} {data['currency']}"
            if data["incomplete"]:
                revenue += f" ({data['incomplete']})"
            parts.append(revenue + ".")
        else:
            parts.append(f"Customers {data['customers']}.")
        parts.append(text_table(rows, columns, shares))
    if table is not None:
        by = data["by"]
        assert isinstance(by, dict)
        rows = by["rows"]
        parts += [f"By {by['cut']}:", text_table(rows, list(table.columns), SHARE_COLUMNS)]
    return "\n\n".join(parts)


def _kpi_cell(row: Mapping[str, object], column: str) -> object:
    value = row.get(column)
    if row.get("kpi") == "win_rate" and isinstance(value, (int, float)):
        return f"{100 * value:.1f} %"
    return value


def _money(value: object) -> str:
    if isinstance(value, str):  # "unknown"
        return value
    return "-" if value is None else f"{float(str(value)):,.2f}"


def _share(value: object) -> str:
    return "-" if value is None else f"{100 * float(str(value)):.1f} %"


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
    data, table = build_report(snapshot, kind, request)
    lines = list(data["unreadable"])  # type: ignore[call-overload]
    return _render(data, kind, table, fmt), lines


def _render(
    data: dict[str, object], kind: ReportKind, table: pd.DataFrame | None, fmt: Format
) -> str:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
    unknown = data["unknown"]
    assert isinstance(unknown, list)
    mark_unknown(data, {str(u) for u in unknown}, UNKNOWN)
    if fmt == "csv":
        if table is not None:
            by = data["by"]
            assert isinstance(by, dict)
            return csv_text(by["rows"], list(table.columns), SHARE_COLUMNS)
        rows, columns = _main_rows(data, kind)
        if kind == "overview":  # the win rate is a row here, not a column: % as in the table
            rows = [{**r, "current": _kpi_cell(r, "current")} for r in rows]
        return csv_text(rows, columns, SHARE_COLUMNS)
    return _text(data, kind, table)
