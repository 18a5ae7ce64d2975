"""Counting the values of a column, with empty cells shown as "(not set)", never dropped."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

NOT_SET = "(not set)"


def value_counts(values: pd.Series, order: Sequence[str] = ()) -> pd.DataFrame:
    """Counts of each value (``value``, ``customers``): known values in ``order`` first, then
    other values by count, then empty cells as "(not set)"; zero counts are left out."""
    counts = values.fillna(NOT_SET).astype(str).value_counts()
    ordered = [v for v in order if v in counts.index]
    rest = [v for v in counts.index if v not in ordered and v != NOT_SET]
    tail = [NOT_SET] if NOT_SET in counts.index else []
    keys = ordered + rest + tail
    return pd.DataFrame({"value": keys, "customers": [int(counts[k]) for k in keys]})
