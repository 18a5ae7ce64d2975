"""Data quality: every row with a problem, by tab, with the row number to go and fix it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import metrics
from dashboard.i18n import Translator, is_missing
from dashboard.tables import display_table, text_or_blank
from dashboard.view import View, current_view


def messages(problems: pd.DataFrame, tr: Translator) -> pd.Series:
    """One readable sentence per problem, in the interface language for unreadable cells."""
    return pd.Series(
        [
            tr.issue(code, raw, detail) if kind == "cell" else str(message)
            for kind, code, raw, message, detail in zip(
                problems["kind"],
                problems["code"],
                problems["raw"],
                problems["message"],
                problems["message"],
                strict=True,
            )
        ],
        index=problems.index,
        dtype=object,
    )


def render(view: View) -> None:
    """Draw the page."""
    tr = view.tr
    # Problems are about the workbook, not a manager's slice of it: no filters here.
    problems = view.everything.problems
    st.title(tr("page.quality"))
    if problems.empty:
        st.success(tr("quality.none"))
        return
    st.subheader(tr("quality.by_tab"))
    st.dataframe(
        display_table(
            metrics.problems_by_tab(problems),
            [
                ("tab", tr("col.tab"), None),
                ("problems", tr("col.problems"), tr.number),
                ("rows", tr("col.rows"), tr.number),
            ],
        ),
        hide_index=True,
        key="problems_by_tab",
    )
    st.subheader(tr("quality.rows"))
    table = problems.assign(text=messages(problems, tr))
    st.dataframe(
        display_table(
            table,
            [
                ("tab", tr("col.tab"), None),
                (
                    "row",
                    tr("col.row"),
                    lambda r: tr("quality.whole_tab") if is_missing(r) or r is pd.NA else str(r),
                ),
                ("id", tr("col.id"), text_or_blank),
                ("column", tr("col.column"), text_or_blank),
                ("text", tr("col.problem"), None),
            ],
        ),
        hide_index=True,
        key="problems",
    )


if __name__ == "__main__":
    render(current_view())
