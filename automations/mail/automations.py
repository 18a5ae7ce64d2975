"""Automations: the emails the Automations tab sends by itself (welcome, birthday, anniversary,
dormant, follow-up), planned into a :class:`~automations.mail.planning.Planner`.

Enabled rows whose template exists; one row per kind, the top one.
    ``welcome``      Created + offset is today or up to :data:`GRACE_DAYS` earlier (a bot that was
                     down catches up; enabling the rule never mails every old customer).
                     Key ``welcome:{customer}``.
    ``birthday``     the birthday's yearly occurrence (29 Feb -> 28 Feb in common years) minus
                     offset is today or up to GRACE_DAYS earlier; never past years. Key
                     ``birthday:{customer}:{year of the occurrence}``. Marketing.
    ``anniversary``  the same with the first purchase, from one year after it on. Key
                     ``anniversary:{customer}:{year}``. Marketing.
    ``dormant``      the customer's Lifecycle cell says Dormant and the lifecycle rule still finds
                     them Dormant; last activity (the date the Lifecycle reason names) + Settings
                     ``Dormant after days`` + offset is today or up to GRACE_DAYS earlier. Key
                     ``dormant:{customer}:{last activity}``: a new dormancy gets a new key.
                     Marketing.
    ``follow-up``    each open deal whose Stage since (else Created) + offset is today or up to
                     GRACE_DAYS earlier, with no interaction with the customer after that day.
                     Key ``follow-up:{deal}:{stage}:{stage since}``. The template sees the deal.

Every kind sends only for what fell due within the catch-up window (GRACE_DAYS): a bot that was
down catches up, but the first cycle on a workbook, or the first after an automation is enabled,
never mails the past (a deal overdue for months, a customer dormant since last year).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from automations.mail.planning import Planner, one_line
from automations.mail.sending import REQUIRES as SENDING_REQUIRES
from automations.rules.activity import as_date, id_key, is_ready
from automations.rules.contract import Inputs
from automations.rules.lifecycle import REQUIRES as LIFECYCLE_REQUIRES
from automations.rules.lifecycle import classify
from automations.rules.reminders import on_or_after
from sheet_schema.model import Row

# What the automations read (automations.rules.contract): the dormant kind decides with the
# lifecycle rule, every kind checks the Mail log.
REQUIRES = (
    Inputs(
        {
            "Automations": ("Kind", "Template", "Offset days", "Enabled"),
            "Templates": ("Key", "Language", "Subject", "Body"),
            "Customers": (
                "ID",
                "Name",
                "Email",
                "Language",
                "Birthday",
                "Created",
                "Marketing consent",
                "Unsubscribed",
            ),
            "Deals": ("ID", "Customer ID", "Stage", "Created"),
            "Interactions": ("Date", "Customer ID", "Kind"),
        }
    )
    + LIFECYCLE_REQUIRES
    + SENDING_REQUIRES
)
# How many days late an automation may still go out (the catch-up window).
GRACE_DAYS = 3
# Offset days beyond ten years are a typo (and would overflow date arithmetic).
MAX_OFFSET_DAYS = 3650


def _offset(row: Row) -> int | None:
    """Offset days as a whole number (empty is 0); None when the cell cannot be used."""
    value = row.get("offset_days")
    if value is None:
        # Something typed but unreadable: a guess could mail on the wrong day.
        return None if row.text("offset_days").strip() else 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and abs(value) <= MAX_OFFSET_DAYS:
        return value
    return None


def plan_automations(planner: Planner) -> None:
    """Every enabled automation, the top row of each kind only."""
    tab = planner.schema.tab("Automations")
    handlers: dict[str, Callable[[Planner, str, int, str], None]] = {
        "welcome": welcome,
        "birthday": birthday,
        "anniversary": anniversary,
        "dormant": dormant,
        "follow-up": follow_up,
    }
    first_row: dict[str, int] = {}
    for row in planner.snapshot.tab(tab.name):
        kind, template = row.get("kind"), row.text("template").strip()
        if not is_ready(tab, row) or row.get("enabled") is not True:
            continue
        if not isinstance(kind, str) or kind not in handlers or not planner.book.has(template):
            continue  # the validator reports an unknown kind or template
        offset = _offset(row)
        if offset is None:
            # Unreadable text is the validator's to report; a readable number that cannot be
            # used (1.5, 99999) is not, so it is said here.
            if row.get("offset_days") is not None:
                planner.failures.append(
                    f"Automations row {row.number}, Offset days: "
                    f"'{one_line(row.text('offset_days'))}' is not a whole number of days "
                    f"from -{MAX_OFFSET_DAYS} to {MAX_OFFSET_DAYS}; this row sends nothing."
                )
            continue
        if kind in first_row:
            # Keys name the customer and the occasion, not the automation: a second row of
            # the same kind could never send, so it is said rather than silently ignored.
            planner.failures.append(
                f"Automations row {row.number}, Kind: another enabled {kind} automation "
                f"(row {first_row[kind]}) comes first; this row sends nothing."
            )
            continue
        first_row[kind] = row.number
        where = f"Automations row {row.number} ({kind})"
        handlers[kind](planner, template, offset, where)
        # Said on the row whether or not an email was due: a template that does not compile
        # is known broken before anyone's birthday comes.
        failure = planner.render_failure(where) or planner.book.compile_error(template)
        if failure is not None:
            # A key may have a row per language: only the broken row's customers go without.
            code = (
                "automation.template_failed_in"
                if failure.language
                else "automation.template_failed"
            )
            planner.note_template_failure(tab.name, row, code, template, failure)


def _days_since(planner: Planner, day: date) -> int:
    # Subtracting dates never overflows, unlike adding an offset to a year-9999 typo.
    return (planner.today - day).days


def _in_window(planner: Planner, day: date, offset: int) -> bool:
    """True when ``day`` + ``offset`` is today or up to GRACE_DAYS earlier."""
    return 0 <= _days_since(planner, day) - offset <= GRACE_DAYS


def _yearly(planner: Planner, day: date, first_year: int, offset: int) -> date | None:
    """The occurrence whose send day (occurrence - offset) falls in the grace window."""
    earliest = planner.today - timedelta(days=GRACE_DAYS - offset)
    occurrence = on_or_after(day, earliest, first_year=first_year)
    return occurrence if _in_window(planner, occurrence, -offset) else None


def welcome(planner: Planner, template: str, offset: int, where: str) -> None:
    """Welcome emails to customers created ``offset`` days ago (GRACE_DAYS late at most)."""
    for customer in planner.customers:
        created = customer.created
        if created is None or not _in_window(planner, created, offset):
            continue
        if planner.eligible(customer, marketing=False):
            planner.add(f"welcome:{customer.customer_id}", customer, template, "welcome", where)


def birthday(planner: Planner, template: str, offset: int, where: str) -> None:
    """Birthday emails ``offset`` days before this year's birthday."""
    for customer in planner.customers:
        born = as_date(customer.row.get("birthday"))
        if born is None or born > planner.today:
            continue
        occurrence = _yearly(planner, born, born.year + 1, offset)
        if occurrence is not None and planner.eligible(customer, marketing=True):
            key = f"birthday:{customer.customer_id}:{occurrence.year}"
            planner.add(key, customer, template, "birthday", where)


