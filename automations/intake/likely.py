"""Likely duplicates of an imported customer: the same phone, or a close name in the same company.

An import merges a customer whose email is already there (``importing``); a row that only
*looks* like an existing customer is added, with the bot's *Possible duplicate of* cell naming
the other row, by the same rules and words as the cycle's proposals
(:mod:`automations.rules.duplicates`): the same phone in E.164 (read with the row's Country, else
Settings ``Default country``), or names :data:`~automations.rules.duplicates.NAME_THRESHOLD`%
alike or more (rapidfuzz ``token_sort_ratio``) within one company. A person decides with Merge
into. Earlier rows of the same file count too.

Phones are read only where they could match: the existing customers are indexed by the last
seven digits typed, and a cell is parsed only when a file row's number ends the same way, so an
import into 50,000 customers parses a handful of their phones, not all of them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from automations.rules.duplicates import (
    CLOSE_NAMES,
    NAME_THRESHOLD,
    SAME_PHONE,
    DuplicatePair,
    fold_company,
    proposals,
)
from automations.rules.row_checks import Checker
from sheet_schema.merges import is_merged
from sheet_schema.model import Snapshot
from sheet_schema.schema import Tab, fold

_TAIL = 7  # digits compared before a phone is parsed


def _tail(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[-_TAIL:] if len(digits) >= _TAIL else ""


@dataclass(frozen=True)
class Likely:
    """An earlier row a file row may repeat: an existing customer's ID, or a file line."""

    target: str  # the customer's ID, or "line N" for an earlier row of the file
    reason: str  # SAME_PHONE or CLOSE_NAMES
    score: int = 100
    company: str = ""


class LikelyIndex:
    """Existing customers (and the file's rows as they are added), by phone and by company."""

    def __init__(self, tab: Tab, snapshot: Snapshot) -> None:
        self.tab = tab
        self.checker = Checker(snapshot)
        self.language = snapshot.settings.language
        live = [r for r in snapshot.tab(tab.name) if r.row_id and not is_merged(r)]
        self.tails: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        self.companies: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in live:
            self._index(str(row.row_id), row.text("name"), row.text("company"))
            if tail := _tail(row.text("phone")):
                self.tails[tail].append((str(row.row_id), row.text("phone"), row.text("country")))

    def _index(self, target: str, name: str, company: str) -> None:
        folded = fold_company(company)
        if folded and fold(name):
            self.companies[folded].append((target, fold(name)))

    def find(self, texts: dict[str, str]) -> list[Likely]:
        """The earlier rows a file row (column key -> text) likely repeats."""
        found: list[Likely] = []
        phone = texts.get("phone", "")
        number = self._e164(phone, texts.get("country", ""))
        if number is not None:
            seen: set[str] = set()
            for target, typed, country in self.tails.get(_tail(phone), []):
                if target not in seen and self._e164(typed, country) == number:
                    seen.add(target)
                    found.append(Likely(target, SAME_PHONE))
        company = " ".join(texts.get("company", "").split())
        block = self.companies.get(fold_company(company), [])
        name = fold(texts.get("name", ""))
        if block and name:
            for _, score, at in process.extract(
                name,
                [n for _, n in block],
                scorer=fuzz.token_sort_ratio,
                score_cutoff=NAME_THRESHOLD,
                limit=None,
            ):
                found.append(Likely(block[at][0], CLOSE_NAMES, round(score), company))
        return found

    def add(self, line: int, texts: dict[str, str]) -> None:
        """Index a file row that is being added, so later rows of the file are compared to it."""
        target = f"line {line}"
        self._index(target, texts.get("name", ""), texts.get("company", ""))
        if tail := _tail(texts.get("phone", "")):
            self.tails[tail].append((target, texts["phone"], texts.get("country", "")))

    def _e164(self, phone: str, country: str) -> str | None:
        return self.checker.e164(self.tab.column("phone"), phone, country) if phone else None

    def sentence(self, found: Sequence[Likely], ids: dict[str, str], row_id: str) -> str:
        """The Possible duplicate of text, with file lines given the IDs they are added under."""
        pairs = [
            DuplicatePair(row_id, ids.get(f.target, f.target), f.reason, f.score, f.company)
            for f in found
        ]
        return proposals(pairs, self.language).get(row_id, "")
