"""Each customer's lifecycle stage, with its reason, and RFM segment.

Inputs (see :mod:`automations.rules.activity`): a *purchase* is a sale as
:mod:`sheet_schema.revenue` defines it for the dashboard too: a won deal (dated by Closed, else
Stage since, else Created), or a Purchase interaction that is not part of a won deal; *contact*
is any interaction; only ready rows dated up to today count. *Last activity* is the latest of:
last purchase, last contact, the Created date of any of the customer's deals, and the customer's
own Created date. ``D`` is
Settings ``Dormant after days`` and ``C`` is ``Churned after days``; ``days`` is today (in the
workbook's time zone) minus last activity. The first rule that applies decides:

1. **Lost**: the customer has deals, every one of them is Lost, and nothing was ever bought.
2. With at least one purchase: **Active** if days <= D; **Dormant** if days <= C; else
   **Churned**. (A purchase with no date at all counts as Active until dated activity exists.)
3. Without purchases: **Lead**, whatever the days: someone who never bought cannot have
   stopped buying, so is never Dormant or Churned (the reason names the open deal or the last
   contact or record date, so a quiet lead is visible).

``today`` is the day the stages are computed for: the workbook's today in a cycle, or the date
given with ``--as-of`` (``report``, ``run --dry-run``); activity after it is ignored.

Lifecycle values are the choice values of crm.toml (English); "Lifecycle reason" is a sentence in
the workbook's language that names the deciding fact and its date, never "N days ago", so it does
not change from one day to the next while the stage stays. "Segment" is the RFM segment of
:mod:`automations.rules.segments` (empty for customers who never bought).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from automations import messages
from automations.rules.activity import (
    CustomerActivity,
    as_date,
    cell_changed,
    gather_activity,
    id_key,
    is_ready,
)
from automations.rules.contract import Inputs
from automations.rules.segments import PurchaseRecord, segments
from sheet_schema.lists import LOST
from sheet_schema.model import CellWrite, Row, Snapshot
from sheet_schema.schema import Schema
from sheet_schema.settings import Settings

# What the rule reads (automations.rules.contract): with Deals missing, every customer who bought
# through a deal would look Churned or Lead; the cells stay as they are instead.
REQUIRES = Inputs(
    {
        "Customers": ("ID", "Name", "Created"),
        "Deals": ("ID", "Customer ID", "Stage", "Value", "Created", "Closed"),
        "Interactions": ("Date", "Customer ID", "Kind", "Amount"),
    }
)


@dataclass(frozen=True)
class Lifecycle:
    """A customer's stage, and the message that says why."""

    stage: str
    code: str
    params: dict[str, str]


def classify(
    activity: CustomerActivity | None, created: date | None, today: date, settings: Settings
) -> Lifecycle:
    """The lifecycle stage of one customer (rules in the module docstring)."""
    record = activity or CustomerActivity()
    bought = bool(record.purchases)
    if not bought and record.deal_stages and all(s == LOST for s in record.deal_stages):
        return Lifecycle("Lost", "lifecycle.lost", {"count": str(len(record.deal_stages))})
    dated = [
        d
        for d in (record.last_purchase, record.last_contact, created, *record.deal_created)
        if d is not None and d <= today
    ]
    last = max(dated, default=None)
    if not bought and record.open_deals:
        return Lifecycle("Lead", "lifecycle.lead_open", {"deal": record.open_deals[0].deal_id})
    if last is None:
        if bought:
            return Lifecycle("Active", "lifecycle.bought", {})
        return Lifecycle("Lead", "lifecycle.lead_new", {})
    if not bought:
        return Lifecycle("Lead", "lifecycle.lead_recent", {"date": last.isoformat()})
    days = (today - last).days
    if days <= settings.dormant_after_days:
        return Lifecycle("Active", "lifecycle.active", {"date": last.isoformat()})
    if days <= settings.churned_after_days:
        return Lifecycle(
            "Dormant",
            "lifecycle.dormant",
            {"date": last.isoformat(), "days": str(settings.dormant_after_days)},
        )
    return Lifecycle(
        "Churned",
        "lifecycle.churned",
        {"date": last.isoformat(), "days": str(settings.churned_after_days)},
    )


def _classified(
    schema: Schema, snapshot: Snapshot, today: date, activity: Mapping[str, CustomerActivity]
) -> list[tuple[Row, Lifecycle, str]]:
    """Each ready customer row with her lifecycle and RFM segment ("" if she never bought)."""
    settings = snapshot.settings
    customers = schema.tab("Customers")
    ready = [r for r in snapshot.tab(customers.name) if r.row_id and is_ready(customers, r)]
    wanted = {id_key(r.row_id) for r in ready}
    segment_of = segments(
        (
            PurchaseRecord(customer, p.when, p.amount)
            for customer, record in activity.items()
            if customer in wanted
            for p in record.purchases
        ),
        today,
    )
    found: list[tuple[Row, Lifecycle, str]] = []
    for row in ready:
        key = id_key(row.row_id)
        stage = classify(activity.get(key), as_date(row.get("created")), today, settings)
        found.append((row, stage, segment_of.get(key, "")))
    return found


def lifecycle_writes(
    schema: Schema, snapshot: Snapshot, today: date, activity: Mapping[str, CustomerActivity]
) -> tuple[CellWrite, ...]:
    """The lifecycle cells that change, given the customers' activity (gathered once a cycle)."""
    language = snapshot.settings.language
    customers = schema.tab("Customers")
    writes: list[CellWrite] = []
    for row, found, segment in _classified(schema, snapshot, today, activity):
        assert row.row_id is not None
        new_values = {
            "lifecycle": found.stage,
            "lifecycle_reason": messages.render(found.code, language, found.params),
            "segment": segment,
        }
        for column, value in new_values.items():
            if cell_changed(row, column, value):
                writes.append(CellWrite(customers.name, row.row_id, column, value))
    return tuple(writes)


def lifecycles_as_of(schema: Schema, snapshot: Snapshot, day: date) -> dict[str, tuple[str, str]]:
    """Customer ID (as typed) -> (lifecycle, segment) as of ``day``: what the bot would have
    written that day (``sheetcrm report --as-of``); activity after ``day`` is ignored."""
    activity = gather_activity(
        schema.tab("Deals"), schema.tab("Interactions"), snapshot, day, as_of=True
    )
    # A customer created after the day was not a customer yet: left out (no lifecycle then).
    return {
        str(row.row_id): (found.stage, segment)
        for row, found, segment in _classified(schema, snapshot, day, activity)
        if (as_date(row.get("created")) or day) <= day
    }
