"""``sheetcrm report overview|funnel|sources``: the dashboard's numbers on the command line.

The figures come from the same :mod:`dashboard.metrics` functions the pages use, over all time,
so a script can check or export exactly what the owner sees.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import pandas as pd

from dashboard import metrics
from dashboard.frames import Frames, build_frames
from dashboard.i18n import Translator
from sheet_schema.model import Snapshot

ReportKind = Literal["overview", "funnel", "sources"]
REPORT_KINDS: tuple[ReportKind, ...] = ("overview", "funnel", "sources")
# The report is English; the same sentences as the dashboard's captions.
_EN = Translator("en")


def _plain(value: object) -> object:
    """A JSON-ready value: NaN/NaT become null, timestamps ISO text, numpy numbers Python ones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def records(table: pd.DataFrame) -> list[dict[str, object]]:
    """A frame as a list of JSON-ready dicts (months as YYYY-MM)."""
    return [
        {str(key): _plain(value) for key, value in row.items()}
        for row in table.to_dict(orient="records")
    ]


def _head(frames: Frames, kind: ReportKind, period: metrics.Period) -> dict[str, object]:
    return {
        "report": kind,
        "source": frames.source,
        "read_at": frames.read_at.isoformat(),
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


def overview_report(frames: Frames, period: metrics.Period) -> dict[str, object]:
    """The overview page's numbers as one JSON-ready dict."""
    sales = metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    kpis = metrics.kpis(frames, period, sales)
    return {
        **_head(frames, "overview", period),
        "kpis": {str(k): _plain(v) for k, v in zip(kpis["kpi"], kpis["current"], strict=True)},
        **_revenue(metrics.revenue(metrics.sales_in_period(sales, period))),
        "months": records(metrics.revenue_by_month(sales, period)),
    }


def funnel_report(frames: Frames, period: metrics.Period) -> dict[str, object]:
    """The funnel page's numbers as one JSON-ready dict.

    ``won_value`` is the Value of the won deals among those opened in the period (the funnel's
    cohort); it is not ``won_revenue``, which the overview report counts by close date.
    """
    totals = metrics.deal_totals(frames.deals, period)
    return {
        **_head(frames, "funnel", period),
        "stages": records(
            metrics.funnel(frames.deals, frames.stage_history, frames.stages, period)
        ),
        "deals": totals.deals,
        "won": totals.won,
        "lost": totals.lost,
        "open": totals.open,
        "won_value": totals.won_value,
        "won_without_value": totals.won_without_value,
        "lost_reasons": records(metrics.lost_reasons(frames.deals, period)),
        "competitors": records(metrics.competitors(frames.deals, period)),
    }


def sources_report(frames: Frames, period: metrics.Period) -> dict[str, object]:
    """The marketing-sources page's numbers as one JSON-ready dict."""
    sales = metrics.sales_frame(frames.customers, frames.deals, frames.interactions)
    args = (frames.customers, sales, frames.sources, period)
    return {
        **_head(frames, "sources", period),
        "totals": records(metrics.source_totals(*args)),
        "months": records(metrics.source_months(*args)),
    }


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def text_table(rows: list[dict[str, object]], columns: list[str]) -> str:
    """Rows as a plain aligned text table."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _text(data: Mapping[str, object], kind: ReportKind) -> str:
    head = (
        f"{kind.title()} report for {data['source']} (read {data['read_at']}), all time.\n"
        f"{data['period_basis']}"
    )
    if kind == "overview":
        kpis = data["kpis"]
        assert isinstance(kpis, dict)
        revenue = f"Won revenue {_cell(data['won_revenue'])} {data['currency']}"
        if data["incomplete"]:
            revenue += f" ({data['incomplete']})"
        lines = [f"{key}: {_cell(value)}" for key, value in kpis.items() if key != "won_revenue"]
        return "\n\n".join([head, revenue + ".", "\n".join(lines)])
    if kind == "funnel":
        stages = data["stages"]
        reasons = data["lost_reasons"]
        rivals = data["competitors"]
        assert isinstance(stages, list) and isinstance(reasons, list) and isinstance(rivals, list)
        parts = [
            head,
            text_table(
                stages, ["stage", "reached", "conversion", "overall", "lost_here", "median_days"]
            ),
            f"Deals opened {data['deals']}: won {data['won']}, lost {data['lost']}, "
            f"open {data['open']}; won value of the deals opened "
            f"{_cell(data['won_value'])} {data['currency']}"
            + (
                f" ({_EN.incomplete(int(str(data['won_without_value'])), 0)})."
                if data["won_without_value"]
                else "."
            ),
        ]
        if reasons:
            parts += ["Lost reasons:", text_table(reasons, ["reason", "deals", "value"])]
        if rivals:
            parts += ["Competitors:", text_table(rivals, ["competitor", "deals", "value"])]
        return "\n\n".join(parts)
    totals = data["totals"]
    assert isinstance(totals, list)
    for row in totals:
        if not row["has_cost"]:
            row["cost"] = "no cost data"
    columns = ["source", "leads", "customers_won", "revenue", "missing", "cost"]
    columns += ["cost_per_lead", "cost_per_customer", "roi"]
    return "\n\n".join(
        [
            head,
            text_table(totals, columns),
            f"Money in {data['currency']}; roi = (revenue - cost) / cost, none when a sale "
            "has no amount (missing).",
        ]
    )


def render_report(snapshot: Snapshot, kind: ReportKind, as_json: bool, now: datetime) -> str:
    """The report as text, or as one JSON document with ``as_json``.

    ``now`` is accepted so every report can later be relative to the current time; the funnel
    and sources reports cover all time.
    """
    del now  # all-time reports do not depend on the clock
    frames = build_frames(snapshot)
    period = metrics.Period()
    build = {"overview": overview_report, "funnel": funnel_report, "sources": sources_report}
    data = build[kind](frames, period)
    if as_json:
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
    return _text(data, kind)