def anniversary(planner: Planner, template: str, offset: int, where: str) -> None:
    """Emails on the anniversary of the first purchase, from one year after it."""
    for customer in planner.customers:
        record = planner.activity.get(customer.customer_id)
        first = record.first_purchase if record is not None else None
        if first is None:
            continue
        occurrence = _yearly(planner, first, first.year + 1, offset)
        if occurrence is not None and planner.eligible(customer, marketing=True):
            key = f"anniversary:{customer.customer_id}:{occurrence.year}"
            planner.add(key, customer, template, "anniversary", where)


def dormant(planner: Planner, template: str, offset: int, where: str) -> None:
    """One email per dormancy to customers the Lifecycle column calls Dormant."""
    wait = planner.settings.dormant_after_days + offset
    for customer in planner.customers:
        if customer.row.get("lifecycle") != "Dormant":
            continue
        # The lifecycle rule's own verdict today: a contact logged since the Lifecycle cell
        # was written ends the dormancy before the cell catches up.
        found = classify(
            planner.activity.get(customer.customer_id),
            customer.created,
            planner.today,
            planner.settings,
        )
        last = found.params.get("date")
        if found.stage != "Dormant" or last is None:
            continue
        # Due the day the customer went dormant (+ offset), within the catch-up window.
        due = _in_window(planner, date.fromisoformat(last), wait)
        if due and planner.eligible(customer, marketing=True):
            key = f"dormant:{customer.customer_id}:{last}"
            planner.add(key, customer, template, "dormant", where)


def follow_up(planner: Planner, template: str, offset: int, where: str) -> None:
    """A follow-up per open deal left in its stage ``offset`` days with no contact since."""
    deals = {id_key(r.row_id): r for r in planner.snapshot.tab("Deals") if r.row_id}
    for customer in planner.customers:
        record = planner.activity.get(customer.customer_id)
        if record is None:
            continue
        for deal in record.open_deals:
            row = deals.get(id_key(deal.deal_id))
            if row is None:
                continue
            since = as_date(row.get("stage_since")) or deal.created
            # Due offset days into the stage; a follow-up due longer ago than the catch-up
            # window is the past, not something to mail now (the Reminder column shows it).
            if since is None or not _in_window(planner, since, offset):
                continue
            # An interaction on the day the stage changed is usually what changed it.
            if record.last_contact is not None and record.last_contact > since:
                continue
            if not planner.eligible(customer, marketing=False):
                break
            key = f"follow-up:{id_key(deal.deal_id)}:{deal.stage}:{since.isoformat()}"
            planner.add(key, customer, template, "follow-up", where, deal=row)
