"""The checks across rows, run every cycle over the ready rows of the whole workbook.

References to IDs that do not exist (and an interaction whose deal belongs to another customer),
automations and campaigns naming an unknown template, a campaign whose Segment filter cannot be
read (:func:`automations.rules.segment_filter.parse_segment_filter`), two customers with the same
email or phone (compared normalised; both rows name the other).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from automations import messages
from automations.rules.activity import id_key
from automations.rules.row_checks import Checker, Problem, ReadyRows, RowFacts, RowProblems
from automations.rules.segment_filter import SegmentFilterError, parse_segment_filter
from sheet_schema.model import Row, Snapshot
from sheet_schema.schema import ColumnType, Schema, fold

# Text columns that name a template by its key.
_TEMPLATE_REFERENCES = {"Automations": "template", "Campaigns": "template"}
_SHOWN_DUPLICATES = 3


def check_across_rows(
    schema: Schema,
    snapshot: Snapshot,
    ready: ReadyRows,
    found: RowProblems,
    customer_facts: Mapping[str, RowFacts],
    checker: Checker,
) -> None:
    """Add the cross-row problems of the ready rows to ``found`` (every checked tab is a key)."""
    _check_duplicates(
        ready.get("Customers", {}), customer_facts, found.get("Customers", {}), checker
    )
    _check_references(schema, snapshot, ready, found)
    _check_template_keys(snapshot, ready, found)
    _check_segment_filters(schema, ready, found, checker.language)


def _others(ids: Iterable[str], language: str) -> str:
    listed = sorted(ids)
    shown = listed[:_SHOWN_DUPLICATES]
    if len(listed) > _SHOWN_DUPLICATES:
        shown.append("…")
    return messages.and_list(shown, language)


def _check_duplicates(
    rows: Mapping[str, Row],
    facts: Mapping[str, RowFacts],
    found: dict[str, list[Problem]],
    checker: Checker,
) -> None:
    by_email: dict[str, list[str]] = defaultdict(list)
    by_phone: dict[str, list[str]] = defaultdict(list)
    for row_id, row_facts in facts.items():
        if row_facts.email:
            by_email[row_facts.email].append(row_id)
        if row_facts.phone:
            by_phone[row_facts.phone].append(row_id)
    checks = ((by_email, "email", "duplicate.email"), (by_phone, "phone", "duplicate.phone"))
    for groups, column, code in checks:
        for key, ids in groups.items():
            if len(ids) < 2:
                continue
            for row_id in ids:
                others = _others((i for i in ids if i != row_id), checker.language)
                params = {"value": rows[row_id].text(column).strip(), "others": others}
                if column == "phone":
                    params["e164"] = key
                found.setdefault(row_id, []).append(Problem(column, code, params))


def _known_ids(snapshot: Snapshot, tab: str) -> set[str]:
    return {id_key(r.row_id) for r in snapshot.tab(tab) if r.row_id}


def _check_references(
    schema: Schema, snapshot: Snapshot, ready: ReadyRows, found: RowProblems
) -> None:
    known: dict[str, set[str]] = {}
    # Every checked tab has an entry in ``ready`` (empty when no row is ready), in schema order.
    for tab in (schema.tab(name) for name in ready):
        references = [
            c
            for c in tab.columns
            if c.type is ColumnType.REFERENCE
            and not c.bot_owned
            and c.references
            and snapshot.readable(c.references)
        ]
        tab_found = found[tab.name]
        for column in references:
            target = column.references or ""
            if target not in known:
                known[target] = _known_ids(snapshot, target)
            ids, key = known[target], column.key
            for row_id, row in ready[tab.name].items():
                value = row.raw.get(key, "").strip()
                if value and value.upper() not in ids:
                    problem = Problem(key, "ref.missing", {"value": value, "tab": target})
                    tab_found.setdefault(row_id, []).append(problem)
    _check_deal_owners(snapshot, ready.get("Interactions", {}), found.get("Interactions", {}))


def _check_deal_owners(
    snapshot: Snapshot, interactions: Mapping[str, Row], found: dict[str, list[Problem]]
) -> None:
    owners = {id_key(r.row_id): id_key(r.values.get("customer_id")) for r in snapshot.tab("Deals")}
    for row_id, row in interactions.items():
        deal = row.raw.get("deal_id", "")
        if not deal:
            continue
        owner = owners.get(id_key(deal))
        customer = id_key(row.values.get("customer_id"))
        if customer and owner and owner != customer:
            problem = Problem(
                "deal_id",
                "ref.mismatch",
                {"value": deal.strip(), "owner": owner, "customer": customer},
            )
            found.setdefault(row_id, []).append(problem)


def _check_template_keys(snapshot: Snapshot, ready: ReadyRows, found: RowProblems) -> None:
    if not snapshot.readable("Templates"):
        return
    keys = {fold(r.text("key")) for r in snapshot.tab("Templates") if r.text("key").strip()}
    for tab_name, column in _TEMPLATE_REFERENCES.items():
        for row_id, row in ready.get(tab_name, {}).items():
            text = row.text(column).strip()
            if text and fold(text) not in keys:
                problem = Problem(column, "template.unknown", {"value": text})
                found[tab_name].setdefault(row_id, []).append(problem)


def _check_segment_filters(
    schema: Schema, ready: ReadyRows, found: RowProblems, language: str
) -> None:
    customers = schema.tab("Customers")
    for row_id, row in ready.get("Campaigns", {}).items():
        text = row.text("segment_filter")
        if not text.strip():
            continue
        try:
            parse_segment_filter(text, customers, language)
        except SegmentFilterError as error:
            problem = Problem("segment_filter", error.code, error.params)
            found.setdefault("Campaigns", {}).setdefault(row_id, []).append(problem)
