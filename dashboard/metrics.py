"""Every number the dashboard shows, as pure functions of the frames (no Streamlit here).

``sheetcrm report funnel|sources`` calls the same functions, so the command line and the pages
always agree. Functions take the frames built by :mod:`dashboard.frames` and plain values (a
:class:`Period`, today's date); none reads a clock or a file.

Conventions, chosen so the numbers are explainable to an owner:

* The funnel is a cohort: the deals *created* in the period, followed to wherever they are now.
* Marketing sources are cohorts too: the customers *created* in a month, by ``Customers.Source``;
  their won deals' value is that month's revenue for the source, set against that month's cost.
* Overview KPIs count events in the period (created, won, sent) and compare with the period of
  the same length just before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from dashboard.frames import Frames
from sheet_schema.mail_log import BUDGET_STATUSES
from sheet_schema.schema import fold

WON, LOST = "Won", "Lost"
NO_SOURCE = "(no source)"
NOT_SET = "(not set)"
SENT = "Sent"


# --- period and filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Inclusive dates; ``None`` on both sides means all time."""

    start: date | None = None
    end: date | None = None

    @property
    def is_all_time(self) -> bool:
        """True when the period has no bounds."""
        return self.start is None and self.end is None

    def previous(self) -> Period | None:
        """The period of the same length just before this one (None for open periods)."""
        if self.start is None or self.end is None:
            return None
        days = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=days - 1), end)

    def mask(self, moments: pd.Series) -> pd.Series:
        """True for the dates or datetimes that fall in the period.

        Empty dates are in "all time" and in no bounded period.
        """
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


# --- funnel ---------------------------------------------------------------------------------


def funnel_stages(stages: Sequence[str]) -> tuple[str, ...]:
    """The stages a deal moves through, in order (every stage but Lost)."""
    return tuple(s for s in stages if s != LOST)


