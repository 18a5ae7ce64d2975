"""Likely duplicate customers, and the bot's proposal in the *Possible duplicate of* column.

Two customer rows are likely the same person when they have

- the same email address, compared as the validator normalises it (case, Unicode composition,
  spaces: :func:`~automations.rules.addresses.check_address`);
- the same phone number in E.164, read with the row's Country as the validator reads it
  (``+34 600 123 456`` and ``600123456`` in Spain are one number);
- close names **within the same company**: the names folded (no case, accents or extra spaces)
  and compared with rapidfuzz's ``token_sort_ratio`` (word order does not matter: "Lopez Maria"
  is "Maria Lopez"); :data:`NAME_THRESHOLD` or more out of 100 is close. Companies are compared
  folded too, punctuation ignored ("ACME, S.L." is "acme sl").

Names are compared only inside a company: the company is what makes two close names likely one
person (two "John Smith" without a company, different email and phone, are usually two people),
and it keeps the comparison fast: each company is one small ``rapidfuzz.process.cdist`` block,
never 50,000 names against 50,000. Customers without a company are found by email and phone
only.

The proposal goes on the newer row (the higher ID) and names the older one, with the reasons:
``C-0007 (same email, same phone)``; a row may name several (``C-0007 (same email); C-0012
(names 93% alike at Acme)``). A person confirms by typing the ID to keep into *Merge into*
(:mod:`automations.rules.merges`). Rows merged already are history and never proposed
(:func:`~automations.rules.activity.is_ready`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from automations import messages
from automations.rules.contract import Inputs
from automations.rules.row_checks import RowFacts
from sheet_schema.merges import POSSIBLE_DUPLICATE
from sheet_schema.model import CellWrite, Plan, Row, Snapshot
from sheet_schema.schema import Schema, fold

# What the finder reads (automations.rules.contract). Company is optional: without it, names are
# not compared (email and phone still are).
REQUIRES = Inputs({"Customers": ("ID", "Name", "Email", "Phone")})
# token_sort_ratio of two folded names, out of 100, from which they are "close". 90 keeps a
# typo or a missing letter ("Jon Smith" / "John Smith": 95) and a swapped word order, and leaves
# out different first names of one family ("Ana Lopez" / "Eva Lopez": 78).
NAME_THRESHOLD = 90
# Names compared at once in one company block: bounds the score matrix to CHUNK x block size.
_CHUNK = 2048
_PUNCTUATION = re.compile(r"[^\w\s]")

SAME_EMAIL, SAME_PHONE, CLOSE_NAMES = "email", "phone", "name"


@dataclass(frozen=True)
class Candidate:
    """One customer as the finder compares them."""

    row_id: str  # upper case
    email: str | None  # normalised address (RowFacts.email)
    phone: str | None  # E.164 (RowFacts.phone)
    name: str  # folded
    company: str  # folded, punctuation removed ("" without a company)
    company_shown: str  # as typed, for the proposal's text


@dataclass(frozen=True)
class DuplicatePair:
    """The newer row ``duplicate`` likely repeats the older row ``original``, for ``reason``."""

    duplicate: str
    original: str
    reason: str  # SAME_EMAIL, SAME_PHONE or CLOSE_NAMES
    score: int = 100  # how alike the names are (CLOSE_NAMES), out of 100
    company: str = ""  # the company, as typed (CLOSE_NAMES)


def id_order(row_id: str) -> tuple[int, str]:
    """Older IDs first: by their number (C-0009 before C-0010), then as text."""
    digits = re.search(r"(\d+)\s*$", row_id)
    return (int(digits.group(1)) if digits else 1 << 62, row_id)


def fold_company(text: str) -> str:
    """A company as compared: folded, punctuation removed ("ACME, S.L." -> "acme sl")."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())


def candidates(rows: Mapping[str, Row], facts: Mapping[str, RowFacts]) -> list[Candidate]:
    """The ready customers (``rows``, by ID) with what the validator found in each (``facts``),
    oldest ID first."""
    found = [
        Candidate(
            row_id=row_id.strip().upper(),
            email=facts[row_id].email if row_id in facts else None,
            phone=facts[row_id].phone if row_id in facts else None,
            name=fold(row.text("name")),
            company=fold_company(row.text("company")),
            company_shown=" ".join(row.text("company").split()),
        )
        for row_id, row in rows.items()
    ]
    found.sort(key=lambda c: id_order(c.row_id))
    return found


