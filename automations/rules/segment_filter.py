"""The Segment filter grammar of the Campaigns tab: which customers a campaign goes to.

A filter such as ``Country = ES, PT and Lifecycle != Lost`` is read against the Customers tab's
columns (:func:`parse_segment_filter`) into a :class:`SegmentFilter` that tells whether a row
matches. A pure rule: the validator uses it to write the problem into the campaign's Problems
cell, and the campaigns planner to pick the recipients.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from automations import messages
from sheet_schema.cells import TEXT_LIKE, CellContext, read_cell
from sheet_schema.model import Row
from sheet_schema.schema import Column, ColumnType, Tab, fold

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
    column: Column, values: Sequence[str], clause: str, language: str, context: CellContext
) -> list[object]:
    """The values read as the column reads its cells (the workbook's Date order: "04/03/2026"
    is 3 April in a month-first workbook); a wrong choice or yes/no is an error."""
    if column.type in TEXT_LIKE:
        return []  # text is compared as folded text only
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


def parse_segment_filter(
    text: str, tab: Tab, language: str = "en", context: CellContext | None = None
) -> SegmentFilter:
    """Read a Segment filter such as ``Country = ES, PT and Lifecycle != Lost``.

    Clauses are ``Column = value`` or ``Column != value``, joined by ``;`` or "and" ("y", "e",
    "και"); a value may be a comma-separated list meaning any of them. Columns are ``tab``'s
    headers, aliases or keys; columns and values are matched ignoring case and accents (choice
    and yes/no values also by their other spellings). An empty filter matches every row.
    ``language`` is used for the lists quoted in error sentences; ``context`` is the
    workbook's way of reading cells (its Settings: Date order...), the default one without it.
    Raises
    :class:`SegmentFilterError` naming the unknown column or the bad clause.
    """
    names = _column_names(tab)
    reading = context or CellContext(language=language)
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
        typed = _typed_values(column, values, clause, language, reading)
        conditions.append(
            Condition(
                column=column,
                negated=found.group("operator") == "!=",
                texts=frozenset(fold(v) for v in values),
                values=tuple(typed),
            )
        )
    return SegmentFilter(tuple(conditions))
