"""RFM segments of customers who bought, scored with pandas.

Each customer with at least one purchase (a sale of sheet_schema.revenue: a won deal, or a
Purchase interaction that is not part of a won deal) gets three scores from 1 to 5, by quintile
of the customers who bought:

- R (recency): days since the last dated purchase, fewer is better, ranked among the customers
  with a dated purchase (undated purchases only: 1);
- F (frequency): how many purchases;
- M (monetary): the sum of the sales' amounts, each counted once (a purchase naming a won deal
  is that deal's money, not more), ranked among the customers with at least one known amount; a
  customer with no known amount at all takes her F score as M, so missing values never make
  everyone tie into one segment.

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
    amount: Decimal | None  # None: unknown (no value typed)


def _quintile(values: pd.Series) -> pd.Series:
    """Scores 1..5 by percentile rank (higher value, higher score; ties share a score)."""
    ranks = values.rank(method="average", pct=True).to_numpy(dtype=float)
    return pd.Series(np.ceil(ranks * 5).clip(1, 5).astype(int), index=values.index)


def rfm_scores(purchases: Iterable[PurchaseRecord], today: date) -> pd.DataFrame:
    """One row per customer who bought: recency_days, frequency, monetary, r, f, m, fm, segment."""
    frame = pd.DataFrame(
        [(p.customer, p.when, None if p.amount is None else float(p.amount)) for p in purchases],
        columns=["customer", "when", "amount"],
    )
    if frame.empty:
        return pd.DataFrame(
            columns=["recency_days", "frequency", "monetary", "r", "f", "m", "fm", "segment"]
        )
    frame["when"] = pd.to_datetime(frame["when"])
    frame["amount"] = pd.to_numeric(frame["amount"])
    grouped = frame.groupby("customer", sort=True).agg(
        last=("when", "max"),
        frequency=("when", "size"),
        monetary=("amount", lambda a: a.sum(min_count=1)),
    )
    grouped["recency_days"] = (pd.Timestamp(today) - grouped["last"]).dt.days
    grouped["f"] = _quintile(grouped["frequency"].astype(float))
    # Scores are ranked among the customers whose figure is known; an unknown figure is not the
    # worst (or a shared middle) value of everyone, which made whole workbooks tie.
    dated = grouped["recency_days"].notna()
    grouped["r"] = 1
    grouped.loc[dated, "r"] = _quintile(-grouped.loc[dated, "recency_days"])
    valued = grouped["monetary"].notna()
    grouped["m"] = grouped["f"]
    grouped.loc[valued, "m"] = _quintile(grouped.loc[valued, "monetary"])
    grouped["r"] = grouped["r"].astype(int)
    grouped["m"] = grouped["m"].astype(int)
    grouped["fm"] = ((grouped["f"] + grouped["m"] + 1) // 2).clip(1, 5)
    table = np.array(SEGMENTS, dtype=object)
    grouped["segment"] = table[grouped["r"].to_numpy() - 1, grouped["fm"].to_numpy() - 1]
    return grouped.drop(columns=["last"])


def segments(purchases: Iterable[PurchaseRecord], today: date) -> Mapping[str, str]:
    """Segment name per customer who bought."""
    scores = rfm_scores(purchases, today)
    return {str(k): str(v) for k, v in scores["segment"].items()}
