"""One mailing planning pass: the facts read once, who may get mail, and rendering one email.

:class:`Planner` is shared by :mod:`automations.mail.automations`,
:mod:`automations.mail.campaigns` and :mod:`automations.mail.digests`, which
:func:`automations.mail.due.plan_mailings` runs in that order. It reads the snapshot once (the
ready customers, the templates, the activity, the Mail log) and gathers the emails, the cell
writes and the failures as they come.

Who gets mail (DESIGN invariant 6): customers with an ID, a ready row and an email address that
:func:`~automations.rules.addresses.check_address` says SheetCRM mails; never an Unsubscribed
customer nor an address that bounced (Mail log status Bounced, compared ignoring case);
marketing only with Marketing consent.
A template that fails to render skips its own emails only; the plan reports it.

Dates are local dates in Settings ``Time zone`` (:func:`~automations.rules.activity.local_today`).
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from automations import messages
from automations.mail.journal import settled_keys
from automations.mail.templates import RenderedEmail, TemplateBook, TemplateError, email_context
from automations.rules.activity import (
    CustomerActivity,
    as_date,
    gather_activity,
    id_key,
    is_ready,
    local_today,
)
from automations.rules.addresses import check_address
from automations.rules.template_budget import message_params
from sheet_schema.formatting import counted
from sheet_schema.model import CellWrite, Email, Row, Snapshot
from sheet_schema.schema import Schema

MARKETING_KINDS = frozenset({"birthday", "anniversary", "dormant", "campaign"})


@dataclass(frozen=True)
class Customer:
    """A ready customer with an ID, as the mailing rules need them."""

    row: Row
    customer_id: str  # id_key form: the form every key uses
    name: str
    email: str  # the Email cell as typed
    language: str
    consent: bool
    unsubscribed: bool
    manager: str

    @property
    def created(self) -> date | None:
        """The customer's Created date."""
        return as_date(self.row.get("created"))

    @functools.cached_property
    def address(self) -> str | None:
        """The normalised address, None when the cell is empty or unusable.

        Checked only for customers something is due for.
        """
        return address(self.email)


def address(text: str) -> str | None:
    """The normalised address SheetCRM mails, or None when it does not mail this cell.

    The verdict is :func:`~automations.rules.addresses.check_address`, the validator's own, so
    a customer skipped here has a Problems sentence saying why (a line break in the cell,
    letters outside ASCII before the @, or not an address at all).
    """
    verdict = check_address(text)
    return verdict.normalized if verdict.mailable else None


def address_key(text: str) -> str:
    """One person's address, however it was typed: the same text for any case, surrounding
    spaces, Unicode composition (NFC) or form of the domain (Unicode or IDNA); compares
    customers with each other and with the Mail log. Text that is no address is only
    case-folded."""
    verdict = check_address(text)
    if verdict.identity is None:
        return text.strip().casefold()
    return verdict.identity


def occasion(key: str, customer_id: str, person: str) -> str:
    """An email key with its customer replaced by their address: what one person gets once
    (``campaign:M-0001:C-0002`` and ``campaign:M-0001:C-0009`` to one address are one copy)."""
    return ":".join(person if part == customer_id else part for part in key.split(":"))


def one_line(text: str) -> str:
    """A cell's text with its whitespace (line breaks included) collapsed to single spaces."""
    return " ".join(text.split())


