"""Metric frames turned into what a person reads: translated headers, localised values.

Sheet text stays text here and is shown by ``st.dataframe``, which never renders it as HTML or
Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pandas as pd

Formatter = Callable[[object], object]
Column = tuple[str, str, Formatter | None]  # frame column, header, formatter

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def display_table(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """The chosen columns of ``frame``, renamed and formatted, with a fresh index."""
    out: dict[str, pd.Series] = {}
    for key, header, formatter in columns:
        series = frame[key].reset_index(drop=True)
        out[header] = series.map(formatter) if formatter else series
    return pd.DataFrame(out)


def plain(text: object) -> str:
    """Text from the sheet made safe for a Markdown element (headers, captions)."""
    return _MARKDOWN.sub(r"\\\1", "" if text is None else str(text))


def text_or_blank(value: object) -> str:
    """A cell for display: missing values as an empty string."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)
