"""Which sales are revenue, and on which date: the one rule the bot and the dashboard share.

A *sale* is money a customer paid, counted once:

* A **won deal** is a sale dated by the day it closed (:func:`close_date`). Its amount is its
  Value; without a Value, the sum of the Purchase interactions that name it (Interactions
  "Deal ID"), unknown (``None``) when one of them has no Amount; with neither, the amount is
  unknown too, never zero.
* A **Purchase interaction** that names a won deal is part of that deal's sale and adds nothing
  on its own (the deal's Value already counts it, or it *is* the deal's amount).
* A **Purchase interaction** that names no deal, or a deal that is not won (open, lost, or an
  ID not in Deals), is a sale on its own, dated by its Date: the money came in whatever happens
  to the deal. Its amount is its Amount (``None`` when empty: unknown, never zero).

The bot (lifecycle and RFM, :mod:`automations.rules.activity`) and the dashboard and ``sheetcrm
report`` (:mod:`dashboard.metrics.revenue`) both call :func:`sales`, so "revenue" and "a
customer who bought" mean the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Generic, NamedTuple, TypeVar

# Amounts are Decimals in the bot and floats in the dashboard's frames; one call uses one kind.
N = TypeVar("N", Decimal, float)


def id_key(value: object) -> str:
    """An ID as compared across tabs: no surrounding spaces, upper case ("" when empty)."""
    return value.strip().upper() if isinstance(value, str) else ""


def close_date(closed: date | None, stage_since: date | None, created: date | None) -> date | None:
    """The day a won deal counts as closed: Closed, else Stage since, else Created."""
    return closed or stage_since or created


# Named tuples, not dataclasses: a report builds one per sale of every group it cuts (tens of
# thousands on a big workbook), and a tuple is several times cheaper to create.
class WonDeal(NamedTuple, Generic[N]):
    """A deal whose Stage is Won, as the revenue rule needs it."""

    deal: str  # the Deal ID as typed
    customer: str  # id_key of its Customer ID
    value: N | None
    closed: date | None  # see close_date


class PurchaseLine(NamedTuple, Generic[N]):
    """A Purchase interaction, as the revenue rule needs it."""

    interaction: str  # the Interaction ID as typed
    customer: str  # id_key of its Customer ID
    deal: str  # id_key of its Deal ID ("" when it names none)
    amount: N | None
    when: date | None


class Sale(NamedTuple, Generic[N]):
    """Money a customer paid, counted once (see the module's docstring)."""

    customer: str  # id_key
    amount: N | None  # None: unknown (a won deal with no Value, a purchase with no Amount)
    when: date | None
    ref: str  # the Deal ID of a won deal's sale, else the Interaction ID
    is_deal: bool


def sales(won: Iterable[WonDeal[N]], purchases: Iterable[PurchaseLine[N]]) -> list[Sale[N]]:
    """Every sale, once: won deals first (in the order given), then purchases on their own."""
    deals = list(won)
    won_keys = {id_key(d.deal) for d in deals if d.deal}
    paid: dict[str, N] = {}
    # Deals paid by a purchase of unknown amount: their sum would look complete and is not.
    partly_unknown: set[str] = set()
    alone: list[Sale[N]] = []
    for line in purchases:
        if line.deal and line.deal in won_keys:
            if line.amount is None:
                partly_unknown.add(line.deal)
            else:
                before = paid.get(line.deal)
                paid[line.deal] = line.amount if before is None else before + line.amount
            continue
        alone.append(Sale(line.customer, line.amount, line.when, line.interaction, False))
    out = [
        Sale(
            d.customer,
            d.value if d.value is not None else _paid(id_key(d.deal), paid, partly_unknown),
            d.closed,
            d.deal,
            True,
        )
        for d in deals
    ]
    return out + alone


def _paid(deal: str, paid: dict[str, N], partly_unknown: set[str]) -> N | None:
    """What the purchases naming a won deal without a Value add up to (None: unknown)."""
    return None if deal in partly_unknown else paid.get(deal)
