"""The customers a form answer may be about, found by email, phone or name.

Form intake (:mod:`automations.intake.forms`) looks for the person behind each answer among the
customers and those the same cycle adds: by normalised email, then by E.164 phone, and by exact
(folded) name only when the answer gives neither. A row merged into another stands for the kept
one. Each index is built on first use: parsing 50,000 phones or folding as many names takes
seconds, and most cycles never need the name index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from automations.intake.contact_keys import e164, email_key
from automations.rules.row_checks import RowFacts
from sheet_schema.cells import cell_text
from sheet_schema.merges import is_merged, merged_into
from sheet_schema.model import Row
from sheet_schema.schema import fold


@dataclass
class Person:
    """A customer an answer may be about: a row of the sheet, or one added this cycle."""

    customer_id: str
    row: Row | None = None
    values: dict[str, object] = field(default_factory=dict)  # a new customer's cells


class People:
    """The customers (and those this cycle adds), indexed by email, phone or name on first use."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.people: list[tuple[Person, Mapping[str, object], RowFacts | None]] = []
        self.indexes: dict[str, dict[str, list[Person]]] = {}

    def add_sheet(self, customers: Iterable[Row], facts: Mapping[str, RowFacts]) -> None:
        """Add the Customers tab's rows, a merged row standing for the kept one. ``facts``: what
        the validator read in each ready customer (their email and phone, normalised), by ID;
        other rows are read here."""
        rows = list(customers)
        by_id = {row.row_id.strip().upper(): row for row in rows if row.row_id}
        for row in rows:
            # A row merged into another (automations.rules.merges) stands for the kept one.
            kept, hops = row, 0
            while is_merged(kept) and merged_into(kept) in by_id and hops < len(by_id):
                kept, hops = by_id[merged_into(kept)], hops + 1
            if not is_merged(kept):
                self.add(Person(kept.row_id or "", kept), row.raw, facts.get(row.row_id or ""))

    def add(self, person: Person, raw: Mapping[str, object], facts: RowFacts | None = None) -> None:
        """Make ``person`` findable by the email, phone and name in ``raw`` (cells by key)."""
        self.people.append((person, raw, facts))
        for kind, index in self.indexes.items():
            if key := self._key(kind, raw, facts):
                index[key].append(person)

    def _key(self, kind: str, raw: Mapping[str, object], facts: RowFacts | None) -> str | None:
        """A customer's email, phone or name as compared (the validator's reading if given)."""
        if facts is not None and kind != "name":
            return facts.email if kind == "email" else facts.phone
        typed = cell_text(raw.get(kind)).strip()
        if not typed:
            return None
        if kind == "email":
            return email_key(typed)
        if kind == "phone":
            return e164(typed, self.region)
        return " ".join(fold(typed).split())

    def lookup(self, kind: str, key: str) -> list[Person]:
        """The customers with this email, phone or name (``kind``)."""
        if kind not in self.indexes:
            index: dict[str, list[Person]] = defaultdict(list)
            for person, raw, facts in self.people:
                if found := self._key(kind, raw, facts):
                    index[found].append(person)
            self.indexes[kind] = index
        return self.indexes[kind].get(key, [])

    def find(self, texts: Mapping[str, str]) -> list[Person]:
        """The customers an answer (its texts by key) is about: by email, else phone, else
        (neither given) name."""
        typed = texts.get("email", "")
        email = email_key(typed) if typed else ""
        phone = e164(texts.get("phone", ""), self.region)
        if email and (found := self.lookup("email", email)):
            return found
        if phone and (found := self.lookup("phone", phone)):
            return found
        name = " ".join(fold(texts.get("name", "")).split())
        if not email and not phone and name:
            return self.lookup("name", name)
        return []
