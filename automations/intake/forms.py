"""Form intake: each new answer in a form's answers tab becomes a customer and an interaction.

Settings *Form tab* names the tab (empty: off); the backends read it with the rest of the
workbook (:mod:`sheet_schema.side_tabs`). Each cycle, every answer row whose bot column
(*SheetCRM*) is empty is read, questions matched as :mod:`automations.intake.form_layout` says:

- an answer with no name, email or phone, or whose email is not an address, is not imported; its
  mark says why, and clearing the mark has it read again;
- the person is looked for among the customers (and the answers before it) by normalised email,
  then by E.164 phone, and by exact name only when the answer gives neither
  (:mod:`automations.intake.form_people`; a row merged into another stands for the kept one;
  names that are only close are left to the duplicate finder,
  :mod:`automations.rules.duplicates`, which proposes the pair next cycle); found, only the
  customer's empty cells are filled, and an answer that differs from a filled cell is kept in the
  interaction; not found, a new customer is added: Created is the answer's date, Source the form's
  answer (kept as typed when it is not in the list; the validator says so) or Settings *Form lead
  source*;
- an interaction of kind Form, dated by the answer's timestamp, holds the message and every other
  answer the Customers tab has no column for ("Question: answer"); when the customer already has a
  Form interaction at that moment, or with the same text (a form sent twice), nothing is added;
- the row is marked ("C-0042 · 2026-11-27 10:14") in the cycle's one write, together with the rows
  made from it; a mark whose rows could not be written is not written either
  (:attr:`~sheet_schema.model.RowMark.needs`), and a row whose mark was lost is found again above
  (same customer, same moment) and only marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from automations import messages
from automations.intake.contact_keys import e164, email_key
from automations.intake.form_layout import FormLayout, form_layout
from automations.intake.form_people import People, Person
from automations.rules.activity import local_now
from automations.rules.addresses import check_address
from automations.rules.contract import Inputs
from automations.rules.ids import format_id, highest_number
from automations.rules.row_checks import RowFacts
from sheet_schema.cells import CellContext, cell_text, read_cell
from sheet_schema.lists import FORM
from sheet_schema.model import Append, CellWrite, Plan, Row, RowMark, Snapshot
from sheet_schema.schema import Schema, fold
from sheet_schema.side_tabs import (
    FORM_LEAD_SOURCE,
    MARK_HEADER,
    find_title,
    form_tab_name,
    header_texts,
    row_print,
)

REQUIRES = Inputs(
    {
        "Customers": ("ID", "Name", "Email", "Phone"),
        "Interactions": ("ID", "Date", "Customer ID", "Kind", "Summary"),
    }
)
FORM_KIND = "Form"
DEFAULT_SOURCE = "Website"
_CONTACT = ("name", "email", "phone")


@dataclass
class _Answer:
    """One answer row read through the form's layout."""

    number: int
    print: str
    values: dict[str, object] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


