"""Follow-up dates for open deals, and each customer's next reminder.

Deals (bot columns ``Follow-up due``)
    An open deal (ready, stage neither Won nor Lost) is due for follow-up ``SLA`` days (Settings
    ``SLA <stage> days``) after the last interaction logged on that deal; if there is none, after
    the last interaction with its customer; if there is none, after the deal's Created date.
    Logging an interaction therefore resets the clock, and so does a new stage: the clock never
    starts before the deal is in its stage (Stage since, else Created, else the day the bot
    first saw it), so a follow-up is never due before the deal existed. A stage without an SLA
    or a closed deal has no follow-up date (the cell is cleared if it held one).

Customers (bot columns ``Last contact``, ``Next action date``, ``Reminder``)
    Last contact is the date of the latest interaction of any kind up to today. The reminder is
    the earliest of these, by date (ties in this order):

    1. an overdue follow-up of one of the customer's deals (due before today);
    2. a birthday within Settings ``Reminder window days`` (today included);
    3. the anniversary of the first purchase (first won deal or Purchase interaction) within the
       window, from the first anniversary on;
    4. a complaint not marked Answered.

    The Reminder cell holds that sentence ("Overdue follow-up: D-0012 in Proposal since
    2026-10-20, follow-up due 2026-11-01": since when the deal is in its stage, Stage since else
    Created, and when the follow-up was due), followed by "(+N more)" when several apply; Next
    action date is its date, or, when nothing is due, the earliest upcoming follow-up of the
    customer's deals.

Dates are computed in Settings ``Time zone``: ``now`` is turned into the local date first. A
birthday or anniversary counts only at its next occurrence on or after today, so a first run never
reminds of past years; 29 February falls on 28 February in common years. Cells are written only
when their value changes.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from automations import messages
from automations.rules.activity import (
    CustomerActivity,
    OpenDeal,
    as_date,
    cell_changed,
    id_key,
    is_ready,
)
from automations.rules.contract import Inputs
from sheet_schema.model import CellWrite, Snapshot
from sheet_schema.schema import Schema, fold

# What the rule reads (automations.rules.contract): with Deals or Interactions missing, every
# follow-up and last contact would be cleared; the cells stay as they are instead.
REQUIRES = Inputs(
    {
        "Customers": ("ID", "Name", "Birthday"),
        "Deals": ("ID", "Customer ID", "Stage", "Created"),
        "Interactions": ("Date", "Customer ID", "Deal ID", "Kind", "Answered"),
    }
)


@dataclass(frozen=True)
class Reminder:
    """One thing to do about a customer, on a date."""

    when: date
    rank: int  # breaks ties between reminders on the same date
    code: str
    params: Mapping[str, str]


def on_or_after(day: date, today: date, first_year: int | None = None) -> date:
    """The next yearly occurrence of ``day`` on or after ``today`` (29 Feb -> 28 Feb if needed).

    ``first_year`` is the earliest year an occurrence may fall in (an anniversary starts the year
    after the purchase).
    """
    year = max(today.year, first_year or today.year)
    while True:
        last_day = calendar.monthrange(year, day.month)[1]
        occurrence = date(year, day.month, min(day.day, last_day))
        if occurrence >= today:
            return occurrence
        year += 1


def follow_up_due(
    deal: OpenDeal, customer: CustomerActivity | None, sla: Mapping[str, int], today: date
) -> date | None:
    """When an open deal must be followed up (None: its stage has no SLA).

    The SLA counts from the last interaction (on the deal, else with its customer), but never
    from before the deal is in its stage (Stage since, else Created; a deal with neither is new
    to the bot today): a follow-up is never due before its deal existed.
    """
    days = sla.get(deal.stage)
    if days is None:
        # "SLA Demo booked days" reads as "Demo Booked": the team's stage, in any letter case.
        folded = fold(deal.stage)
        days = next((d for stage, d in sla.items() if fold(stage) == folded), None)
    if days is None:
        return None
    began = max((d for d in (deal.created, deal.since) if d is not None), default=today)
    start = deal.last_touch or (customer.last_contact if customer else None) or began
    return max(start, began) + timedelta(days=days)


def customer_reminders(
    activity: CustomerActivity | None,
    birthday: date | None,
    today: date,
    window: int,
    sla: Mapping[str, int],
) -> tuple[list[Reminder], list[date]]:
    """A customer's reminders (due now or within the window) and upcoming follow-up dates."""
    found: list[Reminder] = []
    upcoming: list[date] = []
    horizon = today + timedelta(days=window)
    if activity is not None:
        for deal in activity.open_deals:
            due = follow_up_due(deal, activity, sla, today)
            if due is None:
                continue
            if due < today:
                params = {"deal": deal.deal_id, "stage": deal.stage, "date": due.isoformat()}
                if deal.since is not None:
                    code = "reminder.overdue"
                    params["since"] = min(deal.since, today).isoformat()
                else:
                    code = "reminder.overdue_undated"
                found.append(Reminder(due, 0, code, params))
            else:
                upcoming.append(due)
        for complaint in activity.complaints:
            found.append(
                Reminder(
                    complaint.when,
                    3,
                    "reminder.complaint",
                    {"interaction": complaint.interaction_id, "date": complaint.when.isoformat()},
                )
            )
        first = activity.first_purchase
        if first is not None:
            anniversary = on_or_after(first, today, first_year=first.year + 1)
            if anniversary <= horizon:
                found.append(
                    Reminder(
                        anniversary,
                        2,
                        "reminder.anniversary",
                        {"date": anniversary.isoformat(), "first": first.isoformat()},
                    )
                )
    if birthday is not None and birthday <= today:
        next_birthday = on_or_after(birthday, today)
        if next_birthday <= horizon:
            found.append(
                Reminder(next_birthday, 1, "reminder.birthday", {"date": next_birthday.isoformat()})
            )
    found.sort(key=lambda r: (r.when, r.rank))
    return found, upcoming


