"""Digests: one email a local day to each manager listing their customers' reminders due.

One email a local day to each manager (Settings ``Manager email <name>``) listing the reminders
of their customers due today or overdue (the Reminder column's own rule,
:func:`~automations.rules.reminders.customer_reminders`, plus follow-ups due today); a follow-up
goes to the deal's Manager when it has one. Sent from Settings ``Digest hour`` (local, default 8)
on. Key ``digest:{manager}:{date}``.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from automations import messages
from automations.mail.planning import Planner, address, one_line
from automations.mail.sending import REQUIRES as SENDING_REQUIRES
from automations.rules.activity import CustomerActivity, as_date, id_key
from automations.rules.contract import Inputs
from automations.rules.reminders import REQUIRES as REMINDERS_REQUIRES
from automations.rules.reminders import Reminder, customer_reminders, follow_up_due
from sheet_schema.model import Email
from sheet_schema.schema import fold

# What digests read (automations.rules.contract): the reminders' inputs and who manages what.
REQUIRES = (
    REMINDERS_REQUIRES
    + Inputs({"Customers": ("Name", "Manager"), "Deals": ("Manager",)})
    + SENDING_REQUIRES
)


def plan_digests(planner: Planner) -> None:
    """One digest per manager with something due, once the digest hour has come."""
    # An unreadable Digest hour is reported with the other Settings notes (its row, the default).
    if planner.now.astimezone(planner.settings.zone).hour < planner.settings.digest_hour:
        return
    names: dict[str, set[str]] = defaultdict(set)
    for customer in planner.customers:
        if customer.manager:
            names[fold(customer.manager)].add(customer.manager)
    for deal in planner.snapshot.tab("Deals"):
        manager = one_line(deal.text("manager"))
        if manager:
            names[fold(manager)].add(manager)
    # The same spelling whatever the row order, so the key is stable.
    spelling = {folded: min(spellings) for folded, spellings in names.items()}
    # Only managers with a Manager email setting: nobody else's reminders are gathered.
    wanted = {f for f, name in spelling.items() if planner.settings.get(f"Manager email {name}")}
    if not wanted:
        return
    items = _digest_items(planner, wanted)
    for folded in sorted(items):
        _digest(planner, spelling[folded], sorted(items[folded]))


def _digest_items(
    planner: Planner, wanted: set[str]
) -> dict[str, list[tuple[date, str, int, str]]]:
    """Folded manager name -> (date, customer, rank, line) of everything due today or before,
    for the ``wanted`` managers (folded names)."""
    deal_manager = {
        id_key(r.row_id): one_line(r.text("manager"))
        for r in planner.snapshot.tab("Deals")
        if r.row_id
    }
    items: dict[str, list[tuple[date, str, int, str]]] = defaultdict(list)
    for customer in planner.customers:
        record = planner.activity.get(customer.customer_id)
        deals = record.open_deals if record is not None else []
        owners = {
            fold(customer.manager),
            *(fold(deal_manager.get(id_key(d.deal_id), "")) for d in deals),
        }
        if not owners & wanted:
            continue
        for reminder, deal_id in _due(planner, record, as_date(customer.row.get("birthday"))):
            # A follow-up reminds the deal's owner (USERS.md #6), else the customer's.
            manager = fold(deal_manager.get(id_key(deal_id)) or customer.manager)
            if manager not in wanted:
                continue
            sentence = messages.render(reminder.code, planner.language, reminder.params)
            # Both parts are already language-neutral text: the name and a catalog sentence.
            line = f"{messages.shown(customer.name)} ({customer.customer_id}): {sentence}"
            items[manager].append((reminder.when, customer.customer_id, reminder.rank, line))
    _unresolved_items(planner, wanted, deal_manager, items)
    return items


def _due(
    planner: Planner, record: CustomerActivity | None, birthday: date | None
) -> list[tuple[Reminder, str]]:
    """(reminder, deal ID or "") of everything due today or overdue for one activity record."""
    sla = planner.settings.stage_sla_days
    found, _ = customer_reminders(
        record, birthday, planner.today, planner.settings.reminder_window_days, sla
    )
    due = [(r, str(r.params.get("deal", ""))) for r in found if r.when <= planner.today]
    for deal in record.open_deals if record is not None else []:
        if follow_up_due(deal, record, sla, planner.today) == planner.today:
            params = {"deal": deal.deal_id, "stage": deal.stage}
            due.append((Reminder(planner.today, 0, "digest.follow_up_today", params), deal.deal_id))
    return due


def _unresolved_items(
    planner: Planner,
    wanted: set[str],
    deal_manager: Mapping[str, str],
    items: dict[str, list[tuple[date, str, int, str]]],
) -> None:
    """The follow-ups of open deals whose Customer ID names no single customer (a typo, two
    people of that name): the bot still dates them (Deals Follow-up due) and the dashboard's
    Reminders page lists them, so the deal's manager is reminded too, with what was typed."""
    known = {customer.customer_id for customer in planner.customers}
    typed = {
        id_key(row.row_id): one_line(row.text("customer_id"))
        for row in planner.snapshot.tab("Deals")
        if row.row_id
    }
    for key, record in planner.activity.items():
        if key in known or not record.open_deals:
            continue
        for reminder, deal_id in _due(planner, record, None):
            manager = fold(deal_manager.get(id_key(deal_id), "")) if deal_id else ""
            if manager not in wanted:
                continue  # a complaint or an anniversary has no deal, so no one to tell
            who = typed.get(id_key(deal_id), "")
            label = messages.render("digest.unresolved_customer", planner.language, {"value": who})
            sentence = messages.render(reminder.code, planner.language, reminder.params)
            items[manager].append((reminder.when, who, reminder.rank, f"{label}: {sentence}"))


def _digest(planner: Planner, manager: str, items: Sequence[tuple[date, str, int, str]]) -> None:
    setting = f"Manager email {manager}"
    typed = planner.settings.get(setting)
    if not typed:
        return  # no address: no digest (a team may not want one)
    mailbox = address(typed)
    if mailbox is None:
        planner.failures.append(
            f"Settings, {setting}: '{one_line(typed)}' is not a valid email address; "
            "no digest was planned."
        )
        return
    language, day = planner.language, planner.today
    lines = [line for *_, line in items]
    greeting = messages.render("digest.greeting", language, {"manager": manager})
    intro = messages.render("digest.intro", language, {"date": messages.long_date(day, language)})
    subject = messages.render(
        "digest.subject",
        language,
        {"date": messages.long_date(day, language), "count": len(lines)},
    )
    text = "\n".join([greeting, "", intro, "", *(f"- {line}" for line in lines), ""])
    planner.emails.setdefault(
        f"digest:{manager}:{day.isoformat()}",
        Email(
            key=f"digest:{manager}:{day.isoformat()}",
            to=mailbox,
            subject=subject,
            body_text=text,
            body_html=_digest_html(greeting, intro, lines, language),
            to_name=manager,
            kind="digest",
        ),
    )


def _digest_html(greeting: str, intro: str, lines: Iterable[str], language: str) -> str:
    """The digest as HTML: every piece of text escaped (names and IDs come from the sheet)."""
    items = "\n".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}">\n'
        '<head><meta charset="utf-8"></head>\n<body>\n'
        f"<p>{html.escape(greeting)}</p>\n<p>{html.escape(intro)}</p>\n"
        f"<ul>\n{items}\n</ul>\n</body>\n</html>\n"
    )
