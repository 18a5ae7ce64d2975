"""Check what people typed and write one sentence per problem into the row's Problems column.

Every team tab with a Problems column is checked (Customers, Deals, Interactions, Sources,
Templates, Automations, Campaigns). A row is checked only once its tab's key columns are filled
(``key_columns`` in crm.toml), so a half-typed row is never nagged. Checks:

- of one row alone (:mod:`automations.rules.row_checks`): cells that cannot be read as their
  column's type, ambiguous day/month dates, required columns left empty, negative amounts,
  emails, phones, a deal closed before it was created, a template that does not compile;
- of the clock (here): a birthday, a Created or Closed date, or an interaction in the future;
- across rows (:mod:`automations.rules.cross_checks`): references to IDs that do not exist,
  unknown template keys, unreadable Segment filters, duplicate customers.

Problems are kept as message codes with parameters; :mod:`automations.messages` turns them into
sentences in the workbook's language. The Problems cell is written only when its text changes,
and cleared (written empty) only when it held text. Per-row checks are remembered by row
fingerprint (:mod:`automations.rules.incremental`); cross-row and clock checks run every cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from automations import messages
from automations.rules.activity import as_date, is_ready, local_today
from automations.rules.contract import Inputs
from automations.rules.cross_checks import check_across_rows
from automations.rules.incremental import RowMemo
from automations.rules.row_checks import Checker, Problem, ReadyRows, RowFacts, RowProblems
from sheet_schema.merges import is_merged
from sheet_schema.model import CellWrite, Plan, Row, Snapshot, row_digest
from sheet_schema.reading import team_keys
from sheet_schema.schema import Schema, Tab

PROBLEMS = "problems"
# What the checks of each tab read (automations.rules.contract): its key and required columns, the
# IDs its references point at, and the template keys. A tab whose inputs are missing keeps its
# Problems cells as they are (with Stage renamed, every deal would otherwise lose its problems).
REQUIRES: dict[str, Inputs] = {
    "Customers": Inputs({"Customers": ("Name", "Email")}),
    # A Won deal is checked for its Closed date and a Lost one for its reason: without those
    # columns every such deal would be told its cell is empty.
    "Deals": Inputs(
        {
            "Deals": ("Customer ID", "Stage", "Created", "Closed", "Lost reason"),
            "Customers": ("ID",),
        }
    ),
    "Interactions": Inputs(
        {
            "Interactions": ("Date", "Customer ID", "Kind"),
            "Customers": ("ID",),
            "Deals": ("ID", "Customer ID"),
        }
    ),
    "Sources": Inputs({"Sources": ("Month", "Source", "Cost")}),
    "Templates": Inputs({"Templates": ("Key", "Language", "Subject", "Body")}),
    "Automations": Inputs({"Automations": ("Kind", "Template"), "Templates": ("Key",)}),
    "Campaigns": Inputs({"Campaigns": ("Name", "Template", "Send on"), "Templates": ("Key",)}),
}
# Date columns that must not lie in the future (a typo such as 2062 for 2026): something that
# has not happened yet cannot have a date. (Deals have Expected close for the future.)
_NOT_IN_FUTURE: dict[str, tuple[str, ...]] = {
    "Customers": ("birthday", "created"),
    "Deals": ("created", "closed"),
    "Interactions": ("date",),
}


def checked_tabs(schema: Schema) -> tuple[Tab, ...]:
    """The tabs whose rows get a Problems sentence."""
    return tuple(
        t for t in schema.tabs if not t.append_only and t.has_column(PROBLEMS) and t.id_prefix
    )


@dataclass(frozen=True)
class Findings:
    """What the checks found: problems per tab and row ID (rows without any are absent), and the
    ready customers by ID with what the single-row checks read in each (the duplicate finder's
    normalised email and E.164 phone)."""

    problems: RowProblems
    customers: Mapping[str, Row]
    customer_facts: Mapping[str, RowFacts]


def find_problems(
    schema: Schema, snapshot: Snapshot, now: datetime, memo: RowMemo[RowFacts] | None = None
) -> RowProblems:
    """Problems per tab and row ID of the ready rows that have any (others are absent)."""
    return find_problems_and_facts(schema, snapshot, now, memo).problems


def _unfilled_key(tab: Tab, row: Row, keys: Sequence[str]) -> str | None:
    """The empty key column of a row that has an ID and other cells typed (a row the team works
    with, left out of every check until the key is filled: say so rather than skip it silently);
    None for a ready row, a merged one, or one with nothing else typed yet."""
    if is_merged(row):
        return None
    empty = [key for key in tab.key_columns if not row.raw.get(key, "").strip()]
    if not empty:
        return None
    # ``keys`` are the team's columns: the bot's (ID, Merged into...) are not among them.
    others = (k for k in keys if k not in tab.key_columns)
    return empty[0] if any(row.raw.get(k, "").strip() for k in others) else None


def find_problems_and_facts(
    schema: Schema, snapshot: Snapshot, now: datetime, memo: RowMemo[RowFacts] | None = None
) -> Findings:
    """:func:`find_problems`, with the ready customers and their facts (:class:`Findings`)."""
    checker = Checker(snapshot)
    memo = memo if memo is not None else RowMemo()
    memo.start(checker.signature)
    today = local_today(snapshot, now)
    found: RowProblems = {}
    ready: ReadyRows = {}
    facts: dict[str, RowFacts] = {}
    for tab in checked_tabs(schema):
        found[tab.name] = tab_found = {}
        ready[tab.name] = tab_ready = {}
        keys = team_keys(tab)
        future = tuple(c for c in _NOT_IN_FUTURE.get(tab.name, ()) if tab.has_column(c))
        customers = tab.name == "Customers"
        for row in snapshot.tab(tab.name):
            row_id = row.row_id
            if row_id is None:
                continue
            if not is_ready(tab, row):
                if (missing := _unfilled_key(tab, row, keys)) is not None:
                    tab_found[row_id] = [Problem(missing, "key.missing")]
                continue
            tab_ready[row_id] = row
            row_facts = memo.get_or_compute(
                tab.name, row_digest(row.raw, keys), partial(checker.check, tab, row)
            )
            if row_facts.problems:
                tab_found[row_id] = list(row_facts.problems)
            if customers:
                facts[row_id] = row_facts
            for column in future:
                when = as_date(row.values.get(column))
                if when is not None and when > today:
                    problem = Problem(column, "date.future", {"value": when.isoformat()})
                    tab_found.setdefault(row_id, []).append(problem)
    memo.finish()
    check_across_rows(schema, snapshot, ready, found, facts, checker)
    return Findings(found, ready.get("Customers", {}), facts)


def problem_text(tab: Tab, problems: Iterable[Problem], language: str) -> str:
    """The Problems cell for a row: one sentence per problem, in column order, one per line."""
    order = {c.key: i for i, c in enumerate(tab.columns)}
    ranked = sorted(enumerate(problems), key=lambda p: (order.get(p[1].column, 999), p[0]))
    sentences = []
    for _, problem in ranked:
        header = tab.column(problem.column).header if tab.has_column(problem.column) else ""
        sentence = messages.render(problem.code, language, {**problem.params, "column": header})
        if sentence not in sentences:
            sentences.append(sentence)
    return "\n".join(sentences)


def problem_writes(schema: Schema, snapshot: Snapshot, found: RowProblems) -> tuple[CellWrite, ...]:
    """Writes that bring each row's Problems cell to its new text (only where it changes)."""
    language = snapshot.settings.language
    writes: list[CellWrite] = []
    for tab in checked_tabs(schema):
        problems = found.get(tab.name, {})
        for row in snapshot.tab(tab.name):
            if row.row_id is None:
                continue
            row_problems = problems.get(row.row_id)
            text = problem_text(tab, row_problems, language) if row_problems else ""
            if text != row.text(PROBLEMS).strip():
                writes.append(CellWrite(tab.name, row.row_id, PROBLEMS, text))
    return tuple(writes)


def validate(
    schema: Schema, snapshot: Snapshot, now: datetime, memo: RowMemo[RowFacts] | None = None
) -> Plan:
    """The validation rule: Problems sentences for every checked row that changed."""
    found = find_problems(schema, snapshot, now, memo)
    return Plan(writes=problem_writes(schema, snapshot, found))


def validate_with_facts(
    schema: Schema, snapshot: Snapshot, now: datetime, memo: RowMemo[RowFacts] | None = None
) -> tuple[Plan, Findings]:
    """:func:`validate`, with what the checks found (for the duplicate finder: one pass)."""
    findings = find_problems_and_facts(schema, snapshot, now, memo)
    return Plan(writes=problem_writes(schema, snapshot, findings.problems)), findings