def _exact_pairs(found: Sequence[Candidate]) -> list[DuplicatePair]:
    """Each row whose email (or phone) an older row has too, paired with the oldest such row."""
    pairs: list[DuplicatePair] = []
    for reason in (SAME_EMAIL, SAME_PHONE):
        first: dict[str, str] = {}
        for candidate in found:
            key = candidate.email if reason == SAME_EMAIL else candidate.phone
            if not key:
                continue
            original = first.setdefault(key, candidate.row_id)
            if original != candidate.row_id:
                pairs.append(DuplicatePair(candidate.row_id, original, reason))
    return pairs


def _name_pairs(found: Sequence[Candidate], threshold: int) -> list[DuplicatePair]:
    """Pairs of close names within each company (a block of the rows sharing it)."""
    blocks: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in found:
        if candidate.company and candidate.name:
            blocks[candidate.company].append(candidate)
    pairs: list[DuplicatePair] = []
    for block in blocks.values():
        if len(block) < 2:
            continue
        names = [c.name for c in block]
        # The block is in ID order, so for each row only the older ones (lower index) count.
        for start in range(1, len(block), _CHUNK):
            stop = min(start + _CHUNK, len(block))
            scores = process.cdist(
                names[start:stop],
                names[:stop],
                scorer=fuzz.token_sort_ratio,
                score_cutoff=threshold,
                dtype=np.uint8,
            )
            for offset, column in zip(*np.nonzero(scores), strict=True):
                row = start + int(offset)
                if int(column) >= row:
                    continue
                newer, older = block[row], block[int(column)]
                score = int(scores[offset, column])
                pairs.append(
                    DuplicatePair(
                        newer.row_id, older.row_id, CLOSE_NAMES, score, newer.company_shown
                    )
                )
    return pairs


def find_duplicates(
    found: Sequence[Candidate], threshold: int = NAME_THRESHOLD
) -> list[DuplicatePair]:
    """Every likely duplicate pair: same email, same phone, close names in one company.

    ``found`` must be in ID order (:func:`candidates`); each pair's ``original`` is older.
    """
    return _exact_pairs(found) + _name_pairs(found, threshold)


def proposals(pairs: Iterable[DuplicatePair], language: str) -> dict[str, str]:
    """The *Possible duplicate of* text of each newer row: the older rows it may repeat, each
    with its reasons, oldest first (``C-0007 (same email, same phone)``)."""
    reasons: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for pair in pairs:
        if pair.reason == CLOSE_NAMES:
            params = {"score": str(pair.score), "company": pair.company}
            said = messages.render("duplicate.close_names", language, params)
        else:
            said = messages.render(f"duplicate.same_{pair.reason}", language, {})
        listed = reasons[pair.duplicate].setdefault(pair.original, [])
        if said not in listed:
            listed.append(said)
    return {
        row_id: "; ".join(
            f"{original} ({', '.join(said)})"
            for original, said in sorted(by_original.items(), key=lambda i: id_order(i[0]))
        )
        for row_id, by_original in reasons.items()
    }


def proposal_plan(
    schema: Schema,
    snapshot: Snapshot,
    ready: Mapping[str, Row],
    facts: Mapping[str, RowFacts],
) -> Plan:
    """The *Possible duplicate of* cells that change: the proposal of each ready customer, and
    cleared where there is none now (a row fixed or merged).

    ``ready`` and ``facts`` are the ready customers by ID and what the validator found in each
    (:func:`automations.rules.validate.find_problems_and_facts`).
    """
    tab = schema.tab("Customers")
    text = proposals(find_duplicates(candidates(ready, facts)), snapshot.settings.language)
    writes = [
        CellWrite(tab.name, row.row_id, POSSIBLE_DUPLICATE, wanted)
        for row in snapshot.tab(tab.name)
        if row.row_id
        and (wanted := text.get(row.row_id.strip().upper(), ""))
        != row.text(POSSIBLE_DUPLICATE).strip()
    ]
    return Plan(writes=tuple(writes))
