"""The demo's Deals rows: a funnel of open, won and lost deals, dates true to the stage.

Also mistakes 6 to 8 of the demo (see :mod:`automations.demo.generate`).
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import date, timedelta

from automations.demo.customers import Customer
from automations.demo.typed_cells import (
    UNNUMBERED_DAYS,
    maybe_text_amount,
    maybe_text_date,
    random_day,
    spelled,
)
from automations.rules.ids import format_id

IMPOSSIBLE_DATE = "31/02/2025"
UNKNOWN_STAGE = "Wonn"

# A funnel: many early deals, fewer late ones; about 25% won and 20% lost.
_STAGES = ("Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost")
_STAGE_WEIGHTS = (0.20, 0.16, 0.11, 0.08, 0.25, 0.20)
# How people really type stages (all readable through the schema's choice aliases).
_STAGE_SPELLINGS = {
    "Lead": ("lead", "New", "nuevo"),
    "Qualified": ("qualified", "Cualificado"),
    "Proposal": ("proposal", "Propuesta", "Proposta"),
    "Negotiation": ("negociación", "Negociação", "NEGOTIATION"),
    "Won": ("closed won", "Ganado", "won"),
    "Lost": ("closed lost", "Perdido", "lost"),
}
# Days a deal typically waits before it reaches the stage (open deals are this old at most).
_OPEN_AGE_DAYS = {"Lead": 40, "Qualified": 70, "Proposal": 100, "Negotiation": 130}
_LOST_REASONS = (
    "Price",
    "Competitor",
    "No budget",
    "No response",
    "Timing",
    "Product fit",
    "Other",
)
_LOST_WEIGHTS = (0.30, 0.25, 0.15, 0.12, 0.10, 0.05, 0.03)
_COMPETITORS = (
    "PixelWorks",
    "Nova Digital",
    "Agencia Sol",
    "WebLab Lisboa",
    "Athens Web Co",
    "a freelancer",
    "in-house team",
)
_DEAL_TITLES = (
    ("Website redesign", 3500.0),
    ("Online shop setup", 5200.0),
    ("SEO package (6 months)", 1800.0),
    ("Logo and branding", 1200.0),
    ("Annual maintenance plan", 900.0),
    ("Hosting renewal", 240.0),
    ("Mobile app prototype", 9500.0),
    ("Social media campaign", 1500.0),
    ("Staff training workshop", 750.0),
    ("Booking system integration", 2800.0),
)


@dataclass
class Deal:
    """A deal row before it is typed: what the Interactions tab needs to know of it."""

    row_id: str | None
    customer: Customer
    title: str
    stage: str
    value: float
    created: date
    closed: date | None
    # False for the deal whose Customer ID was mistyped: nothing else may point at it.
    linkable: bool = True


def generate_deals(
    rng: random.Random, people: list[Customer], count: int, today: date
) -> tuple[list[dict[str, object]], list[Deal]]:
    """``count`` Deals rows of the numbered customers (oldest first), and the deals behind them."""
    numbered = [p for p in people if p.row_id is not None]  # in order of creation
    starts = [p.created for p in numbered]
    deals: list[Deal] = []
    for _ in range(count):
        stage = rng.choices(_STAGES, weights=_STAGE_WEIGHTS)[0]
        closed: date | None
        if stage in ("Won", "Lost"):
            customer, created, closed = _closed_deal(rng, numbered, starts, today)
            factor = customer.source.win_factor
            if stage == "Won" and factor < 1 and rng.random() > factor:
                stage = "Lost"
            elif stage == "Lost" and factor > 1 and rng.random() < factor - 1:
                stage = "Won"
        else:
            customer = _pick(rng, numbered, len(numbered), today - timedelta(days=90), 3)
            latest = min(customer.last_active, today)
            oldest = max(customer.created, latest - timedelta(days=_OPEN_AGE_DAYS[stage]))
            created, closed = random_day(rng, oldest, latest), None
        title, typical = rng.choice(_DEAL_TITLES)
        value = round(typical * customer.source.value_factor * rng.lognormvariate(0, 0.35), -1)
        deals.append(Deal(None, customer, title, stage, value, created, closed))
    deals.sort(key=lambda d: d.created)
    number = 0
    for deal in deals:
        if deal.created <= today - timedelta(days=UNNUMBERED_DAYS):
            number += 1
            deal.row_id = format_id("D", number)
    rows = [_deal_row(rng, deal) for deal in deals]
    _add_deal_mistakes(rng, rows, deals, people)
    return rows, deals


def _pick(
    rng: random.Random, customers: list[Customer], known: int, active_on: date, tries: int
) -> Customer:
    """One of the first ``known`` customers, preferably one still active on ``active_on``."""
    customer = customers[rng.randrange(known)]
    for _ in range(tries - 1):
        if customer.last_active >= active_on:
            break
        customer = customers[rng.randrange(known)]
    return customer


def _closed_deal(
    rng: random.Random, customers: list[Customer], starts: list[date], today: date
) -> tuple[Customer, date, date]:
    """A customer and the created and closed dates of one of their won or lost deals.

    Deals close all year round, a little more often lately (the business grows); the customer
    existed when the deal was created and was still active when it closed.
    """
    closed = today - timedelta(days=1 + int(364 * rng.random() ** 1.3))
    created = closed - timedelta(days=rng.randint(5, 90))
    known = max(1, bisect.bisect_right(starts, created))
    customer = _pick(rng, customers, known, closed, 10)
    created = max(created, customer.created)
    closed = max(closed, created)
    # Someone who bought then was not dormant then.
    customer.last_active = max(customer.last_active, closed)
    return customer, created, closed


def _deal_row(rng: random.Random, deal: Deal) -> dict[str, object]:
    expected = deal.created + timedelta(days=rng.randint(20, 75))
    lost = deal.stage == "Lost"
    reason = rng.choices(_LOST_REASONS, weights=_LOST_WEIGHTS)[0] if lost else None
    competitor = None
    if lost and (reason in ("Competitor", "Price") or rng.random() < 0.3):
        competitor = rng.choice(_COMPETITORS)
    return {
        "id": deal.row_id,
        "customer_id": deal.customer.row_id,
        "title": deal.title,
        "stage": spelled(rng, deal.stage, _STAGE_SPELLINGS[deal.stage]),
        "value": maybe_text_amount(rng, deal.value),
        "source": deal.customer.source.name,
        "manager": deal.customer.manager,
        "created": maybe_text_date(rng, deal.created),
        "expected_close": maybe_text_date(rng, expected),
        "closed": maybe_text_date(rng, deal.closed) if deal.closed else None,
        "lost_reason": reason,
        "competitor": competitor,
        "notes": None,
    }


def _add_deal_mistakes(
    rng: random.Random, rows: list[dict[str, object]], deals: list[Deal], people: list[Customer]
) -> None:
    # "Wonn" is a won deal mistyped. The orphan is not a won deal: its purchase would then name
    # a deal of "another" customer, a second mistake nobody planned.
    won = [i for i, d in enumerate(deals) if d.stage == "Won"]
    unknown = rng.choice(won)
    impossible, orphan = rng.sample([i for i, d in enumerate(deals) if d.stage != "Won"], 2)
    rows[impossible]["expected_close"] = IMPOSSIBLE_DATE
    rows[unknown]["stage"] = UNKNOWN_STAGE
    numbered = sum(1 for p in people if p.row_id is not None)
    rows[orphan]["customer_id"] = format_id("C", numbered + 731)
    deals[orphan].linkable = False
