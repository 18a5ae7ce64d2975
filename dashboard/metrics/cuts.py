"""Cutting a report by a period unit or by any column: ``--by`` and the pages' "Group by".

A cut is ``month`` or ``quarter`` (of the date the report filters on), ``manager``, ``source``,
``stage``, or the header of any column of Customers or Deals, including a column the team added
(kept by :func:`dashboard.frames.tab_frame` under its header). Each group's figures come from
the same functions as the whole report, run on the group's rows (:func:`group_frames`) or on the
group's period (:func:`unit_periods`), so a group's number is exactly the report's number for
that slice. Rows with an empty cell form the group "(not set)", never dropped; rows whose
column cannot be read (not in the Customers header row) form the group "unknown".

A deal takes the value of its own cell, else its customer's (a deal without a Sector is in its
customer's Sector); a customer takes her own cell only (a customer has no single stage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from dashboard.frames import Frames
from dashboard.metrics.counts import NOT_SET
from dashboard.metrics.period import Period
from dashboard.unreadable import UNKNOWN
from sheet_schema.schema import fold

UNITS = ("month", "quarter")
NAMED_CUTS = ("manager", "source", "stage")


class UnknownCut(ValueError):
    """``--by`` names neither a period unit nor a column of Customers or Deals."""


@dataclass(frozen=True)
class Cut:
    """A resolved cut: a period unit, or the frame column (key) it groups on."""

    name: str  # as the user typed it
    unit: str | None = None  # "month" or "quarter"
    column: str | None = None  # the frame column (schema key or team-added header)


def _matches(name: str, column: str) -> bool:
    return fold(name) == fold(column.replace("_", " "))


def _frame_column(frame: pd.DataFrame, name: str) -> str | None:
    for column in frame.columns:
        if column != "row" and _matches(name, str(column)):
            return str(column)
    return None


def cut_options(frames: Frames) -> list[str]:
    """Every cut a report can take: the units and named cuts, then the other columns."""
    options = [*UNITS, *NAMED_CUTS]
    seen = {fold(o) for o in options}
    for frame in (frames.customers, frames.deals):
        for column in frame.columns:
            label = str(column).replace("_", " ")
            if column == "row" or fold(label) in seen:
                continue
            seen.add(fold(label))
            options.append(label)
    return options


def resolve_cut(frames: Frames, name: str) -> Cut:
    """The cut ``name`` means (any case or spacing), or :class:`UnknownCut` with the choices."""
    folded = fold(name)
    if folded in UNITS:
        return Cut(name, unit=folded)
    column = _frame_column(frames.deals, name) or _frame_column(frames.customers, name)
    if column is None:
        raise UnknownCut(
            f"--by {name!r}: not a column of Customers or Deals; choose one of "
            + ", ".join(cut_options(frames))
        )
    return Cut(name, column=column)


def _labels(values: pd.Series) -> pd.Series:
    text = values.map(lambda v: None if v is None or pd.isna(v) else str(v).strip() or None)
    return text.fillna(NOT_SET).astype(str)


def column_labels(frames: Frames, column: str) -> tuple[pd.Series, pd.Series]:
    """The group label of each customer and each deal for a column cut."""
    customers, deals = frames.customers, frames.deals
    if column in customers.columns:
        of_customer = customers[column]
    else:
        of_customer = pd.Series(None, index=customers.index, dtype=object)
    by_id = pd.Series(of_customer.to_numpy(), index=customers["id"]).groupby(level=0).first()
    from_customer = deals["customer_id"].map(by_id)
    own = deals[column] if column in deals.columns else pd.Series(None, index=deals.index)
    of_deal = own.where(own.notna(), from_customer)
    customer_labels, deal_labels = _labels(of_customer), _labels(of_deal)
    if column in customers.columns and any(gap.covers("Customers", column) for gap in frames.gaps):
        # The column is not in the Customers header row (renamed, deleted): its cells are
        # unknown, not empty; a deal that takes its customer's value is unknown with her.
        customer_labels = pd.Series(UNKNOWN, index=customers.index, dtype=object)
        deal_labels = _labels(own).where(own.notna(), UNKNOWN)
    return customer_labels, deal_labels


def group_frames(frames: Frames, column: str) -> list[tuple[str, Frames]]:
    """The frames split by a column's value, largest group first, "(not set)" last.

    Interactions and emails follow their customer, stage history its deal; marketing costs
    follow only a cut by source (a cost row has no manager or sector).
    """
    customer_label, deal_label = column_labels(frames, column)
    sizes = pd.concat([customer_label, deal_label]).value_counts()
    order = [v for v in sizes.index if v != NOT_SET] + ([NOT_SET] if NOT_SET in sizes else [])
    empty_costs = frames.sources.iloc[0:0]
    groups: list[tuple[str, Frames]] = []
    for value in order:
        customers = frames.customers[customer_label == value]
        deals = frames.deals[deal_label == value]
        if column == "source":
            costs = frames.sources[_labels(frames.sources["source"]) == value]
        else:
            costs = empty_costs
        ids = set(customers["id"].dropna())
        deal_ids = set(deals["id"].dropna())
        groups.append(
            (
                value,
                frames.replace_tables(
                    customers=customers,
                    deals=deals,
                    sources=costs,
                    interactions=frames.interactions[frames.interactions["customer_id"].isin(ids)],
                    mail_log=frames.mail_log[frames.mail_log["customer_id"].isin(ids)],
                    stage_history=frames.stage_history[
                        frames.stage_history["deal_id"].isin(deal_ids)
                    ],
                ),
            )
        )
    return groups


def _unit_start(day: date, unit: str) -> date:
    if unit == "month":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_start(start: date, unit: str) -> date:
    months = 1 if unit == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def unit_label(start: date, unit: str) -> str:
    """``2026-03`` for a month, ``2026-Q1`` for a quarter."""
    if unit == "month":
        return f"{start.year:04d}-{start.month:02d}"
    return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"


def unit_periods(dates: pd.Series, unit: str, period: Period) -> list[tuple[str, Period]]:
    """The months or quarters from the first to the last date (within ``period``), each as a
    period clipped to ``period``, oldest first; none when no date is known."""
    known = dates[period.mask(dates) & dates.notna()]
    if known.empty:
        return []
    first = period.start or known.min().date()
    last = period.end or known.max().date()
    out: list[tuple[str, Period]] = []
    start = _unit_start(first, unit)
    while start <= last:
        end = _next_start(start, unit) - timedelta(days=1)
        out.append((unit_label(start, unit), Period(max(start, first), min(end, last))))
        start = _next_start(start, unit)
    return out
