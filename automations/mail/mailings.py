"""Which emails are due now: automations, approved campaigns and each manager's daily digest.

A pure rule (:func:`plan_mailings`, run by :func:`automations.cycle.customer_rules` with the
activity it already gathered): it reads the snapshot and returns the emails that are due, each with
a deterministic idempotency key, rendered with :class:`~automations.mail.templates.TemplateBook`. It
does not look at the daily cap (the sending step does, and it also drops keys already in the Mail
log). It reads the Mail log for addresses that bounced (never mailed again), the campaigns'
progress, and to leave out keys it already holds (so a sent campaign is not rendered again every
cycle).

Dates are local dates in Settings ``Time zone`` (:func:`~automations.rules.activity.local_today`).

Automations (enabled rows whose template exists; one row per kind, the top one)
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
                     ``Dormant after days`` + offset is today or earlier. Key
                     ``dormant:{customer}:{last activity}``: a new dormancy gets a new key.
                     Marketing.
    ``follow-up``    each open deal whose Stage since (else Created) + offset is today or earlier,
                     with no interaction with the customer after that day. Key
                     ``follow-up:{deal}:{stage}:{stage since}``. The template sees the deal.

Campaigns (Approved, Send on today or earlier, an ID, a template that exists)
    One email to each customer matching the Segment filter (:func:`parse_segment_filter`) who
    was created on or before Send on (a customer added later did not belong to the mailing). Key
    ``campaign:{campaign}:{customer}``. Marketing. The bot columns say Draft (not approved),
    Scheduled (Send on ahead), Sending (some recipient has no Mail log row yet), Sent (all do) or
    Failed (due, but the template or the filter cannot be used: the Problems cell says why);
    Sent and Failed count the campaign's Mail log rows with status Sent, and Failed, Bounced or
    Unknown.

Digest
    One email a local day to each manager (Settings ``Manager email <name>``) listing the
    reminders of their customers due today or overdue (the Reminder column's own rule,
    :func:`~automations.rules.reminders.customer_reminders`, plus follow-ups due today); a follow-up
    goes to the deal's Manager when it has one. Sent from Settings ``Digest hour`` (local, default
    8) on. Key ``digest:{manager}:{date}``.

Who gets mail (DESIGN invariant 6): customers with an ID, a ready row and an email address that
email-validator accepts (syntax only); never an Unsubscribed customer nor an address that
bounced (Mail log status Bounced, compared ignoring case); marketing only with Marketing consent.
A template that fails to render skips its own emails only; :func:`plan_mailings` reports it.
"""

from __future__ import annotations

import difflib
import functools
import html
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email

from automations import messages
from automations.mail.sending import settled_keys
from automations.mail.templates import RenderedEmail, TemplateBook, TemplateError, email_context
from automations.rules.activity import (
    CustomerActivity,
    as_date,
    cell_changed,
    gather_activity,
    id_key,
    is_ready,
    local_today,
)
from automations.rules.lifecycle import classify
from automations.rules.reminders import Reminder, customer_reminders, follow_up_due, on_or_after
from sheet_schema.cells import TEXT_LIKE, CellContext, read_cell
from sheet_schema.model import CellWrite, Email, Plan, Row, Snapshot
from sheet_schema.schema import Column, ColumnType, Schema, Tab, fold

# How many days late a dated automation (welcome, birthday, anniversary) may still go out.
GRACE_DAYS = 3
DEFAULT_DIGEST_HOUR = 8
# Offset days beyond ten years are a typo (and would overflow date arithmetic).
MAX_OFFSET_DAYS = 3650
MARKETING_KINDS = frozenset({"birthday", "anniversary", "dormant", "campaign"})
_FAILED_STATUSES = frozenset({"Failed", "Bounced", "Unknown"})

# --- segment filters ----------------------------------------------------------------------------

# Clauses are joined by ";" or by the word "and" in the workbook's languages.
_CONNECTOR = re.compile(r"(\s+(?:and|y|e|και)\s+)", re.IGNORECASE)
_CLAUSE = re.compile(r"^(?P<column>.*?)\s*(?P<operator>!=|=)\s*(?P<value>.*)$", re.DOTALL)
_QUOTES = "\"'“”‘’«»"


