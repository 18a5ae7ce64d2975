"""Data quality: the problems the bot found, per tab."""

from __future__ import annotations

import pandas as pd


def problems_by_tab(problems: pd.DataFrame) -> pd.DataFrame:
    """How many problems and distinct rows with problems each tab has."""
    if problems.empty:
        return pd.DataFrame({"tab": [], "problems": [], "rows": []}).astype(
            {"problems": "int64", "rows": "int64"}
        )
    table = problems.groupby("tab", sort=False).agg(
        problems=("kind", "size"), rows=("row", "nunique")
    )
    return (
        table.reset_index()
        .sort_values(["problems", "tab"], ascending=[False, True])
        .reset_index(drop=True)
    )
