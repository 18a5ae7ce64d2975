"""The "Group by" section of a page: the page's headline figures per month, quarter, manager,
source, stage or any column, with the same functions as ``sheetcrm report KIND --by``, and the
table as a CSV download (the same CSV as ``--format csv``)."""

from __future__ import annotations

import streamlit as st

from dashboard.metrics.counts import NOT_SET
from dashboard.metrics.cuts import cut_options, resolve_cut
from dashboard.metrics.summaries import SHARE_COLUMNS, ReportKind, by_table
from dashboard.report_format import csv_text, mark_unknown, records
from dashboard.strings import STRINGS
from dashboard.tables import Column, display_table
from dashboard.unknown_view import unknown_cells, warn_fallbacks
from dashboard.unreadable import UNKNOWN, fallback_columns, table_unknowns
from dashboard.view import View
from sheet_schema.schema import load_schema

_MONEY = frozenset({"won_revenue", "won_value", "revenue", "cost", "marketing_cost"})


def _header(view: View, column: str) -> str:
    for key in (f"col.{column}", f"kpi.{column}", f"funnel.{column}"):
        if key in STRINGS:
            return view.tr(key)
    return view.tr.label("lifecycle", column) or column


def render_group_by(view: View, kind: ReportKind) -> None:
    """A "Group by" select and, once a cut is chosen, the table by group and its download."""
    tr = view.tr
    none = tr("group.none")
    choice = st.selectbox(tr("group.by"), [none, *cut_options(view.frames)], key=f"group_by_{kind}")
    if choice == none:
        return
    lifecycles = load_schema().tab("Customers").column("lifecycle").choices
    cut = resolve_cut(view.frames, choice)
    # A cut by a deal column the Deals tab lacks: said here, unless the page already said it.
    said = fallback_columns(kind)
    warn_fallbacks(view, [c for c in fallback_columns(kind, cut.column) if c not in said])
    # The overview's and the sources' month or quarter cut reuse the page's sales table.
    sales = view.sales() if kind in ("overview", "sources") else None
    table = by_table(kind, view.frames, view.period, cut, lifecycles, sales)
    # A figure computed from a tab or column that cannot be read is unknown in every group,
    # as in the report (the page's warning says why).
    unknown = set(table_unknowns(kind, view.frames.gaps, [*lifecycles, NOT_SET]))
    columns: list[Column] = [("group", choice, view.tr.value)]
    for column in table.columns[1:]:
        key = str(column)
        if key in SHARE_COLUMNS:
            columns.append((key, _header(view, key), tr.percent))
        elif key in _MONEY:
            columns.append((key, _header(view, key), tr.money))
        else:
            columns.append((key, _header(view, key), tr.number))
    shown = display_table(table, unknown_cells(view, columns, unknown))
    st.dataframe(shown, hide_index=True, key=f"group_table_{kind}")
    # The same CSV as `sheetcrm report KIND --by CUT --format csv`.
    rows = records(table)
    mark_unknown(rows, unknown, UNKNOWN)
    st.download_button(
        tr("group.download"),
        csv_text(rows, [str(c) for c in table.columns], SHARE_COLUMNS),
        file_name=f"{kind}-by-{choice}.csv",
        mime="text/csv",
        key=f"group_download_{kind}",
    )
