"""RFM segments of customers who bought, scored with pandas.

Each customer with at least one purchase (a sale of sheet_schema.revenue: a won deal, or a
Purchase interaction that is not part of a won deal) gets three scores from 1 to 5, by quintile
of the customers who bought:

- R (recency): days since the last dated purchase, fewer is better (undated purchases only: 1);
- F (frequency): how many purchases;
- M (monetary): the sum of the sales' amounts, each counted once (a purchase naming a won deal
  is that deal's money, not more; an unknown amount adds 0).

Quintiles are percentile ranks with ties averaged (``ceil(5 * rank / n)``), so customers with the
same figures always get the same score, whatever the row order. F and M are combined into one
score, FM = round((F + M) / 2), and (R, FM) names the segment:

====  ===================  ===================  ==============  ===========  ===========
R     FM 1                 FM 2                 FM 3            FM 4         FM 5
====  ===================  ===================  ==============  ===========  ===========
5     New                  Potential loyalist   Potential loy.  Champions    Champions
4     Promising            Potential loyalist   Potential loy.  Loyal        Loyal
3     About to sleep       About to sleep       Need attention  Loyal        Loyal
2     Hibernating          Hibernating          At risk         At risk      Can't lose
1     Lost                 Hibernating          At risk         At risk      Can't lose
====  ===================  ===================  ==============  ===========  ===========

Segment names stay in English in every workbook language: campaigns filter on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

# SEGMENTS[r - 1][fm - 1]
SEGMENTS: tuple[tuple[str, ...], ...] = (
    ("Lost", "Hibernating", "At risk", "At risk", "Can't lose"),
    ("Hibernating", "Hibernating", "At risk", "At risk", "Can't lose"),
    ("About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"),
    ("Promising", "Potential loyalist", "Potential loyalist", "Loyal", "Loyal"),
    ("New", "Potential loyalist", "Potential loyalist", "Champions", "Champions"),
)


@dataclass(frozen=True)
class PurchaseRecord:
    """One purchase of one customer, as the scoring needs it."""

    customer: str
    when: date | None
    amount: Decimal


def _quintile(values: pd.Series) -> pd.Series:
    """Scores 1..5 by percentile rank (higher value, higher score; ties share a score)."""
    ranks = values.rank(method="average", pct=True).to_numpy(dtype=float)
    return pd.Series(np.ceil(ranks * 5).clip(1, 5).astype(int), index=values.index)


def rfm_scores(purchases: Iterable[PurchaseRecord], today: date) -> pd.DataFrame:
    """One row per customer who bought: recency_days, frequency, monetary, r, f, m, fm, segment."""
    frame = pd.DataFrame(
        [(p.customer, p.when, float(p.amount)) for p in purchases],
        columns=["customer", "when", "amount"],
    )
    if frame.empty:
        return pd.DataFrame(
            columns=["recency_days", "frequency", "monetary", "r", "f", "m", "fm", "segment"]
        )
    frame["when"] = pd.to_datetime(frame["when"])
    grouped = frame.groupby("customer", sort=True).agg(
        last=("when", "max"), frequency=("when", "size"), monetary=("amount", "sum")
    )
    days = (pd.Timestamp(today) - grouped["last"]).dt.days
    # No dated purchase: the longest recency of all, so the R score is the lowest.
    grouped["recency_days"] = days.fillna(days.max() + 1 if days.notna().any() else 0)
    grouped["r"] = _quintile(-grouped["recency_days"])
    grouped["f"] = _quintile(grouped["frequency"].astype(float))
    grouped["m"] = _quintile(grouped["monetary"])
    grouped["fm"] = ((grouped["f"] + grouped["m"] + 1) // 2).clip(1, 5)
    table = np.array(SEGMENTS, dtype=object)
    grouped["segment"] = table[grouped["r"].to_numpy() - 1, grouped["fm"].to_numpy() - 1]
    return grouped.drop(columns=["last"])


def segments(purchases: Iterable[PurchaseRecord], today: date) -> Mapping[str, str]:
    """Segment name per customer who bought."""
    scores = rfm_scores(purchases, today)
    return {str(k): str(v) for k, v in scores["segment"].items()}