class _Intake:
    def __init__(self, schema: Schema, snapshot: Snapshot, now: datetime, title: str) -> None:
        self.customers = schema.tab("Customers")
        self.interactions = schema.tab("Interactions")
        kinds = self.interactions.column("kind")
        # The team's kind for form answers (Lists: the value meaning "form"), else "Form".
        self.kind = next((k for k in kinds.choices if kinds.meaning(k) == FORM), FORM_KIND)
        self.title = title
        self.grid = snapshot.side_tabs[title]
        self.layout: FormLayout = form_layout(self.customers, header_texts(self.grid))
        settings = snapshot.settings
        self.language = settings.language
        self.region = settings.default_country
        self.context = CellContext.of(settings)
        self.now = local_now(snapshot, now)
        self.stamp = f"{self.now:%Y-%m-%d %H:%M}"
        self.source = settings.get(FORM_LEAD_SOURCE).strip() or DEFAULT_SOURCE
        self.has_source = snapshot.has_column("Customers", "source")
        self.snapshot = snapshot
        # The customers (and those this cycle adds), indexed on first use.
        self.people = People(self.region)
        self.seen: dict[tuple[str, object], str] = {}
        self.customer_number = highest_number(self.customers, snapshot.tab("Customers"))
        self.interaction_number = highest_number(self.interactions, snapshot.tab("Interactions"))
        self.new: list[Person] = []
        self.new_ids = snapshot.new_ids
        self.writes: list[CellWrite] = []
        self.appends: list[Append] = []
        self.marks: list[RowMark] = []
        self.counts = {"new": 0, "known": 0, "already": 0, "rejected": 0, "waiting": 0}

    def index(self, facts: Mapping[str, RowFacts]) -> None:
        """Index the customers and the form's earlier interactions (only in a cycle that has
        answers to read). ``facts``: what the validator read in each ready customer (their
        email and phone, normalised), by ID; other rows are read here."""
        self.people.add_sheet(self.snapshot.tab("Customers"), facts)
        for row in self.snapshot.tab("Interactions"):
            if row.get("kind") == self.kind and row.row_id:
                self._remember(row.text("customer_id"), row.get("date"), row.text("summary"), row)

    def unread(self, cells: Sequence[object]) -> bool:
        """True for an answer row with something typed and no mark yet."""
        at = self.layout.mark_at
        if at is not None and at < len(cells) and cell_text(cells[at]).strip():
            return False
        return any(cell_text(c).strip() for i, c in enumerate(cells) if i != at)

    def _remember(self, customer: str, when: object, summary: str, row: Row | str) -> None:
        who = customer.strip().upper()
        row_id = row if isinstance(row, str) else row.row_id or ""
        if isinstance(when, datetime):
            self.seen.setdefault((who, when.replace(microsecond=0)), row_id)
        if summary.strip():
            self.seen.setdefault((who, " ".join(fold(summary).split())), row_id)

    def read(self, number: int, cells: Sequence[object]) -> _Answer | None:
        """The answer in a row, or None when it is blank or marked already."""
        if not self.unread(cells):
            return None
        answer = _Answer(number, row_print(self.layout.header, cells, self.layout.mark_at))
        for index, key in self.layout.mapping.mapped.items():
            raw = cells[index] if index < len(cells) else None
            cell = read_cell(self.customers.column(key), raw, self.context)
            text = " ".join(cell.text.split()) if key != "notes" else cell.text.strip()
            if text:
                answer.texts[key] = text
                readable = cell.issue is None and cell.value is not None
                answer.values[key] = cell.value if readable else text
        header = self.layout.header
        single = len(self.layout.messages) == 1
        for index in (*self.layout.messages, *self.layout.others()):
            text = cell_text(cells[index]).strip() if index < len(cells) else ""
            if text:
                alone = single and index == self.layout.messages[0]
                answer.lines.append(text if alone else f"{header[index]}: {text}")
        return answer

    def when(self, cells: Sequence[object]) -> datetime:
        """The answer's moment (its timestamp), else the cycle's."""
        at = self.layout.timestamp_at
        raw = cells[at] if at is not None and at < len(cells) else None
        value = read_cell(self.interactions.column("date"), raw, self.context).value
        if isinstance(value, datetime):
            return value.replace(microsecond=0)
        return self.now

    def reason(self, answer: _Answer) -> str | None:
        """Why an answer cannot be imported, or None."""
        email = answer.texts.get("email", "")
        if email:
            verdict = check_address(email)
            if verdict.identity is None:
                question = self._question("email")
                params = {"column": question, "value": email}
                return messages.render(verdict.code or "email.invalid", self.language, params)
        if not any(answer.texts.get(key) for key in _CONTACT):
            return messages.render("form.no_contact", self.language, {})
        return None

    def _question(self, key: str) -> str:
        index = next(i for i, k in self.layout.mapping.mapped.items() if k == key)
        return self.layout.header[index]

    def take(self, number: int, cells: Sequence[object]) -> None:
        """Plan what one answer row becomes."""
        answer = self.read(number, cells)
        if answer is None:
            return
        why = self.reason(answer)
        if why is not None:
            self.counts["rejected"] += 1
            text = messages.render("form.rejected", self.language, {"reason": why})
            self._mark(answer, f"{text} · {self.stamp}")
            return
        found = self.people.find(answer.texts)
        if found and (
            not found[0].customer_id or ("Customers", found[0].customer_id) in self.new_ids
        ):
            # The customer's row gets its ID first (its cells are not filled in the write that
            # gives it the ID, which checks the row by its cells); the answer is read next cycle.
            self.counts["waiting"] += 1
            return
        when = self.when(cells)
        needs: list[tuple[str, str]] = []
        if found:
            person = found[0]
            needs += self._fill(person, answer)
        else:
            person = self._add(answer, when)
            needs.append(("Customers", person.customer_id))
        summary = "\n".join(answer.lines)
        who = person.customer_id.upper()
        folded = " ".join(fold(summary).split())
        before = self.seen.get((who, when)) or (self.seen.get((who, folded)) if folded else None)
        if before is not None:
            self.counts["already"] += 1
            params = {"customer": person.customer_id, "interaction": before}
            text = messages.render("form.already", self.language, params)
            self._mark(answer, f"{text} · {self.stamp}", tuple(needs))
            return
        self.counts["known" if found else "new"] += 1
        self.interaction_number += 1
        interaction = format_id(self.interactions.id_prefix or "I", self.interaction_number)
        values: dict[str, object] = {
            "id": interaction,
            "date": when,
            "customer_id": person.customer_id,
            "kind": self.kind,
        }
        if summary:
            values["summary"] = summary
        self.appends.append(
            Append("Interactions", values, refers_to=(("Customers", person.customer_id),))
        )
        self._remember(person.customer_id, when, summary, interaction)
        needs.append(("Interactions", interaction))
        self._mark(answer, f"{person.customer_id} · {self.stamp}", tuple(needs))

    def _add(self, answer: _Answer, when: datetime) -> Person:
        self.customer_number += 1
        customer_id = format_id(self.customers.id_prefix or "C", self.customer_number)
        values: dict[str, object] = {"id": customer_id, **answer.values, "created": when.date()}
        if "source" not in values and self.has_source:
            source = read_cell(self.customers.column("source"), self.source, self.context)
            values["source"] = source.value if source.issue is None else self.source
        person = Person(customer_id, None, values)
        self.new.append(person)
        self.people.add(person, values)
        return person

    def _fill(self, person: Person, answer: _Answer) -> list[tuple[str, str]]:
        """Fill the customer's empty cells; an answer differing from a filled cell becomes a
        line of the interaction. The rows this needs written (the customer when filled)."""
        filled = False
        for key, text in answer.texts.items():
            current = (
                person.row.text(key).strip()
                if person.row is not None
                else cell_text(person.values.get(key)).strip()
            )
            if not current:
                if person.row is not None:
                    value = answer.values[key]
                    self.writes.append(
                        CellWrite("Customers", person.customer_id, key, value, only_if_empty=True)
                    )
                    filled = True
                else:
                    person.values[key] = answer.values[key]
            elif self._differs(key, current, text):
                # Rendered around placeholders: what the person typed is kept whole, not cut.
                params = {"question": self._question(key), "answer": "\x00a", "current": "\x00c"}
                line = messages.render("form.differs", self.language, params)
                answer.lines.append(line.replace("\x00a", text).replace("\x00c", current))
        self.people.add(person, {**(person.row.raw if person.row else {}), **answer.texts})
        return [("Customers", person.customer_id)] if filled else []

    def _differs(self, key: str, current: str, text: str) -> bool:
        if key == "email":
            return email_key(current) != email_key(text)
        if key == "phone":
            ours = e164(current, self.region)
            return ours is None or ours != e164(text, self.region)
        return " ".join(fold(current).split()) != " ".join(fold(text).split())

    def _mark(self, answer: _Answer, value: str, needs: tuple[tuple[str, str], ...] = ()) -> None:
        self.marks.append(
            RowMark(self.title, answer.number, answer.print, MARK_HEADER, value, needs)
        )

    def plan(self) -> Plan:
        """Everything planned: new customers first, so an interaction never names a row that
        comes after it in the write."""
        customers = [Append("Customers", person.values) for person in self.new]
        counts = ", ".join(
            messages.render(f"form.count.{part}", self.language, {"count": count})
            for part, count in self.counts.items()
        )
        note = f"{self.title}: {counts}"  # the tab's name as typed, then each count
        read = sum(self.counts.values())
        return Plan(
            writes=tuple(self.writes),
            appends=(*customers, *self.appends),
            marks=tuple(self.marks),
            notes=(note,) if read else (),
        )


