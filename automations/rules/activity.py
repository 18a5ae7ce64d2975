"""What happened with each customer, gathered once from Deals and Interactions.

Reminders and lifecycle both need the same facts (last contact, purchases, open deals,
unanswered complaints), in the workbook's time zone. This module reads them from a snapshot in
one pass over each tab; the rules stay small and never walk the rows twice.

Conventions shared by the rules:

- Dates typed in the sheet are wall-clock dates in Settings ``Time zone``; ``now`` (aware UTC) is
  turned into that zone's date with :func:`local_today`, so 22:45 UTC can already be tomorrow.
- A row is used only when its tab's key columns are filled (:func:`is_ready`): a half-typed row
  neither triggers reminders nor counts as contact.
- IDs are matched ignoring surrounding spaces and letter case (``c-0007`` is ``C-0007``).
- An interaction or purchase dated after today is not counted (it is a typo or a plan; the
  validator reports it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sheet_schema.lists import COMPLAINT, OPEN, PURCHASE, WON
from sheet_schema.merges import MERGED_INTO
from sheet_schema.model import Row, Snapshot
from sheet_schema.revenue import PurchaseLine, WonDeal, close_date, id_key, sales
from sheet_schema.schema import Tab

__all__ = [
    "Complaint",
    "CustomerActivity",
    "OpenDeal",
    "Purchase",
    "as_date",
    "cell_changed",
    "gather_activity",
    "id_key",
    "is_ready",
    "local_now",
    "local_today",
]


def local_today(snapshot: Snapshot, now: datetime) -> date:
    """Today's date in the workbook's time zone (``now`` is aware)."""
    return now.astimezone(snapshot.settings.zone).date()


def local_now(snapshot: Snapshot, now: datetime) -> datetime:
    """``now`` as wall-clock time in the workbook's time zone, to the second (naive): how the
    logs (Stage history, Mail log) record moments."""
    return now.astimezone(snapshot.settings.zone).replace(tzinfo=None, microsecond=0)


def as_date(value: object) -> date | None:
    """The calendar date of a typed cell value (date or naive local datetime), else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def is_ready(tab: Tab, row: Row) -> bool:
    """True when every key column of the tab is filled in this row (the row is typed enough)
    and it is not a customer merged into another (history only: no rule, check or email)."""
    raw = row.raw
    for key in tab.key_columns:  # a plain loop: this runs for every row, often
        if not raw.get(key, "").strip():
            return False
    return not raw.get(MERGED_INTO, "").strip()


@dataclass(frozen=True)
class Purchase:
    """A sale (sheet_schema.revenue): a won deal, or a Purchase interaction not part of one.

    ``amount`` is None when unknown (RFM ranks money among the known amounts only)."""

    when: date | None
    amount: Decimal | None  # None: no amount or value typed (unknown, not zero)
    source: str  # the deal or interaction ID


@dataclass(frozen=True)
class Complaint:
    """A Complaint interaction not marked Answered."""

    when: date
    interaction_id: str


@dataclass(frozen=True)
class OpenDeal:
    """A ready deal whose stage is open (neither won nor lost, whatever the team calls it)."""

    deal_id: str
    customer: str
    stage: str
    created: date | None
    last_touch: date | None  # latest interaction on the deal itself
    since: date | None = None  # in its stage since (Stage since, else Created)


@dataclass
class CustomerActivity:
    """Everything the rules need about one customer."""

    last_contact: date | None = None
    purchases: list[Purchase] = field(default_factory=list)
    open_deals: list[OpenDeal] = field(default_factory=list)
    # The meaning of each deal's stage (open, won, lost): lifecycle asks whether all are lost.
    deal_stages: list[str] = field(default_factory=list)
    deal_created: list[date] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)

    @property
    def first_purchase(self) -> date | None:
        """The date of the earliest dated purchase."""
        return min((p.when for p in self.purchases if p.when is not None), default=None)

    @property
    def last_purchase(self) -> date | None:
        """The date of the latest dated purchase."""
        return max((p.when for p in self.purchases if p.when is not None), default=None)


