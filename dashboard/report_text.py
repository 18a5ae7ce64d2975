"""How ``sheetcrm report`` writes a built report: one JSON document, CSV, or text (the headline
sentences, the main table and the table by group, with a note under it naming the groups whose
revenue misses amounts). The figures themselves are :mod:`dashboard.report`'s."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd

from dashboard.i18n import Translator
from dashboard.metrics.summaries import INCOMPLETE, SHARE_COLUMNS, ReportKind
from dashboard.report_format import csv_text, mark_unknown, text_table
from dashboard.unreadable import UNKNOWN
from sheet_schema.formatting import counted as count_of

Format = Literal["table", "json", "csv"]
# The report is English; the same sentences as the dashboard's captions.
_EN = Translator("en")


def _stage_rows(
    data: Mapping[str, object], stage_rows: Sequence[Mapping[str, object]]
) -> list[dict[str, object]]:
    """The funnel's table; when the deals' stages cannot be read (``stages`` is the unknown
    marker), one row per stage of the team's list (``stage_rows``) with every figure unknown,
    never an empty table, as the customers report lists each lifecycle stage."""
    rows = data["stages"]
    if isinstance(rows, list):
        return rows
    return [{k: (v if k == "stage" else rows) for k, v in row.items()} for row in stage_rows]


def _main_rows(
    data: Mapping[str, object],
    kind: ReportKind,
    stage_rows: Sequence[Mapping[str, object]] = (),
) -> tuple[list[dict[str, object]], list[str]]:
    if kind == "funnel":
        stages = _stage_rows(data, stage_rows)
        return stages, list(stages[0]) if stages else []
    if kind == "overview":
        kpis = data["kpis"]
        assert isinstance(kpis, dict)
        return [{"kpi": k, "current": v} for k, v in kpis.items()], ["kpi", "current"]
    key = {"funnel": "stages", "sources": "totals", "customers": "lifecycle"}
    rows = data[key[kind]]
    if not isinstance(rows, list) and kind == "customers":
        # Each stage's count is unknown (the summary says so by stage): one row each, never
        # an empty table nor every customer "(not set)".
        head = data["summary"]
        assert isinstance(head, dict)
        stages = [k for k in head if k != "customers"]
        return [{"value": k, "customers": head[k]} for k in stages], ["value", "customers"]
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
    as_of = ""
    if data.get("as_of"):
        # --as-of means a different thing per report: say which.
        if data["report"] == "funnel":
            as_of = f"; days in stage of the open deals counted to {data['as_of']}"
        else:
            as_of = f"; lifecycle and segments as of {data['as_of']}"
    return f"{span}{as_of}.\n{data['period_basis']}"


def _text(
    data: Mapping[str, object],
    kind: ReportKind,
    table: pd.DataFrame | None,
    stage_rows: Sequence[Mapping[str, object]] = (),
) -> str:
    head = (
        f"{kind.title()} report for {data['source']} (read {data['read_at']}, "
        f"{data['time_zone']}): {_period_text(data)}"
    )
    parts = [head]
    unreadable = data.get("unreadable")
    if isinstance(unreadable, list) and unreadable:
        parts.append("\n".join(str(line) for line in unreadable))
    if kind == "funnel":
        stages = _stage_rows(data, stage_rows)
        reasons = data["lost_reasons"]
        rivals = data["competitors"]
        if stages:
            columns = ["stage", "reached", "conversion", "overall", "lost_here", "median_days"]
            parts.append(text_table(stages, columns, SHARE_COLUMNS))
        else:
            parts.append(f"Stages reached: {data['stages']}.")
        rate = data["win_rate"]
        shown = rate if isinstance(rate, str) else _share(rate)
        without = data["won_without_value"]
        # An unknown won value is not "incomplete": it is not there at all.
        missing = (
            without if isinstance(without, int) and not isinstance(data["won_value"], str) else 0
        )
        parts.append(
            f"Deals opened {data['deals']}: won {data['won']}, lost {data['lost']}, "
            f"open {data['open']}; win rate {shown}; won value of the deals opened "
            f"{_amount(data['won_value'], data['currency'])}"
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
            revenue = f"Won revenue {_amount(data['won_revenue'], data['currency'])}"
            if data["incomplete"] and not isinstance(data["won_revenue"], str):
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
        note = _incomplete_groups(kind, rows)
        if note:
            parts.append(note)
    return "\n\n".join(parts)


def _incomplete_groups(kind: ReportKind, rows: list[dict[str, object]]) -> str:
    """Under a table by group, which revenue figures add known amounts only (a group whose
    only sale has no amount reads 0.00)."""
    if kind not in INCOMPLETE:
        return ""
    figure, count = INCOMPLETE[kind]
    groups = [str(r["group"]) for r in rows if isinstance(r.get(count), int) and r[count]]
    if not groups:
        return ""
    shown = ", ".join(groups[:6]) + (f" and {len(groups) - 6} more" if len(groups) > 6 else "")
    what = "won deals" if kind == "funnel" else "sales"
    return (
        f"Incomplete {figure} in {shown}: it adds the known amounts only; {count} says how many "
        f"{what} of the group have no amount."
    )


def _kpi_cell(row: Mapping[str, object], column: str) -> object:
    value = row.get(column)
    if row.get("kpi") == "win_rate" and isinstance(value, (int, float)):
        return f"{100 * value:.1f} %"
    return value


def _money(value: object) -> str:
    if isinstance(value, str):  # "unknown"
        return value
    return "-" if value is None else f"{float(str(value)):,.2f}"


def _amount(value: object, currency: object) -> str:
    """Money with its currency ("1,200.00 EUR"); an unknown figure is just "unknown"."""
    shown = _money(value)
    return shown if isinstance(value, str) else f"{shown} {currency}"


def _share(value: object) -> str:
    return "-" if value is None else f"{100 * float(str(value)):.1f} %"


def render(
    data: dict[str, object],
    kind: ReportKind,
    table: pd.DataFrame | None,
    fmt: Format,
    stage_rows: Sequence[Mapping[str, object]] = (),
) -> str:
    """A built report (:func:`dashboard.report.build_report`) as JSON, CSV (the table by group
    when there is one, else the report's main table) or text; unknown figures are null in JSON
    and "unknown" in the others (``stage_rows``: the funnel's stages, listed when unknown)."""
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
        rows, columns = _main_rows(data, kind, stage_rows)
        if kind == "overview":  # the win rate is a row here, not a column: % as in the table
            rows = [{**r, "current": _kpi_cell(r, "current")} for r in rows]
        return csv_text(rows, columns, SHARE_COLUMNS)
    return _text(data, kind, table, stage_rows)