def plan_form_intake(
    schema: Schema,
    snapshot: Snapshot,
    now: datetime,
    facts: Mapping[str, RowFacts] | None = None,
) -> Plan:
    """The customers, interactions and marks the form answers read this cycle make.

    ``facts`` are the validator's readings of the ready customers by ID (the cycle has them:
    :func:`automations.rules.validate.validate_with_facts`); without them each customer's email
    and phone are read here (seconds for 50,000 customers, only in cycles with new answers)."""
    name = form_tab_name(snapshot.settings)
    title = find_title(name, snapshot.side_tabs) if name else None
    if title is None or not snapshot.side_tabs[title]:
        return Plan()
    intake = _Intake(snapshot.schema_or(schema), snapshot, now, title)
    answers = [
        (n, cells) for n, cells in enumerate(intake.grid[1:], start=2) if intake.unread(cells)
    ]
    if answers:
        intake.index(facts or {})
    for number, cells in answers:
        intake.take(number, cells)
    return intake.plan()


def intake_status(snapshot: Snapshot, plan: Plan, ran: bool) -> str | None:
    """The Bot status line of form intake: what this cycle read (the plan's summary note), the
    missing tab, or "not updated" when the guard held it back; None while it is off."""
    name = form_tab_name(snapshot.settings)
    if not name:
        return None
    language = snapshot.settings.language
    missing = [issue.message for issue in snapshot.tab_issues if issue.code == "form.missing"]
    if missing:
        return missing[0]
    if not ran:
        return messages.render("guard.not_updated", language, {})
    title = find_title(name, snapshot.side_tabs) or name
    said = [note for note in plan.notes if note.startswith(f"{title}:")]
    return said[0] if said else messages.render("form.nothing", language, {"tab": title})
