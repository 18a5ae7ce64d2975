"""Data quality: every row with a problem, by tab, with the row number to go and fix it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from dashboard import metrics
from dashboard.i18n import Translator, is_missing
from dashboard.tables import display_table, text_or_blank
from dashboard.unreadable import Gap
from dashboard.view import View, current_view
from sheet_schema.bot_status import EMAILS_TO_CHECK, HELD_BACK, LAST_RUN, LAST_SUCCESS, SENDING
from sheet_schema.schema import load_schema


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


def with_gaps(problems: pd.DataFrame, gaps: Sequence[Gap]) -> pd.DataFrame:
    """The problems and, as whole-tab rows, each tab or column that cannot be read and is not
    already listed (a column renamed away is no cell's problem, yet every figure from it is
    unknown on the other pages)."""
    schema = load_schema()
    listed = [
        (str(tab), str(message))
        for tab, kind, message in zip(
            problems["tab"], problems["kind"], problems["message"], strict=True
        )
        if kind == "tab"
    ]
    rows: list[dict[str, object]] = []
    for gap in gaps:
        if any(tab == gap.tab and message.rstrip(".") in gap.reason for tab, message in listed):
            continue
        tab = schema.tab(gap.tab)
        column = (
            tab.column(gap.column).header if gap.column and tab.has_column(gap.column) else None
        )
        message = gap.reason.removeprefix(f"{gap.tab}: ")
        rows.append(
            {"tab": gap.tab, "row": pd.NA, "id": None, "column": column}
            | {"kind": "tab", "code": "", "raw": "", "message": message[:1].upper() + message[1:]}
        )
    if not rows:
        return problems
    found = pd.DataFrame.from_records(rows, columns=list(problems.columns))
    found["row"] = found["row"].astype("Int64")
    return pd.concat([found, problems], ignore_index=True) if len(problems) else found


def bot_status(status: Mapping[str, str], tr: Translator) -> None:
    """What the bot's last cycle held back and whether sending stopped (the Bot status tab)."""
    if not status:
        return
    st.subheader(tr("quality.bot_status"))
    # Emails that may have gone out are listed even after a cycle that went well: the one after
    # a stop is such a cycle, and a person still has to check the Sent folder.
    for line in status.get(EMAILS_TO_CHECK, "").splitlines():
        if line.strip():
            st.warning(line.strip())
    run = status.get(LAST_RUN, "")
    success = status.get(LAST_SUCCESS, "")
    if run and run == success:
        st.success(tr("quality.bot_ok", run=run))
        return
    # Each line is a sentence the bot wrote in the workbook's language, naming tab and column.
    for item in (HELD_BACK, SENDING):
        for line in status.get(item, "").splitlines():
            if line.strip():
                st.warning(line.strip())
    st.caption(tr("quality.bot_runs", run=run, success=success or tr("quality.never")))


def render(view: View) -> None:
    """Draw the page."""
    tr = view.tr
    # Problems are about the workbook, not a manager's slice of it: no filters here.
    problems = with_gaps(view.everything.problems, view.everything.gaps)
    st.title(tr("page.quality"))
    bot_status(view.everything.bot_status, tr)
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