class SegmentFilterError(ValueError):
    """A Segment filter that cannot be used; str() is an English sentence naming the clause.

    ``code`` and ``params`` are a :mod:`automations.messages` entry (without ``column``), so the
    validator can write the sentence in the workbook's language.
    """

    def __init__(self, code: str, params: Mapping[str, str]) -> None:
        self.code = code
        self.params = dict(params)
        super().__init__(self.sentence("en"))

    def sentence(self, language: str, column: str = "Segment filter") -> str:
        """The problem as one sentence in a language, naming the filter's column."""
        return messages.render(self.code, language, {**self.params, "column": column})


@dataclass(frozen=True)
class Condition:
    """``Column = a, b`` (the cell is one of them) or ``Column != a, b`` (none of them)."""

    column: Column
    negated: bool
    texts: frozenset[str]  # the values as typed, folded (no case, no accents)
    values: tuple[object, ...]  # the values read as the column's type (choices, yes/no, dates)

    def matches(self, row: Row) -> bool:
        """True when the row's cell satisfies the condition (an empty cell equals nothing)."""
        key = self.column.key
        hit = fold(row.text(key)) in self.texts
        if not hit and self.values:
            typed = row.get(key)
            hit = typed is not None and typed in self.values
        return hit != self.negated


@dataclass(frozen=True)
class SegmentFilter:
    """Conditions that must all hold; no condition at all matches every customer."""

    conditions: tuple[Condition, ...] = ()

    def matches(self, row: Row) -> bool:
        """True when the row satisfies every condition."""
        return all(condition.matches(row) for condition in self.conditions)


def _column_names(tab: Tab) -> dict[str, Column]:
    """Folded header, alias or key -> column (the first column wins a shared name)."""
    names: dict[str, Column] = {}
    for column in tab.columns:
        for name in (*column.header_names(), column.key, column.key.replace("_", " ")):
            names.setdefault(fold(name), column)
    return names


def _clauses(text: str, names: Mapping[str, Column]) -> list[str]:
    """The clauses of a filter, as typed.

    A connector word followed by something that is not a condition is part of a value, so
    "Company = Silva e Filhos" is one clause; a piece that starts with a column name but has no
    operator stays a clause of its own (and is then reported).
    """
    clauses: list[str] = []
    for part in text.split(";"):
        pieces = _CONNECTOR.split(part)
        current = pieces[0]
        for connector, piece in zip(pieces[1::2], pieces[2::2], strict=True):
            first_words = fold(piece).split(" ")
            starts_with_column = any(
                " ".join(first_words[:n]) in names for n in range(1, len(first_words) + 1)
            )
            if "=" in piece or starts_with_column:
                clauses.append(current)
                current = piece
            else:
                current += connector + piece
        clauses.append(current)
    return [c.strip() for c in clauses if c.strip()]


def _typed_values(
    column: Column, values: Sequence[str], clause: str, language: str
) -> list[object]:
    """The values read as the column reads its cells; a wrong choice or yes/no is an error."""
    if column.type in TEXT_LIKE:
        return []  # text is compared as folded text only
    context = CellContext(language=language)
    typed: list[object] = []
    for value in values:
        cell = read_cell(column, value, context)
        if cell.issue is None and cell.value is not None:
            typed.append(cell.value)
        elif column.type is ColumnType.CHOICE:
            allowed = messages.or_list(list(column.choices), language)
            params = {"clause": clause, "value": value, "allowed": allowed}
            raise SegmentFilterError("segment.bad_value", params)
        elif column.type is ColumnType.BOOLEAN:
            yes, no = messages.yes_no(language)
            allowed = messages.or_list([yes, no], language)
            params = {"clause": clause, "value": value, "allowed": allowed}
            raise SegmentFilterError("segment.bad_value", params)
    return typed