def _latest(current: date | None, candidate: date) -> date:
    return candidate if current is None or candidate > current else current


def gather_activity(
    deals: Tab, interactions: Tab, snapshot: Snapshot, today: date, as_of: bool = False
) -> dict[str, CustomerActivity]:
    """Activity per customer ID (``id_key``), from ready Deals and Interactions rows.

    With ``as_of`` (a past day, ``--as-of``), the workbook is seen as it was that day: a deal
    created after it did not exist, and a deal won after it was still open. Without it a future
    Closed date is taken for a typing slip and the won deal counts as an undated purchase.
    """
    kind_meaning = interactions.column("kind").meaning
    stage_meaning = deals.column("stage").meaning
    activity: dict[str, CustomerActivity] = defaultdict(CustomerActivity)
    last_on_deal: dict[str, date] = {}
    lines: list[PurchaseLine[Decimal]] = []
    won: list[WonDeal[Decimal]] = []
    for row in snapshot.tab(interactions.name):
        values = row.values
        when = as_date(values.get("date"))
        customer = id_key(values.get("customer_id"))
        # Date and Customer ID are the tab's key columns: both read means the row is ready.
        if when is None or when > today or not customer:
            continue
        record = activity[customer]
        if record.last_contact is None or when > record.last_contact:
            record.last_contact = when
        deal = values.get("deal_id")
        if deal:
            deal = id_key(deal)
            last_on_deal[deal] = _latest(last_on_deal.get(deal), when)
        kind = kind_meaning(values.get("kind"))
        if kind == PURCHASE:
            amount = values.get("amount")
            lines.append(
                PurchaseLine(
                    row.row_id or "",
                    customer,
                    id_key(deal),
                    amount if isinstance(amount, Decimal) else None,
                    when,
                )
            )
        elif kind == COMPLAINT and values.get("answered") is not True:
            record.complaints.append(Complaint(when, row.row_id or ""))
    for row in snapshot.tab(deals.name):
        if not is_ready(deals, row) or not row.row_id:
            continue
        customer = id_key(row.get("customer_id"))
        stage = row.get("stage")
        meaning = stage_meaning(stage)
        if not customer or not isinstance(stage, str) or meaning is None:
            continue
        created = as_date(row.get("created"))
        if as_of:
            if created is not None and created > today:
                continue
            closed = as_date(row.get("closed"))
            if meaning != OPEN and closed is not None and closed > today:
                meaning = OPEN  # decided after the day: still open then
        record = activity[customer]
        record.deal_stages.append(meaning)
        if created is not None and created <= today:
            record.deal_created.append(created)
        if meaning == WON:
            when = close_date(as_date(row.get("closed")), as_date(row.get("stage_since")), created)
            value = row.get("value")
            won.append(
                WonDeal(
                    row.row_id,
                    customer,
                    value if isinstance(value, Decimal) else None,
                    when if when is None or when <= today else None,
                )
            )
        elif meaning == OPEN:
            record.open_deals.append(
                OpenDeal(
                    row.row_id,
                    customer,
                    stage,
                    created,
                    last_on_deal.get(id_key(row.row_id)),
                    as_date(row.get("stage_since")) or created,
                )
            )
    # Each sale once: a purchase naming a won deal is part of that deal (sheet_schema.revenue).
    for sale in sales(won, lines):
        activity[sale.customer].purchases.append(Purchase(sale.when, sale.amount, sale.ref))
    return activity


def cell_changed(row: Row, key: str, new: object) -> bool:
    """True when writing ``new`` (a date, text or None) would change what the cell shows.

    Rules write only differences, so a steady-state cycle writes almost nothing. A bot cell that
    someone typed over with something unreadable counts as changed and is put right.
    """
    current = row.text(key).strip()
    if new is None or new == "":
        return current != ""
    if isinstance(new, date):
        return as_date(row.get(key)) != new or not current
    return current != str(new)
