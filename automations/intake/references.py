"""Find the row a reference names: by its ID, or by what people know (email, exact name).

An imported deal or interaction names its customer the way the other tool did: an ID, an email
address or the customer's (or company's) name. Names are matched exactly, ignoring letter case,
accents and spacing; a name shared by two customers is not guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from automations.rules.addresses import check_address
from sheet_schema.model import Row
from sheet_schema.schema import fold


def normal_email(text: str) -> str:
    """One person's address however typed (case, Unicode or IDNA domain), as the mailer sees it;
    text that is not an address is compared as typed, ignoring spaces and letter case."""
    return check_address(text).identity or text.strip().casefold()


class ReferenceIndex:
    """The rows of one tab by ID, email, name and company, to resolve what a file names."""

    def __init__(self, tab: str, rows: Sequence[Row]) -> None:
        self.tab = tab
        self.ids: dict[str, Row] = {}
        self.by_email: dict[str, list[Row]] = defaultdict(list)
        self.by_name: dict[str, list[Row]] = defaultdict(list)
        self.by_company: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            if row.row_id:
                self.ids[row.row_id.casefold()] = row
            if email := normal_email(row.text("email")):
                self.by_email[email].append(row)
            if name := fold(row.text("name")):
                self.by_name[name].append(row)
            if company := fold(row.text("company")):
                self.by_company[company].append(row)

    def resolve(self, text: str) -> str | tuple[str, str]:
        """The ID a text names, or ("reason", sentence) when there is none or more than one."""
        wanted = text.strip()
        if (row := self.ids.get(wanted.casefold())) is not None:
            return row.row_id or wanted
        for found in (
            self.by_email.get(normal_email(wanted), []),
            self.by_name.get(fold(wanted), []),
            self.by_company.get(fold(wanted), []),
        ):
            if not found:
                continue
            if len(found) > 1:
                listed = ", ".join(r.row_id or f"row {r.number}" for r in found[:5])
                return ("reason", f"{wanted!r} matches {len(found)} {self.tab} rows ({listed})")
            row = found[0]
            if not row.row_id:
                return (
                    "reason",
                    f"{wanted!r} is {self.tab} row {row.number}, which has no ID yet "
                    "(run `sheetcrm run` once, then import again)",
                )
            return row.row_id
        return ("reason", f"no {self.tab} row has the ID, email or name {wanted!r}")
