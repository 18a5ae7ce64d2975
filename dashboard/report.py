"""``sheetcrm report funnel|sources``: the dashboard's numbers on the command line.

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
from sheet_schema.model import Snapshot

ReportKind = Literal["funnel", "sources"]


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


def funnel_report(frames: Frames, period: metrics.Period) -> dict[str, object]:
    """The funnel page's numbers as one JSON-ready dict."""
    totals = metrics.deal_totals(frames.deals, period)
    return {
        "report": "funnel",
        "source": frames.source,
        "read_at": frames.read_at.isoformat(),
        "period": period.to_json(),
        "currency": frames.settings.currency,
        "stages": records(
            metrics.funnel(frames.deals, frames.stage_history, frames.stages, period)
        ),
        "deals": totals.deals,
        "won": totals.won,
        "lost": totals.lost,
        "open": totals.open,
        "won_revenue": totals.won_revenue,
        "lost_reasons": records(metrics.lost_reasons(frames.deals, period)),
        "competitors": records(metrics.competitors(frames.deals, period)),
    }


def sources_report(frames: Frames, period: metrics.Period) -> dict[str, object]:
    """The marketing-sources page's numbers as one JSON-ready dict."""
    args = (frames.customers, frames.deals, frames.sources, period)
    return {
        "report": "sources",
        "source": frames.source,
        "read_at": frames.read_at.isoformat(),
        "period": period.to_json(),
        "currency": frames.settings.currency,
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
    head = f"{kind.title()} report for {data['source']} (read {data['read_at']}), all time."
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
            f"Deals {data['deals']}: won {data['won']}, lost {data['lost']}, open {data['open']}; "
            f"won revenue {_cell(data['won_revenue'])} {data['currency']}.",
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
    columns = ["source", "leads", "customers_won", "revenue", "cost"]
    columns += ["cost_per_lead", "cost_per_customer", "roi"]
    return "\n\n".join(
        [
            head,
            text_table(totals, columns),
            f"Money in {data['currency']}; roi = (revenue - cost) / cost.",
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
    data = funnel_report(frames, period) if kind == "funnel" else sources_report(frames, period)
    if as_json:
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
    return _text(data, kind)
