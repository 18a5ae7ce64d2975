"""How long open deals have been in the stage they are in now, whatever recorded it.

Finished stays (a stage entered and left) need Stage history, which an imported pipeline does
not have; the stay a deal is in now only needs the day it began. That day comes from the first
of these that is known: the time Stage history saw the deal move into its current stage (a row
with a From), its Stage since cell (a person or an import may type it; the bot fills it from the
deal's own dates when it first sees a deal), else its Created date. Each stay carries where its
start came from, so the funnel and the report can say which source they used; a Stage since
equal to Created counts as Created, which is what the bot copied it from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

FROM_HISTORY, FROM_STAGE_SINCE, FROM_CREATED = "Stage history", "Stage since", "Created"


def _day(moments: pd.Series) -> pd.Series:
    """Dates or datetimes (naive or with a zone) as naive midnight timestamps, NaT if unread."""
    parsed = pd.to_datetime(moments, errors="coerce", utc=True)
    return pd.Series(parsed.dt.tz_localize(None).dt.normalize(), index=moments.index)


def current_stays(
    deals: pd.DataFrame, history: pd.DataFrame, open_stages: Sequence[str], as_of: date
) -> pd.DataFrame:
    """Each open deal's current stage and the whole days it has been in it as of ``as_of``.

    ``open_stages`` are the stages of a deal not yet won or lost. Deals whose start is unknown or
    after ``as_of`` (a typo, or a date after the ``--as-of`` day) are left out rather than
    counted as zero days. Columns ``deal_id``, ``stage``, ``days`` and ``source`` (one of
    :data:`FROM_HISTORY`, :data:`FROM_STAGE_SINCE`, :data:`FROM_CREATED`).
    """
    current = deals[deals["stage"].isin(list(open_stages)) & deals["id"].notna()]
    # A first-sight row (no From) only repeats the deal's own dates: not an observed move.
    logged = history.dropna(subset=["deal_id", "time", "stage_from"])
    logged = logged[logged["deal_id"].isin(current["id"])]
    entered = pd.merge(
        logged[["deal_id", "stage_to", "time"]],
        current[["id", "stage"]],
        left_on=["deal_id", "stage_to"],
        right_on=["id", "stage"],
    )
    last_entry = entered.groupby("deal_id")["time"].max()
    from_history = _day(current["id"].map(dict(last_entry.items())).astype(object))
    empty = pd.Series(pd.NaT, index=current.index)
    since = _day(current["stage_since"]) if "stage_since" in current.columns else empty
    created = _day(current["created"])
    start = from_history.fillna(since).fillna(created)
    source = np.select(
        [from_history.notna(), since.notna() & (since != created), start.notna()],
        [FROM_HISTORY, FROM_STAGE_SINCE, FROM_CREATED],
        default="",
    )
    days = (pd.Timestamp(as_of) - start).dt.days
    table = pd.DataFrame(
        {"deal_id": current["id"], "stage": current["stage"], "days": days, "source": source}
    )
    return table[table["days"].notna() & (table["days"] >= 0)].reset_index(drop=True)