class Planner:
    """One planning pass: the facts read once, the emails and failures gathered as they come."""

    def __init__(
        self,
        schema: Schema,
        snapshot: Snapshot,
        now: datetime,
        activity: Mapping[str, CustomerActivity] | None = None,
        computed: Iterable[CellWrite] = (),
    ) -> None:
        self.schema = schema
        self.snapshot = snapshot
        self.settings = snapshot.settings
        self.language = messages.language_of(self.settings.language)
        self.now = now
        self.today = local_today(snapshot, now)
        self.book = TemplateBook.from_snapshot(snapshot)
        self.activity: Mapping[str, CustomerActivity] = (
            activity
            if activity is not None
            else gather_activity(
                schema.tab("Deals"), schema.tab("Interactions"), snapshot, self.today
            )
        )
        self.customers = self._read_customers()
        # The Customers cells this cycle's other rules (lifecycle, segment) write: a Segment
        # filter ("Lifecycle = Active") is matched against them, not against what the cells said
        # before this cycle (empty in a new workbook, stale when a customer's stage changes today).
        self._computed: dict[str, dict[str, object]] = defaultdict(dict)
        for write in computed:
            if write.tab == schema.tab("Customers").name:
                self._computed[write.row_id][write.column] = write.value
        self.logged: set[str] = set()
        self.bounced: set[str] = set()
        # One person, one copy: the customer each occasion went to (Mail log) or goes to now.
        self._given: dict[str, str] = {}
        self._unsubscribed = {
            address_key(c.email) for c in self.customers if c.unsubscribed and c.email.strip()
        }
        self._planned: set[str] = set()  # the occasions of this cycle's emails
        self.duplicates: list[str] = []
        self.campaign_counts: dict[str, Counter[str]] = defaultdict(Counter)
        self._read_mail_log()
        self.emails: dict[str, Email] = {}
        self.writes: list[CellWrite] = []
        self.failures: list[str] = []
        # (template error, where it was used) -> emails skipped, reported once per pair.
        self._render_failures: Counter[tuple[str, str]] = Counter()
        # Templates row number -> the first render error of each of its columns.
        self.template_errors: dict[int, dict[str, TemplateError]] = {}
        # Sentences for other rows' Problems cells (a campaign that sent nothing, and why).
        self.problem_notes: list[CellWrite] = []
        # Where an email was planned (an Automations or Campaigns row) -> its first render error.
        self._failed_at: dict[str, TemplateError] = {}

    # --- facts ----------------------------------------------------------------------------------

    def _read_customers(self) -> list[Customer]:
        tab = self.schema.tab("Customers")
        found: list[Customer] = []
        for row in self.snapshot.tab(tab.name):
            if not row.row_id or not is_ready(tab, row):
                continue
            language = row.get("language")
            found.append(
                Customer(
                    row=row,
                    customer_id=id_key(row.row_id),
                    name=one_line(row.text("name")),
                    email=row.text("email"),
                    language=language if isinstance(language, str) else self.language,
                    consent=row.get("marketing_consent") is True,
                    unsubscribed=row.get("unsubscribed") is True,
                    manager=one_line(row.text("manager")),
                )
            )
        return found

    def current_row(self, customer: Customer) -> Row:
        """The customer's row as it stands after this cycle's writes (Lifecycle, Segment...)."""
        changed = self._computed.get(str(customer.row.row_id))
        if not changed:
            return customer.row
        texts = {key: "" if value is None else str(value) for key, value in changed.items()}
        values = {**customer.row.values, **changed}
        return replace(customer.row, values=values, raw={**customer.row.raw, **texts})

    def _read_mail_log(self) -> None:
        # Keys sent (or maybe sent) already are not planned again; temporary failures are, so
        # the sending step can retry them (automations.mail.sending decides which).
        self.logged = settled_keys(self.snapshot)
        for row in self.snapshot.tab("Mail log"):
            status = row.get("status")
            if status == "Bounced" and row.text("to").strip():
                self.bounced.add(address_key(row.text("to")))
            key, customer = row.text("id").strip(), id_key(row.get("customer_id"))
            if key in self.logged and customer and row.text("to").strip():
                person = address_key(row.text("to"))
                self._given.setdefault(occasion(key, customer, person), customer)
            campaign = id_key(row.get("campaign_id"))
            if campaign and isinstance(status, str):
                self.campaign_counts[campaign][status] += 1

    def eligible(self, customer: Customer, marketing: bool) -> bool:
        """May this customer get this kind of email at all (invariant 6)?"""
        return self.ineligible(customer, marketing) is None

    def ineligible(self, customer: Customer, marketing: bool) -> str | None:
        """Why this customer may not get this kind of email: "address" (none that can be
        used), "unsubscribed" (or bounced, on any row with the address) or "consent" (a
        marketing email without Marketing consent); None when they may."""
        if customer.address is None:
            return "address"
        person = address_key(customer.email)
        if customer.unsubscribed or person in self.bounced or person in self._unsubscribed:
            return "unsubscribed"
        return None if customer.consent or not marketing else "consent"

    # --- emails ---------------------------------------------------------------------------------

    def add(
        self,
        key: str,
        customer: Customer,
        template: str,
        kind: str,
        where: str,
        deal: Row | None = None,
        campaign_id: str | None = None,
    ) -> TemplateError | None:
        """Render and keep one customer email (the first email planned with a key wins); the
        error when its template could not be rendered (reported on the Templates row too).

        A key the Mail log already has is not rendered again: the sending step would drop it,
        and a sent campaign would otherwise be rendered for every recipient every cycle. An
        email another customer row with the same address gets (this cycle, by the Mail log or
        planned earlier in this one) is not planned: one person gets one copy
        (:meth:`is_duplicate`).
        """
        if key in self.emails or key in self.logged or customer.address is None:
            return None
        moment = occasion(key, customer.customer_id, address_key(customer.email))
        holder = self._given.setdefault(moment, customer.customer_id)
        if holder != customer.customer_id:
            if moment in self._planned:  # said in the cycle that sends; later the log says it
                self.duplicates.append(
                    f"{where}: {key} not sent: {customer.address} is also the address of "
                    f"{holder}, who gets this email (one copy per person)."
                )
            return None
        context = email_context(customer.row, self.settings, deal, {"today": self.today})
        try:
            rendered: RenderedEmail = self.book.render(template, customer.language, context)
        except TemplateError as error:
            self._render_failures[(str(error), where)] += 1
            self._failed_at.setdefault(where, error)
            if error.row is not None and error.column is not None:
                self.template_errors.setdefault(error.row, {}).setdefault(error.column, error)
            return error
        self.emails[key] = Email(
            key=key,
            to=customer.address,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            template=template,
            customer_id=customer.customer_id,
            campaign_id=campaign_id,
            marketing=kind in MARKETING_KINDS,
            to_name=customer.name,
            kind=kind,
            deal_id=id_key(deal.row_id) if deal is not None and deal.row_id else None,
        )
        self._planned.add(moment)
        return None

    def render_failure(self, where: str) -> TemplateError | None:
        """The first template error met planning the emails of ``where`` (the place given to
        :meth:`add`), None when every one rendered."""
        return self._failed_at.get(where)

    def note_template_failure(
        self, tab: str, row: Row, code: str, template: str, error: TemplateError
    ) -> None:
        """Say in the Problems cell of a row that uses a template (Automations, Campaigns) that
        the template cannot be rendered: the sentence ``code`` names the template, the Templates
        row and cell, and the error, in the workbook's language."""
        if not row.row_id:
            return
        params = {
            "column": self.schema.tab(tab).column("template").header,
            "template": template,
            "row": str(error.row or "?"),
            "part": error.column or "?",
            "error": error.detail,
            "language": error.language or "",
        }
        sentence = messages.render(code, self.language, params)
        self.problem_notes.append(CellWrite(tab, row.row_id, "problems", sentence))

    def template_problem_notes(self) -> list[CellWrite]:
        """The Problems sentences of the templates that failed to render, on their own rows,
        then the notes for other rows; in the workbook's language."""
        notes: list[CellWrite] = []
        by_number = {row.number: row for row in self.snapshot.tab("Templates")}
        for number, errors in self.template_errors.items():
            row = by_number.get(number)
            if row is None or not row.row_id:
                continue
            for column, error in errors.items():
                params = {**message_params(error.params, self.language), "column": column}
                sentence = messages.render(error.code, self.language, params)
                notes.append(CellWrite("Templates", row.row_id, "problems", sentence))
        return notes + self.problem_notes

    def is_duplicate(self, key: str, customer: Customer) -> bool:
        """True when another customer row with the same address gets (or got) this email."""
        moment = occasion(key, customer.customer_id, address_key(customer.email))
        holder = self._given.get(moment)
        return holder is not None and holder != customer.customer_id

    def failure_sentences(self) -> list[str]:
        """The failures gathered, render failures last (one sentence per error and place)."""
        rendered = [
            f"{error} ({counted(count, 'email')} of {where} not planned)"
            for (error, where), count in self._render_failures.items()
        ]
        return self.failures + rendered + self.duplicates

    # --- automations ----------------------------------------------------------------------------
