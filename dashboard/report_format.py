"""How report figures are written: JSON-ready values, aligned text tables and CSV.

Shares (win rate, conversion, ROI) are fractions in JSON and ``45.0 %`` in tables and CSV;
undefined figures (no cost, no decided deal) are ``null`` in JSON and ``-`` (table) or empty
(CSV); figures that cannot be read (:mod:`dashboard.unreadable`) are ``null`` in JSON and
``unknown`` in tables and CSV (:func:`mark_unknown`). None is ever 0.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection

import pandas as pd


def plain(value: object) -> object:
    """A JSON-ready value: NaN/NaT become null, timestamps YYYY-MM, numpy numbers Python ones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        return plain(value.item())
    return value


def records(table: pd.DataFrame) -> list[dict[str, object]]:
    """A frame as a list of JSON-ready dicts (months as YYYY-MM)."""
    return [
        {str(key): plain(value) for key, value in row.items()}
        for row in table.to_dict(orient="records")
    ]


def cell(value: object, share: bool = False, unknown: str = "-") -> str:
    """One figure as text: shares as %, money and other decimals with 2 places."""
    value = plain(value)
    if value is None:
        return unknown
    if isinstance(value, bool):
        return "yes" if value else "no"
    if share and isinstance(value, (int, float)):
        return f"{100 * value:.1f} %"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def text_table(
    rows: list[dict[str, object]], columns: list[str], shares: Collection[str] = ()
) -> str:
    """Rows as a plain aligned text table (``shares`` columns as %)."""
    cells = [[cell(row.get(c), c in shares) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def csv_text(
    rows: list[dict[str, object]], columns: list[str], shares: Collection[str] = ()
) -> str:
    """Rows as CSV with a header line; shares as %, money as plain numbers, unknown empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        line = []
        for column in columns:
            value = plain(row.get(column))
            if value is None:
                line.append("")
            elif column in shares and isinstance(value, (int, float)):
                line.append(f"{100 * value:.1f} %")
            else:
                line.append(str(value))
        writer.writerow(line)
    return out.getvalue()


def mark_unknown(data: object, figures: Collection[str], marker: object) -> None:
    """Set every figure named in ``figures`` to ``marker`` wherever it is in the report (the
    document's keys, its tables' columns, the --by rows), in place."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in figures:
                data[key] = marker
            else:
                mark_unknown(value, figures, marker)
    elif isinstance(data, list):
        for item in data:
            mark_unknown(item, figures, marker)
