"""Find the row a reference names: by its ID, or by what people know of it.

A deal or interaction names its customer the way the person typing (or the other tool) knows
it: an ID, an email address (any letter case, Unicode or IDNA domain), a phone number (typed in
any national or international format; read with the customer's Country, else Settings
``Default country``, like the Phone checks), the customer's exact name, "Name (Company)" or
"Name, Company" when two customers share a name, or the company's name. Names are matched
exactly, ignoring letter case, accents and spacing: nothing is guessed, and a text that names
two rows names neither (the candidates are listed).

One implementation for the bot cycle (:mod:`automations.rules.resolving`), the validator
(:mod:`automations.rules.cross_checks`) and ``sheetcrm import``. The indexes by email and phone
are built on the first reference that needs them: a workbook whose references are all IDs pays
for none.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from automations import messages
from automations.rules.addresses import check_address
from automations.rules.row_checks import country_names, phone_e164
from sheet_schema.merges import is_merged
from sheet_schema.model import Row
from sheet_schema.revenue import id_key
from sheet_schema.schema import fold

# The columns, besides the ID, that name a row of each tab the team can point at; in the order
# they are tried.
KNOWN_BY: Mapping[str, tuple[str, ...]] = {
    "Customers": ("email", "phone", "name", "name_company", "company"),
    "Deals": ("title",),
}
# "Maria Lopez (Acme)", "Maria Lopez [Acme]", "Maria Lopez, Acme".
_NAME_AND_COMPANY = re.compile(r"^(?P<name>.+?)\s*(?:\((?P<p>[^()]+)\)|\[(?P<b>[^\[\]]+)\])$")
_PHONE_CHARACTERS = re.compile(r"^[\d\s()+\-./]+$")


def normal_email(text: str) -> str:
    """One person's address however typed (case, Unicode or IDNA domain), as the mailer sees it;
    text that is not an address is compared as typed, ignoring spaces and letter case."""
    return check_address(text).identity or text.strip().casefold()


def looks_like_phone(text: str) -> bool:
    """True for text made of digits and the signs people type in numbers (+, spaces, dashes,
    dots, parentheses), with at least six digits: only then is it read as a phone."""
    return bool(_PHONE_CHARACTERS.match(text)) and sum(c.isdigit() for c in text) >= 6


def split_name_company(text: str) -> tuple[str, str] | None:
    """("Maria Lopez", "Acme") for "Maria Lopez (Acme)", "[Acme]" or "Maria Lopez, Acme"."""
    found = _NAME_AND_COMPANY.match(text.strip())
    if found:
        return found.group("name"), found.group("p") or found.group("b") or ""
    if text.count(",") == 1:
        name, company = (part.strip() for part in text.split(","))
        if name and company:
            return name, company
    return None


@dataclass(frozen=True)
class Match:
    """What a reference names: no row, one, or several (ambiguous), and by which column.

    ``how`` is "id", "email", "phone", "name", "name_company", "company" or "title" ("" when
    nothing matched).
    """

    text: str
    rows: tuple[Row, ...] = ()
    how: str = ""

    @property
    def row(self) -> Row | None:
        """The one row named, or None (none, or more than one)."""
        return self.rows[0] if len(self.rows) == 1 else None

    @property
    def ambiguous(self) -> bool:
        """True when the text names more than one row."""
        return len(self.rows) > 1

    def candidates(self, limit: int = 5) -> list[str]:
        """The IDs (or "row N" for a row without one) of the rows named, at most ``limit``."""
        return [row.row_id or f"row {row.number}" for row in self.rows[:limit]]


class ReferenceIndex:
    """The rows of one tab by ID and by what people know of them, to resolve references.

    ``default_country`` (Settings) reads phones typed without a country code; ``language`` is
    the workbook's, for country names in the Country column.
    """

    def __init__(
        self,
        tab: str,
        rows: Sequence[Row],
        default_country: str = "",
        language: str = "en",
    ) -> None:
        self.tab = tab
        # A customer merged into another is history: only the kept row is named.
        self.rows = tuple(row for row in rows if not is_merged(row))
        self.default_country = default_country
        self.language = messages.language_of(language)
        self.ids: dict[str, Row] = {id_key(r.row_id): r for r in self.rows if r.row_id}
        self._indexes: dict[str, dict[str, list[Row]]] = {}

    def _index(self, how: str) -> dict[str, list[Row]]:
        """Rows by the folded value of one column, built on first use."""
        if how not in self._indexes:
            key_of = self._key_function(how)
            found: dict[str, list[Row]] = defaultdict(list)
            for row in self.rows:
                if key := key_of(row):
                    found[key].append(row)
            self._indexes[how] = found
        return self._indexes[how]

    def _key_function(self, how: str) -> Callable[[Row], str]:
        if how == "email":
            return lambda row: normal_email(row.text("email")) if row.text("email") else ""
        if how == "phone":
            countries = country_names(self.language)

            def phone(row: Row) -> str:
                text = row.text("phone").strip()
                if not text:
                    return ""
                region = countries.get(fold(row.text("country")), self.default_country)
                return phone_e164(text, region) or ""

            return phone
        if how == "name_company":
            return lambda row: _pair(row.text("name"), row.text("company"))
        return lambda row: fold(row.text(how))

    def lookup(self, text: str) -> Match:
        """The row(s) a typed reference names; tried in order: ID, then each column the tab is
        known by (the first column with any match decides)."""
        wanted = text.strip()
        if not wanted:
            return Match(wanted)
        if (row := self.ids.get(id_key(wanted))) is not None:
            return Match(wanted, (row,), "id")
        for how in KNOWN_BY.get(self.tab, ()):
            key = self._wanted_key(how, wanted)
            if key and (found := self._index(how).get(key)):
                return Match(wanted, tuple(found), how)
        return Match(wanted)

    def _wanted_key(self, how: str, wanted: str) -> str:
        """The typed text as the index of ``how`` keys it ("" when it cannot be one)."""
        if how == "email":
            return normal_email(wanted) if "@" in wanted else ""
        if how == "phone":
            if not looks_like_phone(wanted):
                return ""
            return phone_e164(wanted, self.default_country) or ""
        if how == "name_company":
            pair = split_name_company(wanted)
            return _pair(*pair) if pair else ""
        return fold(wanted)

    def resolve(self, text: str) -> str | tuple[str, str]:
        """The ID a text names, or ("reason", sentence) when there is none, more than one, or
        the row has no ID yet (the importer's wording)."""
        found = self.lookup(text)
        wanted = found.text
        if found.ambiguous:
            listed = ", ".join(found.candidates())
            return ("reason", f"{wanted!r} matches {len(found.rows)} {self.tab} rows ({listed})")
        if found.row is None:
            return ("reason", f"no {self.tab} row has the ID, email, phone or name {wanted!r}")
        if not found.row.row_id:
            return ("reason", f"{wanted!r} is {self.tab} row {found.row.number}, which has no ID")
        return found.row.row_id


def _pair(name: str, company: str) -> str:
    name, company = fold(name), fold(company)
    return f"{name}\x1f{company}" if name and company else ""