def parse_segment_filter(text: str, tab: Tab, language: str = "en") -> SegmentFilter:
    """Read a Segment filter such as ``Country = ES, PT and Lifecycle != Lost``.

    Clauses are ``Column = value`` or ``Column != value``, joined by ``;`` or "and" ("y", "e",
    "και"); a value may be a comma-separated list meaning any of them. Columns are ``tab``'s
    headers, aliases or keys; columns and values are matched ignoring case and accents (choice
    and yes/no values also by their other spellings). An empty filter matches every row.
    ``language`` is used for the lists quoted in error sentences. Raises
    :class:`SegmentFilterError` naming the unknown column or the bad clause.
    """
    names = _column_names(tab)
    conditions: list[Condition] = []
    for clause in _clauses(text, names):
        found = _CLAUSE.match(clause)
        if found is None or not found.group("column").strip():
            raise SegmentFilterError("segment.bad_clause", {"clause": clause})
        name = found.group("column").strip()
        column = names.get(fold(name))
        if column is None:
            close = difflib.get_close_matches(fold(name), list(names), n=1, cutoff=0.75)
            if close:
                params = {"name": name, "clause": clause, "suggestion": names[close[0]].header}
                raise SegmentFilterError("segment.unknown_column_suggest", params)
            raise SegmentFilterError("segment.unknown_column", {"name": name, "clause": clause})
        values = [v.strip().strip(_QUOTES).strip() for v in found.group("value").split(",")]
        values = [v for v in values if v]
        if not values:
            params = {"clause": clause, "operator": found.group("operator")}
            raise SegmentFilterError("segment.no_value", params)
        typed = _typed_values(column, values, clause, language)
        conditions.append(
            Condition(
                column=column,
                negated=found.group("operator") == "!=",
                texts=frozenset(fold(v) for v in values),
                values=tuple(typed),
            )
        )
    return SegmentFilter(tuple(conditions))


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailingPlan:
    """The emails due now, the Campaigns status cells that change, and what could not be done.

    ``failures`` are English sentences naming the tab, row and column (a template that did not
    render, an unusable setting); the cycle report prints them.
    """

    emails: tuple[Email, ...] = ()
    writes: tuple[CellWrite, ...] = ()
    failures: list[str] = field(default_factory=list)

    @property
    def plan(self) -> Plan:
        """The emails and writes as a rule's plan; failures become the plan's notes."""
        return Plan(writes=self.writes, emails=self.emails, notes=tuple(self.failures))