def deals_in_period(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The cohort of deals created in the period."""
    return deals[period.mask(deals["created"])]


def reached_stage(
    deals: pd.DataFrame, history: pd.DataFrame, stages: Sequence[str]
) -> pd.DataFrame:
    """For each deal, the furthest stage it reached (as an index into the funnel stages).

    With Stage history rows, a deal reached every stage the log shows it in; a Lost deal
    reached the stage it was lost at (its last stage in the log before Lost). Without history,
    the current stage counts, and a Lost deal counts as having been a Lead. Returns columns
    ``id``, ``reached`` (index, or -1 when the stage is unknown) and ``lost_at`` (stage name of
    Lost deals).
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
    is_lost = deals["stage"] == LOST
    reached = pd.concat([current, logged_max], axis=1).max(axis=1)
    lost_reached = logged_last.fillna(0)
    reached = reached.where(~is_lost, lost_reached).fillna(-1).astype(int)
    names = funnel_stages(stages)
    lost_at = reached.where(is_lost).map(lambda i: names[int(i)] if pd.notna(i) else None)
    return pd.DataFrame({"id": deals["id"], "reached": reached, "lost_at": lost_at})


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


def funnel(
    deals: pd.DataFrame, history: pd.DataFrame, stages: Sequence[str], period: Period
) -> pd.DataFrame:
    """The funnel table: per stage, deals that reached it, conversions, losses and time spent.

    Columns: ``stage``, ``reached`` (deals created in the period that got at least this far),
    ``conversion`` (share of the previous stage's deals that reached this one; NaN for the first
    stage), ``overall`` (share of the first stage), ``lost_here`` (Lost deals lost at this stage)
    and ``median_days`` (median days deals spent in the stage before leaving it; NaN when Stage
    history has no finished stay).
    """
    cohort = deals_in_period(deals, period)
    names = funnel_stages(stages)
    reached = reached_stage(cohort, history, stages)
    counts = [int((reached["reached"] >= i).sum()) for i in range(len(names))]
    lost_here = reached["lost_at"].value_counts()
    medians = stage_durations(cohort, history).groupby("stage")["days"].median()
    table = pd.DataFrame({"stage": list(names), "reached": counts})
    previous = table["reached"].shift(1)
    table["conversion"] = (table["reached"] / previous).where(previous > 0)
    first = table["reached"].iloc[0] if len(table) else 0
    table["overall"] = table["reached"] / first if first else np.nan
    table["lost_here"] = [int(lost_here.get(s, 0)) for s in names]
    table["median_days"] = [float(medians[s]) if s in medians.index else np.nan for s in names]
    return table


@dataclass(frozen=True)
class DealTotals:
    """Counts and value of the deals created in a period."""

    deals: int
    won: int
    lost: int
    open: int
    won_revenue: float
    open_value: float


def deal_totals(deals: pd.DataFrame, period: Period) -> DealTotals:
    """How the period's deals ended up: won, lost, still open; won revenue and open value."""
    cohort = deals_in_period(deals, period)
    won = cohort["stage"] == WON
    lost = cohort["stage"] == LOST
    still_open = cohort["stage"].notna() & ~won & ~lost
    return DealTotals(
        deals=len(cohort),
        won=int(won.sum()),
        lost=int(lost.sum()),
        open=int(still_open.sum()),
        won_revenue=float(cohort.loc[won, "value"].sum()),
        open_value=float(cohort.loc[still_open, "value"].sum()),
    )


def lost_reasons(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Lost deals of the period by reason: ``reason``, ``deals``, ``value`` (most first)."""
    lost = deals_in_period(deals, period)
    lost = lost[lost["stage"] == LOST]
    reasons = lost["lost_reason"].fillna(NOT_SET)
    table = (
        lost.assign(reason=reasons)
        .groupby("reason", sort=False)
        .agg(deals=("stage", "size"), value=("value", "sum"))
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
    lost = lost[(lost["stage"] == LOST) & lost["competitor"].notna()]
    if lost.empty:
        return pd.DataFrame({"competitor": [], "deals": [], "value": []}).astype(
            {"deals": "int64", "value": "float64"}
        )
    keys = lost["competitor"].map(lambda name: fold(str(name))).rename("key")
    # The most common spelling; ties go to the alphabetically first, so the table is stable.
    shown = lost.groupby(keys)["competitor"].agg(lambda names: names.str.strip().mode().iloc[0])
    table = lost.groupby(keys).agg(deals=("stage", "size"), value=("value", "sum"))
    table.insert(0, "competitor", shown)
    return (
        table.reset_index(drop=True)
        .sort_values(["deals", "competitor"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


# --- marketing sources ----------------------------------------------------------------------

SOURCE_COLUMNS = [
    "leads",
    "customers_won",
    "revenue",
    "cost",
    "has_cost",
    "cost_per_lead",
    "cost_per_customer",
    "roi",
]


def _month(moments: pd.Series) -> pd.Series:
    return pd.Series(moments.dt.to_period("M").dt.to_timestamp(), index=moments.index)


def _ratios(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    cost = table["cost"]
    table["has_cost"] = cost.notna()
    table["cost_per_lead"] = (cost / table["leads"]).where(table["leads"] > 0)
    table["cost_per_customer"] = (cost / table["customers_won"]).where(table["customers_won"] > 0)
    table["roi"] = ((table["revenue"] - cost) / cost).where(cost > 0)
    return table


def _source_cohorts(customers: pd.DataFrame, deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    cohort = customers[period.mask(customers["created"])]
    won = deals[deals["stage"] == WON].groupby("customer_id")["value"].agg(["size", "sum"])
    return pd.DataFrame(
        {
            "source": cohort["source"].fillna(NO_SOURCE),
            "month": _month(cohort["created"]),
            "won": cohort["id"].isin(won.index),
            "revenue": cohort["id"].map(won["sum"]).fillna(0.0),
        }
    )


def _costs(costs: pd.DataFrame, period: Period) -> pd.DataFrame:
    known = costs.dropna(subset=["month", "source"])
    months = _month(known["month"])
    known = pd.DataFrame({"source": known["source"], "month": months, "cost": known["cost"]})
    return known[period.month_mask(known["month"])]


def source_months(
    customers: pd.DataFrame, deals: pd.DataFrame, costs: pd.DataFrame, period: Period
) -> pd.DataFrame:
    """Per source and month: leads, customers won, revenue, cost and the ratios.

    ``leads`` are customers created in the month with that Source; ``customers_won`` those of
    them with a Won deal; ``revenue`` the value of those won deals; ``cost`` the Sources tab's
    cost for that month and source (NaN when there is no cost row: "no cost data", never zero);
    ``cost_per_lead``, ``cost_per_customer`` and ``roi`` = (revenue - cost) / cost are NaN when
    undefined. Customers without a Created date have no month and appear only in
    :func:`source_totals`.
    """
    cohorts = _source_cohorts(customers, deals, period)
    people = (
        cohorts.dropna(subset=["month"])
        .groupby(["source", "month"])
        .agg(leads=("won", "size"), customers_won=("won", "sum"), revenue=("revenue", "sum"))
    )
    spend = _costs(costs, period).groupby(["source", "month"])["cost"].sum(min_count=1)
    table = people.join(spend, how="outer").reset_index()
    table[["leads", "customers_won"]] = table[["leads", "customers_won"]].fillna(0).astype(int)
    table["revenue"] = table["revenue"].fillna(0.0)
    table = _ratios(table)
    return table.sort_values(["month", "source"], kind="stable").reset_index(drop=True)[
        ["source", "month", *SOURCE_COLUMNS]
    ]


def source_totals(
    customers: pd.DataFrame, deals: pd.DataFrame, costs: pd.DataFrame, period: Period
) -> pd.DataFrame:
    """The same figures as :func:`source_months`, per source over the whole period.

    ``cost`` is the sum of the source's cost rows in the period (NaN when it has none).
    """
    cohorts = _source_cohorts(customers, deals, period)
    people = cohorts.groupby("source").agg(
        leads=("won", "size"), customers_won=("won", "sum"), revenue=("revenue", "sum")
    )
    spend = _costs(costs, period).groupby("source")["cost"].sum(min_count=1)
    table = people.join(spend, how="outer").reset_index()
    table[["leads", "customers_won"]] = table[["leads", "customers_won"]].fillna(0).astype(int)
    table["revenue"] = table["revenue"].fillna(0.0)
    table = _ratios(table)
    return table.sort_values(
        ["revenue", "source"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)[["source", *SOURCE_COLUMNS]]


# --- customers ------------------------------------------------------------------------------


def value_counts(values: pd.Series, order: Sequence[str] = ()) -> pd.DataFrame:
    """Counts of each value (``value``, ``customers``): known values in ``order`` first, then
    other values by count, then empty cells as "(not set)"; zero counts are left out."""
    counts = values.fillna(NOT_SET).astype(str).value_counts()
    ordered = [v for v in order if v in counts.index]
    rest = [v for v in counts.index if v not in ordered and v != NOT_SET]
    tail = [NOT_SET] if NOT_SET in counts.index else []
    keys = ordered + rest + tail
    return pd.DataFrame({"value": keys, "customers": [int(counts[k]) for k in keys]})


def lifecycle_counts(customers: pd.DataFrame, lifecycles: Sequence[str]) -> pd.DataFrame:
    """Customers per Lifecycle value (as the bot filled it)."""
    return value_counts(customers["lifecycle"], lifecycles)


def segment_counts(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers per RFM Segment (as the bot filled it), largest first."""
    return value_counts(customers["segment"])


def search_customers(customers: pd.DataFrame, query: str) -> pd.DataFrame:
    """Customers whose ID, name, company, email or phone contains the query (any case/accents)."""
    wanted = fold(query)
    if not wanted:
        return customers
    text = customers[["id", "name", "company", "email", "phone"]].fillna("").astype(str)
    haystack = text.agg(" ".join, axis=1).map(fold)
    return customers[haystack.str.contains(wanted, regex=False)]


@dataclass(frozen=True)
class CustomerHistory:
    """One customer's deals, interactions and emails, newest first."""

    customer: pd.Series
    deals: pd.DataFrame
    interactions: pd.DataFrame
    emails: pd.DataFrame


def customer_history(frames: Frames, customer_id: str) -> CustomerHistory | None:
    """Everything about one customer, or None when the ID is unknown."""
    match = frames.customers[frames.customers["id"] == customer_id]
    if match.empty:
        return None
    deals = frames.deals[frames.deals["customer_id"] == customer_id]
    interactions = frames.interactions[frames.interactions["customer_id"] == customer_id]
    emails = frames.mail_log[frames.mail_log["customer_id"] == customer_id]
    return CustomerHistory(
        customer=match.iloc[0],
        deals=deals.sort_values("created", ascending=False, na_position="last"),
        interactions=interactions.sort_values("date", ascending=False, na_position="last"),
        emails=emails.assign(when=emails["sent_at"].fillna(emails["planned_at"])).sort_values(
            "when", ascending=False, na_position="last"
        ),
    )


# --- reminders ------------------------------------------------------------------------------

OVERDUE, UPCOMING = "overdue", "upcoming"
REMINDER_COLUMNS = ["status", "due", "days", "kind", "id", "name", "manager", "note"]


def reminders(
    customers: pd.DataFrame, deals: pd.DataFrame, today: date, window_days: int
) -> pd.DataFrame:
    """Follow-ups that are overdue (due before today) or upcoming (today to today + window).

    From open deals' ``Follow-up due`` and customers' ``Next action date`` (with their
    ``Reminder`` text). ``days`` is due minus today (negative when overdue). Each follow-up is
    listed once: a customer whose Next action date is one of her listed deals' follow-ups is
    not listed again. Sorted by due date.
    """
    start = pd.Timestamp(today)
    horizon = start + pd.Timedelta(days=window_days)
    open_deals = deals[~deals["stage"].isin([WON, LOST]) & deals["follow_up_due"].notna()]
    open_deals = open_deals[open_deals["follow_up_due"] <= horizon]
    due_customers = customers[customers["next_action_date"].notna()]
    # A customer's Next action date is often one of her deals' follow-ups, and her Reminder
    # then names that deal: the deal is listed once, with the customer's sentence as its note.
    reminder_of = due_customers.dropna(subset=["id"]).drop_duplicates("id").set_index("id")
    texts = open_deals["customer_id"].map(reminder_of["reminder"])
    names_deal = pd.Series(
        [
            isinstance(text, str) and isinstance(deal, str) and deal in text
            for text, deal in zip(texts, open_deals["id"], strict=True)
        ],
        index=open_deals.index,
        dtype=bool,
    )
    own_note = open_deals["title"].fillna("") + " (" + open_deals["stage"].fillna("") + ")"
    deal_rows = pd.DataFrame(
        {
            "due": open_deals["follow_up_due"],
            "kind": "deal",
            "id": open_deals["id"],
            "name": open_deals["customer_name"].fillna(open_deals["customer_id"]),
            "manager": open_deals["manager"],
            "note": texts.where(names_deal, own_note),
        }
    )
    listed = set(zip(open_deals["customer_id"], open_deals["follow_up_due"], strict=True))
    also_a_deal = pd.Series(
        [
            (customer, due) in listed
            for customer, due in zip(
                due_customers["id"], due_customers["next_action_date"], strict=True
            )
        ],
        index=due_customers.index,
        dtype=bool,
    )
    due_customers = due_customers[~also_a_deal]
    customer_rows = pd.DataFrame(
        {
            "due": due_customers["next_action_date"],
            "kind": "customer",
            "id": due_customers["id"],
            "name": due_customers["name"],
            "manager": due_customers["manager"],
            "note": due_customers["reminder"].fillna(""),
        }
    )
    rows = pd.concat([deal_rows, customer_rows], ignore_index=True)
    rows = rows[rows["due"] <= horizon]
    rows["days"] = ((rows["due"].dt.normalize() - start).dt.days).astype(int)
    rows["status"] = np.where(rows["due"] < start, OVERDUE, UPCOMING)
    return rows.sort_values(["due", "kind", "id"], kind="stable").reset_index(drop=True)[
        REMINDER_COLUMNS
    ]


def reminders_by_manager(rows: pd.DataFrame) -> pd.DataFrame:
    """Overdue and upcoming counts per manager (``manager``, ``overdue``, ``upcoming``)."""
    managers = rows["manager"].fillna(NOT_SET)
    table = pd.crosstab(managers, rows["status"]).reindex(columns=[OVERDUE, UPCOMING], fill_value=0)
    table = table.rename_axis(index="manager", columns=None).reset_index()
    return table.sort_values(
        [OVERDUE, UPCOMING, "manager"], ascending=[False, False, True]
    ).reset_index(drop=True)


# --- mailings -------------------------------------------------------------------------------


def mail_status_counts(mail_log: pd.DataFrame, statuses: Sequence[str]) -> pd.DataFrame:
    """Emails per status (``value``, ``customers`` renamed ``emails``)."""
    return value_counts(mail_log["status"], statuses).rename(columns={"customers": "emails"})


def sent_in_last_day(mail_log: pd.DataFrame, now_local: datetime) -> int:
    """Emails that used the send budget in the 24 hours before ``now_local``.

    The bot's own count (:func:`automations.mail.sending.sends_in_last_day`): Sent, Bounced, Unknown
    and Planned rows (a Failed send was refused before it was handed over). Mail log times are
    the workbook's local time; ``now_local`` must be too (naive).
    """
    now = pd.Timestamp(now_local)
    when = mail_log["sent_at"].fillna(mail_log["planned_at"])
    recent = (when > now - pd.Timedelta(hours=24)) & (when <= now)
    return int((mail_log["status"].isin(BUDGET_STATUSES) & recent).sum())


def remaining_quota(mail_log: pd.DataFrame, daily_cap: int, now_local: datetime) -> int:
    """How many more emails may be sent now: the daily cap minus those sent in the last 24 h."""
    return max(0, daily_cap - sent_in_last_day(mail_log, now_local))


def campaign_results(campaigns: pd.DataFrame) -> pd.DataFrame:
    """Campaigns with their status and sent/failed counts, latest send date first."""
    columns = [
        "id",
        "name",
        "segment_filter",
        "template",
        "send_on",
        "approved",
        "status",
        "sent",
        "failed",
    ]
    return campaigns.sort_values("send_on", ascending=False, na_position="last")[columns]


# --- overview -------------------------------------------------------------------------------

KPI_KEYS = (
    "new_leads",
    "new_deals",
    "deals_won",
    "won_revenue",
    "win_rate",
    "marketing_cost",
    "emails_sent",
)


def _kpi_values(frames: Frames, period: Period) -> dict[str, float]:
    deals = frames.deals
    closed_on = deals["closed"].fillna(deals["created"])
    closed = deals[period.mask(closed_on)]
    won = closed[closed["stage"] == WON]
    lost = closed[closed["stage"] == LOST]
    decided = len(won) + len(lost)
    costs = _costs(frames.sources, period)["cost"]
    mail = frames.mail_log
    sent = mail[(mail["status"] == SENT) & period.mask(mail["sent_at"].fillna(mail["planned_at"]))]
    return {
        "new_leads": float(period.mask(frames.customers["created"]).sum()),
        "new_deals": float(period.mask(deals["created"]).sum()),
        "deals_won": float(len(won)),
        "won_revenue": float(won["value"].sum()),
        "win_rate": len(won) / decided if decided else np.nan,
        "marketing_cost": float(costs.sum()) if costs.notna().any() else np.nan,
        "emails_sent": float(len(sent)),
    }


def kpis(frames: Frames, period: Period) -> pd.DataFrame:
    """Headline numbers for the period and the one before it.

    Columns: ``kpi`` (one of :data:`KPI_KEYS`), ``current``, ``previous`` (NaN for all time) and
    ``change`` (relative change; NaN when the previous value is 0 or unknown). Won deals and
    win rate count deals *closed* in the period (Closed date, else Created).
    """
    current = _kpi_values(frames, period)
    before = period.previous()
    previous = _kpi_values(frames, before) if before else dict.fromkeys(KPI_KEYS, np.nan)
    table = pd.DataFrame(
        {
            "kpi": list(KPI_KEYS),
            "current": [current[k] for k in KPI_KEYS],
            "previous": [previous[k] for k in KPI_KEYS],
        }
    )
    table["change"] = ((table["current"] - table["previous"]) / table["previous"]).where(
        table["previous"].abs() > 0
    )
    return table


# --- data quality ---------------------------------------------------------------------------


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


def revenue_by_month(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Won deals' value by the month they closed (Closed date, else Created): ``month``,
    ``revenue``, ``deals``."""
    won = deals[deals["stage"] == WON]
    closed_on = won["closed"].fillna(won["created"])
    won = won.assign(month=_month(closed_on))[period.mask(closed_on)].dropna(subset=["month"])
    table = won.groupby("month").agg(revenue=("value", "sum"), deals=("stage", "size"))
    return table.reset_index()