def reminder_text(found: list[Reminder], language: str) -> str:
    """The Reminder cell: the earliest reminder's sentence, and how many more there are."""
    if not found:
        return ""
    text = messages.render(found[0].code, language, found[0].params)
    if len(found) > 1:
        text = messages.render("reminder.more", language, {"text": text, "count": len(found) - 1})
    return text


def reminder_writes(
    schema: Schema, snapshot: Snapshot, today: date, activity: Mapping[str, CustomerActivity]
) -> tuple[CellWrite, ...]:
    """The reminder cells that change, given the customers' activity (gathered once a cycle)."""
    settings = snapshot.settings
    deals_tab, customers_tab = schema.tab("Deals"), schema.tab("Customers")
    sla = settings.stage_sla_days
    writes: list[CellWrite] = []
    due_by_deal: dict[str, date | None] = {}
    for customer in activity.values():
        for deal in customer.open_deals:
            due_by_deal[deal.deal_id] = follow_up_due(deal, customer, sla, today)
    for row in snapshot.tab(deals_tab.name):
        if row.row_id is None or not deals_tab.has_column("follow_up_due"):
            continue
        due = due_by_deal.get(row.row_id)
        if cell_changed(row, "follow_up_due", due):
            writes.append(CellWrite(deals_tab.name, row.row_id, "follow_up_due", due))
    for row in snapshot.tab(customers_tab.name):
        if row.row_id is None or not is_ready(customers_tab, row):
            continue
        record = activity.get(id_key(row.row_id))
        found, upcoming = customer_reminders(
            record, as_date(row.get("birthday")), today, settings.reminder_window_days, sla
        )
        next_action = found[0].when if found else min(upcoming, default=None)
        new_values: dict[str, object] = {
            "last_contact": record.last_contact if record else None,
            "next_action_date": next_action,
            "reminder": reminder_text(found, settings.language),
        }
        for key, value in new_values.items():
            if cell_changed(row, key, value):
                writes.append(CellWrite(customers_tab.name, row.row_id, key, value))
    return tuple(writes)