@dataclass(frozen=True)
class _Customer:
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

        Checked only for customers something is due for: email-validator is the slowest step
        of a big workbook otherwise.
        """
        return _address(self.email)


@functools.lru_cache(maxsize=1 << 16)
def _address(text: str) -> str | None:
    """The normalised address, or None when email-validator (syntax only) refuses it.

    Cached: a pure function of the text, and the slowest step of planning a big workbook; the
    scheduler's later cycles find every unchanged address here.
    """
    if not text.strip():
        return None
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _address_key(text: str) -> str:
    """An address as compared with the Mail log: normalised when possible, case-folded."""
    return (_address(text) or text.strip()).casefold()


def _one_line(text: str) -> str:
    return " ".join(text.split())


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


def _digest_hour(text: str) -> int | None:
    """An hour of the day from "8", "08", "8:00" or "08.30" (None when it is not one)."""
    found = re.fullmatch(r"\s*(\d{1,2})(?:[:.h]\d{2})?\s*", text)
    if found is None or int(found.group(1)) > 23:
        return None
    return int(found.group(1))


class _Planner:
    """One planning pass: the facts read once, the emails and failures gathered as they come."""

    def __init__(
        self,
        schema: Schema,
        snapshot: Snapshot,
        now: datetime,
        activity: Mapping[str, CustomerActivity] | None = None,
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
        self.logged: set[str] = set()
        self.bounced: set[str] = set()
        self.campaign_counts: dict[str, Counter[str]] = defaultdict(Counter)
        self._read_mail_log()
        self.emails: dict[str, Email] = {}
        self.writes: list[CellWrite] = []
        self.failures: list[str] = []
        # (template error, where it was used) -> emails skipped, reported once per pair.
        self._render_failures: Counter[tuple[str, str]] = Counter()

    # --- facts ----------------------------------------------------------------------------------

    def _read_customers(self) -> list[_Customer]:
        tab = self.schema.tab("Customers")
        found: list[_Customer] = []
        for row in self.snapshot.tab(tab.name):
            if not row.row_id or not is_ready(tab, row):
                continue
            language = row.get("language")
            found.append(
                _Customer(
                    row=row,
                    customer_id=id_key(row.row_id),
                    name=_one_line(row.text("name")),
                    email=row.text("email"),
                    language=language if isinstance(language, str) else self.language,
                    consent=row.get("marketing_consent") is True,
                    unsubscribed=row.get("unsubscribed") is True,
                    manager=_one_line(row.text("manager")),
                )
            )
        return found

    def _read_mail_log(self) -> None:
        # Keys sent (or maybe sent) already are not planned again; temporary failures are, so
        # the sending step can retry them (automations.mail.sending decides which).
        self.logged = settled_keys(self.snapshot)
        for row in self.snapshot.tab("Mail log"):
            status = row.get("status")
            if status == "Bounced" and row.text("to").strip():
                self.bounced.add(_address_key(row.text("to")))
            campaign = id_key(row.get("campaign_id"))
            if campaign and isinstance(status, str):
                self.campaign_counts[campaign][status] += 1

    def eligible(self, customer: _Customer, marketing: bool) -> bool:
        """May this customer get this kind of email at all (invariant 6)?"""
        if customer.address is None or customer.unsubscribed:
            return False
        if customer.address.casefold() in self.bounced:
            return False
        return customer.consent or not marketing

    # --- emails ---------------------------------------------------------------------------------

    def add(
        self,
        key: str,
        customer: _Customer,
        template: str,
        kind: str,
        where: str,
        deal: Row | None = None,
        campaign_id: str | None = None,
    ) -> None:
        """Render and keep one customer email (the first email planned with a key wins).

        A key the Mail log already has is not rendered again: the sending step would drop it,
        and a sent campaign would otherwise be rendered for every recipient every cycle.
        """
        if key in self.emails or key in self.logged or customer.address is None:
            return
        context = email_context(customer.row, self.settings, deal, {"today": self.today})
        try:
            rendered: RenderedEmail = self.book.render(template, customer.language, context)
        except TemplateError as error:
            self._render_failures[(str(error), where)] += 1
            return
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
        )

    def failure_sentences(self) -> list[str]:
        """The failures gathered, render failures last (one sentence per error and place)."""
        rendered = [
            f"{error} ({count} email{'s' if count != 1 else ''} of {where} not planned)"
            for (error, where), count in self._render_failures.items()
        ]
        return self.failures + rendered

    # --- automations ----------------------------------------------------------------------------

    def automations(self) -> None:
        """Every enabled automation, the top row of each kind only."""
        tab = self.schema.tab("Automations")
        handlers: dict[str, Callable[[str, int, str], None]] = {
            "welcome": self.welcome,
            "birthday": self.birthday,
            "anniversary": self.anniversary,
            "dormant": self.dormant,
            "follow-up": self.follow_up,
        }
        first_row: dict[str, int] = {}
        for row in self.snapshot.tab(tab.name):
            kind, template = row.get("kind"), row.text("template").strip()
            if not is_ready(tab, row) or row.get("enabled") is not True:
                continue
            if not isinstance(kind, str) or kind not in handlers or not self.book.has(template):
                continue  # the validator reports an unknown kind or template
            offset = _offset(row)
            if offset is None:
                # Unreadable text is the validator's to report; a readable number that cannot be
                # used (1.5, 99999) is not, so it is said here.
                if row.get("offset_days") is not None:
                    self.failures.append(
                        f"Automations row {row.number}, Offset days: "
                        f"'{_one_line(row.text('offset_days'))}' is not a whole number of days "
                        f"from -{MAX_OFFSET_DAYS} to {MAX_OFFSET_DAYS}; this row sends nothing."
                    )
                continue
            if kind in first_row:
                # Keys name the customer and the occasion, not the automation: a second row of
                # the same kind could never send, so it is said rather than silently ignored.
                self.failures.append(
                    f"Automations row {row.number}, Kind: another enabled {kind} automation "
                    f"(row {first_row[kind]}) comes first; this row sends nothing."
                )
                continue
            first_row[kind] = row.number
            handlers[kind](template, offset, f"Automations row {row.number} ({kind})")

    def _days_since(self, day: date) -> int:
        # Subtracting dates never overflows, unlike adding an offset to a year-9999 typo.
        return (self.today - day).days

    def _in_window(self, day: date, offset: int) -> bool:
        """True when ``day`` + ``offset`` is today or up to GRACE_DAYS earlier."""
        return 0 <= self._days_since(day) - offset <= GRACE_DAYS

    def _yearly(self, day: date, first_year: int, offset: int) -> date | None:
        """The occurrence whose send day (occurrence - offset) falls in the grace window."""
        earliest = self.today - timedelta(days=GRACE_DAYS - offset)
        occurrence = on_or_after(day, earliest, first_year=first_year)
        return occurrence if self._in_window(occurrence, -offset) else None

    def welcome(self, template: str, offset: int, where: str) -> None:
        """Welcome emails to customers created ``offset`` days ago (GRACE_DAYS late at most)."""
        for customer in self.customers:
            created = customer.created
            if created is None or not self._in_window(created, offset):
                continue
            if self.eligible(customer, marketing=False):
                self.add(f"welcome:{customer.customer_id}", customer, template, "welcome", where)

    def birthday(self, template: str, offset: int, where: str) -> None:
        """Birthday emails ``offset`` days before this year's birthday."""
        for customer in self.customers:
            born = as_date(customer.row.get("birthday"))
            if born is None or born > self.today:
                continue
            occurrence = self._yearly(born, born.year + 1, offset)
            if occurrence is not None and self.eligible(customer, marketing=True):
                key = f"birthday:{customer.customer_id}:{occurrence.year}"
                self.add(key, customer, template, "birthday", where)

    def anniversary(self, template: str, offset: int, where: str) -> None:
        """Emails on the anniversary of the first purchase, from one year after it."""
        for customer in self.customers:
            record = self.activity.get(customer.customer_id)
            first = record.first_purchase if record is not None else None
            if first is None:
                continue
            occurrence = self._yearly(first, first.year + 1, offset)
            if occurrence is not None and self.eligible(customer, marketing=True):
                key = f"anniversary:{customer.customer_id}:{occurrence.year}"
                self.add(key, customer, template, "anniversary", where)

    def dormant(self, template: str, offset: int, where: str) -> None:
        """One email per dormancy to customers the Lifecycle column calls Dormant."""
        wait = self.settings.dormant_after_days + offset
        for customer in self.customers:
            if customer.row.get("lifecycle") != "Dormant":
                continue
            # The lifecycle rule's own verdict today: a contact logged since the Lifecycle cell
            # was written ends the dormancy before the cell catches up.
            found = classify(
                self.activity.get(customer.customer_id), customer.created, self.today, self.settings
            )
            last = found.params.get("date")
            if found.stage != "Dormant" or last is None:
                continue
            waited = self._days_since(date.fromisoformat(last)) >= wait
            if waited and self.eligible(customer, marketing=True):
                key = f"dormant:{customer.customer_id}:{last}"
                self.add(key, customer, template, "dormant", where)

    def follow_up(self, template: str, offset: int, where: str) -> None:
        """A follow-up per open deal left in its stage ``offset`` days with no contact since."""
        deals = {id_key(r.row_id): r for r in self.snapshot.tab("Deals") if r.row_id}
        for customer in self.customers:
            record = self.activity.get(customer.customer_id)
            if record is None:
                continue
            for deal in record.open_deals:
                row = deals.get(id_key(deal.deal_id))
                if row is None:
                    continue
                since = as_date(row.get("stage_since")) or deal.created
                if since is None or self._days_since(since) < offset:
                    continue
                # An interaction on the day the stage changed is usually what changed it.
                if record.last_contact is not None and record.last_contact > since:
                    continue
                if not self.eligible(customer, marketing=False):
                    break
                key = f"follow-up:{id_key(deal.deal_id)}:{deal.stage}:{since.isoformat()}"
                self.add(key, customer, template, "follow-up", where, deal=row)

    # --- campaigns ------------------------------------------------------------------------------

    def campaigns(self) -> None:
        """Campaign emails that are due, and each campaign's Status, Sent and Failed cells."""
        tab = self.schema.tab("Campaigns")
        customers_tab = self.schema.tab("Customers")
        for row in self.snapshot.tab(tab.name):
            if not row.row_id or not is_ready(tab, row):
                continue
            campaign_id = id_key(row.row_id)
            send_on = as_date(row.get("send_on"))
            template = row.text("template").strip()
            if row.get("approved") is not True or send_on is None:
                status = "Draft"
            elif send_on > self.today:
                status = "Scheduled"
            elif not self.book.has(template):
                status = "Failed"  # the validator names the unknown template
            else:
                try:
                    segment = parse_segment_filter(
                        row.text("segment_filter"), customers_tab, self.language
                    )
                except SegmentFilterError:
                    status = "Failed"  # the validator writes the sentence into Problems
                else:
                    status = self._send_campaign(row, campaign_id, template, segment, send_on)
            counts = self.campaign_counts.get(campaign_id, Counter())
            sent = counts["Sent"]
            failed = sum(counts[s] for s in _FAILED_STATUSES)
            started = status in ("Sending", "Sent", "Failed")
            values: dict[str, object] = {
                "status": status,
                # A campaign that has not started shows no counts rather than zeros.
                "sent": sent if sent or started else None,
                "failed": failed if failed or started else None,
            }
            for column, value in values.items():
                if tab.has_column(column) and cell_changed(row, column, value):
                    self.writes.append(CellWrite(tab.name, row.row_id, column, value))

    def _send_campaign(
        self, row: Row, campaign_id: str, template: str, segment: SegmentFilter, send_on: date
    ) -> str:
        where = f"Campaigns row {row.number} ({_one_line(row.text('name'))})"
        waiting = False
        for customer in self.customers:
            created = customer.created
            # Customers added after the send day were not part of the mailing.
            if created is not None and created > send_on:
                continue
            if not segment.matches(customer.row) or not self.eligible(customer, marketing=True):
                continue
            key = f"campaign:{campaign_id}:{customer.customer_id}"
            if key not in self.logged:
                waiting = True
            self.add(key, customer, template, "campaign", where, campaign_id=campaign_id)
        return "Sending" if waiting else "Sent"

    # --- digest ---------------------------------------------------------------------------------

    def digests(self) -> None:
        """One digest per manager with something due, once the digest hour has come."""
        hour_text = self.settings.get("Digest hour", str(DEFAULT_DIGEST_HOUR))
        hour = _digest_hour(hour_text)
        if hour is None:
            self.failures.append(
                f"Settings, Digest hour: '{_one_line(hour_text)}' is not an hour from 0 to 23; "
                f"{DEFAULT_DIGEST_HOUR} is used."
            )
            hour = DEFAULT_DIGEST_HOUR
        if self.now.astimezone(self.settings.zone).hour < hour:
            return
        names: dict[str, set[str]] = defaultdict(set)
        for customer in self.customers:
            if customer.manager:
                names[fold(customer.manager)].add(customer.manager)
        for deal in self.snapshot.tab("Deals"):
            manager = _one_line(deal.text("manager"))
            if manager:
                names[fold(manager)].add(manager)
        # The same spelling whatever the row order, so the key is stable.
        spelling = {folded: min(spellings) for folded, spellings in names.items()}
        # Only managers with a Manager email setting: nobody else's reminders are gathered.
        wanted = {f for f, name in spelling.items() if self.settings.get(f"Manager email {name}")}
        if not wanted:
            return
        items = self._digest_items(wanted)
        for folded in sorted(items):
            self._digest(spelling[folded], sorted(items[folded]))

    def _digest_items(self, wanted: set[str]) -> dict[str, list[tuple[date, str, int, str]]]:
        """Folded manager name -> (date, customer, rank, line) of everything due today or before,
        for the ``wanted`` managers (folded names)."""
        deal_manager = {
            id_key(r.row_id): _one_line(r.text("manager"))
            for r in self.snapshot.tab("Deals")
            if r.row_id
        }
        sla = self.settings.stage_sla_days
        items: dict[str, list[tuple[date, str, int, str]]] = defaultdict(list)
        for customer in self.customers:
            record = self.activity.get(customer.customer_id)
            deals = record.open_deals if record is not None else []
            owners = {
                fold(customer.manager),
                *(fold(deal_manager.get(id_key(d.deal_id), "")) for d in deals),
            }
            if not owners & wanted:
                continue
            found, _ = customer_reminders(
                record,
                as_date(customer.row.get("birthday")),
                self.today,
                self.settings.reminder_window_days,
                sla,
            )
            due: list[tuple[Reminder, str]] = [
                (r, r.params.get("deal", "")) for r in found if r.when <= self.today
            ]
            for deal in deals:
                if follow_up_due(deal, record, sla) == self.today:
                    params = {"deal": deal.deal_id, "stage": deal.stage}
                    today_item = Reminder(self.today, 0, "digest.follow_up_today", params)
                    due.append((today_item, deal.deal_id))
            for reminder, deal_id in due:
                # A follow-up reminds the deal's owner (USERS.md #6), else the customer's.
                manager = fold(deal_manager.get(id_key(deal_id)) or customer.manager)
                if manager not in wanted:
                    continue
                sentence = messages.render(reminder.code, self.language, reminder.params)
                # Both parts are already language-neutral text: the name and a catalog sentence.
                line = f"{messages.shown(customer.name)} ({customer.customer_id}): {sentence}"
                items[manager].append((reminder.when, customer.customer_id, reminder.rank, line))
        return items

    def _digest(self, manager: str, items: Sequence[tuple[date, str, int, str]]) -> None:
        setting = f"Manager email {manager}"
        typed = self.settings.get(setting)
        if not typed:
            return  # no address: no digest (a team may not want one)
        address = _address(typed)
        if address is None:
            self.failures.append(
                f"Settings, {setting}: '{_one_line(typed)}' is not a valid email address; "
                "no digest was planned."
            )
            return
        language, day = self.language, self.today
        lines = [line for *_, line in items]
        greeting = messages.render("digest.greeting", language, {"manager": manager})
        intro = messages.render(
            "digest.intro", language, {"date": messages.long_date(day, language)}
        )
        subject = messages.render(
            "digest.subject",
            language,
            {"date": messages.long_date(day, language), "count": len(lines)},
        )
        text = "\n".join([greeting, "", intro, "", *(f"- {line}" for line in lines), ""])
        self.emails.setdefault(
            f"digest:{manager}:{day.isoformat()}",
            Email(
                key=f"digest:{manager}:{day.isoformat()}",
                to=address,
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


def plan_mailings(
    schema: Schema,
    snapshot: Snapshot,
    now: datetime,
    activity: Mapping[str, CustomerActivity] | None = None,
) -> MailingPlan:
    """Every email due now, the Campaigns cells that change, and what could not be planned.

    ``activity`` is :func:`gather_activity` of this snapshot and day, when the caller has it
    (the cycle shares it with the reminder and lifecycle rules); otherwise it is gathered here.
    """
    planner = _Planner(schema, snapshot, now, activity)
    planner.automations()
    planner.campaigns()
    planner.digests()
    return MailingPlan(
        emails=tuple(planner.emails.values()),
        writes=tuple(planner.writes),
        failures=planner.failure_sentences(),
    )
