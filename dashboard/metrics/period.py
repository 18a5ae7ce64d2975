"""The period and the manager/source filters every figure is computed over.

Also :func:`month_start`, the month a date falls in, as the tables that count by month use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from dashboard.frames import Frames


@dataclass(frozen=True)
class Period:
    """Inclusive dates; ``None`` on both sides means all time.

    ``undated`` is the "(no date)" group of a month or quarter cut: the rows whose date is
    empty, which count in all time and in no bounded period, so the groups add up to the total.
    """

    start: date | None = None
    end: date | None = None
    undated: bool = False

    @property
    def is_all_time(self) -> bool:
        """True when the period has no bounds."""
        return self.start is None and self.end is None and not self.undated

    def previous(self) -> Period | None:
        """The period of the same length just before this one (None for open periods)."""
        if self.start is None or self.end is None or self.undated:
            return None
        days = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=days - 1), end)

    def mask(self, moments: pd.Series) -> pd.Series:
        """True for the dates or datetimes that fall in the period.

        Empty dates are in "all time" and in no bounded period (only in the undated one).
        """
        if self.undated:
            return pd.Series(moments.isna(), index=moments.index)
        if self.is_all_time:
            return pd.Series(True, index=moments.index)
        keep = moments.notna()
        if self.start is not None:
            keep &= moments >= pd.Timestamp(self.start)
        if self.end is not None:
            keep &= moments < pd.Timestamp(self.end + timedelta(days=1))
        return keep

    def month_mask(self, months: pd.Series) -> pd.Series:
        """True for months (first-of-month timestamps) that overlap the period."""
        if self.undated:
            return pd.Series(months.isna(), index=months.index)
        if self.is_all_time:
            return pd.Series(True, index=months.index)
        keep = months.notna()
        if self.start is not None:
            keep &= months >= pd.Timestamp(self.start).to_period("M").to_timestamp()
        if self.end is not None:
            keep &= months <= pd.Timestamp(self.end)
        return keep

    def to_json(self) -> dict[str, str | None]:
        """The bounds as ISO dates."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


def filter_options(frames: Frames) -> tuple[list[str], list[str]]:
    """The managers and sources a filter can offer (sorted, from customers and deals)."""

    def distinct(key: str) -> list[str]:
        values = set(frames.customers[key].dropna().unique()) | set(
            frames.deals[key].dropna().unique()
        )
        return sorted(str(v) for v in values)

    return distinct("manager"), distinct("source")


def filter_frames(
    frames: Frames, managers: Sequence[str] = (), sources: Sequence[str] = ()
) -> Frames:
    """Keep only the rows of the chosen managers and sources (empty choice keeps everything).

    Customers and deals are filtered by their own manager and source (a deal without one uses
    its customer's); interactions and emails follow their customer, stage history its deal, and
    marketing costs their source. Campaigns are not filtered.
    """
    if not managers and not sources:
        return frames
    customers, deals, costs = frames.customers, frames.deals, frames.sources
    if managers:
        customers = customers[customers["manager"].isin(managers)]
        deals = deals[deals["manager"].isin(managers)]
    if sources:
        customers = customers[customers["source"].isin(sources)]
        deals = deals[deals["source"].isin(sources)]
        costs = costs[costs["source"].isin(sources)]
    ids = set(customers["id"].dropna())
    deal_ids = set(deals["id"].dropna())
    return frames.replace_tables(
        customers=customers,
        deals=deals,
        sources=costs,
        interactions=frames.interactions[frames.interactions["customer_id"].isin(ids)],
        mail_log=frames.mail_log[frames.mail_log["customer_id"].isin(ids)],
        stage_history=frames.stage_history[frames.stage_history["deal_id"].isin(deal_ids)],
    )


def month_start(moments: pd.Series) -> pd.Series:
    """The first day of each moment's month (NaT stays NaT)."""
    return pd.Series(moments.dt.to_period("M").dt.to_timestamp(), index=moments.index)
