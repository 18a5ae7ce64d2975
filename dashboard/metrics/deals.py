"""Deals: the funnel (a cohort of the deals created in the period), how they ended, why lost.

Revenue (won deals and purchases, by the day they closed or happened) is in
:mod:`dashboard.metrics.revenue`; here a won deal's Value is only "won value of the deals opened".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dashboard.frames import is_unlisted
from dashboard.metrics.counts import NOT_SET
from dashboard.metrics.period import Period
from dashboard.metrics.velocity import current_stays
from sheet_schema.lists import LOST, WON
from sheet_schema.schema import fold

# Deals are compared by what their stage means (``stage_meaning``: open, won, lost), never by
# the stage's name, which is the team's (Lists tab).
MEANING = "stage_meaning"


def funnel_stages(stages: Sequence[str]) -> tuple[str, ...]:
    """The stages a deal moves through, in order: ``Frames.stages`` (every stage that does
    not mean lost, in the team's order)."""
    return tuple(stages)


def deals_in_period(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The cohort of deals created in the period."""
    return deals[period.mask(deals["created"])]


def reached_stage(
    deals: pd.DataFrame, history: pd.DataFrame, stages: Sequence[str]
) -> pd.DataFrame:
    """For each deal, the furthest stage it reached (as an index into the funnel stages).

    With Stage history rows, a deal reached every stage the log shows it in; a Lost deal
    reached the stage it was lost at (its last stage in the log before Lost). Without history,
    the current stage counts; a Lost deal first seen as Lost was lost at the stage its
    "Lost at stage" cell names (a column the team may fill), else at an unknown stage: it
    reached the first stage and is lost at none (``lost_at`` None, never "Lead"). Returns
    columns ``id``, ``reached`` (index, or -1 when the stage is unknown) and ``lost_at`` (stage
    name of Lost deals, None when unknown).
    """
    order = {stage: index for index, stage in enumerate(funnel_stages(stages))}
    logged = history[history["deal_id"].isin(deals["id"].dropna())]
    logged = logged.sort_values(["deal_id", "time"], kind="stable")
    # Each log row says the deal was in `from` and then in `to`: flatten to a sequence of stages.
    steps = pd.concat(
        [
            pd.DataFrame(
                {
                    "deal_id": logged["deal_id"],
                    "n": 2 * np.arange(len(logged)),
                    "stage": logged["stage_from"],
                }
            ),
            pd.DataFrame(
                {
                    "deal_id": logged["deal_id"],
                    "n": 2 * np.arange(len(logged)) + 1,
                    "stage": logged["stage_to"],
                }
            ),
        ]
    )
    steps = steps[steps["stage"].isin(order.keys())].sort_values("n")
    steps["index"] = steps["stage"].map(order)
    history_max = steps.groupby("deal_id")["index"].max()
    history_last = steps.groupby("deal_id")["index"].last()

    current = deals["stage"].map(order)
    logged_max = deals["id"].map(history_max)
    logged_last = deals["id"].map(history_last)
    is_lost = deals[MEANING] == LOST
    reached = pd.concat([current, logged_max], axis=1).max(axis=1)
    typed = _typed_lost_at(deals, order)
    lost_known = logged_last.fillna(typed)
    reached = reached.where(~is_lost, lost_known.fillna(0)).fillna(-1).astype(int)
    names = funnel_stages(stages)
    # Index -> stage name through a dict (a lambda per deal was a third of this function).
    named = lost_known.where(is_lost).map(dict(enumerate(names)))
    lost_at = named.astype(object).where(named.notna(), None)
    return pd.DataFrame({"id": deals["id"], "reached": reached, "lost_at": lost_at})


def _typed_lost_at(deals: pd.DataFrame, order: dict[str, int]) -> pd.Series:
    """The funnel index of each deal's "Lost at stage" cell (NaN when empty or not a stage)."""
    if "lost_at_stage" not in deals.columns:
        return pd.Series(np.nan, index=deals.index)
    folded = {fold(stage): index for stage, index in order.items()}
    # Each distinct cell read once (most are empty): the same answer as one lookup per deal.
    cells = deals["lost_at_stage"]
    found = {v: folded.get(fold(v), np.nan) for v in cells.dropna().unique() if isinstance(v, str)}
    return cells.map(found).astype(float)


STAGE_HISTORY, DEAL_DATES = "Stage history", "deal dates"


def cycle_times(deals: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Days from Created to Won or Lost for each decided deal, and where the end date came from.

    When Stage history saw the deal move into Won or Lost (a row with a From), the end is that
    row's time (``source`` "Stage history"); when it did not (a deal first seen already decided,
    or imported), the end is the deal's Closed date, else its Stage since ("deal dates"). Deals
    with no Created or no end date are left out. Columns ``deal_id``, ``stage``, ``days``,
    ``source``.
    """
    decided = deals[deals[MEANING].isin([WON, LOST]) & deals["id"].notna()]
    moves = history[history["meaning_to"].isin([WON, LOST]) & history["stage_from"].notna()].dropna(
        subset=["deal_id", "time"]
    )
    seen = moves.sort_values("time").groupby("deal_id")["time"].last()
    logged = pd.to_datetime(decided["id"].map(dict(seen.items())).astype(object), errors="coerce")
    own = decided["closed"]
    if "stage_since" in decided.columns:
        own = own.fillna(decided["stage_since"])
    end = logged.fillna(own)
    source = pd.Series(np.where(logged.notna(), STAGE_HISTORY, DEAL_DATES), index=decided.index)
    days = (pd.to_datetime(end) - decided["created"]).dt.total_seconds() / 86400
    table = pd.DataFrame(
        {
            "deal_id": decided["id"],
            "stage": decided["stage"],
            "meaning": decided[MEANING],
            "days": days,
            "source": source,
        }
    )
    return table[table["days"].notna() & (table["days"] >= 0)].reset_index(drop=True)


def stage_durations(deals: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """How many days each deal spent in each stage it has left, from Stage history.

    A stage entered at one log row and left at the deal's next log row; the first stage of a
    deal (the first row's ``from``) is counted from the deal's Created date. The stage a deal is
    in now has no end yet and is not counted. Returns ``deal_id``, ``stage`` and ``days``.
    """
    log = history.dropna(subset=["deal_id", "time"]).sort_values(["deal_id", "time"], kind="stable")
    log = log[log["deal_id"].isin(deals["id"].dropna())]
    if log.empty:
        return pd.DataFrame(
            {"deal_id": pd.Series(dtype=object), "stage": pd.Series(dtype=object), "days": []}
        ).astype({"days": "float64"})
    left = log.groupby("deal_id")["time"].shift(-1)
    later = pd.DataFrame(
        {"deal_id": log["deal_id"], "stage": log["stage_to"], "days": left - log["time"]}
    )
    first = log.groupby("deal_id").head(1)
    created = first["deal_id"].map(
        deals.dropna(subset=["id"]).drop_duplicates("id").set_index("id")["created"]
    )
    opening = pd.DataFrame(
        {"deal_id": first["deal_id"], "stage": first["stage_from"], "days": first["time"] - created}
    )
    both = pd.concat([opening, later], ignore_index=True).dropna(subset=["stage", "days"])
    both["days"] = pd.to_timedelta(both["days"]).dt.total_seconds() / 86400
    return both[both["days"] >= 0].reset_index(drop=True)


@dataclass(frozen=True)
class StaySources:
    """Where the funnel's days in stage come from: how many finished stays Stage history gave,
    and how many open deals' current stays (up to ``as_of``) each source dated."""

    finished: int
    open_by_source: Mapping[str, int]
    as_of: date


def funnel(
    deals: pd.DataFrame,
    history: pd.DataFrame,
    stages: Sequence[str],
    period: Period,
    as_of: date,
    open_stages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The funnel table (:func:`funnel_and_stays` without the sources of its days)."""
    return funnel_and_stays(deals, history, stages, period, as_of, open_stages)[0]


def funnel_and_stays(
    deals: pd.DataFrame,
    history: pd.DataFrame,
    stages: Sequence[str],
    period: Period,
    as_of: date,
    open_stages: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, StaySources]:
    """The funnel table and the sources of its two days-in-stage columns, from the same stays
    (the page and the report show both: computing the stays once is a fifth of the Funnel
    page's re-render at 50k deals).

    The funnel table: per stage, deals that reached it, conversions, losses and time spent.

    ``stages`` is ``Frames.stages`` and ``open_stages`` ``Frames.open_stages`` (the team's
    stages that mean open; None: every stage no deal is won at).

    Columns: ``stage``, ``reached`` (deals created in the period that got at least this far),
    ``conversion`` (share of the previous stage's deals that reached this one; NaN for the first
    stage), ``overall`` (share of the first stage), ``lost_here`` (Lost deals lost at this stage),
    ``median_days`` (median days deals spent in the stage before leaving it; NaN when Stage
    history has no finished stay), ``open_now`` (the cohort's deals in the stage on ``as_of``)
    and ``open_median_days`` (median days those have been in it so far, from Stage history,
    else Stage since, else Created: see :func:`~dashboard.metrics.velocity.current_stays`).
    """
    cohort = deals_in_period(deals, period)
    names = funnel_stages(stages)
    reached = reached_stage(cohort, history, stages)
    counts = [int((reached["reached"] >= i).sum()) for i in range(len(names))]
    lost_here = reached["lost_at"].value_counts()
    durations = stage_durations(cohort, history)
    medians = durations.groupby("stage")["days"].median()
    if open_stages is None:
        won_at = set(deals.loc[deals[MEANING] == WON, "stage"].dropna())
        open_stages = [s for s in names if s not in won_at]
    stays = current_stays(cohort, history, open_stages, as_of)
    sources = StaySources(
        finished=len(durations),
        open_by_source={str(k): int(v) for k, v in sorted(stays["source"].value_counts().items())},
        as_of=as_of,
    )
    open_now = cohort["stage"].value_counts()
    open_medians = stays.groupby("stage")["days"].median()
    table = pd.DataFrame({"stage": list(names), "reached": counts})
    previous = table["reached"].shift(1)
    table["conversion"] = (table["reached"] / previous).where(previous > 0)
    first = table["reached"].iloc[0] if len(table) else 0
    table["overall"] = table["reached"] / first if first else np.nan
    table["lost_here"] = [int(lost_here.get(s, 0)) for s in names]
    table["median_days"] = [float(medians[s]) if s in medians.index else np.nan for s in names]
    table["open_now"] = [int(open_now.get(s, 0)) if s in open_stages else np.nan for s in names]
    table["open_median_days"] = [
        float(open_medians[s]) if s in open_medians.index else np.nan for s in names
    ]
    return table, sources


@dataclass(frozen=True)
class DealTotals:
    """Counts and value of the deals opened (created) in a period, wherever they are now.

    ``won_value`` is the Value of those of them that are won; ``won_without_value`` counts the
    won ones with no Value (so ``won_value`` is incomplete). This is not "won revenue", which is
    counted by close date (:mod:`dashboard.metrics.revenue`)."""

    deals: int
    won: int
    lost: int
    open: int
    won_value: float
    won_without_value: int
    open_value: float


def deal_totals(deals: pd.DataFrame, period: Period) -> DealTotals:
    """How the period's deals ended up: won, lost, still open; won revenue and open value."""
    cohort = deals_in_period(deals, period)
    won = cohort[MEANING] == WON
    lost = cohort[MEANING] == LOST
    # A stage typed outside the list is not known to be open: it is in ``deals`` only.
    still_open = cohort["stage"].notna() & ~won & ~lost & ~is_unlisted(cohort["stage"])
    return DealTotals(
        deals=len(cohort),
        won=int(won.sum()),
        lost=int(lost.sum()),
        open=int(still_open.sum()),
        won_value=float(cohort.loc[won, "value"].sum()),
        won_without_value=int((won & cohort["value"].isna()).sum()),
        open_value=float(cohort.loc[still_open, "value"].sum()),
    )


def _known_sum(values: pd.Series) -> float:
    """The sum of the known values; NaN when there is none (not 0)."""
    return float(values.sum(min_count=1))


def lost_reasons(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Lost deals of the period by reason: ``reason``, ``deals``, ``value`` (most first).

    ``value`` sums the Values typed; it is NaN (shown "-") when none of the reason's deals has
    one, so an unknown value never reads as 0 (the same for :func:`competitors`)."""
    lost = deals_in_period(deals, period)
    lost = lost[lost[MEANING] == LOST]
    reasons = lost["lost_reason"].fillna(NOT_SET)
    table = (
        lost.assign(reason=reasons)
        .groupby("reason", sort=False)
        .agg(deals=("stage", "size"), value=("value", _known_sum))
        .reset_index()
    )
    return table.sort_values(
        ["deals", "reason"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def competitors(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Competitors Lost deals went to: ``competitor``, ``deals``, ``value`` (most first).

    Names are matched ignoring case, accents and spacing; the most common spelling is shown.
    """
    lost = deals_in_period(deals, period)
    lost = lost[(lost[MEANING] == LOST) & lost["competitor"].notna()]
    if lost.empty:
        return pd.DataFrame({"competitor": [], "deals": [], "value": []}).astype(
            {"deals": "int64", "value": "float64"}
        )
    # Each distinct spelling folded once.
    folded = {name: fold(str(name)) for name in lost["competitor"].unique()}
    keys = lost["competitor"].map(folded).rename("key")
    # The most common spelling; ties go to the alphabetically first, so the table is stable.
    shown = lost.groupby(keys)["competitor"].agg(lambda names: names.str.strip().mode().iloc[0])
    table = lost.groupby(keys).agg(deals=("stage", "size"), value=("value", _known_sum))
    table.insert(0, "competitor", shown)
    return (
        table.reset_index(drop=True)
        .sort_values(["deals", "competitor"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
